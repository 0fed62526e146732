// Caps on open sessions of a server (the agent's port, the monitor's control port), and on those of them still in
// their TLS handshake.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include <fmt/format.h>

namespace mmm {

namespace detail {

// A place under a cap: `release` runs when the last copy is dropped, unless `alive` says the limits are gone.
inline std::shared_ptr<void> release_on_drop(std::shared_ptr<bool> alive, std::function<void()> release) {
    struct Place {
        Place(std::shared_ptr<bool> a, std::function<void()> r) : alive(std::move(a)), release(std::move(r)) {}
        Place(const Place&) = delete;
        Place& operator=(const Place&) = delete;
        ~Place() {
            if (*alive) release();
        }
        std::shared_ptr<bool> alive;
        std::function<void()> release;
    };
    return std::make_shared<Place>(std::move(alive), std::move(release));
}

}  // namespace detail

// Open sessions, in total and per source address, against their caps: a flood of connections is refused before
// it can use up the process's descriptors (the legitimate peers need few).
class SessionLimits {
public:
    SessionLimits(std::size_t total, std::size_t per_source) : total_cap_(total), per_source_cap_(per_source) {}
    SessionLimits(const SessionLimits&) = delete;
    SessionLimits& operator=(const SessionLimits&) = delete;
    ~SessionLimits() { *alive_ = false; }  // slots still held by sessions then release nothing
    // A slot for a session from `source`, released when the last copy is destroyed; nullptr when a cap is reached
    // (`why` says which).
    std::shared_ptr<void> take(const std::string& source, std::string& why);
    std::size_t open() const { return total_; }

private:
    void release(const std::string& source);
    std::size_t total_cap_;
    std::size_t per_source_cap_;
    std::size_t total_ = 0;
    std::map<std::string, std::size_t> per_source_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

inline std::shared_ptr<void> SessionLimits::take(const std::string& source, std::string& why) {
    if (total_ >= total_cap_) {
        why = fmt::format("{} sessions open, the most served at once", total_);
        return nullptr;
    }
    auto& mine = per_source_[source];
    if (mine >= per_source_cap_) {
        why = fmt::format("{} sessions open from this address, the most it may have", mine);
        return nullptr;
    }
    ++mine;
    ++total_;
    // The slot gives its place back when the session drops it (unless the limits are gone by then).
    return detail::release_on_drop(alive_, [this, source] { release(source); });
}

inline void SessionLimits::release(const std::string& source) {
    --total_;
    if (auto it = per_source_.find(source); it != per_source_.end() && --it->second == 0) per_source_.erase(it);
}

// Sessions that have not finished their TLS handshake, under small caps of their own (in total and per source
// address). A peer that connects and never finishes (no certificate, or no handshake at all) holds its session for
// the handshake's deadline; enough of them, from a few addresses, used to hold every session slot, and the monitor
// found none. A source at its own cap is refused. At the total cap a new handshake takes the place of the oldest
// pending one of the source with the most pending, whose connection is closed: a peer that finishes its handshake in
// milliseconds gets through while others hold connections open, and a source with few pending handshakes loses none
// to sources with more.
class HandshakeLimits {
public:
    struct Admission {
        std::shared_ptr<void> place;  // held until the handshake ends (either way); nullptr: refused
        std::string refused;          // why, when refused
        std::string dropped;          // the source whose pending handshake was closed to make room (empty: none)
    };

    HandshakeLimits(std::size_t total, std::size_t per_source) : total_cap_(total), per_source_cap_(per_source) {}
    HandshakeLimits(const HandshakeLimits&) = delete;
    HandshakeLimits& operator=(const HandshakeLimits&) = delete;
    ~HandshakeLimits() { *alive_ = false; }

    // A place for a handshake from `source`. `close` ends its connection if the place goes to a newer handshake: it
    // is called from that later admit() (its place already released), so it must only close, not admit again.
    Admission admit(const std::string& source, std::function<void()> close);
    std::size_t pending() const { return pending_.size(); }

private:
    struct Pending {
        std::string source;
        std::function<void()> close;
    };
    std::size_t pending_from(const std::string& source) const;
    std::size_t total_cap_;
    std::size_t per_source_cap_;
    std::uint64_t next_id_ = 0;
    std::map<std::uint64_t, Pending> pending_;  // by age, the oldest first
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

inline std::size_t HandshakeLimits::pending_from(const std::string& source) const {
    std::size_t n = 0;
    for (const auto& entry : pending_)
        if (entry.second.source == source) ++n;
    return n;
}

inline HandshakeLimits::Admission HandshakeLimits::admit(const std::string& source, std::function<void()> close) {
    Admission admission;
    if (const auto mine = pending_from(source); mine >= per_source_cap_) {
        admission.refused = fmt::format("{} TLS handshakes pending from this address, the most it may have", mine);
        return admission;
    }
    if (pending_.size() >= total_cap_ && !pending_.empty()) {
        std::size_t most = 0;
        for (const auto& entry : pending_) most = std::max(most, pending_from(entry.second.source));
        auto oldest = pending_.begin();
        while (pending_from(oldest->second.source) != most) ++oldest;
        auto evicted = std::move(oldest->second);
        pending_.erase(oldest);
        admission.dropped = evicted.source;
        evicted.close();
    }
    const auto id = next_id_++;
    pending_.emplace(id, Pending{source, std::move(close)});
    admission.place = detail::release_on_drop(alive_, [this, id] { pending_.erase(id); });
    return admission;
}

}  // namespace mmm
