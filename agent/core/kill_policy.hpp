// Which client connections deny-write kills (spec §9.5, `hard` mode): idle and reading ones at once, running
// writes get until the last round; replication threads, system users and the agent itself are never killed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mmm::agent {

struct ProcessRow {
    std::uint64_t id = 0;
    std::string user;
    std::string command;  // SHOW PROCESSLIST's Command
    std::string info;     // the running statement ('' when idle)
};

// Optional leading whitespace, optional /* ... */ comment, then INSERT UPDATE DELETE REPLACE CREATE DROP ALTER
// REPAIR OPTIMIZE ANALYZE CHECK (case-insensitive), as mysql-mmm's pattern.
bool is_write_statement(std::string_view info);

// Threads no deny-write may kill: replication (Binlog Dump*, Slave_*/Replica_* threads), 'system user',
// daemons (event scheduler), and `own_id`.
bool is_protected_thread(const ProcessRow& row, std::uint64_t own_id);

struct KillRound {
    std::vector<std::uint64_t> kill;   // ids to KILL now
    std::size_t spared = 0;            // writes left running this round
};

// Round `round` of 0..max_rounds: before the last round writes are spared, in the last every client is killed.
KillRound plan_kill_round(const std::vector<ProcessRow>& rows, std::uint64_t own_id, int round, int max_rounds);

}  // namespace mmm::agent
