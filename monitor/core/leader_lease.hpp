// LeaderLease: whether this monitor may act as the leader right now, from the results of its etcd lease calls
// (issue 14). Pure: the caller passes the steady time each request was sent.
#pragma once

#include <cstdint>

#include "common/duration.hpp"
#include "common/time.hpp"

namespace mmm::monitor {

// The lease expires in etcd `ttl` after etcd handled the request that granted or renewed it, which is after the
// request was sent: counting from the send time the leader stops first. `margin` more is kept for a pause between
// the check and the act (a scheduling delay, a slow log write).
//
// A leader that cannot renew stops at valid_until(): it sends nothing to agents from then on. A new leader can only
// be elected after etcd expired the lease, later still, so two monitors never both act as the leader (the epochs
// from etcd guard the remaining case, a message already on its way: agents refuse the older leader's).
class LeaderLease {
public:
    explicit LeaderLease(Duration ttl, Duration margin = std::chrono::milliseconds(100)) : ttl_(ttl), margin_(margin) {}

    // The campaign won with a lease granted by a request sent at `granted_at` (its TTL counts from there); the
    // leader key's create_revision is `revision`.
    void elected(std::int64_t revision, SteadyTime granted_at);
    // A keep-alive sent at `sent` was answered with `ttl_left` seconds (0: the lease had expired: leadership lost).
    void renewed(SteadyTime sent, std::int64_t ttl_left);
    // The leader key is gone or another's (a guarded write failed), an agent named a newer epoch, or the monitor
    // resigned.
    void lost();

    bool elected() const { return revision_ != 0; }
    // Elected and the lease is certainly still alive.
    bool leading(SteadyTime now) const { return revision_ != 0 && now < valid_until_; }
    SteadyTime valid_until() const { return valid_until_; }
    // When the next keep-alive is due: a third of the TTL after the last one was sent (two may fail).
    SteadyTime next_renewal() const { return last_sent_ + ttl_ / 3; }
    std::int64_t revision() const { return revision_; }
    Duration ttl() const { return ttl_; }

private:
    Duration ttl_;
    Duration margin_;
    std::int64_t revision_ = 0;
    SteadyTime last_sent_{};
    SteadyTime valid_until_{};
};

}  // namespace mmm::monitor
