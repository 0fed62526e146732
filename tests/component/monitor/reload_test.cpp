// Component test of the monitor's SIGHUP reload (MonitorDaemon::reload): a changed config restarts the service,
// an unchanged or invalid one does not, and no reload leaves a descriptor open (issue 12 item 15).
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include <asio/io_context.hpp>
#include <fmt/format.h>

#include "common/config_load.hpp"
#include "component/monitor/test_support.hpp"
#include "monitor/monitor_daemon.hpp"

using namespace mmm;
using namespace mmm::monitor;
using namespace std::chrono_literals;
using mmm::monitor::test::closed_port;
using mmm::monitor::test::run_until;

namespace {

std::size_t open_descriptors() {
    const std::filesystem::directory_iterator fds("/proc/self/fd");
    return static_cast<std::size_t>(std::distance(fds, std::filesystem::directory_iterator{}));
}

// A monitor config whose agents and MySQL servers are closed ports on 127.0.0.1, with checks far apart so that
// nothing is in flight between two reloads.
std::string config_text(const std::string& dir, std::uint16_t control, std::uint16_t closed, int flap_count) {
    return fmt::format(R"(active_master_role: writer
monitor:
  ip: 127.0.0.1
  port: {1}
  ping_ips: [127.0.0.1]
  ping_interval: 3600
  status_path: {0}/status
  agent_timeout: 0.3
  flap_count: {3}
checks:
  default: {{check_period: 3600, trap_period: 7200, timeout: 0.3}}
hosts:
  default: {{monitor_user: m, monitor_password: mp, agent_port: {2}, mysql_port: {2}}}
  db1: {{ip: 127.0.0.1, mode: master, peer: db2}}
  db2: {{ip: 127.0.0.2, mode: master, peer: db1}}
roles:
  writer: {{mode: exclusive, hosts: [db1, db2], ips: [192.0.2.50]}}
)",
                       dir, control, closed, flap_count);
}

void write(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::trunc) << text;
    ::chmod(path.c_str(), 0600);
}

}  // namespace

TEST_CASE("monitor reload: a changed config restarts the service, and no reload leaks a descriptor",
          "[component][reload][security]") {
    asio::io_context io;
    const auto dir = std::filesystem::temp_directory_path() / ("mmm-reload-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto path = (dir / "mmm.yaml").string();
    const auto control = closed_port(io);
    const auto closed = closed_port(io);
    write(path, config_text(dir.string(), control, closed, 3));
    const auto loaded = load_config(path, "", Program::Monitor);
    INFO(loaded.error_text());
    REQUIRE(loaded.ok());

    Logger log;
    REQUIRE(log.open("", LogToStderr::No).empty());
    // PingMethod::Auto: the raw ICMP socket when this runs as root (the descriptor each reload leaked), else TCP.
    MonitorDaemon daemon(io, log, {path, ""}, loaded.config);
    const auto running = [&](int generation) {
        return [&daemon, generation] { return daemon.generation() == generation && daemon.service().core().started(); };
    };
    run_until(io, running(1), 10s);
    REQUIRE(running(1)());
    const auto before = open_descriptors();

    daemon.reload();  // unchanged: the service goes on
    CHECK(daemon.generation() == 1);
    write(path, "monitor: [\n");
    daemon.reload();  // invalid: refused, the service goes on
    CHECK(daemon.generation() == 1);

    for (int i = 1; i <= 4; ++i) {
        write(path, config_text(dir.string(), control, closed, 3 + i));
        daemon.reload();
        run_until(io, running(1 + i), 10s);
        REQUIRE(running(1 + i)());
        CHECK(daemon.service().config().monitor.flap_count == 3 + i);
    }
    // What a start-up had in flight (agent calls, probes) ends within its timeouts; what stays open is leaked.
    run_until(io, [&] { return open_descriptors() <= before; }, 5s);
    CHECK(open_descriptors() <= before);
    std::filesystem::remove_all(dir);
}
