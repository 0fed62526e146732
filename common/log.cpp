// Audit log implementation: formatting, file append, reopen on SIGHUP.
#include "common/log.hpp"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <utility>

#include <fcntl.h>
#include <syslog.h>
#include <unistd.h>

namespace mmm {

std::string_view to_string(LogLevel level) {
    switch (level) {
    case LogLevel::Debug: return "DEBUG";
    case LogLevel::Info: return "INFO";
    case LogLevel::Warn: return "WARN";
    case LogLevel::Error: return "ERROR";
    case LogLevel::Fatal: return "FATAL";
    }
    return "INFO";
}

std::string format_log_line(std::chrono::system_clock::time_point when, LogLevel level, std::string_view message) {
    const std::time_t t = std::chrono::system_clock::to_time_t(when);
    std::tm tm{};
    localtime_r(&t, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y/%m/%d %H:%M:%S", &tm);
    return fmt::format("{} {:>5} {}", stamp, to_string(level), message);
}

namespace {
int syslog_facility(std::string_view name) {
    static constexpr std::pair<std::string_view, int> facilities[] = {
        {"auth", LOG_AUTH},     {"authpriv", LOG_AUTHPRIV}, {"cron", LOG_CRON},     {"daemon", LOG_DAEMON},
        {"kern", LOG_KERN},     {"local0", LOG_LOCAL0},     {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2},
        {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4},     {"local5", LOG_LOCAL5}, {"local6", LOG_LOCAL6},
        {"local7", LOG_LOCAL7}, {"lpr", LOG_LPR},           {"mail", LOG_MAIL},     {"news", LOG_NEWS},
        {"syslog", LOG_SYSLOG}, {"user", LOG_USER},         {"uucp", LOG_UUCP}};
    for (const auto& [n, f] : facilities)
        if (n == name) return f;
    return LOG_USER;
}

// Opens `path` for appending, close-on-exec; created with mode 0640 (less the umask), not fopen's 0666 (issue 12
// item 15): the log names hosts, users and what the cluster did.
std::FILE* open_for_append(const std::string& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) return nullptr;
    std::FILE* file = ::fdopen(fd, "a");
    if (file == nullptr) ::close(fd);
    return file;
}

int syslog_priority(LogLevel level) {
    switch (level) {
    case LogLevel::Debug: return LOG_DEBUG;
    case LogLevel::Info: return LOG_INFO;
    case LogLevel::Warn: return LOG_WARNING;
    case LogLevel::Error: return LOG_ERR;
    case LogLevel::Fatal: return LOG_CRIT;
    }
    return LOG_INFO;
}
}  // namespace

Logger::~Logger() {
    if (file_ != nullptr) std::fclose(file_);
    if (syslog_) closelog();
}

void Logger::open_syslog(std::string ident, std::string_view facility, bool with_pid, LogLevel threshold) {
    std::lock_guard lock(mutex_);
    if (syslog_) closelog();
    syslog_ident_ = std::move(ident);
    syslog_threshold_ = threshold;
    openlog(syslog_ident_.c_str(), LOG_NDELAY | (with_pid ? LOG_PID : 0), syslog_facility(facility));
    syslog_ = true;
}

std::string Logger::open(std::string path, LogToStderr to_stderr, LogLevel threshold) {
    std::lock_guard lock(mutex_);
    to_stderr_ = to_stderr;
    threshold_ = threshold;
    path_ = std::move(path);
    if (file_ != nullptr) {
        std::fclose(file_);
        file_ = nullptr;
    }
    if (path_.empty()) return {};
    std::error_code ec;
    const auto dir = std::filesystem::path(path_).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);
    file_ = open_for_append(path_);
    if (file_ == nullptr) return fmt::format("can't open log file '{}': {}", path_, std::strerror(errno));
    return {};
}

void Logger::reopen() {
    std::lock_guard lock(mutex_);
    if (path_.empty()) return;
    if (file_ != nullptr) std::fclose(file_);
    file_ = open_for_append(path_);
}

void Logger::write(LogLevel level, std::string_view message) {
    if (level < threshold_) return;
    std::string line = format_log_line(std::chrono::system_clock::now(), level, message);
    line.push_back('\n');
    std::lock_guard lock(mutex_);
    if (file_ != nullptr && level >= file_threshold_) {
        std::fwrite(line.data(), 1, line.size(), file_);
        std::fflush(file_);
    }
    if (to_stderr_ == LogToStderr::Yes) {
        std::fwrite(line.data(), 1, line.size(), stderr);
        std::fflush(stderr);
    }
    if (syslog_ && level >= syslog_threshold_) {
        const std::string text(message);
        ::syslog(syslog_priority(level), "%s", text.c_str());
    }
}

}  // namespace mmm
