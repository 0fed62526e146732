// Caps on open sessions of a server (the agent's port, the monitor's control port).
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>

#include <fmt/format.h>

namespace mmm {

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
    struct Slot {
        Slot(SessionLimits* l, std::string s, std::shared_ptr<bool> a) : limits(l), source(std::move(s)), alive(std::move(a)) {}
        Slot(const Slot&) = delete;
        Slot& operator=(const Slot&) = delete;
        ~Slot() {
            if (*alive) limits->release(source);
        }
        SessionLimits* limits;
        std::string source;
        std::shared_ptr<bool> alive;
    };
    return std::make_shared<Slot>(this, source, alive_);
}

inline void SessionLimits::release(const std::string& source) {
    --total_;
    if (auto it = per_source_.find(source); it != per_source_.end() && --it->second == 0) per_source_.erase(it);
}

}  // namespace mmm
