// Start-up helpers shared by the three programs.
#include "common/program.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "common/log4perl.hpp"

namespace mmm {

namespace fs = std::filesystem;

std::string version_line(const std::string& program_name) { return fmt::format("{} {}", program_name, MMM_VERSION); }

LoadResult load_config_reporting(const std::string& explicit_path, const std::string& cluster, Program program) {
    LoadResult r = load_config(explicit_path, cluster, program);
    for (const auto& w : r.warnings) fmt::print(stderr, "WARN {}\n", w);
    for (const auto& e : r.errors) fmt::print(stderr, "{}\n", e.to_string());
    return r;
}

std::optional<std::string> find_log4perl_file(Program program, const std::string& cluster,
                                              const std::vector<std::string>& dirs) {
    const std::string name =
        fmt::format("{}{}.conf", program == Program::Agent ? "mmm_agent_log" : "mmm_mon_log", cluster.empty() ? "" : "_" + cluster);
    for (const auto& dir : dirs) {
        const std::string candidate = dir + "/" + name;
        if (std::ifstream(candidate).good()) return candidate;
    }
    return std::nullopt;
}

std::string open_program_log(Logger& log, const LoadResult& loaded, Program program, const std::string& cluster,
                             LogToStderr to_stderr, const std::string& ident) {
    const Config& config = loaded.config;
    const std::string log_key = program == Program::Agent ? "agent.log_path" : "monitor.log_path";
    std::string path = program == Program::Agent ? config.agent.log_path : config.monitor.log_path;
    LogLevel level = LogLevel::Info;
    std::vector<std::string> warnings;
    Log4perlSetup setup;
    // mysql-mmm's Log4perl file sits beside its config: the directory of the config that was read comes first
    // (it may be one given with -c), then the legacy directories.
    std::vector<std::string> dirs = {fs::path(loaded.source).parent_path().string()};
    for (const auto& dir : legacy_config_dirs)
        if (dirs.front() != dir) dirs.push_back(dir);
    const auto log4perl = find_log4perl_file(program, cluster, dirs);
    if (log4perl && loaded.format == ConfigFormat::Yaml) {
        warnings.push_back(fmt::format("{} is not read with a YAML configuration: {} and debug in {} decide the log",
                                       *log4perl, log_key, loaded.source));
    } else if (log4perl) {
        std::ifstream in(*log4perl);
        std::stringstream text;
        text << in.rdbuf();
        setup = interpret_log4perl(parse_log4perl_properties(text.str(), *log4perl), *log4perl, log_key);
        warnings = setup.warnings;
        if (setup.level) level = *setup.level;
        if (setup.file) {
            path = *setup.file;
        } else if (setup.syslog) {
            path.clear();  // syslog only, as the file asks
        } else {
            warnings.push_back(fmt::format("{}: no file or syslog appender mmm can use: mmm logs to {} ({})",
                                           *log4perl, path, log_key));
        }
    }
    if (config.debug) level = LogLevel::Debug;
    if (auto error = log.open(path, to_stderr, level); !error.empty()) return error;
    log.set_file_threshold(setup.file_threshold);
    if (setup.syslog)
        log.open_syslog(setup.syslog->ident.empty() ? ident : setup.syslog->ident, setup.syslog->facility,
                        setup.syslog->with_pid, setup.syslog->threshold);
    for (const auto& w : warnings) {
        if (to_stderr == LogToStderr::No) fmt::print(stderr, "WARN {}\n", w);
        log.warn("{}", w);
    }
    return {};
}

}  // namespace mmm
