// The audit log: lines "YYYY/MM/DD HH:MM:SS LEVEL message" (mysql-mmm's format) to a file and/or stderr.
#pragma once

#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace mmm {

enum class LogLevel { Debug, Info, Warn, Error, Fatal };

std::string_view to_string(LogLevel level);  // "DEBUG", "INFO", "WARN", "ERROR", "FATAL"

// One log line without the trailing newline, in local time: "2026/11/22 14:19:23 FATAL message".
std::string format_log_line(std::chrono::system_clock::time_point when, LogLevel level, std::string_view message);

enum class LogToStderr { No, Yes };

// Thread-safe; one instance per process, created by main() and passed by reference to the shells.
class Logger {
public:
    Logger() = default;
    Logger(const Logger&) = delete;
    Logger& operator=(const Logger&) = delete;
    ~Logger();

    // Opens (appends to) `path`; empty path = no file. Returns an error text on failure.
    std::string open(std::string path, LogToStderr to_stderr, LogLevel threshold = LogLevel::Info);
    // Reopens the file after logrotate moved it (SIGHUP).
    void reopen();
    void set_threshold(LogLevel level) { threshold_ = level; }
    // Lines below `level` are not written to the file (they still go to stderr and syslog).
    void set_file_threshold(LogLevel level) { file_threshold_ = level; }
    // Also sends lines at or above `threshold` to syslog(3) (the message without timestamp; the level as priority).
    // `facility` is a syslog facility name ("user", "daemon", "local0".."local7", ...), `ident` the tag.
    void open_syslog(std::string ident, std::string_view facility, bool with_pid, LogLevel threshold);

    void write(LogLevel level, std::string_view message);

    template <typename... Args>
    void debug(fmt::format_string<Args...> f, Args&&... args) { emit(LogLevel::Debug, f, std::forward<Args>(args)...); }
    template <typename... Args>
    void info(fmt::format_string<Args...> f, Args&&... args) { emit(LogLevel::Info, f, std::forward<Args>(args)...); }
    template <typename... Args>
    void warn(fmt::format_string<Args...> f, Args&&... args) { emit(LogLevel::Warn, f, std::forward<Args>(args)...); }
    template <typename... Args>
    void error(fmt::format_string<Args...> f, Args&&... args) { emit(LogLevel::Error, f, std::forward<Args>(args)...); }
    template <typename... Args>
    void fatal(fmt::format_string<Args...> f, Args&&... args) { emit(LogLevel::Fatal, f, std::forward<Args>(args)...); }

private:
    template <typename... Args>
    void emit(LogLevel level, fmt::format_string<Args...> f, Args&&... args) {
        if (level < threshold_) return;
        write(level, fmt::format(f, std::forward<Args>(args)...));
    }

    std::mutex mutex_;
    std::string path_;
    std::FILE* file_ = nullptr;
    LogToStderr to_stderr_ = LogToStderr::Yes;
    LogLevel threshold_ = LogLevel::Info;
    LogLevel file_threshold_ = LogLevel::Debug;
    bool syslog_ = false;
    std::string syslog_ident_;  // openlog keeps the pointer
    LogLevel syslog_threshold_ = LogLevel::Debug;
};

}  // namespace mmm
