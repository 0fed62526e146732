// The monitor <-> agent line protocol of mysql-mmm 2.2 (spec §7.2-7.3): requests, replies, role lists.
//
// Request line:  COMMAND|1|host[|param...]\n
// Reply line:    result|UP:<uptime seconds>\n
// Role list:     name(ip),name(ip)   sorted by role name, then IP compared as strings
//
// Everything here is pure text handling; no sockets. The monitor uses the encode_* side and parse_reply /
// parse_*_status; the agent uses parse_request and encode_reply.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace mmm::protocol {

inline constexpr int agent_protocol_version = 1;
inline constexpr std::size_t max_line_length = 64 * 1024;  // longer request lines are rejected

enum class AgentCommand { Ping, SetStatus, GetAgentStatus, GetSystemStatus, ClearBadRoles };

std::string_view to_string(AgentCommand c);  // "PING", "SET_STATUS", ...
std::optional<AgentCommand> parse_agent_command(std::string_view text);  // exact, case-sensitive

// One role IP as it appears in role lists: "writer(192.0.2.50)".
struct RoleIp {
    std::string role;
    std::string ip;
    auto operator<=>(const RoleIp&) const = default;  // role, then ip as strings: the protocol's sort order
    std::string to_string() const { return role + "(" + ip + ")"; }
};

// Sorted (role, then ip as string), de-duplicated, comma-joined without spaces. Empty list -> "".
std::string encode_roles(std::vector<RoleIp> roles);
// Splits on ',' and reads each item as `(.*)\((.*)\)` (greedy, as mysql-mmm); unparsable items are dropped.
// Keeps the order of the text.
std::vector<RoleIp> parse_roles(std::string_view text);

// ---- requests ----

// "COMMAND|1|host|p1|p2\n". Parameters must not contain '|' or '\n' (not checked; role lists and state names
// never do).
std::string encode_request(AgentCommand command, std::string_view host, const std::vector<std::string>& params = {});
// SET_STATUS|1|host|state|roles|master\n
std::string encode_set_status(std::string_view host, std::string_view state, const std::vector<RoleIp>& roles,
                              std::string_view master);

struct AgentRequest {
    std::string command_name;  // as sent (may be unknown to us)
    int version = 0;           // numeric value of the version field (0 when not a number)
    std::string host;
    std::vector<std::string> params;
};

// Splits a request line (trailing "\n" or "\r\n" stripped) on '|', keeping empty trailing fields. Fewer than 3
// fields -> Error "ERROR: Invalid command '<line>'!" (the exact reply text).
Result<AgentRequest> split_request(std::string_view line);

// The agent-side checks after splitting, in mysql-mmm's order. On success the command is known and the host
// is `my_name`. Errors carry the exact reply texts:
//   "ERROR: Invalid command '<line>'!"                                  fewer than 3 fields
//   "ERROR: Invalid hostname in command (<host>)! My name is '<name>'"  host field is not ours
//   "ERROR: Invalid command '<CMD>'!"                                   unknown command
// A version above ours is not an error: check `version_warning` for the WARN text to log.
struct ParsedRequest {
    AgentRequest request;
    AgentCommand command = AgentCommand::Ping;
};
Result<ParsedRequest> parse_request(std::string_view line, std::string_view my_name);

// "Version in command '<CMD>' (<v>) is greater than mine (1)" when the request's version is above ours.
std::optional<std::string> version_warning(const AgentRequest& request);

// ---- replies ----

// "<result>|UP:<uptime with 2 decimals>\n"
std::string encode_reply(std::string_view result, double uptime_seconds);

struct AgentReply {
    std::string result;            // the reply without the "|UP:..." suffix (whole line when there is none)
    std::optional<double> uptime;  // absent when the suffix is missing or not a number: a "bad answer"
};
// Greedy `(.*)\|UP:(.*)` on the line (trailing "\n"/"\r\n" stripped).
AgentReply parse_reply(std::string_view line);

// The result of GET_AGENT_STATUS: "OK: Returning status!|<state>|<roles>|<active_master>".
struct AgentStatus {
    std::string state;
    std::vector<RoleIp> roles;
    std::string active_master;
};
std::string encode_agent_status(const AgentStatus& status);
Result<AgentStatus> parse_agent_status(std::string_view result);  // error: the result text itself when not OK

// The result of GET_SYSTEM_STATUS: "OK: Returning status!|<writable 1 or ''>|<roles>|<master_ip>".
struct SystemStatus {
    bool writable = false;
    std::vector<RoleIp> roles;
    std::string master_ip;
};
Result<SystemStatus> parse_system_status(std::string_view result);  // error: the result text itself when not OK

}  // namespace mmm::protocol
