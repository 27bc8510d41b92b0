#include "engines/ml/json_text.hpp"

#include <boost/json.hpp>
#include <charconv>
#include <cmath>

namespace medcore::ml {

namespace {
void write(const boost::json::value& v, std::string& out, int indent, bool compact = false) {
  const std::string pad(static_cast<std::size_t>(indent + 2), ' '), close(static_cast<std::size_t>(indent), ' ');
  switch (v.kind()) {
    case boost::json::kind::object: {
      const auto& o = v.get_object();
      if (o.empty()) {
        out += "{}";
        return;
      }
      out += compact ? "{" : "{\n";
      bool first = true;
      for (const auto& kv : o) {
        if (!first) out += compact ? ", " : ",\n";
        first = false;
        out += (compact ? "" : pad) + boost::json::serialize(boost::json::string(kv.key())) + ": ";
        write(kv.value(), out, indent + 2, compact);
      }
      out += compact ? "}" : "\n" + close + "}";
      return;
    }
    case boost::json::kind::array: {
      const auto& a = v.get_array();
      if (a.empty()) {
        out += "[]";
        return;
      }
      // Arrays of scalars stay on one line.
      bool scalars = true;
      for (const auto& e : a) scalars = scalars && !e.is_object() && !e.is_array();
      scalars = scalars || compact;
      out += scalars ? "[" : "[\n";
      bool first = true;
      for (const auto& e : a) {
        if (!first) out += scalars ? ", " : ",\n";
        first = false;
        if (!scalars) out += pad;
        write(e, out, indent + 2, compact);
      }
      out += scalars ? "]" : "\n" + close + "]";
      return;
    }
    case boost::json::kind::double_: {
      const double d = v.get_double();
      if (!std::isfinite(d)) {
        out += "null";
        return;
      }
      char buf[40];
      auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, d);
      (void)ec;
      std::string s(buf, ptr);
      if (s.find_first_of(".eE") == std::string::npos) s += ".0";
      out += s;
      return;
    }
    default:
      out += boost::json::serialize(v);
  }
}
}  // namespace

std::string pretty_json(const boost::json::value& v) {
  std::string out;
  write(v, out, 0);
  out += "\n";
  return out;
}

std::string compact_json(const boost::json::value& v) {
  std::string out;
  write(v, out, 0, true);
  return out;
}

double round_to(double v, int decimals) {
  if (!std::isfinite(v)) return v;
  const double f = std::pow(10.0, decimals);
  return std::round(v * f) / f;
}

}  // namespace medcore::ml
