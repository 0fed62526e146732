// MonitorService: the monitor's shell. Runs the checks, feeds MonitorCore, carries out its plans and serves
// mmm_control, all on one io_context thread.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "common/config.hpp"
#include "common/log.hpp"
#include "monitor/agent_client.hpp"
#include "monitor/checks/check_scheduler.hpp"
#include "monitor/checks/network_check.hpp"
#include "monitor/coordinator.hpp"
#include "monitor/control_server.hpp"
#include "monitor/core/observe.hpp"
#include "monitor/http_endpoint.hpp"
#include "monitor/core/master_sanity.hpp"
#include "monitor/core/monitor_core.hpp"
#include "monitor/core/plan_runner.hpp"

namespace mmm::monitor {

// Both clocks at once, as the core takes them: steady for its durations, wall for what it shows.
inline Instant clock_now() { return {std::chrono::steady_clock::now(), std::chrono::system_clock::now()}; }

// Numbers for benchmarks and the log (steady-clock based).
struct ServiceMetrics {
    std::uint64_t samples = 0;
    std::uint64_t plans = 0;
    std::uint64_t agent_calls = 0;
    double last_trigger_to_send_ms = -1;  // latest: trigger (timer deadline / sample arrival) -> first SET_STATUS
};

class MonitorService {
public:
    enum class PingMethod { Auto, Tcp };  // Tcp: never try the raw ICMP socket (tests)

    MonitorService(asio::io_context& io, Logger& log, Config config, PingMethod ping = PingMethod::Auto);
    ~MonitorService();
    MonitorService(const MonitorService&) = delete;
    MonitorService& operator=(const MonitorService&) = delete;

    // Starts the start-up sequence (network wait, initial checks, status file, agent reports), then the loops
    // and the control listener. `on_started(error)` is called once: empty error = listening.
    void start(std::function<void(std::string error)> on_started = {});
    // Stops every loop, saves the status file, closes the listener; `on_stopped` runs when done.
    void stop(std::function<void()> on_stopped = {});

    // monitor.coordination.type etcd (issue 14): the election's client, owned by the daemon. Set before start(). Until
    // lead() the service is a follower: it runs its checks (so it is warm), sends nothing to agents and passes
    // control commands to the leader.
    void use_coordinator(Coordinator* coordinator) { coordinator_ = coordinator; }
    // This monitor won the election: the start-up goes on from the state stored in etcd.
    void lead(Election election);
    bool leader() const { return election_.has_value(); }
    bool stopping() const { return stopping_; }

    const MonitorCore& core() const { return *core_; }
    const Config& config() const { return config_; }
    const ServiceMetrics& metrics() const { return metrics_; }
    std::uint16_t control_port() const { return control_.port(); }
    std::uint16_t http_port() const { return http_ ? http_->port() : 0; }
    // socket.type tls: the certificate files read again (renewed certificates without a restart); on an error the
    // running ones stay.
    Result<void> reload_tls();

private:
    struct Input {
        std::function<Plan()> apply;                            // calls one core input
        ControlServer::Respond respond;                         // set for control commands
        bool command = false;                                   // a control command that may change something
        bool observation = false;  // a check result or a core deadline: dropped while paused() (see take())
        std::chrono::steady_clock::time_point trigger{};        // when the cause happened
    };
    // From an idle runner to the next: the input that started it and what its plans did, for the log.
    struct Episode {
        std::chrono::steady_clock::time_point trigger{};
        std::string master_before;
        double queued_ms = 0;   // trigger -> applied
        double core_ms = -1;    // time spent in the first core call
        int sends = 0;          // SET_STATUS calls made
        std::chrono::steady_clock::time_point first_send{};
        std::string first_send_reason;
    };
    // A control command from `who` (the control port or HTTP), refused when `may_change` is false and it changes
    // something; `respond` gets the reply.
    void command(std::string line, const std::string& who, bool may_change, ControlServer::Respond respond);
    void submit(Input input);
    // An audit line: to the log, and to the ring /api/audit serves.
    void audit(LogLevel level, const std::string& text);
    Result<void> start_http();
    nlohmann::json audit_json(std::uint64_t since) const;
    void take(Input input);
    void apply(Input input);
    void pump();
    void carry_out(Action action);
    void end_episode();
    asio::awaitable<void> step_call(std::string host, std::string line, AgentCall call, RequestId request);
    asio::awaitable<void> kill_step(KillHost kill);
    asio::awaitable<void> call_beside(std::string host, std::string line, AgentCall call, RequestId request,
                                      Duration connect_within = Duration::zero());
    // connect_within: give up connecting after this (zero: the whole agent_timeout).
    asio::awaitable<AgentAnswer> agent_call(const std::string& host, std::string request,
                                            Duration connect_within = Duration::zero());
    asio::awaitable<FenceResult> kill_host(const KillHost& kill);
    void save_status(const std::string& contents);
    // A follower's control command: sent to the leader, its reply returned.
    void forward(std::string line, ControlServer::Respond respond);
    // stats_.coordination from the coordinator (for /metrics and /api/status).
    void note_coordination();
    // The line `show` starts with when several monitors coordinate.
    std::string leader_line() const;
    // Leading, but the etcd lease is not certainly alive: no decision, nothing sent (see Coordinator).
    bool paused() const { return coordinator_ && election_ && !coordinator_->leading(); }
    // Gives up leadership (the coordinator posts `lost`, and the daemon restarts this service as a follower).
    void abdicate(const std::string& why);

    asio::awaitable<void> startup(std::function<void(std::string)> on_started);
    // socket.type tls: the contexts of the agent calls and of the control port (an error: the monitor stops).
    Result<void> secure_channels();
    Result<void> load_tls();
    bool may_command(X509* cert) const;
    asio::awaitable<void> initial_checks();
    asio::awaitable<StartupReport> startup_report(const HostConfig& host);
    void start_master_master_check();  // service_sanity.cpp: runs beside the rest of the start-up
    asio::awaitable<void> master_master_check(std::vector<MasterObservation> masters);
    asio::awaitable<void> galera_settings_check();  // instead of it when the writer's hosts are Galera nodes
    void start_loops();
    void start_check_loops();  // the checks and the network check (a follower runs them too)
    void on_sample(const CheckSample& sample);
    void on_gtid_state(const std::string& host, std::optional<GtidState> state, SteadyTime read_at);  // rep_threads
    void on_semisync(const std::string& host, std::optional<SemiSyncStatus> status);  // read it (MariaDB)
    void on_network_round(bool reachable);
    void arm_deadline();
    void arm_heartbeat();
    void send_heartbeats();

    asio::io_context& io_;
    Logger& log_;
    Config config_;
    Coordinator* coordinator_ = nullptr;
    std::optional<Election> election_;
    asio::steady_timer elected_signal_;  // cancelled by lead()
    std::unique_ptr<IpPinger> pinger_;
    std::unique_ptr<MonitorCore> core_;
    std::map<CheckKind, std::shared_ptr<Prober>> probers_;
    CheckScheduler scheduler_;
    std::unique_ptr<NetworkCheck> network_;
    ControlServer control_;
    asio::steady_timer deadline_timer_;
    asio::steady_timer heartbeat_timer_;
    PlanRunner runner_;
    bool pumping_ = false;
    Episode episode_;
    std::deque<Input> commands_;                // commands waiting for the plan or the command before them
    ControlServer::Respond command_respond_;    // the command whose plans are being carried out
    bool stopping_ = false;
    std::optional<bool> network_reachable_;
    SteadyTime heartbeat_at_{};  // when the heartbeat timer fires ({} = not armed)
    std::string kill_host_bin_;
    tls::ContextPtr agent_tls_;
    LogThrottle refused_commands_{std::chrono::seconds(10)};  // commands refused to a plaintext client  // socket.type tls: the context of the monitor's calls to agents
    ServiceMetrics metrics_;
    ServiceStats stats_;  // /metrics and /api/status: check durations, read_only, lag, agent contacts
    struct AuditLine {
        std::uint64_t seq = 0;
        WallTime at{};
        LogLevel level = LogLevel::Info;
        std::string text;
    };
    std::deque<AuditLine> audit_;  // the last audit_capacity lines
    std::uint64_t audit_seq_ = 0;
    std::unique_ptr<HttpEndpoint> http_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace mmm::monitor
