// Config file selection and error rendering.
#include "common/config_load.hpp"

#include <fmt/format.h>

namespace mmm {

std::string ConfigError::to_string() const {
    std::string s = file;
    if (line > 0) s += fmt::format(":{}", line);
    s += ": ";
    if (!key.empty()) s += key + ": ";
    s += what;
    return s;
}

std::string LoadResult::error_text() const {
    std::string s;
    for (const auto& e : errors) s += e.to_string() + "\n";
    return s;
}

LoadResult load_config(const std::string& explicit_path, const std::string& cluster, Program program) {
    (void)cluster;
    (void)program;
    LoadResult r;
    r.errors.push_back({explicit_path, 0, "", "config loading is not implemented yet"});
    return r;
}

}  // namespace mmm
