// Start-up helpers shared by the three programs: version text, config loading with error reporting.
#pragma once

#include <string>

#include "common/config_load.hpp"

namespace mmm {

// "<name> <version>", as `--version` prints it.
std::string version_line(const std::string& program_name);

// Loads the config for `program`, prints every error to stderr as "FILE:LINE: key: what" and every warning as
// "WARN ...". Returns the result; the caller exits 2 when !ok().
LoadResult load_config_reporting(const std::string& explicit_path, const std::string& cluster, Program program);

}  // namespace mmm
