#include "platform/core/spawned.hpp"

#include <string>

#include "platform/core/log.hpp"
#include "platform/core/metrics.hpp"

namespace medcore {

void report_coroutine_failure(std::string_view spawned, std::exception_ptr error,
                              boost::json::object context) noexcept {
  try {
    std::string what = "unknown exception (not derived from std::exception)";
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    context["coroutine"] = spawned;
    context["error"] = what;
    metrics().count_coroutine_failure(spawned);
    log::error("coroutine_failed", std::move(context));
  } catch (...) {
    // Out of memory while reporting: nothing better to do than to go on.
  }
}

}  // namespace medcore
