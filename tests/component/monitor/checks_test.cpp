// Component tests of the check loops and probes: real io_context, fake probers and fake servers on 127.0.0.1.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <map>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include "component/monitor/test_support.hpp"
#include "monitor/checks/check_scheduler.hpp"
#include "monitor/checks/check_texts.hpp"
#include "monitor/core/host_rules.hpp"
#include "monitor/checks/icmp_pinger.hpp"
#include "monitor/checks/network_check.hpp"
#include "monitor/checks/ping_prober.hpp"
#include "monitor/checks/sql_prober.hpp"

using namespace mmm;
using namespace mmm::monitor;
using namespace std::chrono_literals;
using mmm::monitor::test::run_until;

namespace {

// Answers after a per-host delay (a "hung" host answers after hours).
class DelayProber final : public Prober {
public:
    std::map<std::string, std::chrono::milliseconds> delays;
    asio::awaitable<std::string> probe(const HostConfig& host, SteadyTime) override {
        asio::steady_timer t(co_await asio::this_coro::executor, delays[host.name]);
        co_await t.async_wait(asio::use_awaitable);
        co_return std::string("OK");
    }
};

HostConfig host_named(const std::string& name, const std::string& ip = "127.0.0.1", std::uint16_t port = 3306) {
    HostConfig h;
    h.name = name;
    h.ip = ip;
    h.mysql_port = port;
    h.agent_port = port;
    h.monitor_user = "mon";
    h.monitor_password = "pw";
    return h;
}

template <typename T>
T run_coroutine(asio::io_context& io, asio::awaitable<T> body, std::chrono::milliseconds bound = 10s) {
    std::optional<T> out;
    asio::co_spawn(io, std::move(body), [&](std::exception_ptr e, T v) {
        if (e) std::rethrow_exception(e);
        out = std::move(v);
    });
    run_until(io, [&] { return out.has_value(); }, bound);
    REQUIRE(out.has_value());
    return *out;
}

}  // namespace

TEST_CASE("a hung host never delays another host's checks", "[component][checks]") {
    asio::io_context io;
    auto prober = std::make_shared<DelayProber>();
    prober->delays["hung"] = 1h;
    prober->delays["fast"] = 1ms;
    std::vector<CheckSample> samples;
    CheckScheduler scheduler(io, [&](const CheckSample& s) { samples.push_back(s); });
    scheduler.add({host_named("hung"), CheckKind::Mysql, 50ms, 600ms}, prober);
    scheduler.add({host_named("fast"), CheckKind::Mysql, 50ms, 600ms}, prober);
    const auto start = std::chrono::steady_clock::now();
    run_until(io, [&] {
        return std::any_of(samples.begin(), samples.end(), [](const auto& s) { return s.host == "hung"; });
    });
    std::size_t fast_before_hung = 0;
    for (const auto& s : samples) {
        if (s.host == "hung") break;
        CHECK(s.text == "OK");
        ++fast_before_hung;
    }
    // 600 ms + slack at one run per ~50 ms: the fast host kept its period while the other one hung.
    CHECK(fast_before_hung >= 6);
    const auto& hung = *std::find_if(samples.begin(), samples.end(), [](const auto& s) { return s.host == "hung"; });
    CHECK(hung.text == "ERROR: Timeout");
    CHECK(hung.outcome() == CheckOutcome::Error);
    CHECK(hung.finished - start < 600ms + probe_cut_slack + 500ms);
    CHECK(hung.finished - hung.started >= 600ms);
}

TEST_CASE("a loop never overlaps itself and waits its period after each run", "[component][checks]") {
    asio::io_context io;
    auto prober = std::make_shared<DelayProber>();
    prober->delays["h"] = 100ms;
    std::vector<CheckSample> samples;
    CheckScheduler scheduler(io, [&](const CheckSample& s) { samples.push_back(s); });
    scheduler.add({host_named("h"), CheckKind::Ping, 100ms, 1s}, prober);
    run_until(io, [&] { return samples.size() >= 3; });
    REQUIRE(samples.size() >= 3);
    for (std::size_t i = 1; i < samples.size(); ++i) CHECK(samples[i].started - samples[i - 1].finished >= 100ms);
}

TEST_CASE("a timeout above the period (mysql-mmm's check_period 1, timeout 2): the probe keeps its timeout, the next "
          "run starts a period after it ends",
          "[component][checks]") {
    asio::io_context io;
    auto prober = std::make_shared<DelayProber>();
    prober->delays["slow"] = 150ms;   // slower than the period, within the timeout: its answer counts
    prober->delays["hung"] = 1h;      // cut at its timeout
    std::vector<CheckSample> samples;
    CheckScheduler scheduler(io, [&](const CheckSample& s) { samples.push_back(s); });
    scheduler.add({host_named("slow"), CheckKind::Mysql, 50ms, 300ms}, prober);
    scheduler.add({host_named("hung"), CheckKind::Mysql, 50ms, 300ms}, prober);
    auto of = [&](const std::string& host) {
        std::vector<CheckSample> out;
        for (const auto& s : samples)
            if (s.host == host) out.push_back(s);
        return out;
    };
    run_until(io, [&] { return of("slow").size() >= 4 && of("hung").size() >= 2; });
    for (const std::string host : {"slow", "hung"}) {
        const auto runs = of(host);
        REQUIRE(runs.size() >= 2);
        for (std::size_t i = 0; i < runs.size(); ++i) {
            CHECK(runs[i].text == (host == "slow" ? "OK" : "ERROR: Timeout"));
            CHECK(runs[i].finished - runs[i].started >= (host == "slow" ? 150ms : 300ms));
            if (i > 0) CHECK(runs[i].started - runs[i - 1].finished >= 50ms);  // never overlapping, a period apart
        }
    }
}

TEST_CASE("paused loops report nothing and resume", "[component][checks]") {
    asio::io_context io;
    auto prober = std::make_shared<DelayProber>();
    prober->delays["h"] = 1ms;
    std::vector<CheckSample> samples;
    CheckScheduler scheduler(io, [&](const CheckSample& s) { samples.push_back(s); });
    scheduler.set_paused(true);
    scheduler.add({host_named("h"), CheckKind::Ping, 20ms, 1s}, prober);
    io.run_for(200ms);
    CHECK(samples.empty());
    scheduler.set_paused(false);
    run_until(io, [&] { return !samples.empty(); });
    CHECK(!samples.empty());
}

TEST_CASE("an exception in a probe is an UNKNOWN result", "[component][checks]") {
    class Throwing final : public Prober {
        asio::awaitable<std::string> probe(const HostConfig&, SteadyTime) override {
            throw std::runtime_error("boom");
            co_return std::string();
        }
    };
    asio::io_context io;
    std::vector<CheckSample> samples;
    CheckScheduler scheduler(io, [&](const CheckSample& s) { samples.push_back(s); });
    scheduler.add({host_named("h"), CheckKind::Mysql, 1s, 1s}, std::make_shared<Throwing>());
    run_until(io, [&] { return !samples.empty(); });
    REQUIRE(samples.size() == 1);
    CHECK(samples[0].text == "UNKNOWN: Error occurred: boom");
}

TEST_CASE("SQL probes against a server that accepts but never greets time out by their deadline",
          "[component][checks]") {
    asio::io_context io;
    asio::ip::tcp::acceptor silent(io, {asio::ip::make_address("127.0.0.1"), 0});
    const auto port = silent.local_endpoint().port();
    std::vector<asio::ip::tcp::socket> held;
    std::function<void()> accept = [&] {
        silent.async_accept([&](asio::error_code ec, asio::ip::tcp::socket s) {
            if (!ec) held.push_back(std::move(s));
            if (!ec) accept();
        });
    };
    accept();
    CheckConfig cfg;
    cfg.timeout = 400ms;
    SqlProber mysql(CheckKind::Mysql, cfg);
    SqlProber threads(CheckKind::RepThreads, cfg);
    const auto host = host_named("db", "127.0.0.1", port);
    const auto t0 = std::chrono::steady_clock::now();
    const auto text = run_coroutine(io, mysql.probe(host, t0 + 400ms));
    const auto took = std::chrono::steady_clock::now() - t0;
    CHECK(text.starts_with(fmt::format("ERROR: Connect error (host = 127.0.0.1:{}, user = mon)! ", port)));
    CHECK(text.find("timeout") != std::string::npos);
    CHECK(took >= 390ms);
    CHECK(took < 1500ms);
    const auto t1 = std::chrono::steady_clock::now();
    CHECK(run_coroutine(io, threads.probe(host, t1 + 300ms)).starts_with("UNKNOWN: Connect error (host = 127.0.0.1:"));
}

TEST_CASE("SQL probes to a closed port fail at once with the connector's message", "[component][checks]") {
    asio::io_context io;
    std::uint16_t port = 0;
    {
        asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
        port = a.local_endpoint().port();
    }
    CheckConfig cfg;
    SqlProber mysql(CheckKind::Mysql, cfg);
    const auto t0 = std::chrono::steady_clock::now();
    const auto text = run_coroutine(io, mysql.probe(host_named("db", "127.0.0.1", port), t0 + 2s));
    CHECK(text.starts_with(fmt::format("ERROR: Connect error (host = 127.0.0.1:{}, user = mon)! ", port)));
    CHECK(std::chrono::steady_clock::now() - t0 < 1s);
    SqlProber backlog(CheckKind::RepBacklog, cfg);
    CHECK(run_coroutine(io, backlog.probe(host_named("db", "127.0.0.1", port), t0 + 2s)).starts_with("UNKNOWN: "));
}

TEST_CASE("TCP reachability: refused and accepted both count as an answer", "[component][checks]") {
    asio::io_context io;
    asio::ip::tcp::acceptor open(io, {asio::ip::make_address("127.0.0.1"), 0});
    std::uint16_t closed = 0;
    {
        asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
        closed = a.local_endpoint().port();
    }
    const auto soon = [] { return std::chrono::steady_clock::now() + 500ms; };
    CHECK(run_coroutine(io, tcp_answers("127.0.0.1", open.local_endpoint().port(), soon())));
    CHECK(run_coroutine(io, tcp_answers("127.0.0.1", closed, soon())));
    CHECK_FALSE(run_coroutine(io, tcp_answers("not an ip", closed, soon())));
    PingProber fallback(nullptr);
    CHECK(run_coroutine(io, fallback.probe(host_named("db", "127.0.0.1", closed), soon())) == "OK");
}

TEST_CASE("ICMP echo to loopback answers, concurrent pings on one socket each get their answer", "[component][checks]") {
    if (::geteuid() != 0) {
        WARN("not root: ICMP raw socket test skipped");
        return;
    }
    asio::io_context io;
    IcmpPinger pinger(io);
    const auto t0 = std::chrono::steady_clock::now();
    CHECK(run_coroutine(io, pinger.ping("127.0.0.1", t0 + 500ms)));
    CHECK(std::chrono::steady_clock::now() - t0 < 400ms);
    PingProber ping(&pinger);
    CHECK(run_coroutine(io, ping.probe(host_named("lo", "127.0.0.1"), t0 + 2s)) == "OK");
    // Several concurrent pings on the one socket each get their own answer.
    NetworkCheck net(io, pinger, {"127.0.0.2", "127.0.0.1"}, 1s, [](bool) {});
    CHECK(run_coroutine(io, net.round()));
}

TEST_CASE("network check reports unreachable when no address answers", "[component][checks]") {
    class Never final : public IpPinger {
        asio::awaitable<bool> ping(std::string, SteadyTime) override { co_return false; }
        std::string_view method() const override { return "never"; }
    } never;
    asio::io_context io;
    std::vector<bool> reports;
    NetworkCheck net(io, never, {"192.0.2.1", "192.0.2.2"}, 20ms, [&](bool r) { reports.push_back(r); });
    net.start();
    run_until(io, [&] { return reports.size() >= 2; });
    REQUIRE(reports.size() >= 2);
    CHECK_FALSE(reports[0]);
    net.stop();
}

TEST_CASE("SQL check texts follow mysql-mmm", "[component][checks]") {
    const SqlTarget t{"10.0.0.1", 3306, "mon"};
    CHECK(connect_failure_text(CheckKind::Mysql, t, {false, false, 1040, "Too many"}) ==
          "UNKNOWN: Too many connections! Too many");
    CHECK(connect_failure_text(CheckKind::Mysql, t, {false, false, 2003, "refused"}) ==
          "ERROR: Connect error (host = 10.0.0.1:3306, user = mon)! refused");
    CHECK(connect_failure_text(CheckKind::RepThreads, t, {false, false, 2003, "refused"}) ==
          "UNKNOWN: Connect error (host = 10.0.0.1:3306, user = mon)! refused");
    CHECK(query_failure_text(CheckKind::RepBacklog, t, {false, false, 1227, "denied"}) ==
          "ERROR: The monitor user 'mon' doesn't have the required REPLICATION CLIENT privilege! denied");
    CHECK(query_failure_text(CheckKind::RepThreads, t, {false, false, 1064, "syntax"}) ==
          "UNKNOWN: Unknown state. Execute error: syntax");
    CHECK(query_failure_text(CheckKind::Mysql, t, {false, false, 2013, "lost"}) == "ERROR: SQL Query Error: lost");
    CHECK(query_failure_text(CheckKind::Mysql, t, {false, true, 0, "timeout"}) == "ERROR: Timeout");

    CHECK(replica_status_statement(parse_server_version("10.11.6-MariaDB-0+deb12u1")) == "SHOW REPLICA STATUS");
    CHECK(replica_status_statement(parse_server_version("5.5.5-10.3.39-MariaDB")) == "SHOW SLAVE STATUS");
    CHECK(replica_status_statement(parse_server_version("10.5.1-MariaDB")) == "SHOW REPLICA STATUS");
    CHECK(replica_status_statement(parse_server_version("8.0.21")) == "SHOW SLAVE STATUS");
    CHECK(replica_status_statement(parse_server_version("8.0.22")) == "SHOW REPLICA STATUS");
    CHECK(replica_status_statement(parse_server_version("5.7.44-log")) == "SHOW SLAVE STATUS");

    SqlResult none;
    none.columns = {"Slave_IO_Running", "Slave_SQL_Running", "Seconds_Behind_Master"};
    CHECK(rep_threads_text(none) == "ERROR: Replication is not set up");
    CHECK(rep_backlog_text(none, 60) == "ERROR: Replication is not set up");
    SqlResult mariadb = none;
    mariadb.rows = {{"Connecting", "Yes", std::nullopt}};
    CHECK(rep_threads_text(mariadb) == "OK");
    CHECK(rep_backlog_text(mariadb, 60) == "OK: Backlog is null");
    // A replica whose IO thread has not been connected for longer than max_backlog does not know how far behind it
    // is: not healthy (issue 11: a stale master candidate). Shorter, or both threads stopped: as mysql-mmm.
    using std::chrono::seconds;
    CHECK(rep_backlog_text(mariadb, 60, seconds(60)) == "OK: Backlog is null");
    CHECK(rep_backlog_text(mariadb, 60, seconds(61)) ==
          "ERROR: Backlog is unknown: nothing received from the master for 61 s (IO thread: Connecting)");
    mariadb.rows = {{"No", "No", std::nullopt}};
    CHECK(rep_backlog_text(mariadb, 60, seconds(600)) == "OK: Backlog is null");
    mariadb.rows = {{"Yes", "No", "61"}};
    CHECK(rep_threads_text(mariadb) == "ERROR: Replication is broken");
    CHECK(rep_backlog_text(mariadb, 60) == "ERROR: Backlog is too big");
    mariadb.rows = {{"Yes", "Yes", "60"}};
    CHECK(rep_backlog_text(mariadb, 60) == "OK");
    SqlResult mysql8;
    mysql8.columns = {"Replica_IO_Running", "Replica_SQL_Running", "Seconds_Behind_Source"};
    mysql8.rows = {{"No", "Yes", "0"}};
    CHECK(rep_threads_text(mysql8) == "ERROR: Replication is broken");
    CHECK(rep_backlog_text(mysql8, 60) == "OK: Backlog is null");

    // Where a host replicates from (the topology of /api/status), under either spelling.
    CHECK_FALSE(replica_source(none));
    SqlResult source;
    source.columns = {"Master_Host", "Master_Port", "Slave_IO_Running", "Slave_SQL_Running", "Gtid_IO_Pos"};
    source.rows = {{"192.0.2.11", "3307", "Connecting", "Yes", "0-1-42"}};
    auto s = replica_source(source);
    REQUIRE(s);
    CHECK(s->master_host == "192.0.2.11");
    CHECK(s->master_port == 3307);
    CHECK(s->io_running == "Connecting");
    CHECK(s->sql_running == "Yes");
    CHECK(s->gtid_io_pos == "0-1-42");
    source.columns = {"Source_Host", "Source_Port", "Replica_IO_Running", "Replica_SQL_Running"};
    source.rows = {{"db1", "3306", "Yes", "No"}};
    s = replica_source(source);
    REQUIRE(s);
    CHECK(s->master_host == "db1");
    CHECK(s->master_port == 3306);
    CHECK(s->sql_running == "No");
    CHECK(s->gtid_io_pos.empty());
}

TEST_CASE("wsrep check texts: OK only for a Synced node of the Primary component", "[component][checks][galera]") {
    SqlResult r;
    r.columns = {"Variable_name", "Value"};
    const auto with = [&](std::vector<std::pair<std::string, std::string>> vars) {
        r.rows.clear();
        for (auto& [k, v] : vars) r.rows.push_back({k, v});
        return wsrep_text(r);
    };
    std::vector<std::pair<std::string, std::string>> synced = {
        {"wsrep_cluster_size", "3"},     {"wsrep_cluster_status", "Primary"}, {"wsrep_connected", "ON"},
        {"wsrep_local_state", "4"},      {"wsrep_local_state_comment", "Synced"}, {"wsrep_ready", "ON"}};
    CHECK(with(synced) == "OK: Synced in the Primary component of 3 nodes");
    auto donor = synced;
    donor[3].second = "2";
    donor[4].second = "Donor/Desynced";
    CHECK(with(donor) == "ERROR: Node is Donor/Desynced (wsrep_local_state 2), not Synced");
    CHECK(with(donor).find(wsrep_desynced_marker) != std::string::npos);  // what the flap rule looks for
    CHECK(with(synced).find(wsrep_desynced_marker) == std::string::npos);
    auto minority = synced;
    minority[1].second = "non-Primary";
    minority[5].second = "OFF";
    CHECK(with(minority) == "ERROR: Not in the Primary component (wsrep_cluster_status non-Primary)");
    auto alone = synced;
    alone[2].second = "OFF";
    CHECK(with(alone) == "ERROR: Not connected to the cluster (wsrep_connected OFF)");
    CHECK(with({}) == "ERROR: wsrep is not enabled on this server (no wsrep status variables)");
}
