// Duration parsing and formatting for configuration values.
#include "common/duration.hpp"

#include <cmath>
#include <cstdlib>
#include <fmt/format.h>

namespace mmm {

Result<Duration> parse_duration(std::string_view text) {
    auto trimmed = text;
    while (!trimmed.empty() && (trimmed.front() == ' ' || trimmed.front() == '\t')) trimmed.remove_prefix(1);
    while (!trimmed.empty() && (trimmed.back() == ' ' || trimmed.back() == '\t')) trimmed.remove_suffix(1);
    if (trimmed.empty()) return fail("empty duration");

    std::size_t i = 0;
    while (i < trimmed.size() && ((trimmed[i] >= '0' && trimmed[i] <= '9') || trimmed[i] == '.')) ++i;
    const std::string number(trimmed.substr(0, i));
    const std::string_view unit = trimmed.substr(i);
    if (number.empty() || number == "." || number.find('.') != number.rfind('.'))
        return fail(fmt::format("'{}' is not a duration (use seconds like 5 or 0.5, or units: 250ms, 2s, 1m)", text));

    double factor_ms = 1000.0;
    if (unit.empty() || unit == "s") factor_ms = 1000.0;
    else if (unit == "ms") factor_ms = 1.0;
    else if (unit == "m" || unit == "min") factor_ms = 60'000.0;
    else if (unit == "h") factor_ms = 3'600'000.0;
    else
        return fail(fmt::format("'{}' has an unknown unit '{}' (use ms, s, m or h)", text, unit));

    const double value = std::strtod(number.c_str(), nullptr) * factor_ms;
    if (!std::isfinite(value) || value > 1e15)
        return fail(fmt::format("'{}' is too large", text));
    return Duration{static_cast<long long>(std::llround(value))};
}

std::string format_duration(Duration d) {
    const auto ms = d.count();
    if (ms % 1000 == 0) return fmt::format("{}", ms / 1000);
    std::string s = fmt::format("{:.3f}", static_cast<double>(ms) / 1000.0);
    while (s.back() == '0') s.pop_back();
    return s;
}

}  // namespace mmm
