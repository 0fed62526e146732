// The agent's side of the wire byte for byte (spec §7.2-7.3): the lines mysql-mmm's monitor sends, and the
// whole reply lines (with the uptime suffix) that its monitor reads back.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "agent/core/request_handler.hpp"
#include "unit/agent/test_context.hpp"

using namespace mmm;
using namespace mmm::agent;
using protocol::AgentCommand;

namespace {
Context spec_db(std::string name, HostMode mode) { return test_context(std::move(name), mode, "192.168.0."); }
std::string reply_line(std::string_view result) { return protocol::encode_reply(result, 864523.17); }
}  // namespace

TEST_CASE("wire: SET_STATUS lines exactly as mysql-mmm's monitor sends them", "[agent][wire]") {
    const auto db1 = spec_db("db1", HostMode::Master);
    const auto d = dispatch_request("SET_STATUS|1|db1|ONLINE|reader(192.168.0.51),writer(192.168.0.50)|db1\n",
                                    AgentState{}, db1);
    REQUIRE_FALSE(d.reply);
    CHECK(d.command == AgentCommand::SetStatus);
    CHECK(d.set_status.state == "ONLINE");
    CHECK(d.set_status.roles == std::vector<RoleIp>{{"reader", "192.168.0.51"}, {"writer", "192.168.0.50"}});
    CHECK(d.set_status.master == "db1");
    CHECK(reply_line(set_status_result({})) == "OK: Status applied successfully!|UP:864523.17\n");

    // No active master anywhere: an empty last field; no roles: two bars in a row.
    const auto none = dispatch_request("SET_STATUS|1|db1|AWAITING_RECOVERY||\n", AgentState{}, db1);
    REQUIRE_FALSE(none.reply);
    CHECK(none.set_status.state == "AWAITING_RECOVERY");
    CHECK(none.set_status.roles.empty());
    CHECK(none.set_status.master.empty());

    // Every state name mysql-mmm's monitor may send is accepted.
    for (const char* state : {"ONLINE", "ADMIN_OFFLINE", "HARD_OFFLINE", "AWAITING_RECOVERY", "REPLICATION_FAIL",
                              "REPLICATION_DELAY", "UNKNOWN"}) {
        INFO(state);
        const auto s = dispatch_request(fmt::format("SET_STATUS|1|db1|{}||db2\n", state), AgentState{}, db1);
        CHECK_FALSE(s.reply);
        CHECK(s.set_status.state == state);
    }
}

TEST_CASE("wire: whole reply lines for mysql-mmm's monitor", "[agent][wire]") {
    const auto db3 = spec_db("db3", HostMode::Slave);
    AgentState s;
    CHECK(reply_line(*dispatch_request("PING|1|db3\n", s, db3).reply) == "OK: Pinged!|UP:864523.17\n");
    CHECK(reply_line(*dispatch_request("GET_AGENT_STATUS|1|db3\n", s, db3).reply) ==
          "OK: Returning status!|UNKNOWN|||UP:864523.17\n");
    s.state = "ONLINE";
    s.roles = {{"reader", "192.168.0.52"}, {"reader", "192.168.0.53"}};
    s.active_master = "db1";
    CHECK(reply_line(*dispatch_request("GET_AGENT_STATUS|1|db3\n", s, db3).reply) ==
          "OK: Returning status!|ONLINE|reader(192.168.0.52),reader(192.168.0.53)|db1|UP:864523.17\n");
    // §7.3's example answer to GET_SYSTEM_STATUS (uptime aside).
    CHECK(protocol::encode_reply(system_status_result(std::set<std::string>{"192.168.0.53"}, false, "192.168.0.31", db3),
                                 1234.56) == "OK: Returning status!||reader(192.168.0.53)|192.168.0.31|UP:1234.56\n");
    CHECK(reply_line(clear_bad_roles_result(0)) == "OK: Removed 0 roles|UP:864523.17\n");
    CHECK(reply_line(*dispatch_request("PING|1|db1\n", s, db3).reply) ==
          "ERROR: Invalid hostname in command (db1)! My name is 'db3'|UP:864523.17\n");
}
