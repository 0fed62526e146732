// Coordinator: one monitor's part in the leader election on etcd (monitor.coordination.type etcd, issue 14). A thread
// of its own talks to etcd over the v3 JSON gateway (cpp-httplib, blocking calls with short timeouts); what it learns
// is posted to the io_context's thread.
//
//   follower: every campaign_interval() it tries to create <prefix>/leader under a fresh lease (a transaction that
//             succeeds only when the key does not exist); otherwise it reads who leads.
//   leader:   keeps the lease alive every third of its TTL, writes the state (<prefix>/status, the status file's
//             text) with a transaction that succeeds only while its leader key is the one it created, and stops
//             leading (posts `lost`) when a renewal says the lease has expired or when a guarded write fails. Not
//             renewed before the lease's end it pauses (leading() false, nothing sent) until etcd renews or ends it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <asio/io_context.hpp>

#include "common/config.hpp"
#include "common/log.hpp"
#include "monitor/core/etcd_codec.hpp"
#include "monitor/core/leader_lease.hpp"

namespace httplib {
class Client;
}

namespace mmm::monitor {

struct Election {
    std::int64_t revision = 0;         // the leader key's create_revision: the epochs start at etcd::epoch_floor of it
    std::optional<std::string> state;  // <prefix>/status when it exists
    double campaign_ms = 0;            // how long the winning campaign (grant + transaction) took
};

class Coordinator {
public:
    struct Events {  // called on the io_context's thread
        std::function<void(Election)> elected;
        std::function<void(std::string why)> lost;
    };
    Coordinator(asio::io_context& io, Logger& log, const Config& config, etcd::LeaderRecord me, Events events);
    ~Coordinator();
    Coordinator(const Coordinator&) = delete;
    Coordinator& operator=(const Coordinator&) = delete;

    void start();
    // Resigns if leading (the leader key deleted, the lease revoked: a follower takes over at once) and ends the
    // thread. Blocks at most a few request timeouts.
    void stop();

    // Any thread. True only while this monitor won the election and its lease is certainly alive.
    bool leading() const;
    // Elected but the lease not certainly alive (not renewed in time): for how long (nullopt: not so).
    std::optional<double> paused_seconds() const;
    // The state to keep in etcd (the latest call wins; written by the thread in order).
    void save(std::string status_text);
    // An agent refused an epoch as older than one it accepted: another monitor leads. Stop leading now.
    void abdicate(std::string why);
    // Who leads as last read (nullopt: unknown or nobody), and the last etcd error ("" when the last call worked).
    std::optional<etcd::LeaderRecord> leader() const;
    std::string last_error() const;
    // This monitor's record (since: when it last won, or started campaigning).
    etcd::LeaderRecord me() const;
    Duration campaign_interval() const;
    std::string leader_key() const { return prefix_ + "/leader"; }
    std::string state_key() const { return prefix_ + "/status"; }
    // Requests sent to etcd so far (for the metrics and the idle-traffic measurement).
    std::uint64_t requests() const { return requests_.load(); }

private:
    void run();
    void follow();
    void lead();
    void step_down(std::string why);
    // One POST to the gateway, trying the endpoints in turn from the last one that answered.
    Result<std::string> post(const std::string& path, const std::string& body);
    void record_error(const std::string& text);
    void post_event(std::function<void()> f);

    asio::io_context& io_;
    Logger& log_;
    CoordinationConfig config_;
    std::string prefix_;
    etcd::LeaderRecord me_;
    std::string me_text_;
    Events events_;
    std::vector<EtcdEndpoint> endpoints_;
    std::size_t current_ = 0;
    std::unique_ptr<httplib::Client> client_;  // to endpoints_[current_]

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::optional<std::string> pending_save_;
    std::optional<std::string> abdicate_;
    std::optional<etcd::LeaderRecord> leader_;
    std::string last_error_;
    LeaderLease lease_;                       // the thread's; leading_until_ mirrors it for other threads
    std::atomic<std::int64_t> leading_until_{0};  // steady_clock ticks; 0 = not leading
    std::int64_t lease_id_ = 0;
    SteadyTime lease_granted_{};
    SteadyTime renewal_failed_{};
    SteadyTime campaign_after_{};
    std::optional<SteadyTime> uncertain_since_;  // the thread's: when the lease stopped being certain  // after an abdication: no campaign before this
    std::atomic<std::uint64_t> requests_{0};
    std::thread thread_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace mmm::monitor
