// Unit tests of the agent's request dispatch and reply texts (spec §7.2-7.3).
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "agent/core/request_handler.hpp"

using namespace mmm;
using namespace mmm::agent;
using protocol::AgentCommand;

namespace {

Context ctx_db1() {
    Context c;
    c.this_host = "db1";
    c.mode = HostMode::Master;
    c.hosts = {"db1", "db2", "db3"};
    c.all_role_ips = {{"writer", "192.0.2.50"}, {"reader", "192.0.2.51"}, {"reader", "192.0.2.52"}};
    c.own_role_ips = c.all_role_ips;
    return c;
}

}  // namespace

TEST_CASE("immediate replies: PING, GET_AGENT_STATUS and errors", "[agent][handler]") {
    const auto ctx = ctx_db1();
    AgentState s;
    CHECK(dispatch_request("PING|1|db1\n", s, ctx).reply == std::string("OK: Pinged!"));
    CHECK(dispatch_request("GET_AGENT_STATUS|1|db1", s, ctx).reply == std::string("OK: Returning status!|UNKNOWN||"));
    s.state = "ONLINE";
    s.roles = {{"reader", "192.0.2.51"}, {"writer", "192.0.2.50"}};
    CHECK(dispatch_request("GET_AGENT_STATUS|1|db1", s, ctx).reply ==
          std::string("OK: Returning status!|ONLINE|reader(192.0.2.51),writer(192.0.2.50)|"));
    CHECK(dispatch_request("PING", s, ctx).reply == std::string("ERROR: Invalid command 'PING'!"));
    CHECK(dispatch_request("PING|1|db2", s, ctx).reply ==
          std::string("ERROR: Invalid hostname in command (db2)! My name is 'db1'"));
    CHECK(dispatch_request("REBOOT|1|db1", s, ctx).reply == std::string("ERROR: Invalid command 'REBOOT'!"));
    CHECK(dispatch_request("SET_STATUS|1|db1|ONLINE\n", s, ctx).reply ==
          std::string("ERROR: Invalid command 'SET_STATUS|1|db1|ONLINE'!"));
    CHECK(dispatch_request("SET_STATUS|1|db1|SLEEPY||", s, ctx).reply == std::string("ERROR: Invalid state 'SLEEPY'!"));
}

TEST_CASE("a newer protocol version is served with a warning", "[agent][handler]") {
    const auto d = dispatch_request("PING|7|db1", AgentState{}, ctx_db1());
    CHECK(d.reply == std::string("OK: Pinged!"));
    CHECK(d.warning == std::string("Version in command 'PING' (7) is greater than mine (1)"));
    const auto wrong = dispatch_request("PING|7|db9", AgentState{}, ctx_db1());
    CHECK(wrong.warning.has_value());
    CHECK(wrong.reply->rfind("ERROR: Invalid hostname", 0) == 0);
}

TEST_CASE("commands that need the shell", "[agent][handler]") {
    const auto ctx = ctx_db1();
    const auto d = dispatch_request("SET_STATUS|1|db1|ONLINE|writer(192.0.2.50),reader(192.0.2.51)|db1", AgentState{}, ctx);
    REQUIRE_FALSE(d.reply);
    CHECK(d.command == AgentCommand::SetStatus);
    CHECK(d.set_status.state == "ONLINE");
    CHECK(d.set_status.roles.size() == 2);
    CHECK(d.set_status.master == "db1");
    const auto g = dispatch_request("GET_SYSTEM_STATUS|1|db1", AgentState{}, ctx);
    CHECK_FALSE(g.reply);
    CHECK(g.command == AgentCommand::GetSystemStatus);
    const auto c = dispatch_request("CLEAR_BAD_ROLES|1|db1", AgentState{}, ctx);
    CHECK_FALSE(c.reply);
    CHECK(c.command == AgentCommand::ClearBadRoles);
}

TEST_CASE("SET_STATUS result texts", "[agent][handler]") {
    CHECK(set_status_result({}) == "OK: Status applied successfully!");
    CHECK(set_status_result({"a failed", "b failed"}) == "ERROR: a failed; b failed");
}

TEST_CASE("GET_SYSTEM_STATUS result texts", "[agent][handler]") {
    const auto ctx = ctx_db1();
    using IpSet = std::set<std::string>;
    CHECK(system_status_result(IpSet{"192.0.2.51", "192.0.2.50"}, true, "", ctx) ==
          "OK: Returning status!|1|writer(192.0.2.50),reader(192.0.2.51)|");
    CHECK(system_status_result(IpSet{}, false, "192.0.2.12", ctx) == "OK: Returning status!|||192.0.2.12");
    CHECK(system_status_result(Result<IpSet>(fail("netlink: no such device")), true, "", ctx) ==
          "ERROR: Could not check if IP is configured: netlink: no such device");
    CHECK(system_status_result(IpSet{}, Result<bool>(fail("Can't connect")), "", ctx) ==
          "ERROR: Could not check if MySQL is writable: Can't connect");
}

TEST_CASE("CLEAR_BAD_ROLES picks configured IPs of roles not held", "[agent][handler]") {
    const auto ctx = ctx_db1();
    AgentState s;
    s.roles = {{"reader", "192.0.2.51"}};
    const auto bad = bad_roles(std::set<std::string>{"192.0.2.50", "192.0.2.51", "192.0.2.52"}, s, ctx);
    REQUIRE(bad);
    CHECK(*bad == std::vector<RoleIp>{{"writer", "192.0.2.50"}, {"reader", "192.0.2.52"}});
    const auto err = bad_roles(Result<std::set<std::string>>(fail("boom")), s, ctx);
    REQUIRE_FALSE(err);
    CHECK(err.error().message == "ERROR: Could not check if IP is configured: boom");
    CHECK(clear_bad_roles_result(2) == "OK: Removed 2 roles");
}

TEST_CASE("CHECK_MASTER dispatch: a configured host goes to the shell, the rest is an ERROR", "[agent][handler][check_master]") {
    const auto ctx = ctx_db1();
    const auto d = dispatch_request("CHECK_MASTER|1|db1|db2\n", AgentState{}, ctx);
    CHECK_FALSE(d.reply);
    CHECK(d.command == AgentCommand::CheckMaster);
    CHECK(d.check_master == "db2");
    CHECK(dispatch_request("CHECK_MASTER|1|db1|db2|later=1", AgentState{}, ctx).check_master == "db2");
    CHECK(dispatch_request("CHECK_MASTER|1|db1|db9", AgentState{}, ctx).reply == std::string("ERROR: Unknown host db9"));
    CHECK(dispatch_request("CHECK_MASTER|1|db1\r\n", AgentState{}, ctx).reply ==
          std::string("ERROR: Invalid command 'CHECK_MASTER|1|db1'!"));
    CHECK(dispatch_request("CHECK_MASTER|1|db1|", AgentState{}, ctx).reply ==
          std::string("ERROR: Invalid command 'CHECK_MASTER|1|db1|'!"));
    CHECK(dispatch_request("CHECK_MASTER|1|db2|db1", AgentState{}, ctx).reply ==
          std::string("ERROR: Invalid hostname in command (db2)! My name is 'db1'"));
}

TEST_CASE("CHECK_MASTER result texts", "[agent][handler][check_master]") {
    using std::chrono::milliseconds;
    using Rep = Result<std::optional<ReplicationSource>>;
    const milliseconds deadline{800};
    const Rep from_db1 = std::optional<ReplicationSource>(ReplicationSource{"db1", "Yes"});
    CHECK(check_master_result(milliseconds{3}, deadline, from_db1) ==
          "OK: reachable: connect+SELECT 1 in 3 ms; IO thread Yes from db1");
    CHECK(check_master_result(Result<milliseconds>(fail("Connect error (host = 192.0.2.11:3306, user = mmm_agent)! "
                                                        "Can't connect to server on '192.0.2.11' (115) (2002)")),
                              deadline, std::optional<ReplicationSource>(ReplicationSource{"db1", "Connecting"})) ==
          "OK: unreachable: Connect error (host = 192.0.2.11:3306, user = mmm_agent)! Can't connect to server on "
          "'192.0.2.11' (115) (2002); IO thread Connecting from db1");
    CHECK(check_master_result(milliseconds{900}, deadline, Rep(std::optional<ReplicationSource>{})) ==
          "OK: unreachable: connect+SELECT 1 took 900 ms, over the 800 ms deadline; no replication");
    CHECK(check_master_result(milliseconds{800}, deadline, Rep(fail("Lost connection"))) ==
          "OK: reachable: connect+SELECT 1 in 800 ms; replication unknown: Lost connection");
    CHECK(check_master_result(milliseconds{1}, deadline,
                              std::optional<ReplicationSource>(ReplicationSource{"192.0.2.99", "Yes"})) ==
          "OK: reachable: connect+SELECT 1 in 1 ms; IO thread Yes from 192.0.2.99");
    // Asked about its own host: a failed probe with the server process gone is "exited", and only then.
    const Result<milliseconds> refused = fail("Can't connect to server on '192.0.2.11' (111)");
    CHECK(check_master_result(refused, deadline, Rep(std::optional<ReplicationSource>{}), true) ==
          "OK: exited: its server process has exited, no other runs (Can't connect to server on '192.0.2.11' (111)); "
          "no replication");
    CHECK(check_master_result(refused, deadline, Rep(std::optional<ReplicationSource>{}), false).starts_with(
        "OK: unreachable: Can't connect"));
    CHECK(check_master_result(milliseconds{2}, deadline, Rep(std::optional<ReplicationSource>{}), true) ==
          "OK: reachable: connect+SELECT 1 in 2 ms; no replication");
}

TEST_CASE("SET_STATUS: only role/IP pairs the configuration gives this host are obeyed, else refused whole",
          "[agent][handler][security]") {
    // Issue 12 item 1: each of these was added as a /32 and announced before.
    auto ctx = ctx_db1();
    AgentState s;
    auto reply = [&](const std::string& roles) {
        const auto d = dispatch_request("SET_STATUS|1|db1|ONLINE|" + roles + "|db1", s, ctx);
        return d.reply.value_or("(accepted)");
    };
    CHECK(reply("reader(192.0.2.51),writer(192.0.2.50)") == "(accepted)");
    CHECK(reply("") == "(accepted)");
    CHECK(reply("reader(10.99.88.77)") == "ERROR: Role 'reader(10.99.88.77)' is not configured for host 'db1'");
    CHECK(reply("reader(192.0.2.51),reader(255.255.255.255)") ==
          "ERROR: Role 'reader(255.255.255.255)' is not configured for host 'db1'");
    CHECK(reply("reader(0.0.0.0)") == "ERROR: Role 'reader(0.0.0.0)' is not configured for host 'db1'");
    CHECK(reply("admin(192.0.2.51)") == "ERROR: Role 'admin(192.0.2.51)' is not configured for host 'db1'");
    CHECK(reply("writer(192.0.2.51)") == "ERROR: Role 'writer(192.0.2.51)' is not configured for host 'db1'");
    CHECK(reply("nonsense") == "ERROR: Invalid role list 'nonsense'");
    CHECK(reply("reader(192.0.2.51),") == "ERROR: Invalid role list 'reader(192.0.2.51),'");
    CHECK(reply("rea\\der(192.0.2.51)") == "ERROR: Role 'rea\\x5cder(192.0.2.51)' is not configured for host 'db1'");
    CHECK(reply("re\x1b[2Jader(1.2.3.4)").find("'re\\x1b[2Jader(1.2.3.4)'") != std::string::npos);
    std::string many;
    for (int i = 0; i < 2900; ++i) many += (i ? "," : "") + fmt::format("reader(10.0.{}.{})", i / 250, i % 250);
    CHECK(reply(many) == "ERROR: 2900 roles for host 'db1', which has 3 configured");
    // The writer role on a host the configuration does not allow to hold it.
    ctx.this_host = "db3";
    ctx.own_role_ips = {{"reader", "192.0.2.51"}, {"reader", "192.0.2.52"}};
    const auto d = dispatch_request("SET_STATUS|1|db3|ONLINE|writer(192.0.2.50)|db1", s, ctx);
    CHECK(d.reply == std::string("ERROR: Role 'writer(192.0.2.50)' is not configured for host 'db3'"));
    CHECK(d.set_status.roles.empty());
}
