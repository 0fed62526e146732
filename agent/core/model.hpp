// The agent's vocabulary: what the monitor wants (AgentState), what the host shows (Observed), and the
// ordered steps (Action) that bring the second to the first.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "agent/core/writer_lease.hpp"
#include "common/protocol/agent_protocol.hpp"
#include "common/states.hpp"

namespace mmm::agent {

using protocol::RoleIp;

// Fixed facts about this agent, taken from the configuration.
struct Context {
    std::string this_host;
    HostMode mode = HostMode::Slave;
    std::string peer;                         // the other master of a master pair ('' for a slave)
    std::string writer_role = "writer";       // active_master_role
    std::vector<std::string> hosts;           // every configured host name
    std::vector<RoleIp> all_role_ips;         // every (role, ip) of the configuration, config order
    std::vector<RoleIp> own_role_ips;         // the (role, ip) pairs this host may hold (its roles' hosts), config order
    bool galera_read_only = false;            // agent.galera_read_only: read_only=1 on Galera nodes but the writer

    bool is_writer_ip(std::string_view ip) const;
    const RoleIp* role_of_ip(std::string_view ip) const;
};

// The agent's memory: the last SET_STATUS and what came of it.
struct AgentState {
    bool received = false;              // a SET_STATUS arrived since start; before that nothing is touched
    std::string state = "UNKNOWN";      // as sent by the monitor
    std::vector<RoleIp> roles;          // sorted, unique
    std::string master;                 // the active master the monitor last named ('' = none)
    std::string active_master;          // the master this host last switched to successfully (slaves only)
    bool resume_replication = false;    // left ADMIN_OFFLINE: START SLAVE still to be done
    std::uint64_t epoch = 0;            // the highest epoch accepted (0: none); kept in the state file by the shell
    WriterLease writer_lease;           // until when the writer role is held without a renewal
    // The host the writer role went to from this one, until the next pass looked at it: when this server is down
    // (its process gone), that pass gives the new writer the binlog tail no replica received (issue 11).
    std::string salvage_to;

    bool holds(std::string_view role) const;
    std::set<std::string> ips() const;
};

struct ReplicaObservation {
    std::string master_host;  // configured host whose ip is Master_Host; the raw address when none matches
    bool io_running = false;
    bool sql_running = false;
    bool sql_error = false;   // Last_SQL_Error set: the applier stopped on an event
    bool gtid = false;        // replicates by GTID (MariaDB Using_Gtid, MySQL Auto_Position)
    bool io_stopped = false;  // Slave_IO_Running "No" (not "Connecting"): stopped by STOP SLAVE or an IO error
};

// What the shell saw on the host just before reconciling.
struct Observed {
    std::set<std::string> ips;                 // role IPs (from the config) present on the cluster interface
    std::set<std::string> strays;              // addresses with the agent's label that no role of the config has
    std::optional<bool> read_only;             // nullopt: the local server could not be asked
    std::optional<ReplicaObservation> replica; // nullopt: no replication configured, or server unreachable
    std::optional<bool> semisync_master;       // semi-sync deployment: master side on? nullopt: none, or unknown
    std::optional<bool> wsrep_primary;         // Galera node: in the Primary component, connected and ready;
                                               // nullopt: not Galera, or its wsrep status was not read
    bool server_gone = false;                  // the server process the agent last saw has exited, no other runs:
                                               // its binary log on disk is final (the server does not answer)
};

enum class ActionKind {
    DenyWrites,        // read_only=1 (+super_read_only), then kill client connections (§9.5 hard)
    RemoveIp,          // delete ip/32 from the interface
    CatchUp,           // wait (deadline) until everything received from the old master is applied
    AllowWrites,       // read_only=0
    AddIp,             // add ip/32 to the interface
    Announce,          // gratuitous ARP schedule for ip
    Repoint,           // replica: catch up with the old master, STOP, CHANGE MASTER to `master`, START
    VerifyReplication, // replica: IO and SQL threads running on `master` within a deadline (START SLAVE if not)
    StopReplication,   // STOP SLAVE (entering ADMIN_OFFLINE)
    StartReplication,  // START SLAVE (leaving ADMIN_OFFLINE; a passive master following the active one again)
    SemiSyncMasterOn,  // semi-sync deployment: the writer waits for a replica's acknowledgement (before writes)
    SemiSyncMasterOff, // ... and no other host does (its applier would wait for acknowledgements too)
    Salvage,           // old writer, server gone: replay its binlog tail into the new writer `master`
};
std::string_view to_string(ActionKind k);

// A failed action with OnFailure::SkipChain cancels the later actions of the same chain.
enum class OnFailure { Continue, SkipChain };

struct Action {
    ActionKind kind;
    std::string ip;       // RemoveIp, AddIp, Announce
    std::string role;     // role of ip, for logs
    std::string master;   // Repoint, VerifyReplication, CatchUp (the master being replaced, may be '')
    std::string reason;
    int chain = 0;
    OnFailure on_failure = OnFailure::Continue;

    bool operator==(const Action&) const = default;
};

std::string describe(const Action& a);  // "AddIp 192.0.2.50 (writer): reason"

}  // namespace mmm::agent
