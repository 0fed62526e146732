// Start-up helpers shared by the three programs: version text, config loading with error reporting.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/config_load.hpp"
#include "common/log.hpp"

namespace mmm {

// "<name> <version>", as `--version` prints it.
std::string version_line(const std::string& program_name);

// Loads the config for `program`, prints every error to stderr as "FILE:LINE: key: what" and every warning as
// "WARN ...". Returns the result; the caller exits 2 when !ok().
LoadResult load_config_reporting(const std::string& explicit_path, const std::string& cluster, Program program);

// mysql-mmm's Log4perl file for `program` (spec §1.2): mmm_mon_log[_CLUSTER].conf or mmm_agent_log[_CLUSTER].conf,
// the first found in `dirs` (the config's own directory, then legacy_config_dirs), or nullopt.
std::optional<std::string> find_log4perl_file(Program program, const std::string& cluster,
                                              const std::vector<std::string>& dirs);

// Opens the daemon's log: the config's log path (monitor.log_path / agent.log_path) at INFO, DEBUG with `debug`;
// with mysql-mmm's legacy config files and a Log4perl file beside them, what that file asks for instead (its file
// appender's filename and threshold, its level, a Log::Dispatch::Syslog appender), `debug` still switching to DEBUG.
// Every part of the Log4perl file that is not honoured goes to stderr and to the log as WARN. `ident` tags syslog
// lines. Returns an error text when the log file cannot be opened.
std::string open_program_log(Logger& log, const LoadResult& loaded, Program program, const std::string& cluster,
                             LogToStderr to_stderr, const std::string& ident);

}  // namespace mmm
