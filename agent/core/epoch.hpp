// Role-assignment epochs on the agent: the rule that refuses an older monitor's view, and the state file's text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace mmm::agent {

// A SET_STATUS without epoch (a mysql-mmm monitor) or with one at or above `highest_accepted` is accepted; a lower
// one is refused with the reply "ERROR: Stale epoch <n>: this agent has accepted epoch <m>". Equal is accepted:
// every heartbeat repeats the epoch of the assignment it renews.
Result<void> check_epoch(std::optional<std::uint64_t> epoch, std::uint64_t highest_accepted);

// Where the state file is: agent.state_path, or when empty the pid file's path with ".epoch" for its ".pid"
// (appended when it has no ".pid"), so agents of several clusters on one host keep separate files.
std::string epoch_file_path(const std::string& state_path, const std::string& pid_path);

// The state file holds one line "epoch=<n>\n".
std::string encode_epoch_file(std::uint64_t epoch);
// Error text (without the path) when the text is not what encode_epoch_file writes.
Result<std::uint64_t> parse_epoch_file(std::string_view text);

}  // namespace mmm::agent
