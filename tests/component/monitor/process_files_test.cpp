// Component tests of the daemon's process and file plumbing: kill_host_bin runs, the status file (the pid file:
// tests/unit/common/pid_file_test.cpp).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

#include "common/state_file.hpp"
#include "component/monitor/test_support.hpp"
#include "monitor/kill_host.hpp"

using namespace mmm;
using namespace mmm::monitor;
using namespace std::chrono_literals;
using mmm::monitor::test::run_until;

namespace {

KillOutcome run(std::vector<std::string> argv, Duration timeout) {
    asio::io_context io;
    std::optional<KillOutcome> out;
    asio::co_spawn(io, run_command(std::move(argv), timeout), [&](std::exception_ptr, KillOutcome o) { out = o; });
    run_until(io, [&] { return out.has_value(); }, 20s);
    REQUIRE(out);
    return *out;
}

std::filesystem::path temp_dir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "mmm-daemon-test-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    return pattern;
}

KillOutcome run_sh(const std::string& script, Duration timeout) { return run({"/bin/sh", "-c", script}, timeout); }

// An executable script in `dir`.
std::string write_script(const std::filesystem::path& dir, const std::string& name, const std::string& body) {
    const auto path = (dir / name).string();
    std::ofstream(path) << "#!/bin/sh\n" << body;
    ::chmod(path.c_str(), 0700);
    return path;
}

}  // namespace

TEST_CASE("kill_host_bin: output and exit code are captured", "[component][kill_host]") {
    const auto ok = run({"/bin/sh", "-c", "echo fenced $0 $1; echo warn >&2", "fence", "db1"}, 5s);
    CHECK(ok.started);
    CHECK_FALSE(ok.timed_out);
    CHECK(ok.exit_code == 0);
    CHECK(ok.output == "fenced fence db1\nwarn\n");
    const auto failed = run_sh("echo nope; exit 3", 5s);
    CHECK(failed.exit_code == 3);
    CHECK(failed.output == "nope\n");
}

TEST_CASE("kill_host_bin: a command past its deadline is killed with its children", "[component][kill_host]") {
    const auto t0 = std::chrono::steady_clock::now();
    const auto hung = run_sh("echo start; sleep 30 & sleep 30", 300ms);
    const auto took = std::chrono::steady_clock::now() - t0;
    CHECK(hung.timed_out);
    CHECK(hung.exit_code == 128 + 9);
    CHECK(hung.output == "start\n");
    CHECK(took >= 300ms);
    CHECK(took < 3s);
}

TEST_CASE("kill_host_bin: command line and path resolution as mysql-mmm", "[component][kill_host]") {
    MonitorConfig m;
    CHECK(resolve_kill_host_bin(m).empty());
    m.kill_host_bin = "kill_host";
    CHECK(resolve_kill_host_bin(m) == "kill_host");
    m.bin_path = "/usr/lib/mysql-mmm";
    CHECK(resolve_kill_host_bin(m) == "/usr/lib/mysql-mmm/monitor/kill_host");
    m.kill_host_bin = "/usr/local/bin/fence";
    CHECK(resolve_kill_host_bin(m) == "/usr/local/bin/fence");
    CHECK(kill_host_command("/usr/local/bin/fence", "db1", true) == "/usr/local/bin/fence db1 1");
    CHECK(kill_host_command("/usr/local/bin/fence", "db2", false) == "/usr/local/bin/fence db2 0");
    CHECK(kill_host_argv("/usr/local/bin/fence", "db1", true) ==
          std::vector<std::string>{"/usr/local/bin/fence", "db1", "1"});
}

TEST_CASE("kill_host_bin is started without a shell: each argument arrives as it is (issue 12 item 8)",
          "[component][kill_host][security]") {
    const auto dir = temp_dir();
    const auto marker = dir / "injected";
    const auto bin = write_script(dir, "fence", "for a in \"$@\"; do printf '[%s]\\n' \"$a\"; done\n");
    const auto out = run(kill_host_argv(bin, "db3;touch " + marker.string() + " $(id)", false), 5s);
    CHECK(out.exit_code == 0);
    CHECK(out.output == "[db3;touch " + marker.string() + " $(id)]\n[0]\n");
    CHECK_FALSE(std::filesystem::exists(marker));
    // A file that is not there: execv fails in the child, which says so and exits 127.
    const auto missing = run(kill_host_argv((dir / "nothing").string(), "db1", true), 5s);
    CHECK(missing.exit_code == 127);
    CHECK(missing.output == "kill_host_bin: execv failed\n");
    std::filesystem::remove_all(dir);
}

TEST_CASE("kill_host_bin inherits no descriptor but 0, 1 and 2 (issue 12 item 9)", "[component][kill_host][security]") {
    const auto dir = temp_dir();
    // Descriptors of this process without close-on-exec, as asio's sockets are.
    const int file = ::open("/dev/null", O_RDONLY);
    const int sock = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(file > 2);
    REQUIRE(sock > 2);
    const auto bin = write_script(dir, "list_fds", "exec ls /proc/self/fd\n");
    const auto out = run(kill_host_argv(bin, "db1", true), 5s);
    ::close(file);
    ::close(sock);
    CHECK(out.exit_code == 0);
    CHECK(out.output == "0\n1\n2\n3\n");  // 3: the directory ls reads
    std::filesystem::remove_all(dir);
}

TEST_CASE("status file: missing, written atomically with mode 0600, replaced", "[component][status_file]") {
    const auto dir = temp_dir();
    const auto path = (dir / "mmm_mond.status").string();
    auto missing = read_state_file(path);
    REQUIRE(missing);
    CHECK_FALSE(missing->has_value());
    REQUIRE(write_state_file(path, "# mmm-status 1 mode=ACTIVE\ndb1|ONLINE|\n"));
    REQUIRE(write_state_file(path, "# mmm-status 1 mode=ACTIVE\ndb1|HARD_OFFLINE|\n"));
    auto read = read_state_file(path);
    REQUIRE(read);
    REQUIRE(read->has_value());
    CHECK(**read == "# mmm-status 1 mode=ACTIVE\ndb1|HARD_OFFLINE|\n");
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    // No temp files are left behind.
    CHECK(std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator{}) == 1);
    auto unwritable = write_state_file((dir / "no-such-dir" / "x").string(), "x");
    CHECK_FALSE(unwritable);
    std::filesystem::remove_all(dir);
}
