// One SQL check: connect, run its statement, turn the answer into spec §3's text.
#include "monitor/checks/sql_prober.hpp"

#include <charconv>
#include <cmath>

#include <asio/this_coro.hpp>
#include <fmt/format.h>

#include "monitor/checks/check_texts.hpp"
#include "monitor/checks/mysql_session.hpp"

namespace mmm::monitor {

asio::awaitable<std::string> SqlProber::probe(const HostConfig& host, SteadyTime deadline) {
    MysqlSession session(co_await asio::this_coro::executor);
    const SqlTarget target{host.ip, host.mysql_port, host.monitor_user};
    const auto connector_timeout = static_cast<unsigned int>(std::ceil(seconds(check_.timeout)));
    auto status = co_await session.connect(host.ip, host.mysql_port, host.monitor_user, host.monitor_password, deadline,
                                           connector_timeout);
    // rep_threads hands on where the host replicates from, or why that could not be read.
    const auto replication_read = [&](const Result<std::optional<ReplicaSource>>& read) {
        if (kind_ == CheckKind::RepThreads && replication_sink_) replication_sink_(host.name, read);
    };
    // A probe that could not read its server: what it reads beside its verdict is not known now (a dead server's
    // last read_only or lag must not stay on display).
    const auto nothing_read = [&](const std::string& why) {
        replication_read(fail(why));
        if (kind_ == CheckKind::Mysql && read_only_sink_) read_only_sink_(host.name, std::nullopt);
        if (kind_ == CheckKind::RepBacklog && lag_sink_) lag_sink_(host.name, std::nullopt);
    };
    if (!status.ok) {
        if (status.timed_out) {
            status.message = fmt::format("Can't connect to MySQL server on '{}' (timeout after {} s)", host.ip,
                                         format_duration(check_.timeout));
        }
        auto text = connect_failure_text(kind_, target, status);
        nothing_read(text);
        co_return text;
    }
    SqlResult result;
    if (kind_ == CheckKind::Mysql) {
        status = co_await session.query("SELECT NOW(), @@global.read_only", result, deadline);
        if (read_only_sink_) {
            std::optional<bool> read_only;
            if (status.ok && !result.rows.empty() && result.rows[0].size() == 2 && result.rows[0][1])
                read_only = *result.rows[0][1] != "0";
            read_only_sink_(host.name, read_only);
        }
        co_return status.ok ? std::string("OK") : query_failure_text(kind_, target, status);
    }
    if (kind_ == CheckKind::Wsrep) {
        status = co_await session.query(wsrep_status_statement, result, deadline);
        co_return status.ok ? wsrep_text(result) : query_failure_text(kind_, target, status);
    }
    status = co_await session.query(replica_status_statement(session.server_version()), result, deadline);
    if (!status.ok) {
        auto text = query_failure_text(kind_, target, status);
        nothing_read(text);
        co_return text;
    }
    if (kind_ == CheckKind::RepThreads) {
        replication_read(replica_source(result));
        if (gtid_sink_ && session.server_version().mariadb) {
            SqlResult ids;
            std::optional<GtidState> state;
            const auto read_at = std::chrono::steady_clock::now();
            if ((co_await session.query("SELECT @@global.server_id, @@global.gtid_binlog_state", ids, deadline)).ok &&
                !ids.rows.empty() && ids.rows[0].size() == 2 && ids.rows[0][0]) {
                auto list = GtidList::parse(ids.rows[0][1].value_or(""));
                std::uint32_t server_id = 0;
                const auto& text = *ids.rows[0][0];
                auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), server_id);
                if (list && ec == std::errc() && p == text.data() + text.size()) state = GtidState{server_id, *list};
            }
            gtid_sink_(host.name, std::move(state), read_at);
        }
        if (semisync_sink_ && session.server_version().mariadb) {
            SqlResult r;
            std::optional<SemiSyncStatus> semisync;
            const auto global_status = [](const char* name) {
                return fmt::format("(SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = "
                                   "'{}')",
                                   name);
            };
            const auto sql = fmt::format("SELECT @@global.rpl_semi_sync_master_enabled, "
                                         "@@global.rpl_semi_sync_slave_enabled, {}, {}, {}",
                                         global_status("RPL_SEMI_SYNC_MASTER_STATUS"),
                                         global_status("RPL_SEMI_SYNC_MASTER_CLIENTS"),
                                         global_status("RPL_SEMI_SYNC_SLAVE_STATUS"));
            if ((co_await session.query(sql, r, deadline)).ok && !r.rows.empty() && r.rows[0].size() == 5) {
                const auto& row = r.rows[0];
                const auto text = [&](std::size_t i) { return row[i].value_or(""); };
                SemiSyncStatus s;
                s.master_enabled = text(0) == "1";
                s.slave_enabled = text(1) == "1";
                s.master_on = text(2) == "ON";
                long clients = 0;
                const auto c = text(3);
                std::from_chars(c.data(), c.data() + c.size(), clients);
                s.master_clients = clients;
                s.slave_on = text(4) == "ON";
                semisync = s;
            }
            semisync_sink_(host.name, semisync);
        }
        co_return rep_threads_text(result);
    }
    const auto now = std::chrono::steady_clock::now();
    Duration io_down_for = Duration::zero();
    if (io_thread_state(result) == "Yes" || result.rows.empty()) {
        io_down_since_.erase(host.name);
    } else {
        const auto since = io_down_since_.try_emplace(host.name, now).first->second;
        io_down_for = std::chrono::duration_cast<Duration>(now - since);
    }
    if (lag_sink_) {
        std::optional<double> lag;
        if (const auto seconds = replica_column(result, "Seconds_Behind_Master", "Seconds_Behind_Source"); seconds) {
            double value = 0;
            const auto [end, ec] = std::from_chars(seconds->data(), seconds->data() + seconds->size(), value);
            if (ec == std::errc() && end == seconds->data() + seconds->size()) lag = value;
        }
        lag_sink_(host.name, lag);
    }
    co_return rep_backlog_text(result, check_.max_backlog, io_down_for);
}

}  // namespace mmm::monitor
