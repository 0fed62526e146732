// MySQL actions of the agent on its local server.
#include "agent/db/mysql_admin.hpp"

#include <algorithm>
#include <cerrno>
#include <map>
#include <thread>

#include <fmt/format.h>

#include "agent/core/kill_policy.hpp"
#include "agent/db/replication_sql.hpp"

namespace mmm::agent {

// The promotion lock for one START SLAVE: an old writer's agent may be replaying its binlog into this server
// (salvage.cpp), with replication stopped and gtid_slave_pos still to be moved past what it replays; started in
// between, the relay log would apply those transactions a second time. Held until the session ends.
namespace {
constexpr unsigned int er_lock_wait_timeout = 1205;  // ER_LOCK_WAIT_TIMEOUT

Result<void> hold_promotion_lock(DbSession& db) {
    auto locked = take_promotion_lock(db, 0);
    if (!locked) return locked.error();
    if (!*locked) return fail("replication not started: a binlog salvage or a catch-up runs on this server");
    return {};
}
}  // namespace

Result<bool> take_promotion_lock(DbSession& db, long long wait_seconds) {
    auto locked = db.scalar(fmt::format("SELECT GET_LOCK('{}', {})", promotion_lock, wait_seconds));
    if (!locked) return locked.error();
    return locked->value_or("0") == "1";
}

MysqlAdmin::MysqlAdmin(DbEndpoint local, bool galera, Duration connect_timeout, Duration io_timeout)
    : local_(std::move(local)), galera_(galera), connect_timeout_(connect_timeout), io_timeout_(io_timeout) {}

Result<DbSession> MysqlAdmin::open(Duration io_timeout) { return DbSession::connect(local_, connect_timeout_, io_timeout); }

// The local server greets within sql::peer_greeting_deadline too, or it counts as not answering: Connector/C's
// whole-second connect timeout would hold a pass on a hung (SIGSTOPped, stuck) server for a second per connection,
// and the writer IP of a dropped writer with it (the pass removes IPs first from a server that does not answer).
Result<void> MysqlAdmin::local_greets() const {
    if (sql::greets_within(local_.ip, local_.port, sql::peer_greeting_deadline)) return {};
    return fail(fmt::format("the local server ({}:{}) did not answer within {} ms", local_.ip, local_.port,
                            sql::peer_greeting_deadline.count()));
}

Result<MysqlAdmin::State> MysqlAdmin::state() {
    // Short timeouts: a hung server must not hold up the pass (an unknown state is an answer too).
    if (auto greets = local_greets(); !greets) return greets.error();
    auto db = DbSession::connect(local_, sql::probe_timeout, sql::probe_timeout * 2);
    if (!db) return db.error();
    auto v = db->query("SELECT @@global.read_only AS ro, @@global.log_bin AS lb, @@global.log_bin_index AS li, "
                       "@@global.datadir AS dd, @@global.pid_file AS pf");
    if (!v) return v.error();
    if (v->empty()) return fail("no row for @@global.read_only");
    const Row& row = v->front();
    remember_files(row);
    auto rs = sql::read_replica_status(*db);
    if (!rs) return rs.error();
    State out{field(row, {"ro"}) != "0", std::move(*rs), std::nullopt, std::nullopt};
    if (galera_) {
        if (auto w = db->query("SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_cluster_status', 'wsrep_ready', "
                               "'wsrep_connected')");
            w && !w->empty()) {
            std::map<std::string, std::string> vars;
            for (const auto& r : *w) vars[field(r, {"Variable_name"})] = field(r, {"Value"});
            out.wsrep_primary = vars["wsrep_cluster_status"] == "Primary" && vars["wsrep_ready"] == "ON" &&
                                vars["wsrep_connected"] == "ON";
        }
    }
    if (db->flavor().mariadb)
        if (auto s = db->query("SELECT @@global.rpl_semi_sync_slave_enabled AS s, @@global.rpl_semi_sync_master_enabled "
                               "AS m");
            s && !s->empty() && field(s->front(), {"s"}) == "1")
            out.semisync_master = field(s->front(), {"m"}) == "1";
    return out;
}

Result<void> MysqlAdmin::allow_writes() {
    auto db = open(io_timeout_);
    if (!db) return db.error();
    auto ro = db->scalar("SELECT @@global.read_only");
    if (!ro) return ro.error();
    if (ro->value_or("1") == "0") return {};
    // MySQL: turning read_only off also turns super_read_only off.
    return db->exec("SET GLOBAL read_only=0");
}

Result<DenyResult> MysqlAdmin::deny_writes(int max_kill_retries) {
    const int grace = std::max(1, max_kill_retries);
    // A hung server fails this quickly, so the caller can go on (remove the IP) instead of waiting.
    if (auto greets = local_greets(); !greets) return greets.error();
    if (auto probe = DbSession::connect(local_, sql::probe_timeout, sql::probe_timeout * 2); !probe)
        return probe.error();
    else if (auto alive = probe->scalar("SELECT 1"); !alive)
        return alive.error();
    auto db = open(io_timeout_ + std::chrono::seconds(grace));
    if (!db) return db.error();
    const auto own = db->thread_id();
    DenyResult out;
    auto kill_round = [&](int round) -> Result<std::size_t> {
        auto rows = db->query("SHOW FULL PROCESSLIST");
        if (!rows) return rows.error();
        std::vector<ProcessRow> procs;
        for (const auto& r : *rows)
            procs.push_back({sql::to_u64(field(r, {"Id"})), field(r, {"User"}), field(r, {"Command"}), field(r, {"Info"})});
        const auto plan = plan_kill_round(procs, own, round, max_kill_retries);
        for (const auto id : plan.kill) {
            // A thread may end between the list and the kill: "Unknown thread id" is fine.
            if (db->exec(fmt::format("KILL {}", id))) ++out.killed;
        }
        return plan.spared;
    };

    auto ro = db->scalar("SELECT @@global.read_only");
    if (!ro) return ro.error();
    if (ro->value_or("0") == "0") {
        // SET GLOBAL read_only=1 waits for running writes (and holds new ones back meanwhile); they get
        // max_kill_retries seconds, then every client connection is killed and it is tried once more.
        if (auto r = db->exec(fmt::format("SET SESSION lock_wait_timeout={}", grace)); !r) return r.error();
        auto set = db->exec("SET GLOBAL read_only=1");
        if (!set) {
            if (set.error().server_errno != er_lock_wait_timeout) return set.error();
            if (auto k = kill_round(max_kill_retries); !k) return k.error();
            if (auto again = db->exec("SET GLOBAL read_only=1"); !again) return again.error();
        }
    }
    // super_read_only exists on MySQL >= 5.7 only; it also stops accounts with SUPER.
    auto has_super = db->query("SHOW GLOBAL VARIABLES LIKE 'super_read_only'");
    const bool super_read_only = has_super && !has_super->empty();
    if (super_read_only)
        if (auto r = db->exec("SET GLOBAL super_read_only=1"); !r) return r.error();

    // Without super_read_only (MariaDB), a write statement still running now belongs to a session with READ_ONLY
    // ADMIN (read_only=1 stops every other one, and setting it waited for the running writes): sparing it would let
    // it commit after the new writer took this server's final position (issue 11 item 7). Every client connection
    // goes at once; a statement cut off is rolled back, never acknowledged.
    if (!super_read_only) {
        out.rounds = 1;
        if (auto k = kill_round(max_kill_retries); !k) return k.error();
        return out;
    }
    for (int round = 0; round <= max_kill_retries; ++round) {
        out.rounds = round + 1;
        auto spared = kill_round(round);
        if (!spared) return spared.error();
        if (*spared == 0) break;
        std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    return out;
}

Result<std::string> MysqlAdmin::repoint(const ClusterHost& target, const std::vector<ClusterHost>& hosts,
                                        Duration deadline) {
    if (target.name == local_.host_name) return fail("New master is equal to local host!?");
    const auto until = sql::Clock::now() + deadline;
    auto db = open(deadline + io_timeout_);
    if (!db) return db.error();
    auto status = sql::read_replica_status(*db);
    if (!status) return status.error();
    // MariaDB keeps gtid_slave_pos also for a replica that replicates by binlog coordinates, and every event has a
    // GTID: such a replica moves to GTID here. The new master's coordinates, read now, would be those after the writes
    // it took since its catch-up (they would be skipped: mysql-mmm 2.2's repoint; issue 11 item 4).
    const bool was_gtid = *status && (*status)->uses_gtid();
    bool gtid = was_gtid;
    if (*status && !gtid && db->flavor().mariadb) {
        auto pos = db->scalar("SELECT @@global.gtid_current_pos");
        gtid = pos && pos->value_or("") != "";
    }
    std::string relay_note;

    if (*status) {
        const auto& s = **status;
        if (s.master_host == target.agent.ip && s.master_port == target.agent.port)
            return std::string("OK: We are already a slave of the new master");
        // Catch up with the old source: its final binlog position when it answers, else the relay log.
        std::optional<sql::BinlogPos> wait;
        for (const auto& h : hosts)
            if (h.agent.ip == s.master_host && h.name != target.name) wait = sql::binlog_position_of(h);
        if (wait) {
            if (auto w = sql::wait_for_position(*db, *wait, sql::remaining(until)); !w) return w.error();
        } else if (!s.master_log_file.empty()) {
            auto w = sql::wait_for_relay_log(*db, sql::BinlogPos{s.master_log_file, s.read_pos}, sql::remaining(until));
            if (!w) return w.error();
            relay_note = *w;
        }
    }

    std::optional<sql::BinlogPos> coords;
    if (!gtid) {
        coords = sql::binlog_position_of(target);
        if (!coords) return fail(fmt::format("could not read the binlog position of '{}'", target.name));
    }
    if (auto r = db->exec(db->flavor().stop_replica()); !r) return r.error();
    // Point of no return for the old setup: from here a failure restarts the old replication before reporting.
    auto restart_old = [&](const Error& e) -> Result<std::string> {
        (void)db->exec(db->flavor().start_replica());
        return fail(e.message);
    };
    // A former writer (MariaDB) has its own transactions beyond gtid_slave_pos: it asks the new master from its
    // gtid_current_pos (its own last GTID in such a domain), which the new master has after its catch-up. From the
    // older gtid_slave_pos it would need the new master's binlog to reach back before its own writes, and a master
    // re-cloned since (binlog reset) answers that with error 1236. Its own unreplicated tail (errant) is asked for
    // too, so it fails loudly rather than replicating on top of it.
    if (gtid && db->flavor().mariadb) {
        if (auto r = db->exec("SET GLOBAL gtid_slave_pos = @@global.gtid_current_pos"); !r)
            return restart_old(r.error());
    }
    if (auto r = db->exec(sql::change_master_sql(*db, target, gtid, coords ? &*coords : nullptr)); !r)
        return restart_old(r.error());
    if (auto r = db->exec(db->flavor().start_replica()); !r) return r.error();
    if (gtid && !was_gtid)
        return fmt::format("OK: replicating from '{}' with GTID (was binlog coordinates; MariaDB's GTID position is exact "
                           "where the new master's coordinates would be read at the wrong time){}",
                           target.name, relay_note);
    if (gtid) return fmt::format("OK: replicating from '{}' with GTID{}", target.name, relay_note);
    return fmt::format("OK: replicating from '{}' at {}:{}{}", target.name, coords->file, coords->pos, relay_note);
}

Result<void> MysqlAdmin::verify_replication(const ClusterHost& target, Duration deadline) {
    const auto until = sql::Clock::now() + deadline;
    auto db = open(io_timeout_);
    if (!db) return db.error();
    std::optional<sql::Clock::time_point> last_start;
    while (true) {
        auto status = sql::read_replica_status(*db);
        if (!status) return status.error();
        if (!*status) return fail("replication is not configured");
        const auto& s = **status;
        if (s.master_host != target.agent.ip)
            return fail(fmt::format("replicating from {} instead of '{}'", s.master_host, target.name));
        if (s.io_running() && s.sql_running()) return {};
        // Stopped threads are started, again every 500 ms while one stays stopped: right after a failover this
        // replica may ask the new master for a transaction it is still catching up on (error 1236) until it has it.
        const auto now = sql::Clock::now();
        if ((s.io_state == "No" || s.sql_state == "No") &&
            (!last_start || now - *last_start >= std::chrono::milliseconds(500))) {
            last_start = now;
            if (auto lock = hold_promotion_lock(*db); !lock) return lock.error();
            auto started = db->exec(db->flavor().start_replica());
            (void)db->scalar(fmt::format("SELECT RELEASE_LOCK('{}')", promotion_lock));
            if (!started) return started.error();
        }
        if (sql::Clock::now() >= until)
            return fail(fmt::format("replication from '{}' not running after {} s (IO: {}, SQL: {}){}", target.name,
                                    format_duration(deadline), s.io_state, s.sql_state,
                                    s.last_error.empty() ? "" : ": " + s.last_error));
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
}

Result<Duration> MysqlAdmin::select_one(const DbEndpoint& host, Duration timeout) {
    const auto t0 = sql::Clock::now();
    auto db = DbSession::connect(host, timeout, timeout);
    if (!db) return db.error();
    if (auto one = db->scalar("SELECT 1"); !one) return one.error();
    return std::chrono::duration_cast<Duration>(sql::Clock::now() - t0);
}

Result<void> MysqlAdmin::start_replication() {
    auto db = open(io_timeout_);
    if (!db) return db.error();
    if (auto lock = hold_promotion_lock(*db); !lock) return lock.error();
    // A former writer (MariaDB, GTID) starts from its gtid_current_pos, as in repoint(): its own writes are past its
    // gtid_slave_pos, which the active master's binlog may no longer reach back to (re-cloned: error 1236).
    if (db->flavor().mariadb) {
        auto behind = db->scalar("SELECT @@global.gtid_current_pos <> @@global.gtid_slave_pos");
        if (!behind) return behind.error();
        if (*behind == std::optional<std::string>("1")) {
            auto status = sql::read_replica_status(*db);
            if (!status) return status.error();
            if (*status && (*status)->uses_gtid()) {
                if (auto r = db->exec(db->flavor().stop_replica()); !r) return r.error();
                if (auto r = db->exec("SET GLOBAL gtid_slave_pos = @@global.gtid_current_pos"); !r) return r.error();
            }
        }
    }
    return db->exec(db->flavor().start_replica());
}

Result<void> MysqlAdmin::set_semisync_master(bool on) {
    auto db = open(io_timeout_);
    if (!db) return db.error();
    return db->exec(fmt::format("SET GLOBAL rpl_semi_sync_master_enabled = {}", on ? 1 : 0));
}

Result<void> MysqlAdmin::stop_replication() {
    auto db = open(io_timeout_);
    if (!db) return db.error();
    return db->exec(db->flavor().stop_replica());
}

}  // namespace mmm::agent
