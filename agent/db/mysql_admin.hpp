// MySQL actions of the agent on its local server (as agent_user): read_only, deny-write with kills, catch-up,
// replica repoint and verify, START/STOP replication. Blocking; run them off the io_context thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "agent/db/db_adapter.hpp"
#include "agent/db/db_session.hpp"
#include "common/duration.hpp"
#include "common/result.hpp"

namespace mmm::agent {

class MysqlAdmin final : public DbAdapter {
public:
    // `galera`: the host is a Galera node (state() also reads its membership).
    MysqlAdmin(DbEndpoint local, bool galera = false, Duration connect_timeout = std::chrono::seconds(1),
               Duration io_timeout = std::chrono::seconds(10));

    // @@read_only and replication (nullopt: not a replica), on one connection; on a Galera node also whether it is
    // in the Primary component
    Result<State> state() override;
    Result<void> allow_writes() override;  // read_only=0 (and super_read_only=0 where it exists)
    // read_only=1 (+super_read_only; running writes get max_kill_retries seconds, then all clients are killed),
    // then the kill rounds of §9.5 hard mode, one second apart (MySQL, with super_read_only); on MariaDB every client
    // connection at once (a write still running after read_only=1 has READ_ONLY ADMIN and could commit).
    Result<DenyResult> deny_writes(int max_kill_retries) override;
    // The new writer catches up: first the peer (the old master) must answer read_only=1 or not answer at all
    // within `deadline` (a peer still writable at the deadline is a failure, with or without replication here);
    // then, when this server replicates, it waits until its SQL thread applied everything up to the peer's final
    // binlog position (peer answered) or to what its IO thread already received. Fails on timeout or stopped SQL
    // thread. Without replication only the peer check is done.
    // When the peer does not answer and this server replicates from it (a failover; catch_up.cpp): its IO thread is
    // stopped, every host of `others` that answers is asked what it received from the peer (GTID), and this server
    // first replicates from the most advanced one until it has all of that; then replication from the peer is
    // stopped (pointed back at it, not running), so the old master's tail never flows into the new writer.
    Result<std::string> catch_up(const std::optional<ClusterHost>& peer, const std::vector<ClusterHost>& others,
                                 Duration deadline) override;
    // Replica repoint to `target` (§9.8, made safe): catch up with the old source, STOP, CHANGE MASTER (GTID when
    // the replica already uses it, else target's binlog coordinates), START. On a failure after STOP the old
    // setup is started again. Returns an OK text.
    Result<std::string> repoint(const ClusterHost& target, const std::vector<ClusterHost>& hosts,
                                Duration deadline) override;
    // IO and SQL threads running and reading from `target` within `deadline` (START again every 500 ms while one is
    // stopped: a replica may ask a new master for what it is still catching up on, error 1236, until it has it).
    Result<void> verify_replication(const ClusterHost& target, Duration deadline) override;
    // Connect to `host` and SELECT 1 with connect and read timeouts `timeout` (Connector/C rounds them up to whole
    // seconds); how long it took, or why it failed.
    Result<Duration> select_one(const DbEndpoint& host, Duration timeout) override;
    Result<void> start_replication() override;
    Result<void> set_semisync_master(bool on) override;
    Result<void> stop_replication() override;
    bool server_gone() override;
    // salvage.cpp: mariadb-binlog on this host's binary log files piped into the mariadb client connected to
    // `target` as its agent user, while holding `target`'s promotion lock (its catch-up waits for it, and a salvage
    // that comes after the catch-up started does nothing). GTID on MariaDB only.
    Result<std::string> salvage(const ClusterHost& target, Duration deadline) override;

    // Where the local server keeps its binary log and which process it is, as last read from it (state()).
    struct ServerFiles {
        bool log_bin = false;
        std::string log_bin_index;  // absolute, or relative to datadir
        std::string datadir;
        std::string pid_file;
        long pid = 0;               // what pid_file said then; 0: not read
    };
    std::optional<ServerFiles> server_files() const;

private:
    Result<DbSession> open(Duration io_timeout);
    Result<void> local_greets() const;  // the local server greets within 300 ms (see mysql_admin.cpp)
    void remember_files(const Row& row);  // salvage.cpp: from state()'s row (lb, li, dd, pf)
    DbEndpoint local_;
    bool galera_ = false;
    Duration connect_timeout_;
    Duration io_timeout_;
    mutable std::mutex files_mutex_;  // state() runs on several threads
    std::optional<ServerFiles> files_;
};

// The named lock a new writer's catch-up and an old writer's salvage hold on the new writer's server, so the two never
// run at once: GET_LOCK(promotion_lock, ...).
inline constexpr const char* promotion_lock = "mmm_promotion";
// GET_LOCK(promotion_lock, wait_seconds) on `db`'s session, held until RELEASE_LOCK or the session ends: true when
// taken, false when another session held it all that time.
Result<bool> take_promotion_lock(DbSession& db, long long wait_seconds);

}  // namespace mmm::agent
