// The result texts of the mysql, rep_threads and rep_backlog checks (spec §3.3-3.5), as pure functions.
#pragma once

#include <string>

#include "common/states.hpp"
#include "monitor/checks/mysql_session.hpp"

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

// Reads the replica status result (either column spelling): rep_threads and rep_backlog verdicts.
std::string rep_threads_text(const SqlResult& status);
std::string rep_backlog_text(const SqlResult& status, int max_backlog);

}  // namespace mmm::monitor
