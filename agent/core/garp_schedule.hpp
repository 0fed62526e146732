// When to send gratuitous ARP for an added address: a burst now and, optionally, a second burst later.
#pragma once

#include <vector>

#include "common/duration.hpp"

namespace mmm::agent {

// One burst: `rounds` times an ARP request then an ARP reply, back to back, `at` after the address was added.
struct GarpBurst {
    Duration at{0};
    int rounds = 0;
    bool operator==(const GarpBurst&) const = default;
};

// mysql-mmm sends 5 rounds once; we send `rounds` at once and again after `repeat_delay` (0 = no second burst)
// for switches that missed the first. rounds <= 0 means no announcement at all.
std::vector<GarpBurst> garp_schedule(int rounds, Duration repeat_delay);

}  // namespace mmm::agent
