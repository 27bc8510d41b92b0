#include "platform/core/outage_backoff.hpp"

#include <algorithm>

namespace medcore {

OutageBackoff::OutageBackoff(std::chrono::milliseconds interval)
    : interval_(std::clamp(interval, std::chrono::milliseconds(1), kMaxOutageWait)) {}

std::chrono::milliseconds OutageBackoff::next() {
  // Doubling stops at the cap long before the shift could overflow.
  const int doublings = std::min(failures_, 16);
  if (failures_ < 1000) ++failures_;
  const std::chrono::milliseconds grown{interval_.count() << doublings};
  return std::min(grown, kMaxOutageWait);
}

}  // namespace medcore
