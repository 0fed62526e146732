// Audit log implementation: formatting, file append, reopen on SIGHUP.
#include "common/log.hpp"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>

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

Logger::~Logger() {
    if (file_ != nullptr) std::fclose(file_);
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
    file_ = std::fopen(path_.c_str(), "ae");
    if (file_ == nullptr) return fmt::format("can't open log file '{}': {}", path_, std::strerror(errno));
    return {};
}

void Logger::reopen() {
    std::lock_guard lock(mutex_);
    if (path_.empty()) return;
    if (file_ != nullptr) std::fclose(file_);
    file_ = std::fopen(path_.c_str(), "ae");
}

void Logger::write(LogLevel level, std::string_view message) {
    if (level < threshold_) return;
    std::string line = format_log_line(std::chrono::system_clock::now(), level, message);
    line.push_back('\n');
    std::lock_guard lock(mutex_);
    if (file_ != nullptr) {
        std::fwrite(line.data(), 1, line.size(), file_);
        std::fflush(file_);
    }
    if (to_stderr_ == LogToStderr::Yes) {
        std::fwrite(line.data(), 1, line.size(), stderr);
        std::fflush(stderr);
    }
}

}  // namespace mmm
