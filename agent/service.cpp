// The agent's shell: request handling, reconcile passes on the worker strand, re-check and GARP timers.
#include "agent/service.hpp"

#include <algorithm>
#include <fstream>

#include "common/state_file.hpp"
#include "common/text.hpp"

#include "agent/core/epoch.hpp"
#include "agent/core/reconcile.hpp"
#include "agent/core/request_handler.hpp"
#include "agent/core/set_status.hpp"

namespace mmm::agent {

namespace {
// The answer to a SET_STATUS whose pass is still running (the monitor counts it as delivered, not as applied).
constexpr std::string_view still_applying = "OK: Status accepted; still applying it";
}  // namespace


namespace {

using Clock = std::chrono::steady_clock;

long long ms_between(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count();
}

// Runs `work` (blocking, returns the reply text) on `ex` and replies with its text on the io thread.
template <class Ex, class Work>
void answer_on(Ex& ex, asio::io_context& io, AgentService::ReplyFn reply, Work work) {
    asio::post(ex, [&io, reply = std::move(reply), work = std::move(work)]() mutable {
        auto text = work();
        asio::post(io, [reply = std::move(reply), text = std::move(text)]() mutable { reply(std::move(text)); });
    });
}

}  // namespace

AgentService::AgentService(asio::io_context& io, const Config& config, const HostConfig& self, Logger& log)
    : AgentService(io, config, self, log, system_adapters(self)) {}

AgentService::AgentService(asio::io_context& io, const Config& config, const HostConfig& self, Logger& log,
                           HostAdapters adapters)
    : io_(io),
      config_(config),
      log_(log),
      exec_(config, self, log, std::move(adapters)),
      queries_(io, 2, 16),
      work_(asio::make_strand(pool_.get_executor())),
      recheck_(io),
      link_watch_(io),
      lease_timer_(io),
      state_path_(epoch_file_path(config.agent.state_path, config.agent.pid_path)),
      // Answer SET_STATUS before the monitor gives up on us, even when a catch-up is still running.
      reply_deadline_(std::max(config.monitor.agent_timeout * 3 / 4, Duration{200})),
      recheck_period_(recheck_period(config.agent.recheck_interval, self.mode)) {
    for (const auto& r : exec_.context().own_role_ips) stats_.role_ips[r.ip] = r.role;
}

std::string AgentService::metrics() const {
    return render_agent_metrics(stats_, exec_.context().this_host, state_.epoch, Clock::now());
}

AgentService::~AgentService() { stop(); }

double AgentService::uptime() {
    std::ifstream in("/proc/uptime");
    double up = 0;
    in >> up;
    return up;
}

Result<void> AgentService::load_state() {
    auto text = read_state_file(state_path_);
    if (!text) return text.error();
    if (!*text) {
        log_.info("No epoch file '{}' yet: accepting any epoch", state_path_);
        return {};
    }
    auto epoch = parse_epoch_file(**text);
    if (!epoch)
        return fail(fmt::format("epoch file '{}': {} (remove it only if no monitor with an older view can reach this "
                                "agent)",
                                state_path_, epoch.error().message));
    state_.epoch = *epoch;
    log_.info("Highest accepted epoch {} (from '{}')", state_.epoch, state_path_);
    return {};
}

void AgentService::start() {
    schedule_recheck();
    schedule_link_watch();
}

void AgentService::stop() {
    if (stopped_) return;
    stopped_ = true;
    recheck_.cancel();
    link_watch_.cancel();
    lease_timer_.cancel();
    queries_.stop();
    pool_.stop();
    pool_.join();
}

void AgentService::schedule_recheck() {
    if (stopped_ || recheck_period_ <= Duration{0}) return;
    recheck_.expires_after(recheck_period_);
    recheck_.async_wait([this](std::error_code ec) {
        if (ec || stopped_) return;
        // Also before the first SET_STATUS: addresses with the agent's label that no configured role has go then.
        request_pass(nullptr);
        schedule_recheck();
    });
}

// An isolated host gives its roles up by itself: when the cluster interface has been down (or without carrier)
// for the ping check's trap period, the monitor has declared this host HARD_OFFLINE and moved its roles; keeping
// the writer IP would put it on two hosts the moment the link returns.
void AgentService::schedule_link_watch() {
    if (stopped_) return;
    link_watch_.expires_after(std::chrono::milliseconds(250));
    link_watch_.async_wait([this](std::error_code ec) {
        if (ec || stopped_) return;
        asio::post(pool_, [this] {
            const auto up = exec_.link_up();
            asio::post(io_, [this, up] {
                if (up) on_link_state(*up);
                schedule_link_watch();
            });
        });
    });
}

void AgentService::on_link_state(bool up) {
    const auto now = Clock::now();
    if (up) {
        if (!link_down_since_) return;
        log_.info("Cluster interface is up again after {} ms", ms_between(*link_down_since_, now));
        link_down_since_.reset();
        if (state_.received) request_pass(nullptr);  // e.g. deny writes now that the server answers again
        return;
    }
    if (!link_down_since_) {
        link_down_since_ = now;
        log_.warn("Cluster interface is down");
        return;
    }
    const auto limit = config_.check(CheckKind::Ping).trap_period;
    if (state_.roles.empty() || now - *link_down_since_ < limit) return;
    std::string held;
    for (const auto& r : state_.roles) held += (held.empty() ? "" : ", ") + r.to_string();
    log_.fatal("Cluster interface down for {} s: this host is isolated and its roles have been moved; giving up {}",
               format_duration(limit), held);
    const auto writer_before = writer_ips(state_);
    state_.roles.clear();
    if (lost_writer(writer_before)) exec_.writer_taken_away();
    request_pass(nullptr);
}

void AgentService::handle_line(const std::string& line, Received received, ReplyFn reply) {
    auto d = dispatch_request(line, state_, exec_.context(), received);
    if (d.warning) log_.warn("{}", *d.warning);
    if (d.reply) {
        if (d.command == protocol::AgentCommand::SetStatus && d.reply->starts_with("ERROR: ")) {
            log_refused(*d.reply);
            stats_.set_status(false, received.at);
        }
        reply(std::move(*d.reply));
        return;
    }
    switch (d.command) {
    case protocol::AgentCommand::SetStatus:
        accept_set_status(std::move(d), std::move(reply));
        return;
    case protocol::AgentCommand::GetSystemStatus:
        // On the query threads: a hung local server holds one of them, never a pass.
        queries_.ask("system status", std::move(reply), [this] { return exec_.system_status(); });
        return;
    case protocol::AgentCommand::CheckMaster: {
        // Not on the worker strand: a dead master must not hold up a pass (nor a pass the answer).
        const std::string key = "master " + d.check_master;
        queries_.ask(key, std::move(reply), [this, master = std::move(d.check_master)] {
            return exec_.check_master(master);
        });
        return;
    }
    case protocol::AgentCommand::ClearBadRoles:
        answer_on(work_, io_, std::move(reply), [this, snapshot = state_] {
            auto removed = exec_.clear_bad_roles(snapshot);
            return removed ? clear_bad_roles_result(*removed) : removed.error().message;
        });
        return;
    case protocol::AgentCommand::Ping:
    case protocol::AgentCommand::GetAgentStatus:
        break;  // answered by dispatch_request
    }
}

// One line per 10 s at most: whoever may reach the port must not be able to fill the disk (issue 12).
void AgentService::log_refused(const std::string& reply) {
    if (const auto suffix = refused_log_.suffix(Clock::now()))
        log_.warn("Refused SET_STATUS: {}{}", reply.substr(7), *suffix);
}

void AgentService::accept_set_status(Dispatch d, ReplyFn reply) {
    for (const auto& key : d.unknown_fields)
        // Said once per field, for at most 32 fields: a peer cannot grow the set or the log without limit.
        if (warned_fields_.size() < 32 && warned_fields_.insert(key).second)
            log_.warn("Ignoring unknown SET_STATUS field '{}' (a newer monitor?); said once", printable(key));
    const auto epoch_before = state_.epoch;
    const auto received = d.set_status.received;
    stats_.set_status(true, received);
    const auto writer_before = writer_ips(state_);
    for (const auto& l : apply_set_status(state_, std::move(d.set_status), exec_.context())) log_.write(l.level, l.text);
    if (state_.epoch != epoch_before) persist_epoch(state_.epoch);
    arm_lease_timer();
    auto waiter = std::make_shared<Waiter>();
    waiter->reply = std::move(reply);
    waiter->received = received;
    waiter->timer = std::make_shared<asio::steady_timer>(io_, reply_deadline_);
    waiter->timer->async_wait([waiter](std::error_code ec) {
        if (ec || !waiter->reply) return;
        auto r = std::move(waiter->reply);
        waiter->reply = nullptr;
        r(std::string(still_applying));
    });
    // The writer role was taken away: a pass that started before (a catch-up) can no longer make this host a writer.
    if (lost_writer(writer_before)) exec_.writer_taken_away();
    request_pass(waiter);
}

bool AgentService::lost_writer(const std::vector<std::string>& before) const {
    const auto after = writer_ips(state_);
    return std::any_of(before.begin(), before.end(),
                       [&](const std::string& ip) { return !std::binary_search(after.begin(), after.end(), ip); });
}

std::vector<std::string> AgentService::writer_ips(const AgentState& state) const {
    std::vector<std::string> out;
    for (const auto& r : state.roles)
        if (r.role == exec_.context().writer_role) out.push_back(r.ip);
    std::sort(out.begin(), out.end());
    return out;
}

// On the worker strand, so the file is written before any action of the request that raised the epoch runs.
// A failed write is logged; the epoch in memory still holds until the agent restarts.
void AgentService::persist_epoch(std::uint64_t epoch) {
    asio::post(work_, [this, epoch] {
        if (auto w = write_state_file(state_path_, encode_epoch_file(epoch)); !w)
            log_.error("Could not keep epoch {} in '{}': {}; an agent restart would forget it", epoch, state_path_,
                       w.error().message);
    });
}

void AgentService::arm_lease_timer() {
    const auto end = state_.writer_lease.end();
    exec_.set_live_lease_end(end);  // a running pass sees renewals (a catch-up may outlast one lease)
    if (!end) {
        lease_timer_.cancel();
        return;
    }
    lease_timer_.expires_at(*end);
    lease_timer_.async_wait([this](std::error_code ec) {
        if (ec || stopped_) return;
        on_lease_timer();
    });
}

// The lease's end passed without a renewal: fence (deny writes, then remove the writer IP) by the normal removal
// path. The role comes back with the next SET_STATUS that gives it, through catch-up as always.
void AgentService::on_lease_timer() {
    const auto writer_before = writer_ips(state_);
    if (auto line = expire_writer_lease(state_, Clock::now(), exec_.context())) {
        log_.write(line->level, line->text);
        if (lost_writer(writer_before)) exec_.writer_taken_away();
        request_pass(nullptr);
    }
    arm_lease_timer();
}

void AgentService::request_pass(std::shared_ptr<Waiter> waiter) {
    if (waiter) next_waiters_.push_back(std::move(waiter));
    pass_wanted_ = true;
    if (!pass_running_) start_pass();
}

void AgentService::start_pass() {
    if (stopped_) return;
    pass_running_ = true;
    pass_wanted_ = false;
    auto waiters = std::move(next_waiters_);
    next_waiters_.clear();
    // The drops counted with the snapshot: a writer drop accepted after this point fails the pass's writer steps.
    asio::post(work_, [this, snapshot = state_, drops = exec_.writer_drops(), waiters = std::move(waiters)]() mutable {
        const auto observed = exec_.observe();
        const auto actions = reconcile(snapshot, observed, exec_.context());
        if (!waiters.empty() && reply_before_pass(actions, observed, exec_.context()))
            asio::post(io_, [waiters] {
                for (const auto& w : waiters) {
                    if (!w->reply) continue;
                    auto r = std::move(w->reply);
                    w->reply = nullptr;
                    r(std::string(still_applying));
                }
            });
        auto result = exec_.run(actions, waiters.empty() ? Executor::Trigger::Recheck : Executor::Trigger::Monitor,
                                snapshot.writer_lease, drops);
        result.salvage_seen = snapshot.salvage_to;
        result.host = after_steps(observed, result.steps);
        if (!snapshot.salvage_to.empty())
            if (const auto why = why_no_salvage(snapshot, observed, exec_.context()))
                log_.info("No binlog salvage for '{}': {}", snapshot.salvage_to, *why);
        asio::post(io_, [this, result = std::move(result), waiters = std::move(waiters)]() mutable {
            pass_done(std::move(result), std::move(waiters));
        });
    });
}

void AgentService::pass_done(PassResult result, std::vector<std::shared_ptr<Waiter>> waiters) {
    pass_running_ = false;
    stats_.pass(waiters.empty() ? AgentStats::Trigger::Recheck : AgentStats::Trigger::Monitor, result.host,
                result.failures.size(), result.announced.size(), result.timings);
    // One pass looks at a salvage (reconcile): after it the new writer goes on, and the chance is gone.
    if (!result.salvage_seen.empty() && result.salvage_seen == state_.salvage_to) state_.salvage_to.clear();
    if (result.confirmed_master) state_.active_master = *result.confirmed_master;
    if (result.replication_started) state_.resume_replication = false;
    for (const auto& w : waiters) {
        if (result.writable_at && result.first_garp_at) {
            log_.info("Writer role taken: writable {} ms and first gratuitous ARP {} ms after SET_STATUS",
                      ms_between(w->received, *result.writable_at), ms_between(w->received, *result.first_garp_at));
            stats_.takeover_writable_seconds = std::chrono::duration<double>(*result.writable_at - w->received).count();
            stats_.takeover_first_garp_seconds =
                std::chrono::duration<double>(*result.first_garp_at - w->received).count();
        }
        w->timer->cancel();
        if (!w->reply) continue;
        auto r = std::move(w->reply);
        w->reply = nullptr;
        r(set_status_result(result.failures));
    }
    schedule_second_burst(result.announced);
    if (pass_wanted_) start_pass();
}

void AgentService::schedule_second_burst(const std::vector<std::string>& ips) {
    const auto delay = config_.agent.garp_repeat_delay;
    if (ips.empty() || delay <= Duration{0} || stopped_) return;
    auto timer = std::make_shared<asio::steady_timer>(io_, delay);
    timer->async_wait([this, timer, ips](std::error_code ec) {
        if (ec || stopped_) return;
        asio::post(work_, [this, ips] {
            std::size_t sent = 0;
            for (const auto& ip : ips)
                if (exec_.announce_again(ip)) ++sent;
            asio::post(io_, [this, sent] { stats_.garp_bursts += sent; });
        });
    });
}

}  // namespace mmm::agent
