// Component test of MonitorService as a whole: real io_context, real probes against closed ports on 127.0.0.1,
// fake agents (one answering, one hung), the control protocol over TCP.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <thread>

#include <asio/io_context.hpp>

#include "component/monitor/test_support.hpp"
#include "monitor/service.hpp"

using namespace mmm;
using namespace mmm::monitor;
using namespace std::chrono_literals;
using mmm::monitor::test::closed_port;
using mmm::monitor::test::converse;
using mmm::monitor::test::FakeAgent;
using mmm::monitor::test::run_until;

namespace {

Config two_masters(std::uint16_t agent1, std::uint16_t agent2, std::uint16_t mysql, const std::string& dir) {
    Config c;
    c.monitor.ip = "127.0.0.1";
    c.monitor.port = 0;  // any free port
    c.monitor.status_path = dir + "/status";
    c.monitor.status_interval = 200ms;
    c.monitor.agent_timeout = 300ms;
    for (auto kind : all_check_kinds) {
        c.check(kind).check_period = 100ms;
        c.check(kind).trap_period = 300ms;
        c.check(kind).timeout = 200ms;
    }
    for (int i = 0; i < 2; ++i) {
        HostConfig h;
        h.name = i == 0 ? "db1" : "db2";
        h.peer = i == 0 ? "db2" : "db1";
        h.ip = "127.0.0.1";
        h.mode = HostMode::Master;
        h.agent_port = i == 0 ? agent1 : agent2;
        h.mysql_port = mysql;
        h.monitor_user = "mon";
        c.hosts.push_back(h);
    }
    c.roles.push_back({"writer", RoleMode::Exclusive, {"db1", "db2"}, {"192.0.2.50"}, ""});
    return c;
}

}  // namespace

TEST_CASE("service: start-up, heartbeats and commands with one agent hung", "[component][service]") {
    asio::io_context io;
    FakeAgent good(io, "", 0ms);
    good.respond = [](const std::string& line) {
        if (line.starts_with("GET_AGENT_STATUS")) return std::string("OK: Returning status!|UNKNOWN|||UP:100.00\n");
        if (line.starts_with("GET_SYSTEM_STATUS")) return std::string("OK: Returning status!||||UP:100.00\n");
        return std::string("OK: Status applied successfully!|UP:100.00\n");
    };
    FakeAgent hung(io, "never", 1h);
    const auto dir = std::filesystem::temp_directory_path() / ("mmm-service-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto config = two_masters(good.port(), hung.port(), closed_port(io), dir.string());

    Logger log;
    REQUIRE(log.open("", LogToStderr::No).empty());
    MonitorService service(io, log, config, MonitorService::PingMethod::Tcp);
    std::optional<std::string> started;
    const auto t0 = std::chrono::steady_clock::now();
    service.start([&](std::string error) { started = std::move(error); });
    run_until(io, [&] { return started.has_value(); });
    REQUIRE(started);
    CHECK(started->empty());
    // Start-up asks each agent up to 3 times per query; the hung one costs its deadlines, nothing more.
    CHECK(std::chrono::steady_clock::now() - t0 < 5s);
    REQUIRE(service.control_port() != 0);

    // mysql is down on both (closed port): after the trap period both are HARD_OFFLINE.
    auto both_offline = [&] {
        return service.core().host_state("db1") == HostState::HardOffline &&
               service.core().host_state("db2") == HostState::HardOffline;
    };
    run_until(io, both_offline, 5s);
    CHECK(both_offline());
    CHECK(service.core().check_status("db1", CheckKind::Mysql).message.starts_with(
        "ERROR: Connect error (host = 127.0.0.1:"));

    // Commands over TCP are applied by the model and answered; the client runs on its own thread.
    std::string reply;
    std::thread client([&] {
        reply = converse(service.control_port(), "ping\nset_online db1\nmode\nchecks db1 ping\nquit\n");
    });
    run_until(io, [&] { return !reply.empty(); }, 10s);
    client.join();
    CHECK(reply.starts_with("OK: Pinged successfully!ERROR: Host 'db1' is 'HARD_OFFLINE' at the moment. It can't be "
                            "switched to ONLINE.ACTIVEdb1  ping  [last change: "));
    CHECK(reply.ends_with("]  OK"));

    // Heartbeats reach the answering agent while the other one hangs.
    const auto heartbeats = [&] {
        return std::count_if(good.received.begin(), good.received.end(),
                             [](const std::string& l) { return l.starts_with("SET_STATUS|1|db1|HARD_OFFLINE|"); });
    };
    run_until(io, [&] { return heartbeats() >= 3; }, 5s);
    CHECK(heartbeats() >= 3);
    CHECK(service.metrics().samples > 8);
    // The answering agent was asked for its status at start-up exactly once per query.
    CHECK(std::count_if(good.received.begin(), good.received.end(),
                        [](const std::string& l) { return l == "GET_AGENT_STATUS|1|db1\n"; }) == 1);
    CHECK(std::count_if(hung.received.begin(), hung.received.end(),
                        [](const std::string& l) { return l == "GET_AGENT_STATUS|1|db2\n"; }) == 3);

    bool stopped = false;
    service.stop([&] { stopped = true; });
    run_until(io, [&] { return stopped; });
    CHECK(stopped);
    CHECK(std::filesystem::exists(dir / "status"));
    std::filesystem::remove_all(dir);
}
