// mmm_control's pure parts: command-line parsing, exit codes, usage text and the JSON views of replies.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.hpp"

namespace mmm::control {

enum class Action { Run, Version, Help, ConvertConfig };

struct Invocation {
    Action action = Action::Run;
    std::string config_path;           // -c FILE / --config FILE
    std::string cluster;               // @NAME or --cluster NAME
    bool json = false;                 // --json
    std::vector<std::string> command;  // the words sent to the monitor, e.g. {"move_role", "writer", "db2"}
    std::string convert_file;          // config convert FILE
    std::string line() const;          // the command words joined by single spaces
};

// Parses argv[1..]. Errors are usage errors (exit 2), worded for the user.
Result<Invocation> parse_arguments(const std::vector<std::string>& args);

std::string usage_text(std::string_view program);

// 0 for OK replies and listings, 1 for replies reporting an error (ERROR:, Error:, Invalid command).
int exit_code_for_reply(std::string_view reply);

// JSON views of the monitor's text replies (the text format is mysql-mmm's, spec §8.3-8.4).
nlohmann::json show_to_json(std::string_view reply);
nlohmann::json checks_to_json(std::string_view reply);
nlohmann::json mode_to_json(std::string_view reply);
// The JSON for a reply to `command` ("show", "checks", "mode"); {"error": text} for error replies.
Result<nlohmann::json> reply_to_json(const std::vector<std::string>& command, std::string_view reply);

}  // namespace mmm::control
