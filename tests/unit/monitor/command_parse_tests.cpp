// parse_command (§8.2): what a control line asks, before the core decides anything about it.
#include <catch2/catch.hpp>

#include "monitor/core/command.hpp"

using namespace mmm::monitor;

TEST_CASE("control lines parse into commands, wrong words and argument counts are invalid", "[monitor][commands]") {
    auto c = parse_command("move_role --force writer db2");
    REQUIRE(c);
    CHECK(c->kind == CommandKind::MoveRole);
    CHECK(c->force);
    CHECK(c->args == std::vector<std::string>{"writer", "db2"});
    CHECK_FALSE(c->read_only());
    c = parse_command("  checks\tdb1  all ");
    REQUIRE(c);
    CHECK(c->kind == CommandKind::Checks);
    CHECK(c->args == std::vector<std::string>{"db1", "all"});
    CHECK(c->read_only());
    CHECK(parse_command("set_online db1")->kind == CommandKind::SetOnline);
    CHECK_FALSE(parse_command("set_online"));
    CHECK_FALSE(parse_command("set_online db1 db2"));
    CHECK_FALSE(parse_command("move_role writer"));
    CHECK_FALSE(parse_command("set_ip --force 1.2.3.4 db1"));  // --force belongs to move_role only
    CHECK_FALSE(parse_command("checks a b c"));
    CHECK_FALSE(parse_command("show please"));
    CHECK_FALSE(parse_command("bogus"));
    CHECK_FALSE(parse_command(""));
    CHECK(is_read_only_command("show"));
    CHECK(is_read_only_command("checks db1 ping"));
    CHECK(is_read_only_command("mode extra"));  // answered with the help text: decides nothing either
    CHECK_FALSE(is_read_only_command("set_passive"));
    CHECK_FALSE(is_read_only_command("move_role writer db2"));
    CHECK_FALSE(is_read_only_command(""));
}
