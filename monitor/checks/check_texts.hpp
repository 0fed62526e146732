// The result texts of the mysql, rep_threads and rep_backlog checks (spec §3.3-3.5), as pure functions.
#pragma once

#include <optional>
#include <string>

#include "common/duration.hpp"
#include "common/states.hpp"
#include "monitor/checks/mysql_session.hpp"
#include "monitor/core/observe.hpp"

namespace mmm::monitor {

struct SqlTarget {
    std::string ip;
    std::uint16_t port = 3306;
    std::string user;
};

// A failed connect: mysql -> ERROR (1040 -> UNKNOWN: Too many connections!), rep_* -> UNKNOWN.
std::string connect_failure_text(CheckKind kind, const SqlTarget& target, const SqlStatus& status);
// A failed query: mysql -> "ERROR: SQL Query Error: ..."; rep_* -> 1227 privilege text or UNKNOWN.
std::string query_failure_text(CheckKind kind, const SqlTarget& target, const SqlStatus& status);

// The replica status statement for a server: SHOW REPLICA STATUS on MariaDB >= 10.5.1 and MySQL >= 8.0.22.
std::string replica_status_statement(const ServerVersion& version);

// A column of the first row of SHOW SLAVE/REPLICA STATUS under either spelling (Slave_*/Master_* or MySQL 8.0.22's
// Replica_*/Source_*).
std::optional<std::string> replica_column(const SqlResult& r, std::string_view old_name, std::string_view new_name);

// Where the replica status result says the host replicates from; nullopt when it replicates from nobody (no row).
std::optional<ReplicaSource> replica_source(const SqlResult& status);

// Reads the replica status result (either column spelling): rep_threads and rep_backlog verdicts.
std::string rep_threads_text(const SqlResult& status);
// `io_down_for`: how long this host's IO thread has been seen not connected ('Connecting', 'No') in a row. A NULL
// Seconds_Behind_Master is "OK: Backlog is null" as in mysql-mmm, except when the SQL thread runs but nothing has
// arrived from the master for longer than max_backlog seconds: such a replica does not know how far behind it is
// and must not count as healthy (a stale master candidate, issue 11).
std::string rep_backlog_text(const SqlResult& status, int max_backlog, Duration io_down_for = Duration::zero());
// The IO thread's state ("Yes", "Connecting", "No"); empty when not a replica.
std::string io_thread_state(const SqlResult& status);

// The wsrep check (Galera nodes): the statement, and its verdict from the (Variable_name, Value) rows. OK only for a
// node that is connected, ready, Synced (wsrep_local_state 4) and in the Primary component; a Donor/Desynced or
// joining node is no candidate for a role.
inline constexpr const char* wsrep_status_statement =
    "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_ready', 'wsrep_connected', 'wsrep_cluster_status', "
    "'wsrep_local_state', 'wsrep_local_state_comment', 'wsrep_cluster_size')";
std::string wsrep_text(const SqlResult& status);

}  // namespace mmm::monitor
