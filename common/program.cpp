// Start-up helpers shared by the three programs.
#include "common/program.hpp"

#include <cstdio>
#include <fmt/format.h>

namespace mmm {

std::string version_line(const std::string& program_name) { return fmt::format("{} {}", program_name, MMM_VERSION); }

LoadResult load_config_reporting(const std::string& explicit_path, const std::string& cluster, Program program) {
    LoadResult r = load_config(explicit_path, cluster, program);
    for (const auto& w : r.warnings) fmt::print(stderr, "WARN {}\n", w);
    for (const auto& e : r.errors) fmt::print(stderr, "{}\n", e.to_string());
    return r;
}

}  // namespace mmm
