// The agent's shell: the model (AgentState) lives on the io_context thread; reconcile passes, netlink, ARP and
// MySQL work run one at a time on a small worker pool and come back as completions.
#pragma once

#include <asio.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/core/model.hpp"
#include "agent/core/request_handler.hpp"
#include "agent/executor.hpp"
#include "agent/query_gate.hpp"
#include "common/config.hpp"
#include "common/log.hpp"
#include "common/throttle.hpp"

namespace mmm::agent {

class AgentService {
public:
    using ReplyFn = std::function<void(std::string result)>;

    AgentService(asio::io_context& io, const Config& config, const HostConfig& self, Logger& log);  // real host
    // On other adapters than the host's real ones (the component tests' fakes).
    AgentService(asio::io_context& io, const Config& config, const HostConfig& self, Logger& log,
                 HostAdapters adapters);
    ~AgentService();

    // Starts the periodic re-check.
    void start();
    // Stops timers and waits for the worker to finish its current step. Roles stay configured.
    void stop();

    // Reads the highest accepted epoch from the state file (agent.state_path). Error: the file exists but is
    // unreadable or malformed (the agent must not start with a forgotten epoch).
    Result<void> load_state();

    // Handles one request line; `reply` gets the result text (without the |UP: suffix), on the io thread.
    void handle_line(const std::string& line, Received received, ReplyFn reply);

    const AgentState& state() const { return state_; }
    // The agent's /metrics text (agent.http.listen); on the io thread.
    std::string metrics() const;
    // Uptime for replies: seconds since boot (/proc/uptime), as mysql-mmm.
    static double uptime();

private:
    struct Waiter {
        ReplyFn reply;
        std::shared_ptr<asio::steady_timer> timer;
        std::chrono::steady_clock::time_point received;
    };
    void request_pass(std::shared_ptr<Waiter> waiter);
    void start_pass();
    void pass_done(PassResult result, std::vector<std::shared_ptr<Waiter>> waiters);
    void schedule_recheck();
    void schedule_second_burst(const std::vector<std::string>& ips);
    void schedule_link_watch();
    void on_link_state(bool up);
    void accept_set_status(Dispatch d, ReplyFn reply);
    void log_refused(const std::string& reply);
    void persist_epoch(std::uint64_t epoch);
    void arm_lease_timer();
    void on_lease_timer();
    std::vector<std::string> writer_ips(const AgentState& state) const;  // sorted
    // Some writer IP held `before` is no longer given to this host by state_.
    bool lost_writer(const std::vector<std::string>& before) const;

    asio::io_context& io_;
    const Config& config_;
    Logger& log_;
    Executor exec_;
    // Two threads: the worker strand's pass and the link watch each keep one.
    asio::thread_pool pool_{2};
    // GET_SYSTEM_STATUS and CHECK_MASTER: one of each at a time (others wait for its answer, at most 16), on two
    // threads of their own.
    QueryGate queries_;
    asio::strand<asio::thread_pool::executor_type> work_;  // serialises everything that changes the host
    asio::steady_timer recheck_;
    asio::steady_timer link_watch_;
    asio::steady_timer lease_timer_;  // fires at the writer lease's end
    std::string state_path_;          // the highest accepted epoch
    std::set<std::string> warned_fields_;  // unknown SET_STATUS fields already logged
    // Refused SET_STATUS requests are logged at most once per 10 s; the others are counted into the next line.
    LogThrottle refused_log_{std::chrono::seconds(10), "more refused since the last such line"};
    std::optional<std::chrono::steady_clock::time_point> link_down_since_;
    AgentState state_;
    AgentStats stats_;
    bool pass_running_ = false;
    bool pass_wanted_ = false;
    std::vector<std::shared_ptr<Waiter>> next_waiters_;  // SET_STATUS requests waiting for the next pass
    std::chrono::milliseconds reply_deadline_;
    // The re-check period: agent.recheck_interval, at most 1 s on a Galera node (a node that left the Primary
    // component must give its addresses up before the majority's writer announces the same writer IP).
    Duration recheck_period_;
    bool stopped_ = false;
};

}  // namespace mmm::agent
