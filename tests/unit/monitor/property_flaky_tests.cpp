// Property test with flaky agents (requests lost, late or refused): thousands of seeded random input sequences; the
// safety invariants hold after every step. Its own file, so ctest runs it beside property_tests.cpp.
// mmm-test: cost 11
#include <catch2/catch.hpp>

#include "property_run.hpp"

using mmm::monitor::test::property::one_run;

TEST_CASE("property: invariants hold over 2000 random sequences with flaky agents", "[monitor][property]") {
    for (std::uint32_t seed = 100001; seed <= 102000; ++seed) {
        std::string r = one_run(seed, 120, true);
        INFO(r.substr(0, 30000));
        REQUIRE(r.rfind("ok\n", 0) == 0);
    }
}
