// Running kill_host_bin (spec §12): `<bin> <host> <1|0>` started with execv (no shell), output captured, under a
// deadline.
#pragma once

#include <string>
#include <vector>

#include <asio/awaitable.hpp>

#include "common/config.hpp"

namespace mmm::monitor {

struct KillOutcome {
    bool started = false;    // false: the command could not be run (see output)
    bool timed_out = false;  // killed at the deadline
    int exit_code = -1;      // exit status, or 128+signal
    std::string output;      // stdout and stderr together
};

// kill_host_bin as configured; a relative name is looked up in <bin_path>/monitor/ (mysql-mmm). Empty = none.
std::string resolve_kill_host_bin(const MonitorConfig& monitor);

// The arguments mysql-mmm passed: {bin, host, "1" (ping check OK) or "0"}. No shell ever sees them (issue 12 item 8).
std::vector<std::string> kill_host_argv(const std::string& bin, const std::string& host, bool ping_ok);

// The same joined with spaces, for the log line "Killing host using command '...'".
std::string kill_host_command(const std::string& bin, const std::string& host, bool ping_ok);

// Runs argv[0] with execv (no PATH lookup, no shell) in its own process group, stdin from /dev/null, stdout and
// stderr captured; the child keeps no descriptor but 0, 1 and 2 (issue 12 item 9). At `timeout` the group gets
// SIGKILL.
asio::awaitable<KillOutcome> run_command(std::vector<std::string> argv, Duration timeout);

}  // namespace mmm::monitor
