// Loading and validating configuration: YAML (mmm.yaml) and legacy mysql-mmm files (mmm_*.conf).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/config.hpp"

namespace mmm {

// Where mysql-mmm's files are searched, in order: its configs, their includes and its Log4perl files.
inline const std::vector<std::string> legacy_config_dirs = {"/etc", "/etc/mmm", "/etc/mysql-mmm"};

// Which program reads the config: decides which keys are required.
enum class Program { Monitor, Agent, Control };

struct ConfigError {
    std::string file;
    int line = 0;     // 1-based; 0 = whole file
    std::string key;  // dotted path like "hosts.db1.peer"; may be empty
    std::string what;
    std::string to_string() const;  // "FILE:LINE: key: what"
};

// Which kind of file the config came from: mmm's YAML or mysql-mmm's legacy mmm_*.conf files.
enum class ConfigFormat { Yaml, Legacy };

struct LoadResult {
    Config config;
    std::vector<ConfigError> errors;    // empty = valid
    std::vector<std::string> warnings;  // things an operator should know, not fatal
    std::string source;                 // the file that was read
    std::vector<std::string> files;     // every file read: legacy includes too (each one's permissions are checked)
    ConfigFormat format = ConfigFormat::Yaml;
    std::map<std::string, int> lines;   // dotted key path -> line where it was given (for cross-field errors)
    bool ok() const { return errors.empty(); }
    std::string error_text() const;     // every error, one per line
};

// Parses YAML text (no file access); `file` names it in error messages.
LoadResult parse_yaml_config(const std::string& text, const std::string& file, Program program);

// Reads a YAML file; also checks its permissions (a config with passwords readable by everyone is an error).
LoadResult load_yaml_config(const std::string& path, Program program);

// Reads legacy mysql-mmm files: `path` is e.g. /etc/mysql-mmm/mmm_mon.conf; includes are resolved beside the
// including file first, then in /etc, /etc/mmm, /etc/mysql-mmm.
LoadResult load_legacy_config(const std::string& path, Program program);

// Picks the file by the rules of mmm: an explicit path (YAML unless it ends in .conf); else
// /etc/mysql-mmm/mmm[_CLUSTER].yaml; else the legacy mmm_mon[_CLUSTER].conf / mmm_agent[_CLUSTER].conf.
LoadResult load_config(const std::string& explicit_path, const std::string& cluster, Program program);

// Cross-field checks over a parsed model; appends to `out.errors` (lines from `out.lines`).
void validate_config(LoadResult& out, Program program);

// The model as commented-free YAML that parse_yaml_config reads back into an equal model.
std::string to_yaml(const Config& config);

}  // namespace mmm
