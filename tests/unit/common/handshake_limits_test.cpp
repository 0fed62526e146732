// HandshakeLimits: pending TLS handshakes under their own caps; at the total cap a newcomer takes the place of the
// oldest pending handshake of the source with the most.
#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/session_limits.hpp"

using mmm::HandshakeLimits;

namespace {

// Handshakes admitted by a test, by name, and the names of those closed to make room.
struct Handshakes {
    explicit Handshakes(HandshakeLimits& l) : limits(l) {}
    HandshakeLimits::Admission admit(const std::string& name, const std::string& source) {
        auto admission = limits.admit(source, [this, name] { closed.push_back(name); });
        if (admission.place) places[name] = admission.place;
        return admission;
    }
    void finish(const std::string& name) { places.erase(name); }
    HandshakeLimits& limits;
    std::map<std::string, std::shared_ptr<void>> places;
    std::vector<std::string> closed;
};

}  // namespace

TEST_CASE("handshake caps: a source at its cap is refused, a place is given back when its handshake ends",
          "[session_limits]") {
    HandshakeLimits limits(4, 2);
    Handshakes h(limits);
    CHECK(h.admit("a1", "192.0.2.66").place);
    CHECK(h.admit("a2", "192.0.2.66").place);
    const auto refused = h.admit("a3", "192.0.2.66");
    CHECK_FALSE(refused.place);
    CHECK(refused.refused == "2 TLS handshakes pending from this address, the most it may have");
    CHECK(limits.pending() == 2);
    h.finish("a1");  // its handshake ended (done or failed)
    CHECK(limits.pending() == 1);
    const auto again = h.admit("a3", "192.0.2.66");
    CHECK(again.place);
    CHECK(again.dropped.empty());
    CHECK(h.closed.empty());
}

TEST_CASE("handshake caps: at the total cap a newcomer takes the place of the oldest of the source with the most",
          "[session_limits]") {
    HandshakeLimits limits(4, 3);
    Handshakes h(limits);
    h.admit("b1", "192.0.2.77");
    h.admit("a1", "192.0.2.66");
    h.admit("a2", "192.0.2.66");
    h.admit("a3", "192.0.2.66");
    CHECK(limits.pending() == 4);
    // The monitor's handshake: 192.0.2.66 has the most pending, its oldest goes (b1 is older but alone).
    CHECK(h.admit("m1", "192.0.2.10").dropped == "192.0.2.66");
    CHECK(h.places.count("m1") == 1);
    CHECK(h.closed == std::vector<std::string>{"a1"});
    CHECK(limits.pending() == 4);
    // .66 has 2 pending, .77 and .10 one each: .66's oldest (a2) goes next.
    CHECK(h.admit("b2", "192.0.2.77").dropped == "192.0.2.66");
    CHECK(h.closed == std::vector<std::string>{"a1", "a2"});
    // Now .77 has 2 (b1, b2), .66 and .10 one each: .77's oldest, b1.
    CHECK(h.admit("c1", "192.0.2.88").dropped == "192.0.2.77");
    CHECK(h.closed == std::vector<std::string>{"a1", "a2", "b1"});
    // One each (.66 a3, .77 b2, .10 m1, .88 c1): the oldest of them all, a3; the monitor's still pending.
    CHECK(h.admit("d1", "192.0.2.99").dropped == "192.0.2.66");
    CHECK(h.closed == std::vector<std::string>{"a1", "a2", "b1", "a3"});
    // A dropped handshake's place, released later by its session, gives back nothing twice.
    h.finish("a1");
    h.finish("a2");
    CHECK(limits.pending() == 4);
    h.finish("m1");  // the monitor's handshake done
    CHECK(limits.pending() == 3);
}

TEST_CASE("handshake caps: places outliving their limits release nothing", "[session_limits]") {
    std::shared_ptr<void> place;
    {
        HandshakeLimits limits(2, 1);
        place = limits.admit("192.0.2.66", [] {}).place;
        REQUIRE(place);
    }
    place.reset();  // no use of the destroyed limits (ASan would say so)
    SUCCEED();
}
