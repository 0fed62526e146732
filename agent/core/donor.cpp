// pick_donor: the most advanced surviving host.
#include "agent/core/donor.hpp"

namespace mmm::agent {

std::optional<std::size_t> pick_donor(const GtidList& own, const std::vector<GtidList>& received) {
    std::optional<std::size_t> best;
    for (std::size_t i = 0; i < received.size(); ++i) {
        if (ahead_in(received[i], own).empty()) continue;
        if (!best || !ahead_in(received[i], received[*best]).empty()) best = i;
    }
    return best;
}

}  // namespace mmm::agent
