// Prometheus text exposition format (version 0.0.4): the monitor's and the agent's /metrics.
#pragma once

#include <string>
#include <string_view>

#include <fmt/format.h>

namespace mmm {

// A label value with backslash, double quote and line feed escaped.
inline std::string prometheus_label(std::string_view value) {
    std::string out;
    for (char c : value) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

// Metric families written one after the other: family() once, then its samples.
struct PrometheusText {
    std::string text;
    void family(std::string_view name, std::string_view type, std::string_view help) {
        text += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
    }
    template <typename V>
    void sample(std::string_view name, std::string_view labels, V value) {
        if (labels.empty()) text += fmt::format("{} {}\n", name, value);
        else text += fmt::format("{}{{{}}} {}\n", name, labels, value);
    }
};

}  // namespace mmm
