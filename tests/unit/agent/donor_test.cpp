// pick_donor: the new writer takes what the most advanced surviving replica received (issue 11).
#include <catch2/catch.hpp>

#include "agent/core/donor.hpp"

using mmm::GtidList;
using mmm::agent::pick_donor;

namespace {
GtidList pos(std::string_view s) {
    auto r = GtidList::parse(s);
    REQUIRE(r);
    return *r;
}
}  // namespace

TEST_CASE("donor: the replica that received the most of the old master's stream", "[agent][donor]") {
    // db2 (the candidate) received up to 0-1-1900; db3 up to 0-1-1917, db4 up to 0-1-1910.
    CHECK(pick_donor(pos("0-1-1900"), {pos("0-1-1910"), pos("0-1-1917")}) == std::size_t{1});
    CHECK(pick_donor(pos("0-1-1900"), {pos("0-1-1917"), pos("0-1-1910")}) == std::size_t{0});
    // Equals: the first in config order.
    CHECK(pick_donor(pos("0-1-1900"), {pos("0-1-1917"), pos("0-1-1917")}) == std::size_t{0});
}

TEST_CASE("donor: nobody when the candidate has everything the others received", "[agent][donor]") {
    CHECK_FALSE(pick_donor(pos("0-1-1917"), {pos("0-1-1900"), pos("0-1-1917")}));
    CHECK_FALSE(pick_donor(pos("0-1-1917"), {}));
    // A replica that never received anything (empty position) is no donor.
    CHECK_FALSE(pick_donor(pos("0-1-5"), {pos("")}));
}
