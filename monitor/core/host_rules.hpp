// HostRules: the per-host state rules of §4.3 as a pure function from what is known about a host to its next state.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/duration.hpp"
#include "common/states.hpp"
#include "common/time.hpp"

namespace mmm::monitor {

// Part of the wsrep check's text (check_texts.cpp's wsrep_text) for a Galera node that is Donor or desynced on
// purpose: busy, not failing (no flap). A component test ties the two.
inline constexpr std::string_view wsrep_desynced_marker = "(wsrep_local_state 2)";

// Everything the rules look at for one host, gathered by MonitorCore at the moment of the decision.
struct HostFacts {
    HostState state = HostState::Unknown;
    bool ping = false, mysql = false, threads = false, backlog = false;  // the checks' current results
    bool galera = false;  // a Galera node: `threads` is its wsrep check (Synced in the Primary component)
    bool active_master = false;         // it holds the active master role
    bool someone_active_master = false;  // some host holds the active master role
    bool can_be_active_master = false;  // it is configured for that role
    bool peer_online = false;           // its peer (a slave's: the active master) is ONLINE ...
    bool peer_reachable = false;        // ... and passes ping and mysql
    bool peer_in_grace = false;         // ... and came ONLINE less than 60 s ago (MySQL's master-connect-retry)
    bool flapping = false;
    bool errant = false;  // its binlog holds transactions the active master lacks: it does not return by itself
    // AWAITING_RECOVERY's ways back to ONLINE (§4.3): auto_set_online (0 = off) after it has been waiting that long;
    // a flapping host: flap_duration without a check change; an agent whose uptime says the host was down < 60 s.
    Duration auto_set_online{};
    Duration flap_duration{};
    SteadyTime::duration waiting{};  // since its last state change
    SteadyTime::duration quiet{};    // since its checks last changed
    std::optional<long> down_for_s;  // seconds down by the agent's uptime, when less than 60
};

// What happens to a host: its new state, the rest of the audit line after "changed from X to Y", and what it means
// for its roles. A returning host's `rule` is the reason in words for the failed-active-master hold ("auto_set_online
// (60 seconds) has passed").
struct HostTransition {
    enum class Roles {
        Keep,        // nothing to tell (REPLICATION_FAIL <-> REPLICATION_DELAY, AWAITING_RECOVERY -> HARD_OFFLINE)
        Drop,        // left ONLINE for a failure: roles dropped in ACTIVE mode, the host told or killed
        Tell,        // it must hear its new state (back, or reachable again)
        TellOrKill,  // it failed while holding no role it could lose (REPLICATION_* -> HARD_OFFLINE): told or killed
    };
    HostState to = HostState::Unknown;
    std::string because;             // " (ping: OK, mysql: not OK)", " because ...", "" ...
    std::string subject = "host";    // "flapping host" for a flapping host's return
    Roles roles = Roles::Keep;
    std::string reason;              // why its agent is told (Tell, TellOrKill, Drop): the SET_STATUS's reason
    std::string rule;                // set for a return to ONLINE: why, for the failed-active-master hold
    bool returns_online() const { return to == HostState::Online; }
};

// The next state of a host by §4.3 (mmm's differences noted in monitor_core.hpp), or nullopt when it stays. An
// ONLINE active master's replication problems are ignored; a REPLICATION_* host whose replication is not OK stays
// whatever its peer does (mysql-mmm let it become ONLINE when its peer was not); ADMIN_OFFLINE and UNKNOWN never
// change here.
std::optional<HostTransition> host_transition(const HostFacts& f);

}  // namespace mmm::monitor
