// mmm_control --json: JSON views of the monitor's text replies (show, checks, mode; the text is mysql-mmm's,
// spec §8.3-8.4). The replies come from the network: any bytes, any line length. Every string put into the JSON
// is valid UTF-8 (bad bytes become U+FFFD) and the lines are parsed by hand, with no std::regex (its recursion
// overflowed the stack on a 2.4 MB line).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.hpp"
#include "common/text.hpp"

namespace mmm::control {

using mmm::valid_utf8;  // common/text.hpp: every bad byte becomes U+FFFD

nlohmann::json show_to_json(std::string_view reply);
nlohmann::json checks_to_json(std::string_view reply);
nlohmann::json mode_to_json(std::string_view reply);
// The JSON for a reply to `command` ("show", "checks", "mode"); {"error": text} for error replies.
Result<nlohmann::json> reply_to_json(const std::vector<std::string>& command, std::string_view reply);

// What mmm_control sends for --json: the command with "--json" after its first word.
std::string json_request(const std::vector<std::string>& command);
// A reply that is JSON (mmm's monitor answering '<command> --json'), parsed; nullopt for text replies.
std::optional<nlohmann::json> structured_reply(std::string_view reply);

// The JSON text mmm_control prints (indented by 2; never throws: any invalid UTF-8 left is replaced).
std::string json_text(const nlohmann::json& json);

}  // namespace mmm::control
