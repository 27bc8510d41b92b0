#pragma once
// Readable JSON for files kept in git (model cards): two-space indentation, numbers in their
// shortest round-trip form ("0.9123", not "9.123E-1").
#include <boost/json/value.hpp>
#include <string>

namespace medcore::ml {

std::string pretty_json(const boost::json::value& v);
// The same number style on one line: {"max_depth": 2, "eta": 0.02}.
std::string compact_json(const boost::json::value& v);
// Rounds to `digits` significant decimals after the point (for metrics in cards).
double round_to(double v, int decimals);

}  // namespace medcore::ml
