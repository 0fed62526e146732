// Running kill_host_bin (spec §12): `<bin> <host> <1|0>` through the shell, output captured, under a deadline.
#pragma once

#include <string>

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

// The command line the shell runs: "<bin> <host> <1|0>".
std::string kill_host_command(const std::string& bin, const std::string& host, bool ping_ok);

// Runs `command` with /bin/sh -c in its own process group; at `timeout` the group gets SIGKILL.
asio::awaitable<KillOutcome> run_command(std::string command, Duration timeout);

}  // namespace mmm::monitor
