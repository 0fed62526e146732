// reconcile(desired, observed): the ordered actions that make the host match what the monitor asked for.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agent/core/model.hpp"
#include "common/duration.hpp"
#include "common/states.hpp"

namespace mmm::agent {

// Pure and idempotent: what is already so produces no action. Order (mysql-mmm's, made safe):
//   1. replica repoint (slave, ONLINE, named master differs from the replication source), then verify;
//   2. deny writes when this host must not take writes but does (or holds a stale writer IP), then remove every
//      role IP that is configured but not desired (IPs first when the server does not answer: it takes no
//      writes while hung, and a hung old master must not keep the writer IP);
//      then, on an old writer whose server process is gone, the salvage of its binlog tail into the new writer;
//   3. writer: catch up, then read_only=0, then add the IP, then announce it; a failed step skips the rest.
//      Planned whenever the writer role is gained: the server is read-only or the writer IP is not on the
//      interface (a writable server too: the catch-up checks that the peer is read-only before the IP goes up);
//   4. other roles: add IP, then announce;
//   5. ADMIN_OFFLINE with replication running: stop it; after leaving it: start it (once). A passive master (not
//      ADMIN_OFFLINE) whose replication from the active master is stopped without an error starts it (it was
//      stopped when this host took the writer role from a peer that did not answer).
// Before the first SET_STATUS (`desired.received` false) nothing is done: a restarted agent keeps its IPs.
std::vector<Action> reconcile(const AgentState& desired, const Observed& observed, const Context& ctx);

// Why an old writer that remembers a salvage (AgentState::salvage_to) gives the new writer no binlog tail in this pass;
// nullopt when it does (reconcile plans the Salvage action exactly then).
std::optional<std::string> why_no_salvage(const AgentState& desired, const Observed& observed, const Context& ctx);

// The monitor may hear "accepted, still applying" before the pass runs: a replica's repoint by GTID (and its reader
// IPs) waits for its own relay log, which the rest of the monitor's plan (telling the new writer) must not wait for;
// a GTID replica asks the new master from its own position whenever it connects. Never with writer or deny-write
// steps, nor for a repoint by binlog coordinates (those are read from the new master, which must not take writes
// before they are).
bool reply_before_pass(const std::vector<Action>& actions, const Observed& observed, const Context& ctx);

// How often the agent re-checks its host by itself: agent.recheck_interval (0: never), at most 1 s on a Galera node,
// whose server can leave the Primary component at any time; its addresses must go before the majority's new writer
// announces the same writer IP.
Duration recheck_period(Duration configured, HostMode mode);

}  // namespace mmm::agent
