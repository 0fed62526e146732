// LeaderLease (issue 14): whether this monitor may act as the leader, from the times its etcd lease requests were sent.
#include <catch2/catch.hpp>

#include "monitor/core/leader_lease.hpp"

using namespace mmm;
using namespace mmm::monitor;
using namespace std::chrono_literals;

namespace {
// An arbitrary steady time (as on a real host: time since boot).
const SteadyTime T0 = SteadyTime(std::chrono::hours(1000));
}  // namespace

TEST_CASE("leader lease: not leading before the election", "[monitor][leader_lease]") {
    LeaderLease l(10s);
    CHECK_FALSE(l.elected());
    CHECK_FALSE(l.leading(T0));
    CHECK(l.revision() == 0);
    CHECK(l.ttl() == 10s);
    // A renewal's answer without an election (a late reply after a step down) does not make it lead.
    l.renewed(T0, 10);
    CHECK_FALSE(l.elected());
    CHECK_FALSE(l.leading(T0));
    CHECK_FALSE(l.leading(T0 + 1s));
    CHECK(l.valid_until() == SteadyTime{});
}

TEST_CASE("leader lease: elected, valid until the grant's send time + ttl - margin", "[monitor][leader_lease]") {
    LeaderLease l(10s, 100ms);
    l.elected(42, T0);
    CHECK(l.elected());
    CHECK(l.revision() == 42);
    CHECK(l.valid_until() == T0 + 9900ms);
    CHECK(l.leading(T0));
    CHECK(l.leading(T0 + 9899ms));
    CHECK_FALSE(l.leading(T0 + 9900ms));  // the boundary itself is past
    CHECK_FALSE(l.leading(T0 + 10s));
    // elected() stays true after the lease ran out (the thread still has to notice and step down); leading() not.
    CHECK(l.elected());
}

TEST_CASE("leader lease: the margin is configurable, the default is 100 ms", "[monitor][leader_lease]") {
    LeaderLease d(2s);
    d.elected(1, T0);
    CHECK(d.valid_until() == T0 + 1900ms);
    LeaderLease m(2s, 500ms);
    m.elected(1, T0);
    CHECK(m.valid_until() == T0 + 1500ms);
    CHECK(m.leading(T0 + 1499ms));
    CHECK_FALSE(m.leading(T0 + 1500ms));
    LeaderLease z(2s, 0ms);
    z.elected(1, T0);
    CHECK(z.leading(T0 + 1999ms));
    CHECK_FALSE(z.leading(T0 + 2s));
}

TEST_CASE("leader lease: a renewal extends from its send time by the TTL etcd answered", "[monitor][leader_lease]") {
    LeaderLease l(6s, 100ms);
    l.elected(7, T0);
    REQUIRE(l.next_renewal() == T0 + 2s);
    l.renewed(T0 + 2s, 6);
    CHECK(l.valid_until() == T0 + 2s + 6s - 100ms);
    CHECK(l.leading(T0 + 7899ms));
    CHECK_FALSE(l.leading(T0 + 7900ms));
    CHECK(l.next_renewal() == T0 + 4s);
    // etcd may answer a longer TTL than asked (its minimum lease TTL): that one counts.
    l.renewed(T0 + 4s, 10);
    CHECK(l.valid_until() == T0 + 14s - 100ms);
    CHECK(l.revision() == 7);  // renewals keep the revision
}

TEST_CASE("leader lease: a renewal never shortens the validity", "[monitor][leader_lease]") {
    LeaderLease l(10s, 100ms);
    l.elected(3, T0 + 5s);
    REQUIRE(l.valid_until() == T0 + 14900ms);
    // A keep-alive sent earlier than the grant's time (a reply that arrives late and out of order) ...
    l.renewed(T0 + 1s, 10);
    CHECK(l.valid_until() == T0 + 14900ms);
    // ... or answered with a shorter TTL left ...
    l.renewed(T0 + 6s, 2);
    CHECK(l.valid_until() == T0 + 14900ms);
    CHECK(l.leading(T0 + 14899ms));
    // ... leaves it; a longer one extends it.
    l.renewed(T0 + 6s, 10);
    CHECK(l.valid_until() == T0 + 15900ms);
}

TEST_CASE("leader lease: a renewal answered with TTL 0 (expired) loses the leadership", "[monitor][leader_lease]") {
    for (std::int64_t ttl_left : {0, -1}) {
        INFO(ttl_left);
        LeaderLease l(10s);
        l.elected(9, T0);
        l.renewed(T0 + 3s, ttl_left);
        CHECK_FALSE(l.elected());
        CHECK_FALSE(l.leading(T0 + 3s));
        CHECK(l.revision() == 0);
        // A later renewal's answer does not bring it back: only a new election does.
        l.renewed(T0 + 4s, 10);
        CHECK_FALSE(l.elected());
        CHECK_FALSE(l.leading(T0 + 4s));
    }
}

TEST_CASE("leader lease: lost() ends the leadership at once, elected() starts a new one", "[monitor][leader_lease]") {
    LeaderLease l(10s);
    l.elected(9, T0);
    REQUIRE(l.leading(T0 + 1s));
    l.lost();
    CHECK_FALSE(l.elected());
    CHECK_FALSE(l.leading(T0 + 1s));
    CHECK(l.revision() == 0);
    CHECK(l.valid_until() == SteadyTime{});
    l.lost();  // twice is harmless
    CHECK_FALSE(l.elected());
    // A new election (a new key: a new revision) counts from its own grant.
    l.elected(15, T0 + 20s);
    CHECK(l.revision() == 15);
    CHECK(l.leading(T0 + 20s));
    CHECK(l.valid_until() == T0 + 29900ms);
    CHECK(l.next_renewal() == T0 + 20s + 3333ms);
}

TEST_CASE("leader lease: the next keep-alive is due a third of the TTL after the last one was sent",
          "[monitor][leader_lease]") {
    LeaderLease l(9s);
    l.elected(1, T0);
    CHECK(l.next_renewal() == T0 + 3s);
    l.renewed(T0 + 3100ms, 9);
    CHECK(l.next_renewal() == T0 + 6100ms);
    // A renewal that did not extend the validity still counts as the last one sent.
    l.renewed(T0 + 6200ms, 1);
    CHECK(l.next_renewal() == T0 + 9200ms);
    // One renewal may fail: a second one, a third of the TTL later, is still due before valid_until().
    LeaderLease two(2s);
    two.elected(1, T0);
    CHECK(two.next_renewal() == T0 + 666ms);  // milliseconds, truncated
    CHECK(two.next_renewal() + two.ttl() / 3 < two.valid_until());
}
