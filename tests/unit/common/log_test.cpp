// Unit tests of the audit log: the line format, the file (appends, threshold, rotation, mode, descriptors).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <regex>

#include "common/log.hpp"

using namespace mmm;

TEST_CASE("log lines are 'YYYY/MM/DD HH:MM:SS LEVEL message' with the level right-aligned to 5", "[log]") {
    ::setenv("TZ", "UTC", 1);
    ::tzset();
    const auto t = std::chrono::system_clock::from_time_t(1795357163);  // 2026/11/22 14:19:23 UTC
    CHECK(format_log_line(t, LogLevel::Fatal, "State of host 'db1' changed from ONLINE to HARD_OFFLINE") ==
          "2026/11/22 14:19:23 FATAL State of host 'db1' changed from ONLINE to HARD_OFFLINE");
    CHECK(format_log_line(t, LogLevel::Info, "END") == "2026/11/22 14:19:23  INFO END");
    CHECK(format_log_line(t, LogLevel::Warn, "x") == "2026/11/22 14:19:23  WARN x");
    CHECK(format_log_line(t, LogLevel::Debug, "x") == "2026/11/22 14:19:23 DEBUG x");
    CHECK(format_log_line(t, LogLevel::Error, "x") == "2026/11/22 14:19:23 ERROR x");
}

TEST_CASE("the logger appends to its file, honours the threshold and reopens after rotation", "[log]") {
    char tmpl[] = "/tmp/mmm-log-test-XXXXXX";
    const std::filesystem::path dir = ::mkdtemp(tmpl);
    const auto path = (dir / "sub" / "mmm.log").string();
    {
        Logger log;
        REQUIRE(log.open(path, LogToStderr::No).empty());
        log.debug("hidden {}", 1);
        log.info("Check '{}' on '{}' is ok!", "mysql", "db1");
        std::filesystem::rename(path, path + ".1");
        log.reopen();
        log.fatal("after {}", "rotation");
    }
    std::ifstream rotated(path + ".1"), fresh(path);
    std::string a, b, extra;
    std::getline(rotated, a);
    std::getline(fresh, b);
    CHECK(std::regex_match(a, std::regex(R"(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d  INFO Check 'mysql' on 'db1' is ok!)")));
    CHECK(std::regex_match(b, std::regex(R"(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d FATAL after rotation)")));
    CHECK_FALSE(std::getline(rotated, extra));
    std::filesystem::remove_all(dir);
}

TEST_CASE("a Log4perl file appender's Threshold filters the file only", "[log]") {
    char tmpl[] = "/tmp/mmm-log-test-XXXXXX";
    const std::filesystem::path dir = ::mkdtemp(tmpl);
    const auto path = (dir / "mmm.log").string();
    {
        Logger log;
        REQUIRE(log.open(path, LogToStderr::No, LogLevel::Debug).empty());
        log.set_file_threshold(LogLevel::Warn);
        log.info("below the file's threshold");
        log.warn("at {}", "it");
        log.fatal("above it");
    }
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line.substr(20));
    CHECK(lines == std::vector<std::string>{" WARN at it", "FATAL above it"});
    std::filesystem::remove_all(dir);
}

TEST_CASE("the log file is created 0640, close-on-exec, and reopening it keeps one descriptor (issue 12 item 15)",
          "[log][security]") {
    char tmpl[] = "/tmp/mmm-log-test-XXXXXX";
    const std::filesystem::path dir = ::mkdtemp(tmpl);
    const auto path = (dir / "mmm.log").string();
    const auto open_descriptors = [] {
        const std::filesystem::directory_iterator fds("/proc/self/fd");
        return std::distance(fds, std::filesystem::directory_iterator{});
    };
    const mode_t umask_before = ::umask(022);
    {
        Logger log;
        const auto before = open_descriptors();
        REQUIRE(log.open(path, LogToStderr::No).empty());
        CHECK(open_descriptors() == before + 1);
        struct stat st {};
        REQUIRE(::stat(path.c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0640);
        for (int i = 0; i < 6; ++i) {
            std::filesystem::rename(path, path + "." + std::to_string(i));
            log.reopen();
            log.info("reopened {}", i);
        }
        CHECK(open_descriptors() == before + 1);
        REQUIRE(::stat(path.c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0640);
        // The descriptor is close-on-exec: find it among ours by the file it names.
        int log_fd = -1;
        for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
            std::error_code ec;
            if (std::filesystem::read_symlink(entry.path(), ec) == path) log_fd = std::stoi(entry.path().filename());
        }
        REQUIRE(log_fd >= 0);
        CHECK((::fcntl(log_fd, F_GETFD) & FD_CLOEXEC) != 0);
    }
    ::umask(umask_before);
    std::filesystem::remove_all(dir);
}
