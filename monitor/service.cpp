// The monitor's shell: inputs are applied to the core as they come, one at a time on the io_context; plans are carried
// out by one PlanRunner (ordered steps one at a time, each step's result fed back to the core at once).
#include "monitor/service.hpp"

#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/post.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>
#include <fmt/format.h>

#include "common/state_file.hpp"
#include "common/text.hpp"
#include "monitor/asio_support.hpp"
#include "monitor/checks/icmp_pinger.hpp"
#include "monitor/checks/ping_prober.hpp"
#include "monitor/checks/sql_prober.hpp"
#include "monitor/kill_host.hpp"
#include "monitor/supervisor.hpp"

namespace mmm::monitor {

namespace {
double ms_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}
AgentCallResult call_result(AgentCall call, RequestId request, const AgentAnswer& answer) {
    AgentCallResult r;
    r.call = call;
    r.request = request;
    r.result = answer.answered()                                 ? AgentResult::Ok
               : answer.status == AgentAnswer::Status::NoAnswer ? AgentResult::NoReply
                                                                : AgentResult::Unreachable;
    r.uptime = answer.reply.uptime;
    if (answer.answered()) r.message = answer.reply.result;
    return r;
}
}  // namespace

MonitorService::MonitorService(asio::io_context& io, Logger& log, Config config, PingMethod ping)
    : io_(io),
      log_(log),
      config_(std::move(config)),
      elected_signal_(io, asio::steady_timer::time_point::max()),
      core_(std::make_unique<MonitorCore>(config_, clock_now())),
      scheduler_(io, [this](const CheckSample& s) { on_sample(s); }),
      control_(io, [this](std::string line, ControlPeer peer, ControlServer::Respond respond) {
          // Asked here only when it changes something: a plaintext client's identity is looked up at its first
          // changing command.
          if (is_read_only_command(line)) {
              command(std::move(line), {}, true, std::move(respond));
              return;
          }
          const auto& sender = peer.identity();
          command(std::move(line), sender.who, sender.may_change, std::move(respond));
      }),
      deadline_timer_(io),
      heartbeat_timer_(io),
      kill_host_bin_(resolve_kill_host_bin(config_.monitor)) {
    IpPinger* icmp = nullptr;
    if (ping == PingMethod::Auto) {
        try {
            pinger_ = std::make_unique<IcmpPinger>(io);
            icmp = pinger_.get();
        } catch (const std::system_error& e) {
            log_.warn("Cannot open a raw ICMP socket ({}): the ping check falls back to a TCP connect to the agent "
                      "port, the network check to a TCP connect to port 7 of ping_ips. Run as root or grant "
                      "CAP_NET_RAW for ICMP.", e.what());
        }
    }
    if (!pinger_) pinger_ = std::make_unique<TcpPinger>(7);
    probers_[CheckKind::Ping] = std::make_shared<PingProber>(icmp);
    for (auto kind : {CheckKind::Mysql, CheckKind::RepThreads, CheckKind::RepBacklog, CheckKind::Wsrep}) {
        auto prober = std::make_shared<SqlProber>(kind, config_.check(kind));
        if (kind == CheckKind::RepThreads)
            prober->on_gtid_state([this](const std::string& host, std::optional<GtidState> state, SteadyTime read_at) {
                on_gtid_state(host, std::move(state), read_at);
            });
        if (kind == CheckKind::Mysql)
            prober->on_read_only([this](const std::string& host, std::optional<bool> read_only) {
                stats_.hosts[host].read_only = read_only;
            });
        if (kind == CheckKind::RepBacklog)
            prober->on_lag([this](const std::string& host, std::optional<double> seconds) {
                stats_.hosts[host].lag_seconds = seconds;
            });
        if (kind == CheckKind::RepThreads)
            prober->on_replication([this](const std::string& host, const Result<std::optional<ReplicaSource>>& read) {
                stats_.replica_status_read(host, read, config_.hosts);
            });
        if (kind == CheckKind::RepThreads)
            prober->on_semisync([this](const std::string& host, std::optional<SemiSyncStatus> status) {
                on_semisync(host, status);
            });
        probers_[kind] = std::move(prober);
    }
    network_ = std::make_unique<NetworkCheck>(io, *pinger_, config_.monitor.ping_ips, config_.monitor.ping_interval,
                                              [this](bool reachable) { on_network_round(reachable); });
    if (!config_.monitor.kill_host_bin.empty()) {
        if (::access(kill_host_bin_.c_str(), F_OK) != 0) {
            log_.warn("No binary found for killing hosts ({}).", kill_host_bin_);
            kill_host_bin_.clear();
        } else if (::access(kill_host_bin_.c_str(), X_OK) != 0) {
            log_.warn("Binary for killing hosts ({}) is not executable.", kill_host_bin_);
            kill_host_bin_.clear();
        }
    }
}

MonitorService::~MonitorService() {
    *alive_ = false;
    if (http_) http_->stop();
    scheduler_.stop();
    network_->stop();
    control_.stop();
}

// ---- inputs ------------------------------------------------------------------------------------------------

void MonitorService::command(std::string line, const std::string& who, bool may_change,
                             ControlServer::Respond respond) {
    if (coordinator_ && !election_) {
        forward(std::move(line), std::move(respond));
        return;
    }
    const bool read_only = is_read_only_command(line);
    if (!read_only && paused()) {
        respond(fmt::format("ERROR: This monitor leads, but etcd has not renewed its lease for {:.1f} s: it decides "
                            "nothing until etcd answers ({}). Try again later.",
                            coordinator_->paused_seconds().value_or(0), coordinator_->last_error()));
        return;
    }
    if (!read_only) {
        if (!may_change) {
            if (const auto suffix = refused_commands_.suffix(std::chrono::steady_clock::now()))
                log_.warn("Refused command '{}' from {}: not root or the monitor's user on a plaintext control "
                          "port{}",
                          printable(line), who, *suffix);
            respond("ERROR: Only root or the monitor's user may change the cluster over the plaintext control "
                    "port (socket.type tls authenticates other users by certificate)");
            return;
        }
        // Who changed what: every other command is logged with its sender before it runs.
        audit(LogLevel::Info, fmt::format("Command '{}' from {}", printable(line), who));
    }
    // Read-only commands need no queueing: answered at once, even while a plan waits for an agent.
    if (read_only && !core_->command_pending() && commands_.empty()) {
        for (const auto& action : core_->on_command(line, clock_now()).actions) {
            if (const auto* log_line = std::get_if<LogLine>(&action.body)) audit(log_line->level, log_line->text);
            if (const auto* reply = std::get_if<Reply>(&action.body))
                respond(coordinator_ && line == "show" ? leader_line() + reply->text : reply->text);
        }
        return;
    }
    Input input;
    input.apply = [this, line] { return core_->on_command(line, clock_now()); };
    input.respond = std::move(respond);
    input.command = true;
    input.trigger = std::chrono::steady_clock::now();
    submit(std::move(input));
}

void MonitorService::audit(LogLevel level, const std::string& text) {
    log_.write(level, text);
    if (level < LogLevel::Info) return;  // debug lines stay in the log file
    constexpr std::size_t audit_capacity = 2000;
    audit_.push_back({++audit_seq_, std::chrono::system_clock::now(), level, text});
    while (audit_.size() > audit_capacity) audit_.pop_front();
}

nlohmann::json MonitorService::audit_json(std::uint64_t since) const {
    nlohmann::json lines = nlohmann::json::array();
    for (const auto& l : audit_) {
        if (l.seq <= since) continue;
        lines.push_back({{"seq", l.seq},
                         {"time", std::chrono::duration<double>(l.at.time_since_epoch()).count()},
                         {"level", std::string(to_string(l.level))},
                         {"text", valid_utf8(l.text)}});
    }
    return {{"last_seq", audit_seq_}, {"lines", lines}};
}

Result<void> MonitorService::start_http() {
    if (config_.monitor.http.listen.empty()) return {};
    HttpApi api;
    api.metrics = [this] {
        note_coordination();
        return render_metrics(core_->status_view(), stats_, std::chrono::system_clock::now());
    };
    api.status = [this] {
        note_coordination();
        return status_json(core_->status_view(), stats_);
    };
    api.why = [this] { return why_json(core_->status_view()); };
    api.audit = [this](std::uint64_t since) { return audit_json(since); };
    api.not_ready = [this]() -> std::optional<std::string> {
        if (stopping_) return "the monitor is stopping";
        if (!network_reachable_) return "waiting for the network (ping_ips)";
        if (coordinator_ && !election_) {
            const auto leader = coordinator_->leader();
            return leader ? fmt::format("this monitor follows: {}:{} leads", leader->ip, leader->port)
                          : std::string("this monitor follows: no monitor leads at the moment");
        }
        if (!core_->started()) return "the start-up checks have not finished";
        if (!core_->network_reachable()) return "the monitor's network check fails (ping_ips)";
        return std::nullopt;
    };
    api.command = [this](std::string line, std::string who, std::function<void(std::string)> respond) {
        command(std::move(line), who, true, std::move(respond));
    };
    http_ = std::make_unique<HttpEndpoint>(io_, log_, config_.monitor.http, std::move(api));
    return http_->start();
}

// Every input reaches the core from the io_context's queue, never from inside a socket handler or a plan's step.
void MonitorService::submit(Input input) {
    if (stopping_) {
        if (input.respond) input.respond("ERROR: The monitor is shutting down.");
        return;
    }
    if (input.trigger == std::chrono::steady_clock::time_point{}) input.trigger = std::chrono::steady_clock::now();
    asio::post(io_, [this, alive = alive_, input = std::move(input)]() mutable {
        if (*alive) take(std::move(input));
    });
}

// Inputs are applied at once, also while a plan's step waits for an agent or kill_host_bin (the core records them and
// decides when its plan is done), so a hung agent delays only its own step. A command that changes something waits
// until the plan is done, and until the command before it was answered.
void MonitorService::take(Input input) {
    if (stopping_) {
        if (input.respond) input.respond("ERROR: The monitor is shutting down.");
        return;
    }
    if (input.observation && paused()) {
        // A leader whose etcd lease is uncertain decides nothing: the observation is dropped (the next one counts),
        // a deadline is looked at again shortly.
        arm_deadline();
        return;
    }
    if (input.command && (!runner_.idle() || core_->command_pending() || !commands_.empty())) {
        commands_.push_back(std::move(input));
        return;
    }
    apply(std::move(input));
}

void MonitorService::apply(Input input) {
    if (runner_.idle()) {  // a new episode of plans starts: its cause and what it leads to, for the log
        episode_ = Episode{};
        episode_.trigger = input.trigger;
        episode_.master_before = core_->active_master();
        episode_.queued_ms = ms_since(input.trigger);
    }
    const auto applying = std::chrono::steady_clock::now();
    Plan plan = input.apply();
    if (episode_.core_ms < 0) episode_.core_ms = ms_since(applying);
    ++metrics_.plans;
    if (input.respond) command_respond_ = std::move(input.respond);
    runner_.add(std::move(plan));
    pump();
}

// Carries out what the runner hands out; a step's I/O is started here and reports back through step_done.
void MonitorService::pump() {
    if (pumping_) return;  // a step finished while carrying out: the loop below picks up its follow-up
    pumping_ = true;
    while (!stopping_) {
        auto action = runner_.next();
        if (!action) break;
        carry_out(std::move(*action));
    }
    pumping_ = false;
    // The input that made this plan may have given a host the writer role: its lease renewals start now, beside the
    // plan (a new writer's catch-up can take longer than its lease), not only after the plan.
    arm_heartbeat();
    if (!runner_.idle()) return;
    end_episode();
    arm_deadline();
    if (!commands_.empty() && !core_->command_pending() && !stopping_) {
        Input next = std::move(commands_.front());
        commands_.pop_front();
        asio::post(io_, [this, alive = alive_, next = std::move(next)]() mutable {
            if (*alive) take(std::move(next));
        });
    }
}

void MonitorService::end_episode() {
    if (episode_.sends > 0) {
        log_.info("Status sent to {} agent(s) in {:.1f} ms, the first {:.2f} ms after its trigger ({})", episode_.sends,
                  ms_since(episode_.first_send), metrics_.last_trigger_to_send_ms, episode_.first_send_reason);
    }
    if (core_->active_master() != episode_.master_before && !core_->active_master().empty()) {
        // The operator's one-line summary of a failover or switchover: cause to new writer told.
        log_.info("Active master moved from '{}' to '{}' in {:.1f} ms (cause to every agent told; decision "
                  "{:.1f} ms after the cause)",
                  episode_.master_before.empty() ? "(none)" : episode_.master_before, core_->active_master(),
                  ms_since(episode_.trigger), episode_.queued_ms + std::max(0.0, episode_.core_ms));
    }
    episode_ = Episode{};
    episode_.master_before = core_->active_master();
    if (command_respond_ && !core_->command_pending()) {
        command_respond_("ERROR: The command produced no reply.");  // never left unanswered
        command_respond_ = nullptr;
    }
}

void MonitorService::carry_out(Action action) {
    if (auto* line = std::get_if<LogLine>(&action.body)) {
        audit(line->level, line->text);
    } else if (auto* send = std::get_if<SendStatus>(&action.body)) {
        const auto& s = send->status;
        if (++episode_.sends == 1) {
            episode_.first_send = std::chrono::steady_clock::now();
            episode_.first_send_reason = action.reason;
            metrics_.last_trigger_to_send_ms = ms_since(episode_.trigger);
            log_.debug("SET_STATUS to '{}' leaves {:.2f} ms after its trigger (queued {:.2f} ms, core {:.2f} ms): {}",
                       s.host, metrics_.last_trigger_to_send_ms, episode_.queued_ms, episode_.core_ms, action.reason);
        }
        core_->on_send_started(send->request);
        if (send->beside)
            asio::co_spawn(io_, call_beside(s.host, set_status_request(s), AgentCall::SetStatus, send->request),
                           supervised("old writer's status"));
        else
            asio::co_spawn(io_, step_call(s.host, set_status_request(s), AgentCall::SetStatus, send->request),
                           supervised("plan step"));
    } else if (auto* clear = std::get_if<ClearBadRoles>(&action.body)) {
        asio::co_spawn(io_,
                       step_call(clear->host, protocol::encode_request(protocol::AgentCommand::ClearBadRoles, clear->host),
                                 AgentCall::ClearBadRoles, clear->request),
                       supervised("plan step"));
    } else if (auto* ping = std::get_if<PingAgent>(&action.body)) {
        asio::co_spawn(io_,
                       step_call(ping->host, protocol::encode_request(protocol::AgentCommand::Ping, ping->host),
                                 AgentCall::Ping, ping->request),
                       supervised("plan step"));
    } else if (auto* ask = std::get_if<AskOpinion>(&action.body)) {
        std::vector<std::string> params{ask->master};
        auto request_line = protocol::encode_request(protocol::AgentCommand::CheckMaster, ask->host, params);
        asio::co_spawn(io_, call_beside(ask->host, std::move(request_line), AgentCall::CheckMaster, ask->request),
                       supervised("second opinion"));
    } else if (auto* kill = std::get_if<KillHost>(&action.body)) {
        asio::co_spawn(io_, kill_step(*kill), supervised("kill_host_bin"));
    } else if (std::holds_alternative<SaveStatus>(action.body)) {
        const auto text = core_->status_file_text();  // the state as it is now (see SaveStatus)
        save_status(text);
        if (coordinator_ && election_) coordinator_->save(text);
    } else if (auto* reply = std::get_if<Reply>(&action.body)) {
        if (command_respond_) {
            command_respond_(reply->text);
            command_respond_ = nullptr;
        }
    }
}

// One ordered step of a plan: the agent call, then its result to the core, whose answer goes before the plan's rest.
asio::awaitable<void> MonitorService::step_call(std::string host, std::string line, AgentCall call, RequestId request) {
    auto alive = alive_;
    const auto answer = co_await agent_call(host, std::move(line));
    if (!*alive) co_return;
    runner_.step_done(core_->on_agent_reply(host, call_result(call, request, answer), clock_now()));
    pump();
}

asio::awaitable<void> MonitorService::kill_step(KillHost kill) {
    auto alive = alive_;
    const FenceResult fenced = co_await kill_host(kill);
    if (!*alive) co_return;
    runner_.step_done(core_->on_kill_result(kill.host, fenced, clock_now()));
    pump();
}

asio::awaitable<AgentAnswer> MonitorService::agent_call(const std::string& host, std::string request,
                                                        Duration connect_within) {
    const HostConfig* h = config_.find_host(host);
    if (h == nullptr) co_return AgentAnswer{AgentAnswer::Status::Unreachable, {}, "unknown host"};
    // Several monitors: only the leader talks to agents, and only while its etcd lease is certainly alive. A call
    // waits while the lease is uncertain (the plan stalls: nothing is decided on an answer that was never asked
    // for); it ends unanswered when leadership ends (the service stops).
    if (coordinator_ && !coordinator_->leading()) {
        auto alive = alive_;
        asio::steady_timer pause(io_);
        while (*alive && !stopping_ && election_ && !coordinator_->leading()) {
            pause.expires_after(std::chrono::milliseconds(20));
            co_await pause.async_wait(nothrow);
        }
        if (!*alive || stopping_ || !election_)
            co_return AgentAnswer{AgentAnswer::Status::Unreachable, {}, "this monitor does not lead"};
    }
    ++metrics_.agent_calls;
    auto alive = alive_;
    const auto start = std::chrono::steady_clock::now();
    std::optional<SteadyTime> connect_by;
    if (connect_within > Duration::zero()) connect_by = start + connect_within;
    std::optional<AgentTls> tls;
    if (agent_tls_) tls = AgentTls{agent_tls_, {h->name, h->ip}};
    auto answer = co_await call_agent(h->ip, h->agent_port, std::move(request), start + config_.monitor.agent_timeout,
                                      connect_by, std::move(tls));
    if (!*alive) co_return answer;
    if (answer.answered()) stats_.hosts[host].agent_contact = std::chrono::system_clock::now();
    if (coordinator_ && answer.answered() && answer.reply.result.starts_with("ERROR: Stale epoch "))
        abdicate(fmt::format("the agent on '{}' answered '{}'", host, answer.reply.result));
    if (answer.status == AgentAnswer::Status::NoAnswer) {
        log_.warn("Received undefined answer from host {}. $!: {}", host, answer.error);
    } else if (answer.answered() && !answer.reply.uptime) {
        log_.warn("Received bad answer '{}' from host {}. $!: ", answer.reply.result, host);
    }
    co_return answer;
}

asio::awaitable<FenceResult> MonitorService::kill_host(const KillHost& kill) {
    if (kill_host_bin_.empty()) {
        log_.fatal("Could not kill host '{}' - there may be some duplicate ips now! (There's no binary configured "
                   "for killing hosts.)", kill.host);
        co_return FenceResult::Failed;
    }
    const auto command = kill_host_command(kill_host_bin_, kill.host, kill.ping_ok);
    log_.info("Killing host using command '{}'", command);
    const auto started = std::chrono::steady_clock::now();
    const auto outcome =
        co_await run_command(kill_host_argv(kill_host_bin_, kill.host, kill.ping_ok), config_.monitor.kill_host_timeout);
    if (outcome.started && !outcome.timed_out && outcome.exit_code == 0) {
        if (!outcome.output.empty()) log_.info("Output of kill host command was: {}", outcome.output);
        log_.info("kill_host_bin for '{}' finished in {:.0f} ms", kill.host, ms_since(started));
        co_return FenceResult::Fenced;
    }
    const std::string why = outcome.timed_out ? fmt::format("{} (killed after {} s)", outcome.exit_code,
                                                            format_duration(config_.monitor.kill_host_timeout))
                                              : std::to_string(outcome.exit_code);
    log_.fatal("Could not kill host '{}' - there may be some duplicate ips now! kill_host binary exited with '{}'. "
               "Output was: {} ", kill.host, why, outcome.output);
    co_return FenceResult::Failed;
}

void MonitorService::save_status(const std::string& contents) {
    if (auto r = write_state_file(config_.monitor.status_path, contents); !r) {
        log_.fatal("Can't savely overwrite status file '{}'! {}", config_.monitor.status_path, r.error().message);
    }
}

// ---- loops -------------------------------------------------------------------------------------------------

void MonitorService::on_sample(const CheckSample& sample) {
    ++metrics_.samples;
    if (sample.started != std::chrono::steady_clock::time_point{})
        stats_.check_durations[static_cast<std::size_t>(sample.kind)].add(
            std::chrono::duration<double>(sample.finished - sample.started).count());
    log_.debug("Check '{}' on '{}' took {:.1f} ms: {}", to_string(sample.kind), sample.host,
               std::chrono::duration<double, std::milli>(sample.finished - sample.started).count(), sample.text);
    Input input;
    input.trigger = sample.finished;
    input.observation = true;
    input.apply = [this, sample] {
        return core_->on_check_result(sample.host, sample.kind, sample.outcome(), sample.text, clock_now());
    };
    submit(std::move(input));
}

void MonitorService::on_gtid_state(const std::string& host, std::optional<GtidState> state, SteadyTime read_at) {
    Input input;
    input.trigger = std::chrono::steady_clock::now();
    input.observation = true;
    input.apply = [this, host, state = std::move(state), read_at] {
        return core_->on_gtid_state(host, state, read_at, clock_now());
    };
    submit(std::move(input));
}

void MonitorService::on_semisync(const std::string& host, std::optional<SemiSyncStatus> status) {
    Input input;
    input.trigger = std::chrono::steady_clock::now();
    input.observation = true;
    input.apply = [this, host, status] { return core_->on_semisync(host, status, clock_now()); };
    submit(std::move(input));
}

void MonitorService::on_network_round(bool reachable) {
    if (network_reachable_ == reachable) return;
    network_reachable_ = reachable;
    // Checks pause at once; states freeze in the core when it applies the input.
    scheduler_.set_paused(!reachable);
    Input input;
    input.trigger = std::chrono::steady_clock::now();
    input.apply = [this, reachable] {
        return core_->on_network(reachable ? Network::Reachable : Network::Unreachable, clock_now());
    };
    submit(std::move(input));
}

void MonitorService::arm_deadline() {
    if (stopping_ || !core_->started()) return;
    const auto next = core_->next_deadline();
    if (!next) {
        deadline_timer_.cancel();
        return;
    }
    // The core's deadlines are steady time, the timer's own clock; a deadline already past fires at once.
    SteadyTime at = std::max(*next, std::chrono::steady_clock::now());
    if (paused()) at = std::max(at, std::chrono::steady_clock::now() + std::chrono::milliseconds(50));
    deadline_timer_.expires_at(at);
    deadline_timer_.async_wait([this, alive = alive_, at](asio::error_code ec) {
        if (ec || !*alive) return;
        Input input;
        input.trigger = at;
        input.observation = true;
        input.apply = [this] { return core_->on_timer(clock_now()); };
        submit(std::move(input));
    });
}

void MonitorService::arm_heartbeat() {
    if (stopping_ || !core_->started()) return;
    const auto next = core_->next_heartbeat();
    if (!next) {
        heartbeat_timer_.cancel();
        heartbeat_at_ = {};
        return;
    }
    // The core says when a heartbeat is due (the active master's lease renewals more often than status_interval).
    SteadyTime at = std::max(*next, std::chrono::steady_clock::now());
    // A leader whose etcd lease is uncertain sends no heartbeat (a queued one could arrive after a newer status):
    // it looks again shortly.
    if (paused())
        at = std::max(at, std::chrono::steady_clock::now() + std::chrono::milliseconds(50));
    if (heartbeat_at_ == at) return;  // already waiting for exactly this
    heartbeat_at_ = at;
    heartbeat_timer_.expires_at(at);
    heartbeat_timer_.async_wait([this, alive = alive_](asio::error_code ec) {
        if (ec || !*alive || stopping_) return;
        heartbeat_at_ = {};
        send_heartbeats();
    });
}

void MonitorService::send_heartbeats() {
    if (paused()) {
        arm_heartbeat();
        return;
    }
    for (const auto& status : core_->heartbeats(clock_now())) {
        // A lease renewal not connected by the next one is given up (the core counts it as never sent, so an
        // unreachable writer's lease end is known then, not only after agent_timeout).
        const auto connect_within =
            status.lease ? std::min(config_.writer_lease_renewal(), config_.monitor.agent_timeout) : Duration::zero();
        asio::co_spawn(io_,
                       call_beside(status.host, set_status_request(status), AgentCall::SetStatus, 0, connect_within),
                       supervised("heartbeat"));
    }
    arm_heartbeat();
}

// An agent call beside the plan (a heartbeat, the old writer's drop, a second opinion): never waited for; its result
// goes to the core as an input (taken at once, also while a plan's step is awaited).
asio::awaitable<void> MonitorService::call_beside(std::string host, std::string line, AgentCall call,
                                                  RequestId request, Duration connect_within) {
    auto alive = alive_;
    const auto answer = co_await agent_call(host, std::move(line), connect_within);
    if (!*alive) co_return;
    // The reply time counts from here: taken when the core applies it (later, never earlier).
    Input input;
    input.trigger = std::chrono::steady_clock::now();
    input.apply = [this, host, call, request, answer] {
        return core_->on_agent_reply(host, call_result(call, request, answer), clock_now());
    };
    submit(std::move(input));
}

void MonitorService::start_loops() {
    if (!coordinator_) start_check_loops();  // a follower started them already
    arm_heartbeat();
    arm_deadline();
}

void MonitorService::start_check_loops() {
    // The initial checks just ran: each loop starts at its own offset within its period, so many hosts do not
    // probe (and connect) in one burst.
    const auto n = static_cast<long>(config_.hosts.size());
    long i = 0;
    for (const auto& host : config_.hosts) {
        for (auto kind : all_check_kinds) {
            if (!check_applies(host.mode, kind)) continue;
            const auto& check = config_.check(kind);
            const Duration offset{check.check_period.count() * i / std::max(1L, n)};
            scheduler_.add({host, kind, check.check_period, check.timeout, offset}, probers_.at(kind));
        }
        ++i;
    }
    network_->start();
}

void MonitorService::stop(std::function<void()> on_stopped) {
    if (!stopping_) {
        stopping_ = true;
        scheduler_.stop();
        network_->stop();
        control_.stop();
        if (http_) http_->stop();
        // A stopped service is kept until the process ends (a reload starts a new one beside it): its raw ICMP
        // socket is closed now, or each reload leaked it (issue 12 item 15).
        pinger_->close();
        deadline_timer_.cancel();
        heartbeat_timer_.cancel();
        elected_signal_.cancel();
        // Waiting clients get an answer; what is queued is dropped.
        for (auto& waiting : commands_)
            if (waiting.respond) waiting.respond("ERROR: The monitor is shutting down.");
        commands_.clear();
        if (command_respond_) command_respond_("ERROR: The monitor is shutting down.");
        command_respond_ = nullptr;
        if (core_->started() && core_->network_reachable()) save_status(core_->status_file_text());
    }
    if (on_stopped) asio::post(io_, std::move(on_stopped));
}

}  // namespace mmm::monitor
