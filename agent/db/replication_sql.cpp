// SQL helpers the agent's replication steps share: replication status, binlog positions, waits, CHANGE MASTER,
// short-lived connections to other hosts of the cluster.
#include "agent/db/replication_sql.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <thread>

#include <fmt/format.h>

namespace mmm::agent::sql {

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
    s.gtid_io_pos = field(r, {"Gtid_IO_Pos"});
    s.exec_log_file = field(r, {"Relay_Master_Log_File", "Relay_Source_Log_File"});
    s.exec_pos = to_u64(field(r, {"Exec_Master_Log_Pos", "Exec_Source_Log_Pos"}));
    s.sql_running_state = field(r, {"Slave_SQL_Running_State", "Replica_SQL_Running_State"});
    s.last_error = field(r, {"Last_IO_Error", "Last_SQL_Error"});
    s.last_sql_error = field(r, {"Last_SQL_Error"});
    if (s.last_error.empty()) s.last_error = s.last_sql_error;
    if (s.master_host.empty()) return std::optional<ReplicaStatus>{};  // RESET SLAVE ALL leaves an empty row
    return std::optional<ReplicaStatus>(s);
}

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

Result<GtidList> gtid_variable(DbSession& db, const char* name) {
    auto v = db.scalar(fmt::format("SELECT @@global.{}", name));
    if (!v) return v.error();
    return GtidList::parse(v->value_or(""));
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

// The relay log's end: applied up to `target`, or, with the IO thread no longer connected, everything the SQL thread
// can apply. A source killed while it sent a transaction leaves that transaction's first events at the relay log's
// end: the SQL thread waits for the rest forever (MASTER_POS_WAIT on the read position never returns); it was never
// committed on the source, so it is rolled back by the STOP SLAVE that follows.
Result<std::string> wait_for_relay_log(DbSession& db, const BinlogPos& target, Duration timeout) {
    const auto until = Clock::now() + timeout;
    for (;;) {
        auto st = read_replica_status(db);
        if (!st) return st.error();
        if (!*st) return fail("replication was removed while waiting for the relay log");
        const auto& s = **st;
        if (s.exec_log_file > target.file || (s.exec_log_file == target.file && s.exec_pos >= target.pos))
            return std::string();
        if (!s.sql_running())
            return fail(fmt::format("replication SQL thread is not running: cannot apply up to {}:{}{}", target.file,
                                    target.pos, s.last_sql_error.empty() ? "" : " (" + s.last_sql_error + ")"));
        if (!s.io_running() && s.sql_running_state.find("read all relay log") != std::string::npos)
            return fmt::format(" (the relay log ends inside a transaction at {}:{}: not applied, the source never "
                               "committed it)", s.exec_log_file, s.exec_pos);
        if (Clock::now() >= until)
            return fail(fmt::format("timed out after {} s waiting to apply up to {}:{}", format_duration(timeout),
                                    target.file, target.pos));
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
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

}  // namespace mmm::agent::sql
