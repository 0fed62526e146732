// mmm_control --json on hostile replies (issue 12 item 11): invalid UTF-8, multi-megabyte lines, oversized replies.
#include <catch2/catch.hpp>

#include "control/cli.hpp"
#include "control/reply_json.hpp"

using namespace mmm;
using namespace mmm::control;

namespace {
const std::string fffd = "\xEF\xBF\xBD";

// What mmm_control prints must read back as JSON (nlohmann's parser rejects invalid UTF-8).
nlohmann::json round_trip(const nlohmann::json& json) {
    std::string text;
    REQUIRE_NOTHROW(text = json_text(json));
    nlohmann::json back;
    REQUIRE_NOTHROW(back = nlohmann::json::parse(text));
    return back;
}
}  // namespace

TEST_CASE("valid_utf8 keeps well-formed UTF-8 and replaces every other byte by U+FFFD", "[control]") {
    struct Case {
        std::string in, out;
    };
    const std::vector<Case> cases{
        {"", ""},
        {"db1 ONLINE", "db1 ONLINE"},
        {"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"},  // 2, 3, 4 bytes
        {"a\xFFz", "a" + fffd + "z"},
        {"\x80", fffd},                                    // a continuation byte alone
        {"\xC0\xAF", fffd + fffd},                         // overlong '/'
        {"\xE0\x80\xAF", fffd + fffd + fffd},              // overlong, 3 bytes
        {"\xED\xA0\x80", fffd + fffd + fffd},              // a UTF-16 surrogate
        {"\xF4\x90\x80\x80", fffd + fffd + fffd + fffd},   // above U+10FFFF
        {"x\xE2\x82", "x" + fffd + fffd},                  // cut off at the end
        {"\xE2\x82" "A", fffd + fffd + "A"},               // cut off by an ASCII byte
        {std::string("a\0b", 3), std::string("a\0b", 3)},  // NUL is valid UTF-8 (JSON escapes it)
    };
    for (const auto& c : cases) {
        INFO(c.in);
        CHECK(valid_utf8(c.in) == c.out);
    }
}

TEST_CASE("mmm_control --json on replies with invalid UTF-8 prints valid JSON with U+FFFD in place of the bad bytes",
          "[control]") {
    const std::string show = "# Warning: agent on host d\xFF" "b3 is not reachable\n"
                             "  d\xFF" "b3(192.168.0.33) slave/ONLINE. Roles: read\xC0r(192.168.0.51)\n"
                             "# note \xE2\x82\n";
    const auto shown = round_trip(*reply_to_json({"show"}, show));
    REQUIRE(shown["hosts"].size() == 1);
    CHECK(shown["hosts"][0]["name"] == "d" + fffd + "b3");
    CHECK(shown["hosts"][0]["agent_reachable"] == false);
    CHECK(shown["hosts"][0]["roles"][0]["role"] == "read" + fffd + "r");
    CHECK(shown["notes"][0] == "note " + fffd + fffd);

    const auto checks = round_trip(*reply_to_json(
        {"checks"}, "db1  ping         [last change: 2010/02/11 12:43:16]  OK\xFE\n"));
    REQUIRE(checks.size() == 1);
    CHECK(checks[0]["message"] == "OK" + fffd);

    CHECK(round_trip(*reply_to_json({"mode"}, "ACT\xFFIVE\n"))["mode"] == "ACT" + fffd + "IVE");
    CHECK(round_trip(*reply_to_json({"show"}, "ERROR: bad \xFF\n"))["error"] == "ERROR: bad " + fffd + "\n");
}

TEST_CASE("mmm_control --json parses the monitor's show and checks lines", "[control]") {
    const auto shown = show_to_json("# --- Monitor is in PASSIVE MODE ---\n"
                                    "# Cause: two writers\n"
                                    "# db1 and db2\n"
                                    "  db1(192.168.0.31) master/ONLINE. Roles: reader(192.168.0.51), writer(192.168.0.50)\n"
                                    "  db3(192.168.0.33) slave/HARD_OFFLINE. Roles: \n"
                                    "# Role writer is assigned to it's preferred host db1.\n");
    CHECK(shown["mode_passive"] == true);
    CHECK(shown["passive_cause"] == "two writers\ndb1 and db2");
    REQUIRE(shown["hosts"].size() == 2);
    CHECK(shown["hosts"][0] == nlohmann::json{{"name", "db1"},
                                              {"ip", "192.168.0.31"},
                                              {"mode", "master"},
                                              {"state", "ONLINE"},
                                              {"roles", {{{"role", "reader"}, {"ip", "192.168.0.51"}},
                                                         {{"role", "writer"}, {"ip", "192.168.0.50"}}}},
                                              {"agent_reachable", true}});
    CHECK(shown["hosts"][1]["state"] == "HARD_OFFLINE");
    CHECK(shown["hosts"][1]["roles"].empty());
    CHECK(shown["notes"] == nlohmann::json::array({"Role writer is assigned to it's preferred host db1."}));

    const auto checks = checks_to_json("db1  ping         [last change: 2010/02/11 12:43:16]  OK\n"
                                       "db2  mysql        [last change: 2010/02/11 12:43:17]  ERROR: Connect error\n"
                                       "not a check line\n");
    REQUIRE(checks.size() == 2);
    CHECK(checks[0] == nlohmann::json{{"host", "db1"},
                                      {"check", "ping"},
                                      {"ok", true},
                                      {"last_change", "2010/02/11 12:43:16"},
                                      {"message", "OK"}});
    CHECK(checks[1]["ok"] == false);
    CHECK(checks[1]["message"] == "ERROR: Connect error");
}

TEST_CASE("mmm_control --json on lines of 2.4 MB: parsed without std::regex (its recursion overflowed the stack)",
          "[control]") {
    const std::size_t size = 2'400'000;
    const std::string long_word(size, 'a');
    const std::string roles = "reader(192.168.0.51), " + long_word + "(" + long_word + "), writer(192.168.0.50)";
    const auto shown = show_to_json("  db1(192.168.0.31) master/ONLINE. Roles: " + roles + "\n" +  //
                                    "  " + long_word + "(" + long_word + ") " + long_word + "\n" +   //
                                    "# " + long_word + "\n");
    REQUIRE(shown["hosts"].size() == 1);
    REQUIRE(shown["hosts"][0]["roles"].size() == 3);
    CHECK(shown["hosts"][0]["roles"][1]["ip"].get<std::string>().size() == size);
    CHECK(shown["notes"][0].get<std::string>().size() == size);

    const auto checks = checks_to_json("db1  ping  [last change: now]  " + long_word + "\n" + long_word + " " +
                                       long_word + "\n");
    REQUIRE(checks.size() == 1);
    CHECK(checks[0]["message"].get<std::string>().size() == size);
    CHECK(mode_to_json(long_word)["mode"].get<std::string>().size() == size);
}

TEST_CASE("a reply above max_reply_bytes is an error, not printed", "[control]") {
    CHECK(max_reply_bytes == 4U * 1024 * 1024);
    CHECK(check_reply_size(0));
    CHECK(check_reply_size(max_reply_bytes));
    const auto over = check_reply_size(max_reply_bytes + 1);
    REQUIRE_FALSE(over);
    CHECK(over.error().message == "reply from the monitor exceeds 4194304 bytes");
}
