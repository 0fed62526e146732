// Command: one control-protocol line (§8.2) parsed into what it asks, before anything is decided about it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mmm::monitor {

enum class CommandKind { Help, Ping, Show, Checks, Mode, Why, SetActive, SetManual, SetPassive, SetOnline, SetOffline, MoveRole, SetIp };

struct Command {
    CommandKind kind = CommandKind::Help;
    std::vector<std::string> args;  // after the command word (and --force)
    bool force = false;             // move_role --force
    bool json = false;              // show, checks, mode, why --json: the answer as JSON (mmm_control --json)
    // help, ping, show, checks, mode, why: they decide nothing, so they may be answered at any time, even mid-plan.
    bool read_only() const;
};

// The command, or nullopt when the word is unknown or the argument count is wrong (mysql-mmm answers "Invalid command
// '<line>'" and the help text). Words are separated by any whitespace.
std::optional<Command> parse_command(std::string_view line);

// Whether the line's first word names a read-only command (whatever its arguments: a malformed one is answered with
// the help text, which decides nothing either).
bool is_read_only_command(std::string_view line);

}  // namespace mmm::monitor
