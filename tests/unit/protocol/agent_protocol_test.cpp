// Unit tests of the monitor <-> agent line protocol codec (spec §7.2-7.3).
#include <catch2/catch.hpp>

#include "common/protocol/agent_protocol.hpp"

using namespace mmm::protocol;

TEST_CASE("role lists are sorted by role then ip as strings", "[protocol]") {
    const std::vector<RoleIp> roles{
        {"writer", "192.168.0.50"},
        {"reader", "192.168.0.51"},
        {"reader", "192.168.0.100"},
    };
    CHECK(encode_roles(roles) == "reader(192.168.0.100),reader(192.168.0.51),writer(192.168.0.50)");
    CHECK(encode_roles({}).empty());
    CHECK(encode_roles({{"a", "1"}, {"a", "1"}}) == "a(1)");
}

TEST_CASE("role lists parse with mysql-mmm's greedy item pattern", "[protocol]") {
    CHECK(parse_roles("").empty());
    const auto r = parse_roles("reader(192.168.0.51),writer(192.168.0.50)");
    REQUIRE(r.size() == 2);
    CHECK(r[0] == RoleIp{"reader", "192.168.0.51"});
    CHECK(r[1] == RoleIp{"writer", "192.168.0.50"});
    // unparsable items are dropped, the rest kept in text order
    const auto bad = parse_roles("garbage,writer(1.2.3.4),(x,noparen),,a(b)(c)d");
    REQUIRE(bad.size() == 2);
    CHECK(bad[0] == RoleIp{"writer", "1.2.3.4"});
    CHECK(bad[1] == RoleIp{"a(b)", "c"});
}

TEST_CASE("role list round trip", "[protocol]") {
    const std::vector<RoleIp> roles{{"reader", "192.0.2.53"}, {"reader", "192.0.2.51"}, {"writer", "192.0.2.50"}};
    const auto parsed = parse_roles(encode_roles(roles));
    REQUIRE(parsed.size() == 3);
    CHECK(parsed[0] == RoleIp{"reader", "192.0.2.51"});
    CHECK(parsed[1] == RoleIp{"reader", "192.0.2.53"});
    CHECK(parsed[2] == RoleIp{"writer", "192.0.2.50"});
}

TEST_CASE("requests encode as COMMAND|1|host|params", "[protocol]") {
    CHECK(encode_request(AgentCommand::Ping, "db1") == "PING|1|db1\n");
    CHECK(encode_request(AgentCommand::GetSystemStatus, "db3") == "GET_SYSTEM_STATUS|1|db3\n");
    CHECK(encode_set_status("db1", "ONLINE", {{"writer", "192.168.0.50"}, {"reader", "192.168.0.51"}}, "db1") ==
          "SET_STATUS|1|db1|ONLINE|reader(192.168.0.51),writer(192.168.0.50)|db1\n");
    CHECK(encode_set_status("db2", "HARD_OFFLINE", {}, "") == "SET_STATUS|1|db2|HARD_OFFLINE||\n");
}

TEST_CASE("request splitting keeps empty trailing fields", "[protocol]") {
    auto r = split_request("SET_STATUS|1|db2|HARD_OFFLINE||\n");
    REQUIRE(r);
    CHECK(r->command_name == "SET_STATUS");
    CHECK(r->version == 1);
    CHECK(r->host == "db2");
    CHECK(r->params == std::vector<std::string>{"HARD_OFFLINE", "", ""});
    auto crlf = split_request("PING|1|db1\r\n");
    REQUIRE(crlf);
    CHECK(crlf->host == "db1");
    CHECK(crlf->params.empty());
    auto empty_host = split_request("PING|1|");
    REQUIRE(empty_host);
    CHECK(empty_host->host.empty());
}

TEST_CASE("request errors carry mysql-mmm's exact reply texts", "[protocol]") {
    SECTION("fewer than three fields") {
        auto r = parse_request("PING|1\n", "db1");
        REQUIRE_FALSE(r);
        CHECK(r.error().message == "ERROR: Invalid command 'PING|1'!");
        auto e = parse_request("", "db1");
        REQUIRE_FALSE(e);
        CHECK(e.error().message == "ERROR: Invalid command ''!");
        auto g = parse_request("hello world", "db1");
        REQUIRE_FALSE(g);
        CHECK(g.error().message == "ERROR: Invalid command 'hello world'!");
    }
    SECTION("wrong host name") {
        auto r = parse_request("PING|1|db2", "db1");
        REQUIRE_FALSE(r);
        CHECK(r.error().message == "ERROR: Invalid hostname in command (db2)! My name is 'db1'");
    }
    SECTION("unknown command, checked after the host") {
        auto r = parse_request("FOO|1|db1|x", "db1");
        REQUIRE_FALSE(r);
        CHECK(r.error().message == "ERROR: Invalid command 'FOO'!");
        auto lower = parse_request("ping|1|db1", "db1");
        REQUIRE_FALSE(lower);
        CHECK(lower.error().message == "ERROR: Invalid command 'ping'!");
        auto wrong_host_first = parse_request("FOO|1|db9", "db1");
        REQUIRE_FALSE(wrong_host_first);
        CHECK(wrong_host_first.error().message == "ERROR: Invalid hostname in command (db9)! My name is 'db1'");
    }
}

TEST_CASE("known commands parse, a newer version only warns", "[protocol]") {
    for (auto cmd : {AgentCommand::Ping, AgentCommand::SetStatus, AgentCommand::GetAgentStatus,
                     AgentCommand::GetSystemStatus, AgentCommand::ClearBadRoles, AgentCommand::CheckMaster}) {
        auto r = parse_request(encode_request(cmd, "db1"), "db1");
        REQUIRE(r);
        CHECK(r->command == cmd);
        CHECK_FALSE(version_warning(r->request));
    }
    auto v2 = parse_request("PING|2|db1", "db1");
    REQUIRE(v2);
    const auto w = version_warning(v2->request);
    REQUIRE(w);
    CHECK(*w == "Version in command 'PING' (2) is greater than mine (1)");
    auto junk = parse_request("PING|x|db1", "db1");
    REQUIRE(junk);
    CHECK(junk->request.version == 0);
    CHECK_FALSE(version_warning(junk->request));
}

TEST_CASE("replies carry the uptime suffix", "[protocol]") {
    CHECK(encode_reply("OK: Pinged!", 864523.17) == "OK: Pinged!|UP:864523.17\n");
    CHECK(encode_reply("OK: Pinged!", 3.0) == "OK: Pinged!|UP:3.00\n");
    const auto r = parse_reply("OK: Status applied successfully!|UP:864523.17\n");
    CHECK(r.result == "OK: Status applied successfully!");
    REQUIRE(r.uptime);
    CHECK(*r.uptime == Approx(864523.17));
    // greedy: the last |UP: wins
    const auto g = parse_reply("OK: Returning status!||reader(192.168.0.53)|192.168.0.31|UP:1234.56");
    CHECK(g.result == "OK: Returning status!||reader(192.168.0.53)|192.168.0.31");
    REQUIRE(g.uptime);
    CHECK(*g.uptime == Approx(1234.56));
    const auto twice = parse_reply("a|UP:1|UP:2");
    CHECK(twice.result == "a|UP:1");
    CHECK(*twice.uptime == Approx(2.0));
    const auto bad = parse_reply("OK: Pinged!");
    CHECK(bad.result == "OK: Pinged!");
    CHECK_FALSE(bad.uptime);
    const auto junk = parse_reply("OK|UP:soon");
    CHECK(junk.result == "OK");
    CHECK_FALSE(junk.uptime);
}

TEST_CASE("agent and system status results", "[protocol]") {
    AgentStatus a{"ONLINE", {{"writer", "192.0.2.50"}, {"reader", "192.0.2.51"}}, "db1"};
    const auto text = encode_agent_status(a);
    CHECK(text == "OK: Returning status!|ONLINE|reader(192.0.2.51),writer(192.0.2.50)|db1");
    auto back = parse_agent_status(text);
    REQUIRE(back);
    CHECK(back->state == "ONLINE");
    CHECK(back->roles.size() == 2);
    CHECK(back->active_master == "db1");
    CHECK(encode_agent_status({"UNKNOWN", {}, ""}) == "OK: Returning status!|UNKNOWN||");

    auto sa = parse_system_status("OK: Returning status!||reader(192.168.0.53)|192.168.0.31");
    REQUIRE(sa);
    CHECK_FALSE(sa->writable);
    CHECK(sa->roles == std::vector<RoleIp>{{"reader", "192.168.0.53"}});
    CHECK(sa->master_ip == "192.168.0.31");
    auto sb = parse_system_status("OK: Returning status!|1|writer(192.0.2.50)|");
    REQUIRE(sb);
    CHECK(sb->writable);
    REQUIRE(sb->roles.size() == 1);
    CHECK(sb->master_ip.empty());

    auto err = parse_system_status("ERROR: Could not check if MySQL is writable: x");
    REQUIRE_FALSE(err);
    CHECK(err.error().message == "ERROR: Could not check if MySQL is writable: x");
    CHECK_FALSE(parse_agent_status("OK: Returning status!|ONLINE"));
}

TEST_CASE("SET_STATUS may carry epoch and lease after mysql-mmm's three parameters", "[protocol][lease]") {
    using std::chrono::milliseconds;
    CHECK(encode_set_status("db1", "ONLINE", {{"writer", "192.168.0.50"}}, "db1", {7, milliseconds(1500), {}}) ==
          "SET_STATUS|1|db1|ONLINE|writer(192.168.0.50)|db1|epoch=7|lease=1500\n");
    CHECK(encode_set_status("db2", "ONLINE", {}, "db1", {18446744073709551615ULL, std::nullopt, {}}) ==
          "SET_STATUS|1|db2|ONLINE||db1|epoch=18446744073709551615\n");
    CHECK(encode_set_status("db2", "ONLINE", {}, "db1", {}) == "SET_STATUS|1|db2|ONLINE||db1\n");

    // Round trip through the agent's split, any order, unknown keys kept aside.
    const auto split = split_request("SET_STATUS|1|db1|ONLINE|writer(192.168.0.50)|db1|lease=1500|x-new=1|epoch=7\n");
    REQUIRE(split);
    const auto fields = parse_set_status_fields({split->params.begin() + 3, split->params.end()});
    REQUIRE(fields);
    CHECK(fields->epoch == 7u);
    CHECK(fields->lease == milliseconds(1500));
    CHECK(fields->unknown_keys == std::vector<std::string>{"x-new"});

    const auto none = parse_set_status_fields({});
    REQUIRE(none);
    CHECK_FALSE(none->epoch);
    CHECK_FALSE(none->lease);
    const auto edges = parse_set_status_fields({"epoch=0", "lease=3600000"});
    REQUIRE(edges);
    CHECK(edges->epoch == 0u);
    CHECK(edges->lease == milliseconds(3600000));
    CHECK(parse_set_status_fields({"lease=1"})->lease == milliseconds(1));
    CHECK(parse_set_status_fields({"future=", "other=a=b"})->unknown_keys == std::vector<std::string>{"future", "other"});
}

TEST_CASE("a malformed epoch or lease field refuses the whole SET_STATUS", "[protocol][lease]") {
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
        {{"lease=abc"}, "ERROR: Invalid lease 'abc' in SET_STATUS: expected milliseconds from 1 to 3600000"},
        {{"lease=0"}, "ERROR: Invalid lease '0' in SET_STATUS: expected milliseconds from 1 to 3600000"},
        {{"lease=3600001"}, "ERROR: Invalid lease '3600001' in SET_STATUS: expected milliseconds from 1 to 3600000"},
        {{"lease=-5"}, "ERROR: Invalid lease '-5' in SET_STATUS: expected milliseconds from 1 to 3600000"},
        {{"lease=1.5"}, "ERROR: Invalid lease '1.5' in SET_STATUS: expected milliseconds from 1 to 3600000"},
        {{"lease=1500ms"}, "ERROR: Invalid lease '1500ms' in SET_STATUS: expected milliseconds from 1 to 3600000"},
        {{"lease="}, "ERROR: Invalid lease '' in SET_STATUS: expected milliseconds from 1 to 3600000"},
        {{"lease=99999999999999999999999"},
         "ERROR: Invalid lease '99999999999999999999999' in SET_STATUS: expected milliseconds from 1 to 3600000"},
        {{"epoch=-1"}, "ERROR: Invalid epoch '-1' in SET_STATUS: expected an unsigned 64-bit integer"},
        {{"epoch=+1"}, "ERROR: Invalid epoch '+1' in SET_STATUS: expected an unsigned 64-bit integer"},
        {{"epoch= 1"}, "ERROR: Invalid epoch ' 1' in SET_STATUS: expected an unsigned 64-bit integer"},
        {{"epoch="}, "ERROR: Invalid epoch '' in SET_STATUS: expected an unsigned 64-bit integer"},
        {{"epoch=0x10"}, "ERROR: Invalid epoch '0x10' in SET_STATUS: expected an unsigned 64-bit integer"},
        {{"epoch=18446744073709551616"},
         "ERROR: Invalid epoch '18446744073709551616' in SET_STATUS: expected an unsigned 64-bit integer"},
        {{"epoch=1", "epoch=2"}, "ERROR: Field 'epoch' given twice in SET_STATUS"},
        {{"lease=10", "x=1", "lease=10"}, "ERROR: Field 'lease' given twice in SET_STATUS"},
        {{"x=1", "x=2"}, "ERROR: Field 'x' given twice in SET_STATUS"},
        {{"garbage"}, "ERROR: Invalid field 'garbage' in SET_STATUS: expected key=value"},
        {{""}, "ERROR: Invalid field '' in SET_STATUS: expected key=value"},
        {{"=5"}, "ERROR: Invalid field '=5' in SET_STATUS: expected key=value"},
        {{"epoch=3", "lease=abc"}, "ERROR: Invalid lease 'abc' in SET_STATUS: expected milliseconds from 1 to 3600000"},
    };
    for (const auto& [fields, text] : cases) {
        INFO(text);
        const auto r = parse_set_status_fields(fields);
        REQUIRE_FALSE(r);
        CHECK(r.error().message == text);
    }
}

TEST_CASE("CHECK_MASTER: request and the second opinion's reply grammar", "[protocol][check_master]") {
    CHECK(encode_check_master("db2", "db1") == "CHECK_MASTER|1|db2|db1\n");
    CHECK(to_string(AgentCommand::CheckMaster) == "CHECK_MASTER");
    auto r = parse_request("CHECK_MASTER|1|db2|db1\n", "db2");
    REQUIRE(r);
    CHECK(r->command == AgentCommand::CheckMaster);
    CHECK(r->request.params == std::vector<std::string>{"db1"});
    // The other commands' wire format is unchanged.
    CHECK(encode_request(AgentCommand::ClearBadRoles, "db1") == "CLEAR_BAD_ROLES|1|db1\n");

    const MasterOpinion up{MasterReach::Reachable, "connect+SELECT 1 in 3 ms", "IO thread Yes from db1"};
    const auto text = encode_master_opinion(up);
    CHECK(text == "OK: reachable: connect+SELECT 1 in 3 ms; IO thread Yes from db1");
    const auto back = parse_master_opinion(text);
    REQUIRE(back);
    CHECK(back->reach == MasterReach::Reachable);
    CHECK(back->probe == "connect+SELECT 1 in 3 ms");
    CHECK(back->io_receiving_from("db1"));
    CHECK_FALSE(back->io_receiving_from("db2"));
    // Through the reply line with its uptime suffix.
    const auto line = parse_reply(encode_reply(text, 12.5));
    CHECK(parse_master_opinion(line.result)->replication == "IO thread Yes from db1");

    const MasterOpinion down{MasterReach::Unreachable, "Connect error (host = 192.0.2.11:3306)! a; b\nc",
                             "replication unknown: x; y"};
    const auto down_text = encode_master_opinion(down);
    CHECK(down_text == "OK: unreachable: Connect error (host = 192.0.2.11:3306)! a; b c; replication unknown: x, y");
    const auto parsed = parse_master_opinion(down_text);
    REQUIRE(parsed);
    CHECK(parsed->reach == MasterReach::Unreachable);
    CHECK(parsed->replication == "replication unknown: x, y");
    CHECK_FALSE(parsed->io_receiving_from("db1"));
    CHECK(parse_master_opinion("OK: unreachable: x; IO thread Connecting from db1")->io_receiving_from("db1") == false);

    const auto exited = parse_master_opinion("OK: exited: its server process has exited (x; y); no replication");
    REQUIRE(exited);
    CHECK(exited->reach == MasterReach::Exited);
    CHECK(exited->probe == "its server process has exited (x; y)");
    CHECK(encode_master_opinion(*exited) == "OK: exited: its server process has exited (x; y); no replication");

    // No opinion: errors, an old agent's answer, anything else.
    CHECK_FALSE(parse_master_opinion("ERROR: Invalid command 'CHECK_MASTER'!"));
    CHECK_FALSE(parse_master_opinion("ERROR: Unknown host db9"));
    CHECK_FALSE(parse_master_opinion("OK: Pinged!"));
}
