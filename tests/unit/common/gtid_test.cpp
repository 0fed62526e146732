// GTID lists: parsing, the most advanced position, errant transactions (issue 11).
#include <catch2/catch.hpp>

#include "common/gtid.hpp"

using mmm::GtidList;

namespace {
GtidList list(std::string_view s) {
    auto r = GtidList::parse(s);
    REQUIRE(r);
    return *r;
}
}  // namespace

TEST_CASE("gtid: parses MariaDB's lists, empty and wrapped ones too", "[gtid]") {
    CHECK(list("").empty());
    CHECK(list("0-1-1914").to_string() == "0-1-1914");
    CHECK(list(" 1-2-5,\n0-1-1914 ").to_string() == "0-1-1914,1-2-5");
    CHECK_FALSE(GtidList::parse("0-1"));
    CHECK_FALSE(GtidList::parse("0-1-x"));
    CHECK_FALSE(GtidList::parse("0-1-2,,"));
    CHECK_FALSE(GtidList::parse("-1-2"));
}

TEST_CASE("gtid: a replica that received more of the dead master's domain is ahead", "[gtid]") {
    const auto db2 = list("0-1-1900");
    const auto db3 = list("0-1-1917");
    CHECK(mmm::ahead_in(db2, db3).empty());
    const auto ahead = mmm::ahead_in(db3, db2);
    REQUIRE(ahead.size() == 1);
    CHECK(to_string(ahead[0]) == "0-1-1917");
    // A domain the other lacks counts as ahead; equal positions are not.
    CHECK(mmm::ahead_in(list("0-1-5,1-1-3"), list("0-1-5")).size() == 1);
    CHECK(mmm::ahead_in(list("0-1-5"), list("0-1-5")).empty());
    CHECK(GtidList::max_per_domain(list("0-1-1900,1-3-7"), list("0-1-1917")).to_string() == "0-1-1917,1-3-7");
}

TEST_CASE("gtid: the old master's unreplicated tail is errant against the new writer's binlog state", "[gtid]") {
    // db1 wrote up to 0-1-1917 and died; db2 had received 0-1-1914, then wrote 0-2-1915.. as the new writer.
    const auto db1 = list("0-1-1917,0-2-1800");
    const auto db2 = list("0-1-1914,0-2-2500");
    const auto errant = mmm::errant_transactions(db1, db2);
    REQUIRE(errant.size() == 1);
    CHECK(to_string(errant[0].last) == "0-1-1917");
    CHECK(mmm::describe(errant) == "after 0-1-1914 up to 0-1-1917");
    // Nothing errant when the host has only what the reference has (db3, a replica of db2).
    CHECK(mmm::errant_transactions(list("0-1-1914,0-2-2400"), db2).empty());
    // The active master's own newest writes are no errant transactions of a replica that got them first.
    CHECK(mmm::errant_against({3, list("0-2-2510")}, {2, db2}).empty());
    CHECK(mmm::describe(mmm::errant_against({1, db1}, {2, db2})) == "after 0-1-1914 up to 0-1-1917");
    // A server the reference never saw.
    CHECK(mmm::describe(mmm::errant_transactions(list("0-9-3"), db2)) == "up to 0-9-3 (none of server 9 in domain 0)");
}
