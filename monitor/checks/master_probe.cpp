// The master-master sanity check's questions to one server, through the non-blocking Connector/C session.
#include "monitor/checks/master_probe.hpp"

#include <charconv>
#include <cmath>

#include <asio/this_coro.hpp>
#include <fmt/format.h>

#include "monitor/checks/check_texts.hpp"
#include "monitor/checks/mysql_session.hpp"

namespace mmm::monitor {

namespace {
std::optional<long long> to_number(const std::optional<std::string>& text) {
    if (!text) return std::nullopt;
    long long value = 0;
    const auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc{} || ptr != text->data() + text->size()) return std::nullopt;
    return value;
}

std::string timeout_text(const HostConfig& host, Duration timeout) {
    return fmt::format("Timeout: no answer from MySQL server on '{}' within {} s", host.ip, format_duration(timeout));
}
}  // namespace

asio::awaitable<MasterObservation> observe_master(const HostConfig& host, MasterObservation seen, SteadyTime deadline,
                                                  Duration timeout) {
    MysqlSession session(co_await asio::this_coro::executor);
    const auto connector_timeout = static_cast<unsigned int>(std::ceil(seconds(timeout)));
    auto status = co_await session.connect(host.ip, host.mysql_port, host.monitor_user, host.monitor_password, deadline,
                                           connector_timeout);
    if (!status.ok) {
        seen.failure = status.timed_out ? timeout_text(host, timeout) : fmt::format("{} {}", status.code, status.message);
        co_return seen;
    }
    SqlResult replica;
    status = co_await session.query(replica_status_statement(session.server_version()), replica, deadline);
    if (status.timed_out) {
        seen.failure = timeout_text(host, timeout);
        co_return seen;
    }
    if (status.ok && !replica.rows.empty())
        seen.master_host = replica.has_column("Master_Host") ? replica.value(0, "Master_Host")
                                                             : replica.value(0, "Source_Host");
    SqlResult increments;
    status = co_await session.query("SELECT @@auto_increment_offset, @@auto_increment_increment", increments, deadline);
    if (status.timed_out) {
        seen.failure = timeout_text(host, timeout);
        co_return seen;
    }
    if (status.ok) {
        seen.auto_increment_offset = to_number(increments.value(0, "@@auto_increment_offset"));
        seen.auto_increment_increment = to_number(increments.value(0, "@@auto_increment_increment"));
    }
    co_return seen;
}

asio::awaitable<GaleraNodeSettings> observe_galera_node(const HostConfig& host, SteadyTime deadline, Duration timeout) {
    GaleraNodeSettings seen;
    seen.host = host.name;
    MysqlSession session(co_await asio::this_coro::executor);
    const auto connector_timeout = static_cast<unsigned int>(std::ceil(seconds(timeout)));
    auto status = co_await session.connect(host.ip, host.mysql_port, host.monitor_user, host.monitor_password, deadline,
                                           connector_timeout);
    SqlResult r;
    if (status.ok) status = co_await session.query(galera_settings_statement, r, deadline);
    if (!status.ok || r.rows.empty() || r.rows[0].size() != 7) {
        seen.failure = status.timed_out ? timeout_text(host, timeout)
                       : status.ok      ? std::string("no row")
                                        : fmt::format("{} {}", status.code, status.message);
        co_return seen;
    }
    const auto& row = r.rows[0];
    const auto flag = [&](std::size_t i) -> std::optional<bool> {
        if (!row[i]) return std::nullopt;
        return *row[i] != "0" && *row[i] != "OFF";
    };
    seen.wsrep_on = flag(0);
    seen.wsrep_gtid_mode = flag(1);
    seen.wsrep_gtid_domain_id = to_number(row[2]);
    seen.gtid_domain_id = to_number(row[3]);
    seen.server_id = to_number(row[4]);
    seen.log_bin = flag(5);
    seen.log_slave_updates = flag(6);
    co_return seen;
}

}  // namespace mmm::monitor
