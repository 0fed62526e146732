// The gratuitous ARP schedule.
#include "agent/core/garp_schedule.hpp"

namespace mmm::agent {

std::vector<GarpBurst> garp_schedule(int rounds, Duration repeat_delay) {
    std::vector<GarpBurst> out;
    if (rounds <= 0) return out;
    out.push_back({Duration{0}, rounds});
    if (repeat_delay > Duration{0}) out.push_back({repeat_delay, rounds});
    return out;
}

}  // namespace mmm::agent
