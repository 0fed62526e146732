// LogThrottle: at most one line per period for events a peer can repeat at will, the events held back counted in
// the next line's suffix; driven by the times it is given (no clock, no sleeping).
#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "common/throttle.hpp"

using mmm::LogThrottle;
using namespace std::chrono_literals;

namespace {
const mmm::SteadyTime t0{std::chrono::hours(1)};
}  // namespace

TEST_CASE("log throttle: one line per period, the events held back counted in the next line", "[throttle]") {
    LogThrottle throttle(10s);
    CHECK(throttle.suffix(t0) == std::string());  // the first event: a line, nothing held back
    CHECK(throttle.suffix(t0 + 1s) == std::nullopt);
    CHECK(throttle.suffix(t0 + 9999ms) == std::nullopt);
    CHECK(throttle.suffix(t0 + 10s) == " (2 more since the last such line)");
    CHECK(throttle.suffix(t0 + 15s) == std::nullopt);  // the period runs from the last line written
    CHECK(throttle.suffix(t0 + 20s) == " (1 more since the last such line)");
    CHECK(throttle.suffix(t0 + 60s) == std::string());  // quiet since: nothing to report
}

TEST_CASE("log throttle: the count alone, and the suffix in another wording", "[throttle]") {
    LogThrottle counts(10s);
    CHECK(counts.admit(t0) == 0u);
    CHECK_FALSE(counts.admit(t0 + 2s));
    CHECK_FALSE(counts.admit(t0 + 3s));
    CHECK_FALSE(counts.admit(t0 + 4s));
    CHECK(counts.admit(t0 + 11s) == 3u);

    LogThrottle errors(10s, "more such errors");
    CHECK(errors.suffix(t0) == std::string());
    CHECK(errors.suffix(t0 + 5s) == std::nullopt);
    CHECK(errors.suffix(t0 + 10s) == " (1 more such errors)");
}
