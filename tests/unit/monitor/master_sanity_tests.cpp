// The master-master sanity check (spec §1.3.1 step 8): mysql-mmm's warning texts from the two masters' values,
// and their `# Warning:` lines in `show`.
#include <catch2/catch.hpp>

#include <functional>

#include "harness.hpp"
#include "monitor/core/master_sanity.hpp"

using namespace mmm;
using namespace mmm::monitor;
using namespace mmm::monitor::test;

namespace {
// db1 and db2 as the sandbox sets them up: each replicates from the other, increments 2, offsets 1 and 2.
std::vector<MasterObservation> healthy() {
    MasterObservation db1{"db1", "192.168.0.31", true, std::nullopt, "192.168.0.32", 2, 1};
    MasterObservation db2{"db2", "192.168.0.32", true, std::nullopt, "192.168.0.31", 2, 2};
    return {db1, db2};
}

SanityWarning problem(std::string text) { return {SanityFinding::Problem, std::move(text)}; }
SanityWarning skipped(std::string text) { return {SanityFinding::Skipped, std::move(text)}; }

struct Case {
    std::string name;
    std::function<void(std::vector<MasterObservation>&)> change;
    bool needs_servers;
    std::vector<SanityWarning> expected;
};
}  // namespace

TEST_CASE("master-master sanity: mysql-mmm's warnings from the masters' values", "[monitor][sanity]") {
    const std::vector<Case> cases{
        {"both fine (the sandbox's 2/1 and 2/2)", [](auto&) {}, true, {}},
        {"offset equal to the increment is fine", [](auto& m) { m[1].auto_increment_offset = 2; }, true, {}},
        {"one candidate only",
         [](auto& m) { m.pop_back(); },
         false,
         {skipped("Only one host configured which can handle the active master role. Skipping check of "
                  "master-master configuration.")}},
        {"no candidate", [](auto& m) { m.clear(); }, false,
         {skipped("Only one host configured which can handle the active master role. Skipping check of "
                  "master-master configuration.")}},
        {"more than two candidates",
         [](auto& m) { m.push_back(m[0]); },
         false,
         {problem("There are more than two hosts configured which can handle the active master role.")}},
        {"mysql check failed on db2",
         [](auto& m) { m[1].mysql_check_ok = false; },
         false,
         {skipped("Check 'mysql' is in state 'failed' on host 'db2'. Skipping check of master-master "
                  "configuration.")}},
        {"mysql check failed on both: the first one is named",
         [](auto& m) { m[0].mysql_check_ok = m[1].mysql_check_ok = false; },
         false,
         {skipped("Check 'mysql' is in state 'failed' on host 'db1'. Skipping check of master-master "
                  "configuration.")}},
        {"server unreachable: skip, nothing else",
         [](auto& m) {
             m[0].failure = "2003 Can't connect to MySQL server on '192.168.0.31' (111)";
             m[0].master_host.reset();
             m[1].auto_increment_increment = 1;
         },
         true,
         {skipped("Couldn't connect to  'db1'. Skipping check of master-master replication.2003 Can't connect to "
                  "MySQL server on '192.168.0.31' (111)")}},
        {"no slave status row on db1",
         [](auto& m) { m[0].master_host.reset(); },
         true,
         {problem("db1 is not replicating from db2")}},
        {"db2 replicates from somewhere else",
         [](auto& m) { m[1].master_host = "192.168.0.33"; },
         true,
         {problem("db2 is not replicating from db1")}},
        {"Master_Host must be the peer's configured ip, not its name",
         [](auto& m) { m[0].master_host = "db2"; },
         true,
         {problem("db1 is not replicating from db2")}},
        {"auto_increment values missing: skip the comparisons",
         [](auto& m) {
             m[1].auto_increment_offset.reset();
             m[0].auto_increment_increment = 1;
         },
         true,
         {skipped("Couldn't get value of auto_increment_offset/auto_increment_increment from host db2. Skipping "
                  "check of master-master replication.")}},
        {"increments differ",
         [](auto& m) { m[1].auto_increment_increment = 3; },
         true,
         {problem("auto_increment_increment should be identical on both masters (db1: 2 , db2: 3)")}},
        {"offsets equal",
         [](auto& m) { m[1].auto_increment_offset = 1; },
         true,
         {problem("auto_increment_offset should be different on both masters (db1: 1 , db2: 1)")}},
        {"server defaults 1/1 on both: offsets equal and both increments below 2",
         [](auto& m) {
             for (auto& x : m) x.auto_increment_increment = x.auto_increment_offset = 1;
         },
         true,
         {problem("auto_increment_offset should be different on both masters (db1: 1 , db2: 1)"),
          problem("db1: auto_increment_increment (1) should be >= 2"),
          problem("db2: auto_increment_increment (1) should be >= 2")}},
        {"offset above the increment",
         [](auto& m) { m[1].auto_increment_offset = 3; },
         true,
         {problem("db2: auto_increment_offset (3) should not be greater than auto_increment_increment (2)")}},
        {"everything wrong at once, in mysql-mmm's order",
         [](auto& m) {
             m[0].master_host.reset();
             m[1].master_host = "10.0.0.1";
             m[0].auto_increment_increment = 1;
             m[0].auto_increment_offset = 5;
             m[1].auto_increment_increment = 4;
             m[1].auto_increment_offset = 5;
         },
         true,
         {problem("db1 is not replicating from db2"), problem("db2 is not replicating from db1"),
          problem("auto_increment_increment should be identical on both masters (db1: 1 , db2: 4)"),
          problem("auto_increment_offset should be different on both masters (db1: 5 , db2: 5)"),
          problem("db1: auto_increment_increment (1) should be >= 2"),
          problem("db1: auto_increment_offset (5) should not be greater than auto_increment_increment (1)"),
          problem("db2: auto_increment_offset (5) should not be greater than auto_increment_increment (4)")}},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        auto masters = healthy();
        c.change(masters);
        CHECK(master_master_check_needs_servers(masters) == c.needs_servers);
        const auto got = master_master_warnings(masters);
        std::vector<std::string> got_texts, expected_texts;
        for (const auto& w : got) got_texts.push_back(w.text);
        for (const auto& w : c.expected) expected_texts.push_back(w.text);
        CHECK(got_texts == expected_texts);
        CHECK(got == c.expected);
    }
}

TEST_CASE("show: sanity problems as warning lines, nothing when there are none", "[monitor][sanity][views]") {
    Harness t(fast_checks());
    settle(t);
    const std::string clean = t.cmd("show");
    CHECK(clean.find("# Warning") == std::string::npos);
    t.core.set_configuration_warnings({});
    CHECK(t.cmd("show") == clean);

    t.core.set_configuration_warnings({"db1 is not replicating from db2",
                                       "auto_increment_offset should be different on both masters (db1: 1 , db2: 1)"});
    CHECK(t.cmd("show") == "# Warning: db1 is not replicating from db2\n"
                           "# Warning: auto_increment_offset should be different on both masters (db1: 1 , db2: 1)\n" +
                               clean);
}
