// LeaderLease (see leader_lease.hpp).
#include "monitor/core/leader_lease.hpp"

namespace mmm::monitor {

void LeaderLease::elected(std::int64_t revision, SteadyTime granted_at) {
    revision_ = revision;
    last_sent_ = granted_at;
    valid_until_ = granted_at + ttl_ - margin_;
}

void LeaderLease::renewed(SteadyTime sent, std::int64_t ttl_left) {
    if (revision_ == 0) return;
    if (ttl_left <= 0) {
        lost();
        return;
    }
    last_sent_ = sent;
    const auto until = sent + std::chrono::duration_cast<Duration>(std::chrono::seconds(ttl_left)) - margin_;
    if (until > valid_until_) valid_until_ = until;
}

void LeaderLease::lost() {
    revision_ = 0;
    valid_until_ = {};
}

}  // namespace mmm::monitor
