// SQL helpers the agent's replication steps share (MysqlAdmin's catch-up, repoint, verify): replication status,
// binlog positions, position waits, CHANGE MASTER text, short-lived connections to other hosts of the cluster.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "agent/db/db_adapter.hpp"
#include "agent/db/db_session.hpp"
#include "common/duration.hpp"
#include "common/gtid.hpp"
#include "common/result.hpp"

namespace mmm::agent::sql {

using Clock = std::chrono::steady_clock;

// Short timeouts for probes of the local server: a hung server must not hold up a pass.
constexpr Duration probe_timeout = std::chrono::seconds(1);

// How long another host's server may take to send its greeting before it counts as not answering. Connector/C's
// timeouts are whole seconds, so without this every failover step that asks a dead, hung or cut-off old master
// (the new writer's peer check, each replica's final position of its old source) waited a full second; a live
// server greets in microseconds to milliseconds.
constexpr auto peer_greeting_deadline = std::chrono::milliseconds(300);

struct BinlogPos {
    std::string file;
    std::uint64_t pos = 0;
};

std::uint64_t to_u64(const std::string& s);  // 0 when not a number
// SHOW SLAVE STATUS (or REPLICA), nullopt when not a replica.
Result<std::optional<ReplicaStatus>> read_replica_status(DbSession& db);
// Does a MySQL server at ip:port send its greeting within `deadline`? A non-numeric address is not probed (true).
bool greets_within(const std::string& ip, std::uint16_t port, std::chrono::milliseconds deadline);
// A short-lived connection to another host (it may be dead or hung): short timeouts, greeting within
// peer_greeting_deadline.
Result<DbSession> connect_other(const ClusterHost& host);
// A GTID list variable of the server (@@global.<name>: gtid_slave_pos, gtid_binlog_pos, ...), parsed.
Result<GtidList> gtid_variable(DbSession& db, const char* name);
std::optional<BinlogPos> binlog_position(DbSession& db);  // SHOW MASTER STATUS
// SHOW MASTER STATUS of another host, or nothing when it does not answer (quickly) or has no binlog.
std::optional<BinlogPos> binlog_position_of(const ClusterHost& host);
Duration remaining(Clock::time_point deadline);
// MASTER_POS_WAIT with a timeout. NULL (SQL thread not running) and -1 (timeout) are failures.
Result<void> wait_for_position(DbSession& db, const BinlogPos& target, Duration timeout);
// Waits until the SQL thread applied the relay log up to `target` (the source's coordinates it received), or, once the
// IO thread is not connected, until it applied all it can (a partial transaction at the end is never applied): OK with
// a note for that case. Fails when the SQL thread stops or at the timeout.
Result<std::string> wait_for_relay_log(DbSession& db, const BinlogPos& target, Duration timeout);
// CHANGE MASTER TO target (its replication account), by GTID, or at `pos` when given, or keeping the position.
std::string change_master_sql(DbSession& db, const ClusterHost& target, bool gtid, const BinlogPos* pos);

}  // namespace mmm::agent::sql
