// Durations in configuration: plain seconds, fractions and units ("5", "0.2", "250ms", "2s", "1m").
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace mmm {

using Duration = std::chrono::milliseconds;

// Parses "5", "0.2", "250ms", "2s", "1.5s", "3m", "1h". Negative values and garbage are errors.
Result<Duration> parse_duration(std::string_view text);

// Renders a duration the shortest exact way: "5", "0.2", "250ms" becomes "0.25".
std::string format_duration(Duration d);

// Seconds as a double, for log texts and arithmetic in the core.
inline double seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace mmm
