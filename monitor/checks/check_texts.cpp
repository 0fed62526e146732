// Result texts of the SQL checks, exactly as mysql-mmm 2.2 words them.
#include "monitor/checks/check_texts.hpp"

#include <charconv>
#include <map>

#include <fmt/format.h>

namespace mmm::monitor {

namespace {
constexpr unsigned int er_con_count_error = 1040;
constexpr unsigned int er_specific_access_denied = 1227;

std::string connect_error_suffix(const SqlTarget& t, const SqlStatus& s) {
    return fmt::format("Connect error (host = {}:{}, user = {})! {}", t.ip, t.port, t.user, s.message);
}
}  // namespace

// MySQL >= 8.0.22 answers SHOW REPLICA STATUS with Replica_*/Source_* columns; MariaDB keeps Slave_*/Master_*.
std::optional<std::string> replica_column(const SqlResult& r, std::string_view old_name, std::string_view new_name) {
    if (r.has_column(old_name)) return r.value(0, old_name);
    return r.value(0, new_name);
}

std::string connect_failure_text(CheckKind kind, const SqlTarget& target, const SqlStatus& status) {
    if (kind == CheckKind::Mysql) {
        if (status.code == er_con_count_error) return "UNKNOWN: Too many connections! " + status.message;
        return "ERROR: " + connect_error_suffix(target, status);
    }
    return "UNKNOWN: " + connect_error_suffix(target, status);
}

std::string query_failure_text(CheckKind kind, const SqlTarget& target, const SqlStatus& status) {
    if (status.timed_out) return "ERROR: Timeout";
    if (kind == CheckKind::Mysql) return "ERROR: SQL Query Error: " + status.message;
    if (status.code == er_specific_access_denied) {
        return fmt::format("ERROR: The monitor user '{}' doesn't have the required REPLICATION CLIENT privilege! {}",
                           target.user, status.message);
    }
    return "UNKNOWN: Unknown state. Execute error: " + status.message;
}

std::string replica_status_statement(const ServerVersion& v) {
    const bool replica = v.mariadb ? v.as_number() >= 100501 : v.as_number() >= 80022;
    return replica ? "SHOW REPLICA STATUS" : "SHOW SLAVE STATUS";
}

std::optional<ReplicaSource> replica_source(const SqlResult& status) {
    if (status.rows.empty()) return std::nullopt;
    ReplicaSource s;
    s.master_host = replica_column(status, "Master_Host", "Source_Host").value_or("");
    const auto port = replica_column(status, "Master_Port", "Source_Port").value_or("");
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec == std::errc() && end == port.data() + port.size() && value <= 65535) s.master_port = static_cast<std::uint16_t>(value);
    s.io_running = replica_column(status, "Slave_IO_Running", "Replica_IO_Running").value_or("");
    s.sql_running = replica_column(status, "Slave_SQL_Running", "Replica_SQL_Running").value_or("");
    s.gtid_io_pos = status.value(0, "Gtid_IO_Pos").value_or("");
    return s;
}

std::string rep_threads_text(const SqlResult& status) {
    if (status.rows.empty()) return "ERROR: Replication is not set up";
    const auto io = replica_column(status, "Slave_IO_Running", "Replica_IO_Running");
    const auto sql = replica_column(status, "Slave_SQL_Running", "Replica_SQL_Running");
    if (io.value_or("") == "No" || sql.value_or("") == "No") return "ERROR: Replication is broken";
    return "OK";
}

std::string io_thread_state(const SqlResult& status) {
    if (status.rows.empty()) return {};
    return replica_column(status, "Slave_IO_Running", "Replica_IO_Running").value_or("");
}

std::string rep_backlog_text(const SqlResult& status, int max_backlog, Duration io_down_for) {
    if (status.rows.empty()) return "ERROR: Replication is not set up";
    const auto seconds_behind = replica_column(status, "Seconds_Behind_Master", "Seconds_Behind_Source");
    const auto sql = replica_column(status, "Slave_SQL_Running", "Replica_SQL_Running").value_or("");
    const auto io = io_thread_state(status);
    if (!seconds_behind && sql == "Yes" && io != "Yes" && io_down_for > std::chrono::seconds(max_backlog))
        return fmt::format("ERROR: Backlog is unknown: nothing received from the master for {} s (IO thread: {})",
                           std::chrono::duration_cast<std::chrono::seconds>(io_down_for).count(), io);
    const auto text = seconds_behind.value_or("");
    long long backlog = 0;
    if (!text.empty()) std::from_chars(text.data(), text.data() + text.size(), backlog);
    if (backlog == 0) return "OK: Backlog is null";
    if (backlog > max_backlog) return "ERROR: Backlog is too big";
    return "OK";
}

std::string wsrep_text(const SqlResult& status) {
    std::map<std::string, std::string, std::less<>> vars;
    for (const auto& row : status.rows)
        if (row.size() >= 2 && row[0]) vars[*row[0]] = row[1].value_or("");
    const auto var = [&](std::string_view name) {
        const auto it = vars.find(name);
        return it == vars.end() ? std::string() : it->second;
    };
    if (vars.find("wsrep_ready") == vars.end())
        return "ERROR: wsrep is not enabled on this server (no wsrep status variables)";
    if (var("wsrep_connected") != "ON")
        return fmt::format("ERROR: Not connected to the cluster (wsrep_connected {})", var("wsrep_connected"));
    if (var("wsrep_cluster_status") != "Primary")
        return fmt::format("ERROR: Not in the Primary component (wsrep_cluster_status {})",
                           var("wsrep_cluster_status"));
    if (var("wsrep_ready") != "ON") return fmt::format("ERROR: Not ready (wsrep_ready {})", var("wsrep_ready"));
    if (var("wsrep_local_state") != "4")
        return fmt::format("ERROR: Node is {} (wsrep_local_state {}), not Synced", var("wsrep_local_state_comment"),
                           var("wsrep_local_state"));
    return fmt::format("OK: Synced in the Primary component of {} nodes", var("wsrep_cluster_size"));
}

}  // namespace mmm::monitor
