// Child processes: what the monitor's kill_host_bin runner and the agent's binlog salvage share (descriptor hygiene,
// exit status), and a blocking pipeline with a deadline.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/duration.hpp"

namespace mmm {

// In a forked child: closes every descriptor above stderr, so the child inherits no socket or file of the daemon.
// Async-signal-safe.
void close_inherited_descriptors();

// A waitpid status as a shell shows it: the exit code, or 128 + the signal; -1 when neither.
int decode_wait_status(int status);

// The first of `names` found as an executable in the directories of `path` (a PATH-like list), as an absolute path;
// "" when none is.
std::string find_program(const std::vector<std::string>& names, const std::string& path);

struct PipelineCommand {
    std::vector<std::string> argv;  // argv[0]: an absolute path (no PATH lookup, no shell)
    std::vector<std::string> env;   // the child's whole environment ("NAME=value")
};

struct PipelineResult {
    std::vector<int> exit_codes;  // one per command in order; -1 when it was not started
    std::string output;           // what the commands wrote to stderr, and the last one to stdout (first 64 KiB)
    bool timed_out = false;       // killed at the deadline
    bool stopped = false;         // killed because the sink said stop
    bool started = false;         // every command was forked
};

// Takes the last command's standard output chunk by chunk (instead of PipelineResult::output); false stops the
// pipeline (its group is killed). It may block: the commands then wait on a full pipe.
using OutputSink = std::function<bool(std::string_view)>;

// Runs commands[0] | commands[1] | ... (stdin of the first: /dev/null) in one new process group and waits for all of
// them, at most `timeout`: then the group is killed (SIGKILL) and reaped. Blocking; call it off any event loop.
PipelineResult run_pipeline(const std::vector<PipelineCommand>& commands, Duration timeout, OutputSink sink = {});

}  // namespace mmm
