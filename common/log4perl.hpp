// mysql-mmm's Log4perl files (mmm_mon_log.conf, mmm_agent_log.conf; spec §1.2, §11) read as far as they map onto
// mmm's log: one file, a level, syslog. Pure text handling; every part that is not honoured becomes a warning
// naming what to use instead.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/log.hpp"

namespace mmm {

// One `key = value` of a Log4perl file, continuation lines joined.
struct Log4perlProperty {
    std::string key;
    std::string value;
    int line = 0;  // 1-based line where it starts
};

struct Log4perlProperties {
    std::vector<Log4perlProperty> properties;  // file order
    std::vector<std::string> warnings;         // lines that are not `key = value`
};

// Log4perl's property syntax: `key = value` lines, `#` comment lines, blank lines, a trailing backslash continues
// the value on the next line (its leading blanks dropped). `file` names the file in the warnings.
Log4perlProperties parse_log4perl_properties(std::string_view text, std::string_view file);

// A syslog(3) destination (Log::Dispatch::Syslog).
struct SyslogTarget {
    std::string ident;              // empty = the program's name
    std::string facility = "user";  // Log::Dispatch::Syslog's default
    bool with_pid = false;          // logopt contains "pid"
    LogLevel threshold = LogLevel::Debug;
};

// What mmm takes from a Log4perl file.
struct Log4perlSetup {
    std::optional<LogLevel> level;         // the root logger's level
    std::optional<std::string> file;       // the file appender's filename (none: no file appender)
    LogLevel file_threshold = LogLevel::Debug;
    std::optional<SyslogTarget> syslog;
    std::vector<std::string> warnings;     // every part that is not honoured, with what to use instead
};

// Interprets the properties: the root logger (`log4perl.logger` / `log4perl.rootLogger` = LEVEL, APPENDER...),
// its appenders' `filename`, `Threshold` / `min_level`, and syslog's `ident`, `facility`, `logopt`.
// `log_key` names the mmm key that sets the log file ("monitor.log_path" or "agent.log_path").
Log4perlSetup interpret_log4perl(const Log4perlProperties& properties, std::string_view file,
                                 std::string_view log_key);

// Log4perl and Log::Dispatch level names, any case (TRACE/ALL -> DEBUG, notice -> INFO, warning -> WARN,
// critical/alert/emergency -> FATAL). nullopt for anything else, OFF included.
std::optional<LogLevel> parse_log4perl_level(std::string_view name);

}  // namespace mmm
