// Component tests of common/child_process: real forks and pipes (the binlog salvage's mariadb-binlog runs this way).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <chrono>
#include <string>

#include "common/child_process.hpp"

using namespace mmm;
using namespace std::chrono_literals;

namespace {
PipelineCommand sh(const std::string& script) { return {{"/bin/sh", "-c", script}, {"PATH=/usr/bin:/bin"}}; }
}  // namespace

TEST_CASE("find_program takes the first name found in an absolute directory of the path", "[child_process]") {
    CHECK(find_program({"no-such-program-mmm", "sh"}, "relative/dir:/nonexistent:/bin") == "/bin/sh");
    CHECK(find_program({"no-such-program-mmm"}, "/bin:/usr/bin").empty());
    CHECK(find_program({"sh"}, "bin:").empty());  // only absolute directories count
}

TEST_CASE("a pipeline's last stdout goes to the sink, stderr of all to the output, exit codes in order",
          "[child_process]") {
    std::string got;
    const auto r = run_pipeline({sh("printf 'a\\nb\\n'; echo first-err >&2; exit 3"), sh("tr a-z A-Z; echo second-err >&2")},
                                10s, [&](std::string_view chunk) {
                                    got.append(chunk);
                                    return true;
                                });
    REQUIRE(r.started);
    CHECK(got == "A\nB\n");
    CHECK(r.exit_codes == std::vector<int>{3, 0});
    CHECK(r.output.find("first-err") != std::string::npos);
    CHECK(r.output.find("second-err") != std::string::npos);
    CHECK_FALSE(r.timed_out);
    CHECK_FALSE(r.stopped);
}

TEST_CASE("without a sink the last stdout is in the output, and the child inherits no descriptor above stderr",
          "[child_process]") {
    const int fd = ::dup(STDOUT_FILENO);  // a descriptor of ours the child must not see
    REQUIRE(fd > 2);
    const auto r = run_pipeline({sh("ls /proc/self/fd")}, 10s);
    ::close(fd);
    REQUIRE(r.exit_codes == std::vector<int>{0});
    // ls itself opens one descriptor for the directory it lists; 0, 1, 2 and that one, nothing else of ours.
    CHECK(r.output.find(std::to_string(fd) + "\n") == std::string::npos);
}

TEST_CASE("a pipeline is killed at its deadline, and when the sink says stop", "[child_process]") {
    const auto t0 = std::chrono::steady_clock::now();
    const auto slow = run_pipeline({sh("exec sleep 30")}, 300ms);
    CHECK(slow.timed_out);
    CHECK(slow.exit_codes == std::vector<int>{128 + 9});
    CHECK(std::chrono::steady_clock::now() - t0 < 10s);  // a generous bound: it did not wait for the sleep

    std::size_t chunks = 0;
    const auto stopped = run_pipeline({sh("while :; do echo line; done")}, 20s, [&](std::string_view) {
        ++chunks;
        return false;
    });
    CHECK(stopped.stopped);
    CHECK(chunks == 1);
    CHECK(stopped.exit_codes == std::vector<int>{128 + 9});
}

TEST_CASE("a program that cannot be started exits 127 and says so", "[child_process]") {
    const auto r = run_pipeline({{{"/nonexistent/mmm-no-such-binary"}, {}}}, 10s);
    REQUIRE(r.started);
    CHECK(r.exit_codes == std::vector<int>{127});
    CHECK(r.output == "execve failed\n");
}
