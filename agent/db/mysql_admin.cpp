// MySQL actions of the agent on its local server.
#include "agent/db/mysql_admin.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <thread>

#include <fmt/format.h>

#include "agent/core/kill_policy.hpp"

namespace mmm::agent {

namespace {

using Clock = std::chrono::steady_clock;
constexpr Duration probe_timeout = std::chrono::seconds(1);

std::uint64_t to_u64(const std::string& s) {
    try {
        return s.empty() ? 0 : std::stoull(s);
    } catch (...) {
        return 0;
    }
}

Result<std::optional<ReplicaStatus>> read_replica_status(DbSession& db) {
    auto rows = db.query(db.flavor().show_replica_status());
    if (!rows) return rows.error();
    if (rows->empty()) return std::optional<ReplicaStatus>{};
    const Row& r = rows->front();
    ReplicaStatus s;
    s.master_host = field(r, {"Master_Host", "Source_Host"});
    s.master_port = static_cast<std::uint16_t>(to_u64(field(r, {"Master_Port", "Source_Port"})));
    s.io_state = field(r, {"Slave_IO_Running", "Replica_IO_Running"});
    s.sql_state = field(r, {"Slave_SQL_Running", "Replica_SQL_Running"});
    s.master_log_file = field(r, {"Master_Log_File", "Source_Log_File"});
    s.read_pos = to_u64(field(r, {"Read_Master_Log_Pos", "Read_Source_Log_Pos"}));
    s.using_gtid = field(r, {"Using_Gtid", "Auto_Position"});
    s.last_error = field(r, {"Last_IO_Error", "Last_SQL_Error"});
    if (s.last_error.empty()) s.last_error = field(r, {"Last_SQL_Error"});
    if (s.master_host.empty()) return std::optional<ReplicaStatus>{};  // RESET SLAVE ALL leaves an empty row
    return std::optional<ReplicaStatus>(s);
}

struct BinlogPos {
    std::string file;
    std::uint64_t pos = 0;
};

// How long another host's server may take to send its greeting before it counts as not answering. Connector/C's
// timeouts are whole seconds, so without this every failover step that asks a dead, hung or cut-off old master
// (the new writer's peer check, each replica's final position of its old source) waited a full second; a live
// server greets in microseconds to milliseconds.
constexpr auto peer_greeting_deadline = std::chrono::milliseconds(300);

// Does a MySQL server at ip:port send its greeting (the first packet after TCP connect) within `deadline`? An
// address that is not numeric IPv4 is not probed (true: Connector/C decides).
bool greets_within(const std::string& ip, std::uint16_t port, std::chrono::milliseconds deadline) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    if (::inet_pton(AF_INET, ip.c_str(), &addr.sin_addr) != 1) return true;
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return true;
    const auto until = Clock::now() + deadline;
    auto wait_for = [&](short events) {
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
            if (left <= 0) return false;
            pollfd p{fd, events, 0};
            const int n = ::poll(&p, 1, static_cast<int>(left));
            if (n > 0) return (p.revents & (events | POLLERR | POLLHUP)) != 0;
            if (n == 0 || errno != EINTR) return false;
        }
    };
    bool ok = false;
    // sockaddr_in is passed as the generic sockaddr the API takes.
    const int c = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
    if (c == 0 || errno == EINPROGRESS) {
        int err = 0;
        socklen_t len = sizeof err;
        if ((c == 0 || (wait_for(POLLOUT) && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0)) &&
            wait_for(POLLIN)) {
            char byte = 0;
            ok = ::recv(fd, &byte, 1, MSG_PEEK) > 0;
        }
    }
    ::close(fd);
    return ok;
}

// A short-lived connection to another host of the cluster: it may be dead or hung, so short timeouts, and a server
// that does not greet within peer_greeting_deadline is not waited for.
Result<DbSession> connect_other(const ClusterHost& host) {
    if (!greets_within(host.agent.ip, host.agent.port, peer_greeting_deadline))
        return fail(fmt::format("'{}' ({}:{}) did not answer within {} ms", host.name, host.agent.ip, host.agent.port,
                                peer_greeting_deadline.count()));
    return DbSession::connect(host.agent, std::chrono::seconds(1), std::chrono::seconds(2));
}

std::optional<BinlogPos> binlog_position(DbSession& db) {
    auto rows = db.query(db.flavor().show_binlog_status());
    if (!rows || rows->empty()) return std::nullopt;
    BinlogPos p{field(rows->front(), {"File"}), to_u64(field(rows->front(), {"Position"}))};
    if (p.file.empty()) return std::nullopt;
    return p;
}

// SHOW MASTER STATUS of another host, or nothing when it does not answer (quickly) or has no binlog. Tried
// twice: a deny-write on that host may kill our connection in passing.
std::optional<BinlogPos> binlog_position_of(const ClusterHost& host) {
    for (int attempt = 0; attempt < 2; ++attempt) {
        auto db = connect_other(host);
        if (!db) return std::nullopt;
        if (auto p = binlog_position(*db)) return p;
    }
    return std::nullopt;
}

Duration remaining(Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<Duration>(deadline - Clock::now());
    return left.count() > 0 ? left : Duration{0};
}

// MASTER_POS_WAIT with a timeout. NULL (SQL thread not running) and -1 (timeout) are failures.
Result<void> wait_for_position(DbSession& db, const BinlogPos& target, Duration timeout) {
    const auto secs = std::max<long long>(1, (timeout.count() + 999) / 1000);
    const auto fn = db.flavor().source_pos_wait() ? "SOURCE_POS_WAIT" : "MASTER_POS_WAIT";
    auto r = db.scalar(fmt::format("SELECT {}({}, {}, {})", fn, db.quote(target.file), target.pos, secs));
    if (!r) return r.error();
    if (!*r) return fail(fmt::format("replication SQL thread is not running: cannot apply up to {}:{}", target.file,
                                     target.pos));
    if (**r == "-1") return fail(fmt::format("timed out after {} s waiting to apply up to {}:{}", secs, target.file,
                                             target.pos));
    return {};
}

std::string change_master_sql(DbSession& db, const ClusterHost& target, bool gtid, const BinlogPos* pos) {
    const auto& f = db.flavor();
    const bool source = f.source_keywords();
    std::string sql = fmt::format("{} {}={}, {}={}, {}={}, {}={}", source ? "CHANGE REPLICATION SOURCE TO" : "CHANGE MASTER TO",
                                  source ? "SOURCE_HOST" : "MASTER_HOST", db.quote(target.agent.ip),
                                  source ? "SOURCE_PORT" : "MASTER_PORT", target.agent.port,
                                  source ? "SOURCE_USER" : "MASTER_USER", db.quote(target.replication_user),
                                  source ? "SOURCE_PASSWORD" : "MASTER_PASSWORD", db.quote(target.replication_password));
    if (gtid) {
        sql += f.mariadb ? ", MASTER_USE_GTID=slave_pos" : (source ? ", SOURCE_AUTO_POSITION=1" : ", MASTER_AUTO_POSITION=1");
    } else if (pos != nullptr) {
        sql += fmt::format(", {}={}, {}={}", source ? "SOURCE_LOG_FILE" : "MASTER_LOG_FILE", db.quote(pos->file),
                           source ? "SOURCE_LOG_POS" : "MASTER_LOG_POS", pos->pos);
        if (f.mariadb) sql += ", MASTER_USE_GTID=no";
        else sql += source ? ", SOURCE_AUTO_POSITION=0" : ", MASTER_AUTO_POSITION=0";
    }
    return sql;
}

}  // namespace

MysqlAdmin::MysqlAdmin(DbEndpoint local, Duration connect_timeout, Duration io_timeout)
    : local_(std::move(local)), connect_timeout_(connect_timeout), io_timeout_(io_timeout) {}

Result<DbSession> MysqlAdmin::open(Duration io_timeout) { return DbSession::connect(local_, connect_timeout_, io_timeout); }

// The local server greets within peer_greeting_deadline too, or it counts as not answering: Connector/C's whole-second
// connect timeout would hold a pass on a hung (SIGSTOPped, stuck) server for a second per connection, and the writer
// IP of a dropped writer with it (the pass removes IPs first from a server that does not answer).
Result<void> MysqlAdmin::local_greets() const {
    if (greets_within(local_.ip, local_.port, peer_greeting_deadline)) return {};
    return fail(fmt::format("the local server ({}:{}) did not answer within {} ms", local_.ip, local_.port,
                            peer_greeting_deadline.count()));
}

Result<MysqlAdmin::State> MysqlAdmin::state() {
    // Short timeouts: a hung server must not hold up the pass (an unknown state is an answer too).
    if (auto greets = local_greets(); !greets) return greets.error();
    auto db = DbSession::connect(local_, probe_timeout, probe_timeout * 2);
    if (!db) return db.error();
    auto v = db->scalar("SELECT @@global.read_only");
    if (!v) return v.error();
    auto rs = read_replica_status(*db);
    if (!rs) return rs.error();
    return State{v->value_or("1") != "0", std::move(*rs)};
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
    if (auto probe = DbSession::connect(local_, probe_timeout, probe_timeout * 2); !probe)
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
            procs.push_back({to_u64(field(r, {"Id"})), field(r, {"User"}), field(r, {"Command"}), field(r, {"Info"})});
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
            if (set.error().message.find("(1205)") == std::string::npos) return set.error();
            if (auto k = kill_round(max_kill_retries); !k) return k.error();
            if (auto again = db->exec("SET GLOBAL read_only=1"); !again) return again.error();
        }
    }
    // super_read_only exists on MySQL >= 5.7 only; it also stops accounts with SUPER.
    if (auto has_super = db->query("SHOW GLOBAL VARIABLES LIKE 'super_read_only'"); has_super && !has_super->empty())
        if (auto r = db->exec("SET GLOBAL super_read_only=1"); !r) return r.error();

    for (int round = 0; round <= max_kill_retries; ++round) {
        out.rounds = round + 1;
        auto spared = kill_round(round);
        if (!spared) return spared.error();
        if (*spared == 0) break;
        std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    return out;
}

namespace {

// What the old master said when the new writer asked it: read-only (with its final binlog position, when it
// could be read), or nothing at all (down, hung or cut off).
struct PeerFinal {
    bool answered = false;
    std::optional<BinlogPos> position;
};

// Waits until the peer takes no more writes: it answers read_only=1 (its agent denies writes, letting running
// writes finish) or stops answering. Taking writes beside a writable peer would make two writers, so a peer that
// still answers read_only=0 at `until` is a failure. Its deny-write may kill our connection: reconnect; only a
// peer that no longer answers counts as gone.
Result<PeerFinal> wait_peer_read_only(const ClusterHost& peer, Clock::time_point until, Duration deadline) {
    auto other = connect_other(peer);
    while (other) {
        if (Clock::now() >= until)
            return fail(fmt::format("'{}' still takes writes (read_only=0) after {} s: not taking writes beside it",
                                    peer.name, format_duration(deadline)));
        auto ro = other->scalar("SELECT @@global.read_only");
        if (ro && ro->value_or("0") != "0") {
            PeerFinal out{true, binlog_position(*other)};
            if (!out.position && (other = connect_other(peer))) out.position = binlog_position(*other);
            return out;
        }
        if (!ro) other = connect_other(peer);  // killed in passing, or gone (then the loop ends)
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return PeerFinal{};
}

}  // namespace

Result<std::string> MysqlAdmin::catch_up(const std::optional<ClusterHost>& peer, Duration deadline) {
    const auto until = Clock::now() + deadline;
    auto db = open(deadline + io_timeout_);
    if (!db) return db.error();
    auto status = read_replica_status(*db);
    if (!status) return status.error();
    // The peer first, with or without replication here: a server that replicates from nobody must not become
    // writable beside a writable old master either (issue 10 item 6).
    PeerFinal final_state;
    if (peer) {
        auto f = wait_peer_read_only(*peer, until, deadline);
        if (!f) return f.error();
        final_state = std::move(*f);
    }
    if (!*status) {
        if (!peer) return std::string("OK: no replication source and no peer, nothing to catch up");
        return fmt::format("OK: no replication source, nothing to catch up; '{}' {}", peer->name,
                           final_state.answered ? "is read-only" : "does not answer");
    }
    std::optional<BinlogPos> target = final_state.position;
    std::string from = fmt::format("'{}' final binlog position", peer ? peer->name : std::string());
    if (!target) {
        target = BinlogPos{(*status)->master_log_file, (*status)->read_pos};
        from = "relay log";
    }
    if (auto w = wait_for_position(*db, *target, remaining(until)); !w) return w.error();
    return fmt::format("OK: caught up to {} {}:{}", from, target->file, target->pos);
}

Result<std::string> MysqlAdmin::repoint(const ClusterHost& target, const std::vector<ClusterHost>& hosts,
                                        Duration deadline) {
    if (target.name == local_.host_name) return fail("New master is equal to local host!?");
    const auto until = Clock::now() + deadline;
    auto db = open(deadline + io_timeout_);
    if (!db) return db.error();
    auto status = read_replica_status(*db);
    if (!status) return status.error();
    const bool gtid = *status && (*status)->uses_gtid();

    if (*status) {
        const auto& s = **status;
        if (s.master_host == target.agent.ip && s.master_port == target.agent.port)
            return std::string("OK: We are already a slave of the new master");
        // Catch up with the old source: its final binlog position when it answers, else the relay log.
        std::optional<BinlogPos> wait;
        for (const auto& h : hosts)
            if (h.agent.ip == s.master_host && h.name != target.name) wait = binlog_position_of(h);
        if (!wait) wait = BinlogPos{s.master_log_file, s.read_pos};
        if (!wait->file.empty()) {
            if (auto w = wait_for_position(*db, *wait, remaining(until)); !w) return w.error();
        }
    }

    std::optional<BinlogPos> coords;
    if (!gtid) {
        coords = binlog_position_of(target);
        if (!coords) return fail(fmt::format("could not read the binlog position of '{}'", target.name));
    }
    if (auto r = db->exec(db->flavor().stop_replica()); !r) return r.error();
    // Point of no return for the old setup: from here a failure restarts the old replication before reporting.
    auto restart_old = [&](const Error& e) -> Result<std::string> {
        (void)db->exec(db->flavor().start_replica());
        return fail(e.message);
    };
    if (auto r = db->exec(change_master_sql(*db, target, gtid, coords ? &*coords : nullptr)); !r)
        return restart_old(r.error());
    if (auto r = db->exec(db->flavor().start_replica()); !r) return r.error();
    if (gtid) return fmt::format("OK: replicating from '{}' with GTID", target.name);
    return fmt::format("OK: replicating from '{}' at {}:{}", target.name, coords->file, coords->pos);
}

Result<void> MysqlAdmin::verify_replication(const ClusterHost& target, Duration deadline) {
    const auto until = Clock::now() + deadline;
    auto db = open(io_timeout_);
    if (!db) return db.error();
    bool started = false;
    while (true) {
        auto status = read_replica_status(*db);
        if (!status) return status.error();
        if (!*status) return fail("replication is not configured");
        const auto& s = **status;
        if (s.master_host != target.agent.ip)
            return fail(fmt::format("replicating from {} instead of '{}'", s.master_host, target.name));
        if (s.io_running() && s.sql_running()) return {};
        if (!started && s.io_state == "No" && s.sql_state == "No") {
            started = true;
            if (auto r = db->exec(db->flavor().start_replica()); !r) return r.error();
        }
        if (Clock::now() >= until)
            return fail(fmt::format("replication from '{}' not running after {} s (IO: {}, SQL: {}){}", target.name,
                                    format_duration(deadline), s.io_state, s.sql_state,
                                    s.last_error.empty() ? "" : ": " + s.last_error));
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
}

Result<Duration> MysqlAdmin::select_one(const DbEndpoint& host, Duration timeout) {
    const auto t0 = Clock::now();
    auto db = DbSession::connect(host, timeout, timeout);
    if (!db) return db.error();
    if (auto one = db->scalar("SELECT 1"); !one) return one.error();
    return std::chrono::duration_cast<Duration>(Clock::now() - t0);
}

Result<void> MysqlAdmin::start_replication() {
    auto db = open(io_timeout_);
    if (!db) return db.error();
    return db->exec(db->flavor().start_replica());
}

Result<void> MysqlAdmin::stop_replication() {
    auto db = open(io_timeout_);
    if (!db) return db.error();
    return db->exec(db->flavor().stop_replica());
}

}  // namespace mmm::agent
