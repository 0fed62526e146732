// StartupVotes: the start-up status determination of §10.2 as a pure function: stored status, agents' and systems'
// reports in; each host's state, each role IP's holder, the start-up table and its log lines out.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/config.hpp"
#include "common/protocol/agent_protocol.hpp"
#include "monitor/core/plan.hpp"
#include "monitor/core/role_table.hpp"
#include "monitor/core/status_file.hpp"

namespace mmm::monitor {

// One host's start-up answers (§1.3.1 step 10): GET_AGENT_STATUS and GET_SYSTEM_STATUS, parsed with the
// protocol codec. A missing answer carries the failed answer text for the log ("" = no answer at all).
struct StartupReport {
    std::string host;
    std::optional<protocol::AgentStatus> agent;
    std::string agent_error;
    std::optional<protocol::SystemStatus> system;
    std::string system_error;
};

// What the monitor knows besides the reports, per host in config order.
struct StartupInputs {
    const std::optional<StoredStatus>* stored = nullptr;  // the status file, once restored (nullptr = none)
    bool manual = false;                    // MANUAL or WAIT mode: votes count differently (§10.2)
    std::vector<char> alive;                // its ping and mysql checks passed
    std::vector<char> agent_down;           // its agent is known to be unreachable already
};

struct StartupDecision {
    std::vector<HostState> states;                          // config order
    std::vector<char> failed_as_active_master;              // stored flag (status file version 2)
    std::vector<std::pair<std::size_t, std::size_t>> wins;  // role entry -> host that won its vote
    std::vector<char> agent_down;                           // agent_down after the reports
    bool conflict = false;  // the active master role was configured on more than one host
    std::string table;      // "Startup status:\n\nRoles: ..." (also the last line of `log`)
    Plan log;               // warnings and errors in mysql-mmm's order, the table last
};

// Votes per role IP (§10.2): for the active master role a writable system counts 4, the IP configured 2, stored and
// agent 1 each, plus one per slave replicating from the host; for other roles system 4, stored 2, agent 1. A host in a
// state that may not hold roles gets no votes. The winner of the active master role becomes ONLINE (in MANUAL/WAIT
// only from REPLICATION_*), a winner of another role from AWAITING_RECOVERY.
StartupDecision decide_startup(const Config& config, const RoleTable& roles, const std::vector<StartupReport>& reports,
                               const StartupInputs& in);

}  // namespace mmm::monitor
