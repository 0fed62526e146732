// mmm_control's pure parts: what it sends (spec §1.6) and its exit codes for either kind of config.
#include <catch2/catch.hpp>

#include "control/cli.hpp"
#include "control/reply_json.hpp"

using namespace mmm;
using namespace mmm::control;

namespace {
Invocation parsed(const std::vector<std::string>& args) {
    auto r = parse_arguments(args);
    REQUIRE(r);
    return *r;
}
}  // namespace

TEST_CASE("the command line goes out as mysql-mmm's mmm_control sends it: words joined by spaces, then quit",
          "[control]") {
    struct Case {
        std::vector<std::string> args;
        std::string wire;
    };
    const std::vector<Case> cases{
        {{"show"}, "show\nquit\n"},
        {{"ping"}, "ping\nquit\n"},
        {{"help"}, "help\nquit\n"},
        {{"mode"}, "mode\nquit\n"},
        {{"checks", "all", "mysql"}, "checks all mysql\nquit\n"},
        {{"set_online", "db1"}, "set_online db1\nquit\n"},
        {{"@c1", "set_offline", "db2"}, "set_offline db2\nquit\n"},
        {{"move_role", "--force", "writer", "db2"}, "move_role --force writer db2\nquit\n"},
        {{"set_passive"}, "set_passive\nquit\n"},
        {{"set_ip", "192.168.0.50", "db1"}, "set_ip 192.168.0.50 db1\nquit\n"},
        // one shell word holding spaces goes out as it is, as Perl's join(' ', @ARGV) does
        {{"set_online db1"}, "set_online db1\nquit\n"},
    };
    for (const auto& c : cases) {
        INFO(c.wire);
        CHECK(control_request(parsed(c.args).line()) == c.wire);
    }
}

TEST_CASE("exit codes: mysql-mmm's (always 0) for legacy files, mmm's for YAML, the variable decides",
          "[control]") {
    struct Case {
        ConfigFormat format;
        const char* variable;
        ExitCodes expected;
    };
    const std::vector<Case> cases{
        {ConfigFormat::Legacy, nullptr, ExitCodes::MysqlMmm},
        {ConfigFormat::Yaml, nullptr, ExitCodes::Mmm},
        {ConfigFormat::Legacy, "", ExitCodes::MysqlMmm},
        {ConfigFormat::Yaml, "", ExitCodes::Mmm},
        {ConfigFormat::Legacy, "mmm", ExitCodes::Mmm},
        {ConfigFormat::Yaml, "mysql-mmm", ExitCodes::MysqlMmm},
        {ConfigFormat::Legacy, "mysql-mmm", ExitCodes::MysqlMmm},
        {ConfigFormat::Yaml, "mmm", ExitCodes::Mmm},
    };
    for (const auto& c : cases) {
        auto codes = choose_exit_codes(c.format, c.variable);
        REQUIRE(codes);
        CHECK(*codes == c.expected);
    }
    auto bad = choose_exit_codes(ConfigFormat::Yaml, "perl");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.find("MMM_CONTROL_EXIT_CODES='perl'") != std::string::npos);
}

TEST_CASE("exit code per reply", "[control]") {
    struct Case {
        std::string reply;
        int mmm;
        int mysql_mmm;
    };
    const std::vector<Case> cases{
        {"OK: Pinged successfully!", 0, 0},
        {"ACTIVE", 0, 0},
        {"  db1(192.168.0.31) master/ONLINE. Roles: \n", 0, 0},
        {"ERROR: Unknown host name 'db9'!", 1, 0},
        {"Error: Role writer has no IP.", 1, 0},
        {"Invalid command 'bogus'\n\nValid commands are:\n", 1, 0},
        {"OK: This host is already ONLINE. Skipping command.", 0, 0},
    };
    for (const auto& c : cases) {
        INFO(c.reply);
        CHECK(exit_code_for_reply(c.reply, ExitCodes::Mmm) == c.mmm);
        CHECK(exit_code_for_reply(c.reply, ExitCodes::MysqlMmm) == c.mysql_mmm);
    }
}

TEST_CASE("show --json: agent warnings mark hosts, other warnings are listed", "[control]") {
    const auto json = show_to_json("# Warning: agent on host db3 is not reachable\n"
                                   "# Warning: db1 is not replicating from db2\n"
                                   "  db1(192.168.0.31) master/ONLINE. Roles: writer(192.168.0.50)\n"
                                   "  db3(192.168.0.33) slave/ONLINE. Roles: \n");
    REQUIRE(json["hosts"].size() == 2);
    CHECK(json["hosts"][0]["agent_reachable"] == true);
    CHECK(json["hosts"][1]["agent_reachable"] == false);
    CHECK(json["warnings"] == nlohmann::json::array({"db1 is not replicating from db2"}));
    CHECK(json["notes"].empty());
}
