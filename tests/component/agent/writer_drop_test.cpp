// Component test of a writer drop accepted while a pass that gives the writer role is still catching up: that
// pass must not make the host a writer after it.
#include <catch2/catch.hpp>

#include "agent_harness.hpp"

using namespace mmm;
using namespace mmm::agent;
using namespace mmm::agent::test;

TEST_CASE("a writer drop accepted during the catch-up stops that pass's writer steps", "[agent][component]") {
    AgentHarness h({{reader_ip}, true});
    h.db().script("catch_up", {Duration{0}, true, std::nullopt});  // the catch-up waits for the test
    const auto give = h.send(AgentHarness::set_status(writer_and_reader));
    run_until(h.io, [&] { return h.journal.count("db.catch_up") == 1; });
    REQUIRE(h.journal.count("db.catch_up") == 1);

    // The monitor takes the writer role away while the catch-up runs, then the catch-up ends.
    const auto drop = h.send(AgentHarness::set_status(reader_only));
    h.db().release("catch_up");
    run_until(h.io, [&] { return give->has_value() && drop->has_value(); });
    REQUIRE(give->has_value());
    REQUIRE(drop->has_value());
    INFO(**give);
    CHECK((give->value() ==
               "ERROR: AllowWrites: writer role held: the writer role was taken away while this pass ran" ||
           give->value() == "OK: Status accepted; still applying it"));
    CHECK(drop->value() == "OK: Status applied successfully!");

    CHECK(h.journal.count("db.allow_writes") == 0);
    CHECK(h.journal.count("net.add 192.0.2.50") == 0);
    CHECK(h.journal.count("net.announce 192.0.2.50") == 0);
    CHECK(h.db().read_only());
    CHECK_FALSE(h.net().has(writer_ip));
    CHECK(h.net().has(reader_ip));
    CHECK_FALSE(h.service().state().holds("writer"));
}
