// The monitor's shell: inputs are queued and applied to the core one at a time; each plan is carried out in
// order before the next input (SendStatus is awaited, its result fed back at once, as the core requires).
#include "monitor/service.hpp"

#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>
#include <fmt/format.h>

#include "common/state_file.hpp"
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
bool is_read_only_command(std::string_view line) {
    const auto start = line.find_first_not_of(' ');
    if (start == std::string_view::npos) return false;
    const auto word = line.substr(start, line.find(' ', start) - start);
    return word == "show" || word == "checks" || word == "mode" || word == "ping" || word == "help";
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
      core_(std::make_unique<MonitorCore>(config_, clock_now())),
      scheduler_(io, [this](const CheckSample& s) { on_sample(s); }),
      control_(io, [this](std::string line, ControlServer::Respond respond) {
          // Read-only commands need no queueing: answered at once, even while a plan waits for an agent.
          if (draining_ && is_read_only_command(line) && !core_->command_pending()) {
              for (const auto& action : core_->on_command(line, clock_now()).actions) {
                  if (const auto* log_line = std::get_if<LogLine>(&action.body)) log_.write(log_line->level, log_line->text);
                  if (const auto* reply = std::get_if<Reply>(&action.body)) respond(reply->text);
              }
              return;
          }
          Input input;
          input.apply = [this, line] { return core_->on_command(line, clock_now()); };
          input.respond = std::move(respond);
          input.trigger = std::chrono::steady_clock::now();
          submit(std::move(input));
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
    for (auto kind : {CheckKind::Mysql, CheckKind::RepThreads, CheckKind::RepBacklog}) {
        probers_[kind] = std::make_shared<SqlProber>(kind, config_.check(kind));
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
    scheduler_.stop();
    network_->stop();
    control_.stop();
}

// ---- inputs ------------------------------------------------------------------------------------------------

void MonitorService::submit(Input input) {
    if (stopping_) {
        if (input.respond) input.respond("ERROR: The monitor is shutting down.");
        return;
    }
    if (input.trigger == std::chrono::steady_clock::time_point{}) input.trigger = std::chrono::steady_clock::now();
    inputs_.push_back(std::move(input));
    if (!draining_) {
        draining_ = true;
        asio::co_spawn(io_, drain(), supervised("input queue"));
    }
}

// A heartbeat reply is not queued behind a plan that waits for an agent or kill_host_bin: the core takes it at once
// (it decides nothing while a plan runs), so the writer's lease renewals keep flowing during a slow plan. What it
// returns beyond log lines (nothing, while a plan runs) is queued like any input.
void MonitorService::submit_or_apply_now(Input input) {
    if (!draining_ || stopping_) {
        submit(std::move(input));
        return;
    }
    Plan rest;
    for (auto& action : input.apply().actions) {
        if (const auto* line = std::get_if<LogLine>(&action.body))
            log_.write(line->level, line->text);
        else
            rest.actions.push_back(std::move(action));
    }
    if (rest.empty()) return;
    Input later;
    later.trigger = input.trigger;
    later.apply = [rest = std::move(rest)]() mutable { return std::move(rest); };
    submit(std::move(later));
}

asio::awaitable<void> MonitorService::drain() {
    auto alive = alive_;
    while (*alive && !stopping_ && !inputs_.empty()) {
        Input input = std::move(inputs_.front());
        inputs_.pop_front();
        input.queued_ms = ms_since(input.trigger);
        const auto applying = std::chrono::steady_clock::now();
        const std::string master_before = core_ ? core_->active_master() : std::string{};
        Plan plan = input.apply();
        input.core_ms = ms_since(applying);
        ++metrics_.plans;
        bool first_send_timed = false;
        const auto executing = std::chrono::steady_clock::now();
        co_await execute(std::move(plan), input, first_send_timed);
        if (!*alive) co_return;
        if (input.sends > 0) {
            log_.info("Status sent to {} agent(s) in {:.1f} ms, the first {:.2f} ms after its trigger ({})", input.sends,
                      ms_since(executing), metrics_.last_trigger_to_send_ms, input.first_send_reason);
        }
        if (core_ && core_->active_master() != master_before && !core_->active_master().empty()) {
            // The operator's one-line summary of a failover or switchover: cause to new writer told.
            log_.info("Active master moved from '{}' to '{}' in {:.1f} ms (cause to every agent told; decision "
                      "{:.1f} ms after the cause)",
                      master_before.empty() ? "(none)" : master_before, core_->active_master(),
                      ms_since(input.trigger), input.queued_ms + input.core_ms);
        }
        if (input.respond) input.respond("ERROR: The command produced no reply.");  // never left unanswered
        arm_deadline();
        arm_heartbeat();
    }
    draining_ = false;
    // Stopped: what is still queued is dropped; waiting clients get an answer.
    for (auto& left : inputs_) {
        if (left.respond) left.respond("ERROR: The monitor is shutting down.");
    }
    if (stopping_) inputs_.clear();
}

asio::awaitable<void> MonitorService::execute(Plan plan, Input& input, bool& first_send_timed) {
    auto alive = alive_;
    // The input that made this plan may have given a host the writer role: its lease renewals start now, beside the
    // plan (a new writer's catch-up can take longer than its lease), not only after the plan.
    arm_heartbeat();
    for (auto& action : plan.actions) {
        if (!*alive) co_return;
        if (auto* line = std::get_if<LogLine>(&action.body)) {
            log_.write(line->level, line->text);
        } else if (auto* beside = std::get_if<SendStatus>(&action.body); beside && beside->beside) {
            ++input.sends;
            core_->on_send_started(beside->request);
            asio::co_spawn(io_,
                           call_beside(beside->status.host, set_status_request(beside->status), AgentCall::SetStatus,
                                       beside->request),
                           supervised("old writer's status"));
        } else if (auto* send = std::get_if<SendStatus>(&action.body)) {
            const auto& s = send->status;
            ++input.sends;
            if (!first_send_timed) {
                first_send_timed = true;
                input.first_send_reason = action.reason;
                metrics_.last_trigger_to_send_ms = ms_since(input.trigger);
                log_.debug("SET_STATUS to '{}' leaves {:.2f} ms after its trigger (queued {:.2f} ms, core {:.2f} ms): {}",
                           s.host, metrics_.last_trigger_to_send_ms, input.queued_ms, input.core_ms, action.reason);
            }
            core_->on_send_started(send->request);
            const auto answer = co_await agent_call(s.host, set_status_request(s));
            co_await execute(core_->on_agent_reply(s.host, call_result(AgentCall::SetStatus, send->request, answer),
                                                   clock_now()),
                             input, first_send_timed);
        } else if (auto* clear = std::get_if<ClearBadRoles>(&action.body)) {
            const auto answer =
                co_await agent_call(clear->host, protocol::encode_request(protocol::AgentCommand::ClearBadRoles,
                                                                          clear->host));
            co_await execute(core_->on_agent_reply(clear->host,
                                                   call_result(AgentCall::ClearBadRoles, clear->request, answer),
                                                   clock_now()),
                             input, first_send_timed);
        } else if (auto* ping = std::get_if<PingAgent>(&action.body)) {
            const auto answer =
                co_await agent_call(ping->host, protocol::encode_request(protocol::AgentCommand::Ping, ping->host));
            co_await execute(
                core_->on_agent_reply(ping->host, call_result(AgentCall::Ping, ping->request, answer), clock_now()),
                input, first_send_timed);
        } else if (auto* ask = std::get_if<AskOpinion>(&action.body)) {
            std::vector<std::string> params{ask->master};
            auto request_line = protocol::encode_request(protocol::AgentCommand::CheckMaster, ask->host, params);
            asio::co_spawn(io_, call_beside(ask->host, std::move(request_line), AgentCall::CheckMaster, ask->request),
                           supervised("second opinion"));
        } else if (auto* kill = std::get_if<KillHost>(&action.body)) {
            const FenceResult fenced = co_await kill_host(*kill);
            co_await execute(core_->on_kill_result(kill->host, fenced, clock_now()), input, first_send_timed);
        } else if (std::holds_alternative<SaveStatus>(action.body)) {
            save_status(core_->status_file_text());  // the state as it is now (see SaveStatus)
        } else if (auto* reply = std::get_if<Reply>(&action.body)) {
            if (input.respond) {
                input.respond(reply->text);
                input.respond = nullptr;
            }
        }
    }
}

asio::awaitable<AgentAnswer> MonitorService::agent_call(const std::string& host, std::string request) {
    const HostConfig* h = config_.find_host(host);
    if (h == nullptr) co_return AgentAnswer{AgentAnswer::Status::Unreachable, {}, "unknown host"};
    ++metrics_.agent_calls;
    auto alive = alive_;
    auto answer = co_await call_agent(h->ip, h->agent_port, std::move(request),
                                      std::chrono::steady_clock::now() + config_.monitor.agent_timeout);
    if (!*alive) co_return answer;
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
    const auto outcome = co_await run_command(command, config_.monitor.kill_host_timeout);
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
    log_.debug("Check '{}' on '{}' took {:.1f} ms: {}", to_string(sample.kind), sample.host,
               std::chrono::duration<double, std::milli>(sample.finished - sample.started).count(), sample.text);
    Input input;
    input.trigger = sample.finished;
    input.apply = [this, sample] {
        return core_->on_check_result(sample.host, sample.kind, sample.outcome(), sample.text, clock_now());
    };
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
    const SteadyTime at = std::max(*next, std::chrono::steady_clock::now());
    deadline_timer_.expires_at(at);
    deadline_timer_.async_wait([this, alive = alive_, at](asio::error_code ec) {
        if (ec || !*alive) return;
        Input input;
        input.trigger = at;
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
    const SteadyTime at = std::max(*next, std::chrono::steady_clock::now());
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
    for (const auto& status : core_->heartbeats(clock_now()))
        asio::co_spawn(io_, call_beside(status.host, set_status_request(status), AgentCall::SetStatus, 0),
                       supervised("heartbeat"));
    arm_heartbeat();
}

// An agent call beside the plan (a heartbeat, the old writer's drop, a second opinion): never waited for; its result
// goes to the core as an input. A heartbeat's reply is applied at once even mid-plan (submit_or_apply_now).
asio::awaitable<void> MonitorService::call_beside(std::string host, std::string line, AgentCall call,
                                                  RequestId request) {
    auto alive = alive_;
    const auto answer = co_await agent_call(host, std::move(line));
    if (!*alive) co_return;
    // The reply time counts from here: taken when the core applies it (later, never earlier).
    Input input;
    input.trigger = std::chrono::steady_clock::now();
    input.apply = [this, host, call, request, answer] {
        return core_->on_agent_reply(host, call_result(call, request, answer), clock_now());
    };
    if (request == 0)
        submit_or_apply_now(std::move(input));
    else
        submit(std::move(input));
}

void MonitorService::start_loops() {
    // The initial checks just ran: each loop starts at its own offset within its period, so many hosts do not
    // probe (and connect) in one burst.
    const auto n = static_cast<long>(config_.hosts.size());
    long i = 0;
    for (const auto& host : config_.hosts) {
        for (auto kind : all_check_kinds) {
            const auto& check = config_.check(kind);
            const Duration offset{check.check_period.count() * i / std::max(1L, n)};
            scheduler_.add({host, kind, check.check_period, check.timeout, offset}, probers_.at(kind));
        }
        ++i;
    }
    network_->start();
    arm_heartbeat();
    arm_deadline();
}

void MonitorService::stop(std::function<void()> on_stopped) {
    if (!stopping_) {
        stopping_ = true;
        scheduler_.stop();
        network_->stop();
        control_.stop();
        deadline_timer_.cancel();
        heartbeat_timer_.cancel();
        if (core_->started() && core_->network_reachable()) save_status(core_->status_file_text());
    }
    if (on_stopped) asio::post(io_, std::move(on_stopped));
}

}  // namespace mmm::monitor
