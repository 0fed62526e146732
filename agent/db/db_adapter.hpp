// The agent's view of its local server (DbAdapter, implemented by MysqlAdmin and by the component tests' fake)
// and the values it passes: replication status, other cluster hosts, deny-write outcome.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agent/db/db_session.hpp"
#include "common/duration.hpp"
#include "common/result.hpp"

namespace mmm::agent {

struct ReplicaStatus {
    std::string master_host;     // Master_Host / Source_Host
    std::uint16_t master_port = 0;
    std::string io_state;        // "Yes", "No", "Connecting"
    std::string sql_state;       // "Yes", "No"
    std::string master_log_file; // Master_Log_File: the source binlog the IO thread reads
    std::uint64_t read_pos = 0;  // Read_Master_Log_Pos
    std::string using_gtid;      // MariaDB: "No", "Slave_Pos", "Current_Pos"; MySQL: Auto_Position "0"/"1"
    std::string last_error;      // Last_IO_Error / Last_SQL_Error, whichever is set
    std::string last_sql_error;  // Last_SQL_Error: the applier stopped on an event (IO errors are often transient)
    std::string gtid_io_pos;     // MariaDB: Gtid_IO_Pos, the GTID position the IO thread received up to
    std::string exec_log_file;   // Relay_Master_Log_File: the source binlog of the last event applied
    std::uint64_t exec_pos = 0;  // Exec_Master_Log_Pos
    std::string sql_running_state;  // Slave_SQL_Running_State ("Slave has read all relay log; waiting for ...")

    bool io_running() const { return io_state == "Yes"; }
    bool sql_running() const { return sql_state == "Yes"; }
    bool uses_gtid() const { return !using_gtid.empty() && using_gtid != "No" && using_gtid != "0"; }
};

// Another host of the cluster as the agent reaches it.
struct ClusterHost {
    std::string name;
    DbEndpoint agent;  // agent credentials of that host
    std::string replication_user;
    std::string replication_password;
};

struct DenyResult {
    int killed = 0;
    int rounds = 0;
};

// Exactly what the Executor asks of the database side; the contracts are MysqlAdmin's (mysql_admin.hpp).
// Blocking; called from the worker strand and, for state() and select_one(), from other pool threads beside it.
class DbAdapter {
public:
    virtual ~DbAdapter() = default;

    struct State {
        bool read_only = true;
        std::optional<ReplicaStatus> replica;
        // Semi-sync deployments (MariaDB, the replica side enabled): whether the master side is on. nullopt: no
        // semi-sync here, nothing to manage.
        std::optional<bool> semisync_master;
        // A Galera node (mode galera): connected, ready and in the Primary component. nullopt: not a Galera node,
        // or its wsrep status could not be read.
        std::optional<bool> wsrep_primary;
    };
    virtual Result<State> state() = 0;
    virtual Result<void> allow_writes() = 0;
    virtual Result<DenyResult> deny_writes(int max_kill_retries) = 0;
    // `others`: every other host of the cluster but the peer (those that may have received more from it).
    virtual Result<std::string> catch_up(const std::optional<ClusterHost>& peer, const std::vector<ClusterHost>& others,
                                         Duration deadline) = 0;
    virtual Result<std::string> repoint(const ClusterHost& target, const std::vector<ClusterHost>& hosts,
                                        Duration deadline) = 0;
    virtual Result<void> verify_replication(const ClusterHost& target, Duration deadline) = 0;
    // connect + SELECT 1 on another host (CHECK_MASTER's probe): how long it took, or why it failed.
    virtual Result<Duration> select_one(const DbEndpoint& host, Duration timeout) = 0;
    virtual Result<void> start_replication() = 0;
    virtual Result<void> set_semisync_master(bool on) = 0;  // SET GLOBAL rpl_semi_sync_master_enabled
    virtual Result<void> stop_replication() = 0;
    // The server process this adapter last saw running has exited and no other one runs (its pid file names none):
    // the binary log on disk is final. False when unknown (never seen running, no pid file readable here).
    virtual bool server_gone() = 0;
    // Binlog salvage (issue 11): this host's server is gone and `target` takes the writer role over. Replays the
    // transactions of this server's binary log that `target` lacks into it (before it takes writes), then moves its
    // gtid_slave_pos past them; its replication from this host is left stopped. An OK text with what was given, or
    // why nothing could be.
    virtual Result<std::string> salvage(const ClusterHost& target, Duration deadline) = 0;
};

}  // namespace mmm::agent
