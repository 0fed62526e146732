// SET_STATUS on the agent (spec §7.4): records the monitor's wishes and says what to log about them.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agent/core/model.hpp"
#include "common/log.hpp"

namespace mmm::agent {

struct LogLine {
    LogLevel level = LogLevel::Info;
    std::string text;
    bool operator==(const LogLine&) const = default;
};

struct SetStatusRequest {
    std::string state;
    std::vector<RoleIp> roles;
    std::string master;
    std::optional<std::uint64_t> epoch{};           // mmm's optional trailing fields (agent_protocol.hpp)
    std::optional<std::chrono::milliseconds> lease{};
    SteadyTime received{};                          // when the agent read the line: the lease runs from here
};

// Updates `state` (roles sorted and unique, state, master, highest epoch, writer lease) and returns the lines
// mysql-mmm logs for it, and mmm's epoch line:
//   INFO  Changing active master to '<m>'              (slave, ONLINE, named master changed)
//   FATAL Failed to change master to '<m>': ERROR: Unknown host <m>   (master is not a configured host)
//   INFO  We have some new roles added or old rules deleted!
//   INFO  Deleted: <role(ip), ...>
//   INFO  Added:   <role(ip), ...>
//   INFO  Accepted epoch <n> (highest before: <m>)   (the epoch rose)
// Leaving ADMIN_OFFLINE sets `resume_replication`. The actions themselves come from reconcile(). The epoch rule
// (check_epoch) is the caller's: a stale request never gets here.
std::vector<LogLine> apply_set_status(AgentState& state, SetStatusRequest request, const Context& ctx);

// The writer lease ran out at `now` without a renewal: drops the active master role from `state.roles` (the
// other roles stay: only the writer is leased, as on every other host) and clears the lease; reconcile() then
// denies writes and removes the writer IP, in that order, as for any writer removal. Returns the FATAL line to
// log, or nothing when no lease has run out (not leased, renewed, or already expired).
std::optional<LogLine> expire_writer_lease(AgentState& state, SteadyTime now, const Context& ctx);

}  // namespace mmm::agent
