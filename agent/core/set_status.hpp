// SET_STATUS on the agent (spec §7.4): records the monitor's wishes and says what to log about them.
#pragma once

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
};

// Updates `state` (roles sorted and unique, state, master) and returns the lines mysql-mmm logs for it:
//   INFO  Changing active master to '<m>'              (slave, ONLINE, named master changed)
//   FATAL Failed to change master to '<m>': ERROR: Unknown host <m>   (master is not a configured host)
//   INFO  We have some new roles added or old rules deleted!
//   INFO  Deleted: <role(ip), ...>
//   INFO  Added:   <role(ip), ...>
// Leaving ADMIN_OFFLINE sets `resume_replication`. The actions themselves come from reconcile().
std::vector<LogLine> apply_set_status(AgentState& state, SetStatusRequest request, const Context& ctx);

}  // namespace mmm::agent
