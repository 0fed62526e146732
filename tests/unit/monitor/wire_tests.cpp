// The monitor's requests to agents byte for byte (spec §7.2-7.3): what a mysql-mmm agent receives from mmm's
// monitor, from the core's plans through the request encoder the shell uses, and the replies it reads back.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "harness.hpp"

using namespace mmm;
using namespace mmm::monitor;
using namespace mmm::monitor::test;

namespace {
std::vector<std::string> heartbeat_bytes(const MonitorCore& core) {
    std::vector<std::string> out;
    for (const auto& s : core.all_statuses()) out.push_back(set_status_request(s));
    return out;
}
}  // namespace

TEST_CASE("wire: the heartbeat SET_STATUS lines are the spec's bytes", "[monitor][wire]") {
    Harness t(fast_checks());
    settle(t);
    // §7.3's example exchange, first line, exactly, then mmm's trailing epoch field (which mysql-mmm's agents
    // ignore: they read the fields up to the master).
    const auto e = fmt::format("|epoch={}\n", t.core.epoch());
    CHECK(heartbeat_bytes(t.core) ==
          std::vector<std::string>{"SET_STATUS|1|db1|ONLINE|reader(192.168.0.51),writer(192.168.0.50)|db1" + e,
                                   "SET_STATUS|1|db2|ONLINE|reader(192.168.0.52)|db1" + e,
                                   "SET_STATUS|1|db3|ONLINE|reader(192.168.0.53)|db1" + e});

    // A failed host keeps being told its state, with an empty role list between the bars.
    t.fail("db3", CheckKind::Mysql);
    CHECK(set_status_request(*t.core.status_for("db3")).rfind("SET_STATUS|1|db3|HARD_OFFLINE||db1|epoch=", 0) == 0);
    // An admin's ADMIN_OFFLINE, and a host without a writer anywhere: empty master field.
    t.cmd("set_offline db2");
    CHECK(set_status_request(*t.core.status_for("db2")) ==
          fmt::format("SET_STATUS|1|db2|ADMIN_OFFLINE||db1|epoch={}\n", t.core.epoch()));
}

TEST_CASE("wire: the epoch is the last field, a hand-made status without one is mysql-mmm's line", "[monitor][wire]") {
    StatusUpdate s{"db1", HostState::Online, {{"writer", "192.168.0.50"}}, "db1", 42, std::nullopt};
    CHECK(set_status_request(s) == "SET_STATUS|1|db1|ONLINE|writer(192.168.0.50)|db1|epoch=42\n");
    s.lease = std::chrono::milliseconds(1500);
    CHECK(set_status_request(s) == "SET_STATUS|1|db1|ONLINE|writer(192.168.0.50)|db1|epoch=42|lease=1500\n");
    s.lease.reset();
    s.epoch = 0;
    CHECK(set_status_request(s) == "SET_STATUS|1|db1|ONLINE|writer(192.168.0.50)|db1\n");
}

TEST_CASE("wire: the active master's SET_STATUS carries the writer lease, the others none", "[monitor][wire]") {
    Config c = fast_checks();
    c.monitor.writer_lease = 1500ms;
    Harness t(c);
    settle(t);
    const auto e = fmt::format("|epoch={}", t.core.epoch());
    CHECK(heartbeat_bytes(t.core) ==
          std::vector<std::string>{"SET_STATUS|1|db1|ONLINE|reader(192.168.0.51),writer(192.168.0.50)|db1" + e +
                                       "|lease=1500\n",
                                   "SET_STATUS|1|db2|ONLINE|reader(192.168.0.52)|db1" + e + "\n",
                                   "SET_STATUS|1|db3|ONLINE|reader(192.168.0.53)|db1" + e + "\n"});
    // writer_lease 0: mysql-mmm's behaviour, no lease field at all.
    Config off = fast_checks();
    off.monitor.writer_lease = 0ms;
    Harness u(off);
    settle(u);
    CHECK(set_status_request(*u.core.status_for("db1")) ==
          fmt::format("SET_STATUS|1|db1|ONLINE|reader(192.168.0.51),writer(192.168.0.50)|db1|epoch={}\n", u.core.epoch()));
}

TEST_CASE("wire: role lists sort the IPs as strings, as mysql-mmm's agents compare them", "[monitor][wire]") {
    StatusUpdate s{"db3", HostState::Online, {{"reader", "192.168.0.53"}, {"reader", "192.168.0.100"}}, "", 0, std::nullopt};
    CHECK(set_status_request(s) == "SET_STATUS|1|db3|ONLINE|reader(192.168.0.100),reader(192.168.0.53)|\n");
    s.state = HostState::ReplicationDelay;
    s.roles.clear();
    CHECK(set_status_request(s) == "SET_STATUS|1|db3|REPLICATION_DELAY||\n");
}

TEST_CASE("wire: the other requests and a mysql-mmm agent's replies", "[monitor][wire]") {
    using protocol::AgentCommand;
    CHECK(protocol::encode_request(AgentCommand::Ping, "db1") == "PING|1|db1\n");
    CHECK(protocol::encode_request(AgentCommand::GetAgentStatus, "db2") == "GET_AGENT_STATUS|1|db2\n");
    CHECK(protocol::encode_request(AgentCommand::GetSystemStatus, "db3") == "GET_SYSTEM_STATUS|1|db3\n");
    CHECK(protocol::encode_request(AgentCommand::ClearBadRoles, "db1") == "CLEAR_BAD_ROLES|1|db1\n");

    // mysql-mmm's agent sends /proc/uptime's text as it is, so any number of decimals.
    const auto applied = protocol::parse_reply("OK: Status applied successfully!|UP:864523.17\n");
    CHECK(applied.result == "OK: Status applied successfully!");
    CHECK(applied.uptime == Approx(864523.17));
    CHECK(protocol::parse_reply("OK: Pinged!|UP:12\n").uptime == Approx(12.0));
    CHECK(protocol::parse_reply("OK: Removed 2 roles|UP:1234.5\n").result == "OK: Removed 2 roles");

    const auto agent = protocol::parse_agent_status(
        protocol::parse_reply("OK: Returning status!|ONLINE|reader(192.168.0.51),writer(192.168.0.50)|db1|UP:99.1\n")
            .result);
    REQUIRE(agent);
    CHECK(agent->state == "ONLINE");
    CHECK(agent->roles == std::vector<RoleIp>{{"reader", "192.168.0.51"}, {"writer", "192.168.0.50"}});
    CHECK(agent->active_master == "db1");
    const auto fresh = protocol::parse_agent_status("OK: Returning status!|UNKNOWN||");
    REQUIRE(fresh);
    CHECK(fresh->roles.empty());
    CHECK(fresh->active_master.empty());

    // §7.3's example exchange, second line: a replica, not writable, one reader, replicating from db1's ip.
    const auto system = protocol::parse_system_status(
        protocol::parse_reply("OK: Returning status!||reader(192.168.0.53)|192.168.0.31|UP:1234.56\n").result);
    REQUIRE(system);
    CHECK_FALSE(system->writable);
    CHECK(system->roles == std::vector<RoleIp>{{"reader", "192.168.0.53"}});
    CHECK(system->master_ip == "192.168.0.31");
}
