// The monitor <-> agent line protocol of mysql-mmm 2.2 (spec §7.2-7.3): requests, replies, role lists.
//
// Request line:  COMMAND|1|host[|param...]\n
// Reply line:    result|UP:<uptime seconds>\n
// Role list:     name(ip),name(ip)   sorted by role name, then IP compared as strings
//
// Everything here is pure text handling; no sockets. The monitor uses the encode_* side and parse_reply /
// parse_*_status; the agent uses parse_request and encode_reply.
//
// mmm's extension (issue 10, "never two writers"): optional key=value fields after SET_STATUS's three parameters.
//
//   SET_STATUS|1|<host>|<state>|<roles>|<master>[|epoch=<n>][|lease=<ms>]\n      (trailing fields in any order)
//
// mysql-mmm's agents index the fields and ignore what follows `master`, so a monitor may always send them; a
// mysql-mmm monitor never sends them, and its requests are handled as before.
//   epoch=<n>   unsigned 64-bit: the monitor's role-assignment epoch. The agent keeps the highest epoch it has
//               accepted (in memory and in its state file, agent.state_path) and refuses a SET_STATUS with a lower
//               one: "ERROR: Stale epoch <n>: this agent has accepted epoch <m>", nothing applied. Equal is
//               accepted (every heartbeat repeats it); a SET_STATUS without epoch is accepted.
//   lease=<ms>  1 to 3600000 milliseconds. When the SET_STATUS gives this host the active master role, the agent
//               holds the role until (the moment it read the line + ms) on its own steady clock; every later
//               accepted SET_STATUS with a lease renews it. When the lease runs out unrenewed the agent fences
//               itself (read_only=1, write sessions killed, writer IP removed) and reports the role dropped.
//               Without a lease the writer role is held until the monitor takes it away, as in mysql-mmm.
//               A SET_STATUS read after the monitor closed the connection (it gave up on it) is refused whole,
//               so the lease end is at most (monitor's reply-received or close time) + lease.
// An unknown key=value field is ignored (the agent logs one WARN per key per run). A malformed known field
// (lease=abc, epoch=-1, lease=0, a lease above one hour), the same key twice or a field without '=' makes the
// whole request "ERROR: ...", nothing applied.
//
// mmm's second opinion (issue 10): the monitor asks a replica's agent whether it still sees the active master.
//
//   CHECK_MASTER|1|<this host>|<master host name>\n          (further parameters are ignored)
//
// The agent connects to <master>'s mysqld (its IP and port from the agent's config, agent credentials) and runs
// SELECT 1 within a short deadline, then reads its own server's SHOW SLAVE STATUS. The result (before the usual
// "|UP:<uptime>" suffix) is exactly one of:
//
//   OK: reachable: connect+SELECT 1 in <ms> ms; <replication>
//   OK: unreachable: <why>; <replication>
//   OK: exited: <why>; <replication>   only when <master> is the agent's own host: its server cannot be reached
//                                      and the server process the agent last saw running has exited, no other
//                                      runs (the monitor then reports the failure without its trap period)
//   ERROR: <text>                 unknown host name, missing or empty host parameter (nothing was checked)
//
//   <why>          free text (a Connector/C error, or "connect+SELECT 1 took <ms> ms, over the <ms> ms deadline")
//   <replication>  always the text after the last "; ", one of:
//     IO thread <Slave_IO_Running> from <master>   this server replicates from <master> (Master_Host is its IP);
//                                                  <Slave_IO_Running> as the server says: Yes, No, Connecting, ...
//     IO thread <Slave_IO_Running> from <source>   replicates from another source: its host name, else Master_Host
//     no replication                               no replication configured here
//     replication unknown: <error>                 the local server could not be asked
//
// e.g. "OK: reachable: connect+SELECT 1 in 3 ms; IO thread Yes from db1". Only "IO thread Yes from <master>"
// means this server's IO thread receives from the master. A mysql-mmm agent answers
// "ERROR: Invalid command 'CHECK_MASTER'!": like every other ERROR, that is no opinion.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace mmm::protocol {

inline constexpr int agent_protocol_version = 1;
inline constexpr std::size_t max_line_length = 64 * 1024;  // longer request lines are rejected

enum class AgentCommand { Ping, SetStatus, GetAgentStatus, GetSystemStatus, ClearBadRoles, CheckMaster };

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
// The optional trailing fields of SET_STATUS (see the top of this file).
inline constexpr std::chrono::milliseconds max_writer_lease{3'600'000};
struct SetStatusFields {
    std::optional<std::uint64_t> epoch;
    std::optional<std::chrono::milliseconds> lease;
    std::vector<std::string> unknown_keys;  // parsing only: keys ignored, in the order sent
};
// Parses the fields after `master` (params[3..] of a SET_STATUS). Errors carry the exact reply texts:
//   "ERROR: Invalid field '<f>' in SET_STATUS: expected key=value"
//   "ERROR: Field '<key>' given twice in SET_STATUS"
//   "ERROR: Invalid epoch '<v>' in SET_STATUS: expected an unsigned 64-bit integer"
//   "ERROR: Invalid lease '<v>' in SET_STATUS: expected milliseconds from 1 to 3600000"
Result<SetStatusFields> parse_set_status_fields(const std::vector<std::string>& fields);

// SET_STATUS|1|host|state|roles|master[|epoch=<n>][|lease=<ms>]\n (`fields.unknown_keys` is not sent)
std::string encode_set_status(std::string_view host, std::string_view state, const std::vector<RoleIp>& roles,
                              std::string_view master, const SetStatusFields& fields = {});

// CHECK_MASTER|1|host|master\n
std::string encode_check_master(std::string_view host, std::string_view master);

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

// The result of CHECK_MASTER (grammar at the top of this file).
inline constexpr std::string_view check_master_reachable = "OK: reachable: ";
inline constexpr std::string_view check_master_unreachable = "OK: unreachable: ";
inline constexpr std::string_view check_master_exited = "OK: exited: ";
enum class MasterReach { Reachable, Unreachable, Exited };
struct MasterOpinion {
    MasterReach reach = MasterReach::Unreachable;
    std::string probe;        // "connect+SELECT 1 in 3 ms", or <why>
    std::string replication;  // "IO thread Yes from db1", "no replication", ...
    bool io_receiving_from(std::string_view master) const;  // replication == "IO thread Yes from <master>"
};
std::string encode_master_opinion(const MasterOpinion& opinion);  // "OK: reachable: <probe>; <replication>"
// nullopt for anything else (ERROR replies, an old agent's answer): no opinion.
std::optional<MasterOpinion> parse_master_opinion(std::string_view result);

}  // namespace mmm::protocol
