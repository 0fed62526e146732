// MySQL actions of the agent on its local server (as agent_user): read_only, deny-write with kills, catch-up,
// replica repoint and verify, START/STOP replication. Blocking; run them off the io_context thread.
#pragma once

#include <chrono>
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

class MysqlAdmin {
public:
    MysqlAdmin(DbEndpoint local, Duration connect_timeout = std::chrono::seconds(1),
               Duration io_timeout = std::chrono::seconds(10));

    struct State {
        bool read_only = true;
        std::optional<ReplicaStatus> replica;
    };
    Result<State> state();  // @@read_only and replication (nullopt: not a replica), on one connection
    Result<void> allow_writes();                           // read_only=0 (and super_read_only=0 where it exists)
    // read_only=1 (+super_read_only; running writes get max_kill_retries seconds, then all clients are killed),
    // then the kill rounds of §9.5 hard mode, one second apart.
    Result<DenyResult> deny_writes(int max_kill_retries);
    // The new writer catches up: first the peer (the old master) must answer read_only=1 or not answer at all
    // within `deadline` (a peer still writable at the deadline is a failure, with or without replication here);
    // then, when this server replicates, it waits until its SQL thread applied everything up to the peer's final
    // binlog position (peer answered) or to what its IO thread already received. Fails on timeout or stopped SQL
    // thread. Without replication only the peer check is done.
    Result<std::string> catch_up(const std::optional<ClusterHost>& peer, Duration deadline);
    // Replica repoint to `target` (§9.8, made safe): catch up with the old source, STOP, CHANGE MASTER (GTID when
    // the replica already uses it, else target's binlog coordinates), START. On a failure after STOP the old
    // setup is started again. Returns an OK text.
    Result<std::string> repoint(const ClusterHost& target, const std::vector<ClusterHost>& hosts, Duration deadline);
    // IO and SQL threads running and reading from `target` within `deadline` (one START if they are stopped).
    Result<void> verify_replication(const ClusterHost& target, Duration deadline);
    // Connect to `host` and SELECT 1 with connect and read timeouts `timeout` (Connector/C rounds them up to whole
    // seconds); how long it took, or why it failed.
    static Result<Duration> select_one(const DbEndpoint& host, Duration timeout);
    Result<void> start_replication();
    Result<void> stop_replication();

private:
    Result<DbSession> open(Duration io_timeout);
    Result<void> local_greets() const;  // the local server greets within 300 ms (see mysql_admin.cpp)
    DbEndpoint local_;
    Duration connect_timeout_;
    Duration io_timeout_;
};

}  // namespace mmm::agent
