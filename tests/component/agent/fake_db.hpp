// The agent component tests' local server: read_only and replication in memory; each operation can be scripted
// to take a while, to fail, or to hang until the test releases it (at most max_hold).
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "agent/db/db_adapter.hpp"
#include "journal.hpp"

namespace mmm::agent::test {

// What one operation does before its effect: wait `delay`; with `hold`, first wait until release() (a hung server);
// then fail with `error` when set (and change nothing).
struct Behaviour {
    std::chrono::milliseconds delay{0};
    bool hold = false;
    std::optional<std::string> error;
};

class FakeDb final : public DbAdapter {
public:
    static constexpr std::chrono::seconds max_hold{5};  // a held call goes on by itself after this

    FakeDb(Journal& journal, bool read_only) : journal_(journal) { state_.read_only = read_only; }

    // `op` is the operation's name: "state", "deny_writes", "catch_up", "allow_writes", ...
    void script(const std::string& op, Behaviour b) {
        const std::lock_guard lock(mutex_);
        behaviour_[op] = std::move(b);
    }
    void unscript(const std::string& op) { script(op, {}); }
    // Held calls of `op` (and later ones) go on; delay and error stay as scripted.
    void release(const std::string& op) {
        {
            const std::lock_guard lock(mutex_);
            behaviour_[op].hold = false;
        }
        released_.notify_all();
    }
    void release_all() {
        {
            const std::lock_guard lock(mutex_);
            for (auto& [op, b] : behaviour_) b.hold = false;
        }
        released_.notify_all();
    }
    bool read_only() const {
        const std::lock_guard lock(mutex_);
        return state_.read_only;
    }
    std::optional<ClusterHost> last_peer() const {  // the peer of the last catch-up
        const std::lock_guard lock(mutex_);
        return last_peer_;
    }

    Result<State> state() override {
        if (auto e = enter(CallKind::Read, "state")) return *e;
        const std::lock_guard lock(mutex_);
        return state_;
    }
    Result<void> allow_writes() override {
        if (auto e = enter(CallKind::Change, "allow_writes")) return *e;
        const std::lock_guard lock(mutex_);
        state_.read_only = false;
        return {};
    }
    Result<DenyResult> deny_writes(int /*max_kill_retries*/) override {
        if (auto e = enter(CallKind::Change, "deny_writes")) return *e;
        const std::lock_guard lock(mutex_);
        state_.read_only = true;
        return DenyResult{0, 1};
    }
    Result<std::string> catch_up(const std::optional<ClusterHost>& peer, const std::vector<ClusterHost>& /*others*/,
                                 Duration /*deadline*/) override {
        if (auto e = enter(CallKind::Change, "catch_up")) return *e;
        const std::lock_guard lock(mutex_);
        last_peer_ = peer;
        return std::string("peer is read-only, nothing to wait for");
    }
    Result<std::string> repoint(const ClusterHost& target, const std::vector<ClusterHost>& /*hosts*/,
                                Duration /*deadline*/) override {
        if (auto e = enter(CallKind::Change, "repoint", target.name)) return *e;
        const std::lock_guard lock(mutex_);
        state_.replica = ReplicaStatus{};
        state_.replica->master_host = target.agent.ip;
        state_.replica->io_state = state_.replica->sql_state = "Yes";
        return std::string("replication from " + target.name);
    }
    Result<void> verify_replication(const ClusterHost& target, Duration /*deadline*/) override {
        if (auto e = enter(CallKind::Change, "verify_replication", target.name)) return *e;
        return {};
    }
    Result<Duration> select_one(const DbEndpoint& host, Duration /*timeout*/) override {
        if (auto e = enter(CallKind::Read, "select_one", host.host_name)) return *e;
        return Duration{3};
    }
    Result<void> start_replication() override {
        if (auto e = enter(CallKind::Change, "start_replication")) return *e;
        return {};
    }
    Result<void> stop_replication() override {
        if (auto e = enter(CallKind::Change, "stop_replication")) return *e;
        return {};
    }
    Result<void> set_semisync_master(bool on) override {
        if (auto e = enter(CallKind::Change, on ? "semisync_master_on" : "semisync_master_off")) return *e;
        const std::lock_guard lock(mutex_);
        state_.semisync_master = on;
        return {};
    }
    // The server process: gone (as after kill -9) or running; the salvage the service asked for, if any.
    void set_gone(bool gone) {
        const std::lock_guard lock(mutex_);
        gone_ = gone;
    }
    bool server_gone() override {
        const std::lock_guard lock(mutex_);
        return gone_;
    }
    Result<std::string> salvage(const ClusterHost& target, Duration /*deadline*/) override {
        if (auto e = enter(CallKind::Change, "salvage", target.name)) return *e;
        return std::string("gave '" + target.name + "' 0 transactions");
    }

private:
    std::optional<Error> enter(CallKind kind, const std::string& op, const std::string& detail = {}) {
        journal_.add(kind, "db." + op + (detail.empty() ? "" : " " + detail));
        std::unique_lock lock(mutex_);
        const Behaviour b = behaviour_[op];
        if (b.hold) released_.wait_for(lock, max_hold, [&] { return !behaviour_[op].hold; });
        lock.unlock();
        if (b.delay.count() > 0) std::this_thread::sleep_for(b.delay);
        if (b.error) return fail(*b.error);
        return std::nullopt;
    }

    Journal& journal_;
    mutable std::mutex mutex_;
    std::condition_variable released_;
    std::map<std::string, Behaviour> behaviour_;
    State state_;
    std::optional<ClusterHost> last_peer_;
    bool gone_ = false;
};

}  // namespace mmm::agent::test
