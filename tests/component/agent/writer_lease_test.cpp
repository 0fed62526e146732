// Component tests of the writer lease on the agent: an unrenewed lease fences the host (deny writes, then the
// writer IP goes), a renewal before the end keeps the role.
#include <catch2/catch.hpp>

#include "agent_harness.hpp"

using namespace mmm;
using namespace mmm::agent;
using namespace mmm::agent::test;
using std::chrono::milliseconds;

TEST_CASE("a writer lease that is not renewed fences the host after its end", "[agent][component][lease]") {
    AgentHarness h({{reader_ip}, true});
    const auto granted = SteadyClock::now();
    CHECK(h.request(AgentHarness::set_status(writer_and_reader, "|epoch=1|lease=400"), granted) ==
          "OK: Status applied successfully!");
    CHECK_FALSE(h.db().read_only());
    CHECK(h.net().has(writer_ip));
    const auto given = h.journal.changes().size();

    run_until(h.io, [&] { return h.db().read_only() && !h.net().has(writer_ip); });
    CHECK(SteadyClock::now() - granted >= milliseconds(400));  // not before the lease's end
    const auto changes = h.journal.changes();
    REQUIRE(changes.size() == given + 2);
    CHECK(changes[given] == "db.deny_writes");  // deny writes, then the IP
    CHECK(changes[given + 1] == "net.remove 192.0.2.50");
    CHECK(h.net().has(reader_ip));  // only the writer is leased
    CHECK_FALSE(h.service().state().holds("writer"));
    CHECK(h.log_text().find("Writer lease of 400 ms expired") != std::string::npos);
}

TEST_CASE("a writer lease renewed before its end keeps the role, which ends later without renewals",
          "[agent][component][lease]") {
    AgentHarness h({{reader_ip}, true});
    // The grant was read 900 ms ago (its lease of 1200 ms ends in 300 ms), the renewal now: its end is ~1200 ms
    // away. A check 700 ms from now lies 400 ms after the first end and 500 ms before the renewed one.
    const auto now = SteadyClock::now();
    CHECK(h.request(AgentHarness::set_status(writer_and_reader, "|epoch=1|lease=1200"), now - milliseconds(900)) ==
          "OK: Status applied successfully!");
    const auto given = h.journal.changes().size();
    REQUIRE(given == 4);
    const auto renewed = SteadyClock::now();
    CHECK(h.request(AgentHarness::set_status(writer_and_reader, "|epoch=1|lease=1200"), renewed) ==
          "OK: Status applied successfully!");
    REQUIRE(renewed < now + milliseconds(300));  // the renewal arrived before the first end

    run_until(h.io, [&] { return SteadyClock::now() >= now + milliseconds(700); });
    CHECK(h.journal.changes().size() == given);  // no fencing: the renewal moved the end
    CHECK_FALSE(h.db().read_only());
    CHECK(h.net().has(writer_ip));
    CHECK(h.service().state().holds("writer"));

    // No further renewal: the renewed lease runs out and the host fences itself.
    run_until(h.io, [&] { return h.db().read_only() && !h.net().has(writer_ip); });
    CHECK(SteadyClock::now() - renewed >= milliseconds(1200));
    CHECK(h.journal.changes().size() == given + 2);
    CHECK(h.net().has(reader_ip));
}
