// The mysql, rep_threads and rep_backlog checks: one fresh connection per probe, non-blocking Connector/C.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "common/config.hpp"
#include "common/gtid.hpp"
#include "common/time.hpp"
#include "common/result.hpp"
#include "monitor/checks/prober.hpp"
#include "monitor/core/observe.hpp"
#include "monitor/core/semisync.hpp"

namespace mmm::monitor {

class SqlProber final : public Prober {
public:
    // `kind` is Mysql, RepThreads, RepBacklog or Wsrep; `check` gives timeout and max_backlog.
    SqlProber(CheckKind kind, CheckConfig check) : kind_(kind), check_(check) {}
    asio::awaitable<std::string> probe(const HostConfig& host, SteadyTime deadline) override;
    // rep_threads on MariaDB also reads @@server_id and @@gtid_binlog_state and hands them here (nullopt: could not
    // be read) before the check's own result (the errant-transaction check, issue 11).
    using GtidSink = std::function<void(const std::string& host, std::optional<GtidState> state, SteadyTime read_at)>;
    void on_gtid_state(GtidSink sink) { gtid_sink_ = std::move(sink); }
    // ... and its semi-sync settings and status (nullopt: could not be read).
    using SemiSyncSink = std::function<void(const std::string& host, std::optional<SemiSyncStatus> status)>;
    void on_semisync(SemiSyncSink sink) { semisync_sink_ = std::move(sink); }
    // What a probe read beside its verdict, for /metrics: mysql reads @@read_only, rep_backlog Seconds_Behind_Master
    // (nullopt: NULL, not replicating, or not read).
    using ReadOnlySink = std::function<void(const std::string& host, std::optional<bool> read_only)>;
    void on_read_only(ReadOnlySink sink) { read_only_sink_ = std::move(sink); }
    using LagSink = std::function<void(const std::string& host, std::optional<double> seconds)>;
    void on_lag(LagSink sink) { lag_sink_ = std::move(sink); }
    // rep_threads: where the host replicates from (nullopt: from nobody), or why it could not be read; for the
    // topology of /api/status.
    using ReplicationSink =
        std::function<void(const std::string& host, const Result<std::optional<ReplicaSource>>& source)>;
    void on_replication(ReplicationSink sink) { replication_sink_ = std::move(sink); }

private:
    CheckKind kind_;
    CheckConfig check_;
    // rep_backlog: since when each host's IO thread has been seen not connected, in a row (one prober serves every
    // host; all on the io_context's thread).
    std::map<std::string, SteadyTime> io_down_since_;
    GtidSink gtid_sink_;
    SemiSyncSink semisync_sink_;
    ReadOnlySink read_only_sink_;
    LagSink lag_sink_;
    ReplicationSink replication_sink_;
};

}  // namespace mmm::monitor
