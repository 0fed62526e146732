// Carries out reconcile()'s actions on the host through its adapters (netlink, ARP, MySQL) in order; blocking,
// one pass at a time.
#pragma once

#include <atomic>
#include <chrono>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/core/agent_stats.hpp"
#include "agent/core/model.hpp"
#include "agent/db/db_adapter.hpp"
#include "agent/net/net_adapter.hpp"
#include "common/config.hpp"
#include "common/log.hpp"

namespace mmm::agent {

// What one pass did, for the model (on the io_context thread) and the SET_STATUS reply.
struct PassResult {
    std::vector<std::string> failures;          // one text per failed action, for the reply
    std::optional<std::string> confirmed_master;  // repoint/verify succeeded for this master
    bool replication_started = false;           // StartReplication succeeded
    std::vector<std::string> announced;         // IPs announced (a second burst is due)
    std::optional<std::chrono::steady_clock::time_point> writable_at;  // AllowWrites done
    std::optional<std::chrono::steady_clock::time_point> first_garp_at;
    std::string salvage_seen;                   // the pass's AgentState::salvage_to (cleared after it)
    std::vector<StepOutcome> steps;             // every action with its outcome
    std::vector<StepTiming> timings;            // the done steps' durations
    HostAfterPass host;                         // the host after the pass (for the agent's metrics)
};

// The host's edges a pass works on: the cluster interface and the local server.
struct HostAdapters {
    std::unique_ptr<NetAdapter> net;
    std::unique_ptr<DbAdapter> db;
};
// The real ones: `self`'s cluster interface (rtnetlink, libnet) and its local server (Connector/C).
HostAdapters system_adapters(const HostConfig& self);

class Executor {
public:
    Executor(const Config& config, const HostConfig& self, Logger& log);  // on system_adapters(self)
    Executor(const Config& config, const HostConfig& self, Logger& log, HostAdapters adapters);

    const Context& context() const { return ctx_; }

    // What the host looks like now (role IPs on the interface, read_only, replication source).
    Observed observe();
    enum class Trigger { Monitor, Recheck };
    // Runs the actions in order; a failed SkipChain action cancels the rest of its chain. Actions of a re-check
    // are corrections: their log lines start with "Re-check: ".
    // Writer steps (read_only=0, the writer IP and its announcement) fail once `lease` has run out: a pass that
    // started before the end (a long catch-up) must not make the host a writer after it. Renewals accepted while the
    // pass runs count (set_live_lease_end): the end is the later of the snapshot's and the live one.
    // `writer_drops` is writer_drops() when the pass's snapshot of the state was taken: once the writer role was
    // taken away since (writer_taken_away), its writer steps fail too.
    PassResult run(const std::vector<Action>& actions, Trigger trigger, const WriterLease& lease = {},
                   std::optional<std::uint64_t> writer_drops = std::nullopt);
    // The writer role was taken away (on accepting that SET_STATUS, before any pass; the lease ran out; the host is
    // isolated): a pass that started before can no longer make this host a writer (its writer steps fail).
    void writer_taken_away() { writer_drops_.fetch_add(1, std::memory_order_acq_rel); }
    std::uint64_t writer_drops() const { return writer_drops_.load(std::memory_order_acquire); }
    // CLEAR_BAD_ROLES: deny writes for a writer IP, then remove; returns the count or the error reply.
    Result<std::size_t> clear_bad_roles(const AgentState& state);
    // GET_SYSTEM_STATUS reply text; never throws, whatever the local server does.
    std::string system_status();
    // CHECK_MASTER reply text about configured host `master` (the second opinion; grammar in agent_protocol.hpp).
    // Blocking for at most about 2 x check_master_timeout() plus the local server's short probe; safe to run beside
    // a pass (its own connections, nothing of the pass touched).
    std::string check_master(const std::string& master);
    Duration check_master_timeout() const;
    // The cluster interface is up with carrier (nullopt when it cannot be read).
    std::optional<bool> link_up() const;
    // A second gratuitous ARP burst for `ip` if it is still configured.
    bool announce_again(const std::string& ip);  // true when a burst was sent

    // The lease's end as the io thread knows it now (every accepted SET_STATUS and lease timer); read by a running
    // pass on the worker thread.
    void set_live_lease_end(std::optional<SteadyTime> end) {
        live_lease_end_.store(end ? end->time_since_epoch().count() : no_live_end, std::memory_order_relaxed);
    }

private:
    std::atomic<std::uint64_t> writer_drops_{0};
    static constexpr SteadyTime::rep no_live_end = std::numeric_limits<SteadyTime::rep>::min();
    std::atomic<SteadyTime::rep> live_lease_end_{no_live_end};
    bool lease_ran_out(const WriterLease& lease, SteadyTime now) const;
    Result<std::string> run_one(const Action& a, PassResult& out, const WriterLease& lease = {},
                                std::optional<std::uint64_t> writer_drops = std::nullopt);
    std::optional<ClusterHost> cluster_host(std::string_view name) const;
    void log_failure(const Action& a, const std::string& text);
    void log_success(const Action& a, const std::string& text, std::string_view prefix = {});

    const Config& config_;
    const HostConfig& self_;
    Logger& log_;
    Context ctx_;
    std::unique_ptr<NetAdapter> net_;
    std::unique_ptr<DbAdapter> db_;
    std::vector<ClusterHost> hosts_;
    std::map<std::string, std::string> last_failure_;  // action key -> text: a repeated failure is logged once
};

}  // namespace mmm::agent
