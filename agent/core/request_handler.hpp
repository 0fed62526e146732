// The agent's side of the protocol as pure functions: which command a line is, the replies that need no I/O,
// and the reply texts built from what the shell found out (spec §7.2-7.3).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/core/model.hpp"
#include "agent/core/set_status.hpp"
#include "common/result.hpp"

namespace mmm::agent {

inline constexpr std::string_view reply_pinged = "OK: Pinged!";
inline constexpr std::string_view reply_status_applied = "OK: Status applied successfully!";

inline constexpr std::string_view reply_peer_closed =
    "ERROR: The monitor closed the connection before this request was handled; nothing applied";

// How the line came: when it was read (steady clock) and whether the monitor had already closed the connection
// (it sent FIN after the line: it gave up waiting, so it counts the request as failed).
enum class Peer { Connected, Closed };
struct Received {
    SteadyTime at{};
    Peer peer = Peer::Connected;
};

// What to do with one request line.
struct Dispatch {
    std::optional<std::string> reply;    // the whole answer is known already (errors, PING, GET_AGENT_STATUS)
    std::optional<std::string> warning;  // WARN to log (newer protocol version)
    protocol::AgentCommand command = protocol::AgentCommand::Ping;
    SetStatusRequest set_status;         // SET_STATUS parameters, when reply is empty
    std::vector<std::string> unknown_fields;  // SET_STATUS: keys of trailing key=value fields that were ignored
    std::string check_master;                 // CHECK_MASTER: the configured host asked about, when reply is empty
};

// Parses and checks a line. CHECK_MASTER needs a host parameter ("ERROR: Invalid command '<line>'!") naming a
// configured host ("ERROR: Unknown host <m>"). SET_STATUS needs three parameters and a known state name, else
// "ERROR: Invalid command '<line>'!" / "ERROR: Invalid state '<state>'!"; then its trailing fields
// (protocol::parse_set_status_fields' errors), then the monitor must still be connected (reply_peer_closed: a
// request the monitor gave up on never renews a writer lease nor changes anything else), then the epoch rule
// (check_epoch against `state.epoch`). Every refusal leaves the state as it was.
Dispatch dispatch_request(std::string_view line, const AgentState& state, const Context& ctx,
                          Received received = {});

// SET_STATUS reply: mysql-mmm's OK text when every action succeeded, else "ERROR: <failures joined by '; '>"
// (a mysql-mmm monitor takes any non-empty answer as delivered, so this stays compatible).
std::string set_status_result(const std::vector<std::string>& failures);

// GET_SYSTEM_STATUS: `configured` is the set of role IPs on the interface (or why it could not be read),
// `writable` the server's read_only=0 (or why it could not be asked), `master_ip` SHOW SLAVE STATUS' Master_Host.
// Roles are listed in config order.
std::string system_status_result(const Result<std::set<std::string>>& configured, const Result<bool>& writable,
                                 std::string_view master_ip, const Context& ctx);

// CHECK_MASTER's result (grammar in common/protocol/agent_protocol.hpp). `probe`: how long connect+SELECT 1 on
// the master took, or why it failed; an answer after `deadline` counts as unreachable. `replication`: this server's
// replication source (configured host name, else Master_Host) and Slave_IO_Running; nullopt when none is
// configured; an error when the local server could not be asked. `exited` (asked about its own host only): the
// server process this agent last saw running has exited and no other runs; a failed probe is then "exited".
struct ReplicationSource {
    std::string source;
    std::string io_state;
};
std::string check_master_result(const Result<std::chrono::milliseconds>& probe, std::chrono::milliseconds deadline,
                                const Result<std::optional<ReplicationSource>>& replication, bool exited = false);

// CLEAR_BAD_ROLES: the role IPs to remove (configured, not held), in config order, or the error reply.
Result<std::vector<RoleIp>> bad_roles(const Result<std::set<std::string>>& configured, const AgentState& state,
                                      const Context& ctx);
std::string clear_bad_roles_result(std::size_t removed);  // "OK: Removed <n> roles"

}  // namespace mmm::agent
