// Carrying out the agent's actions with mysql-mmm's FATAL texts on failure and timings on success.
#include "agent/executor.hpp"

#include <fmt/format.h>

#include "agent/core/request_handler.hpp"
#include "agent/core/run_plan.hpp"
#include "agent/db/mysql_admin.hpp"
#include "agent/net/system_net.hpp"

namespace mmm::agent {

namespace {

using Clock = std::chrono::steady_clock;

long long ms_since(Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

std::string action_key(const Action& a) { return fmt::format("{}|{}|{}", to_string(a.kind), a.ip, a.master); }

}  // namespace

HostAdapters system_adapters(const HostConfig& self) {
    return {std::make_unique<SystemNet>(self.cluster_interface),
            std::make_unique<MysqlAdmin>(
                DbEndpoint{self.name, self.ip, self.mysql_port, self.agent_user, self.agent_password},
                self.mode == HostMode::Galera)};
}

Executor::Executor(const Config& config, const HostConfig& self, Logger& log)
    : Executor(config, self, log, system_adapters(self)) {}

Executor::Executor(const Config& config, const HostConfig& self, Logger& log, HostAdapters adapters)
    : config_(config), self_(self), log_(log), net_(std::move(adapters.net)), db_(std::move(adapters.db)) {
    ctx_.this_host = self.name;
    ctx_.mode = self.mode;
    ctx_.peer = self.peer;
    ctx_.writer_role = config.active_master_role;
    ctx_.galera_read_only = config.agent.galera_read_only;
    for (const auto& h : config.hosts) {
        ctx_.hosts.push_back(h.name);
        hosts_.push_back(ClusterHost{h.name, DbEndpoint{h.name, h.ip, h.mysql_port, h.agent_user, h.agent_password},
                                     h.replication_user, h.replication_password});
    }
    for (const auto& r : config.roles) {
        const bool mine = std::find(r.hosts.begin(), r.hosts.end(), self.name) != r.hosts.end();
        for (const auto& ip : r.ips) {
            ctx_.all_role_ips.push_back({r.name, ip});
            if (mine) ctx_.own_role_ips.push_back({r.name, ip});
        }
    }
}

std::optional<ClusterHost> Executor::cluster_host(std::string_view name) const {
    for (const auto& h : hosts_)
        if (h.name == name) return h;
    return std::nullopt;
}

Observed Executor::observe() {
    Observed o;
    if (auto present = net_->list()) {
        for (const auto& r : ctx_.all_role_ips)
            if (present->count(r.ip) != 0) o.ips.insert(r.ip);
    }
    if (auto labelled = net_->labelled()) {
        for (const auto& ip : *labelled)
            if (!ctx_.role_of_ip(ip)) o.strays.insert(ip);
    }
    if (auto st = db_->state()) {
        o.read_only = st->read_only;
        if (st->replica) {
            ReplicaObservation rep;
            const auto* host = config_.find_host_by_ip(st->replica->master_host);
            rep.master_host = host != nullptr ? host->name : st->replica->master_host;
            rep.io_running = st->replica->io_running();
            rep.io_stopped = st->replica->io_state == "No";
            rep.sql_running = st->replica->sql_running();
            rep.sql_error = !st->replica->last_sql_error.empty();
            rep.gtid = st->replica->uses_gtid();
            o.replica = rep;
        }
        o.semisync_master = st->semisync_master;
        o.wsrep_primary = st->wsrep_primary;
    } else {
        o.server_gone = db_->server_gone();
    }
    return o;
}

void Executor::log_failure(const Action& a, const std::string& text) {
    auto& last = last_failure_[action_key(a)];
    if (last == text) return;  // the same failure again (retried every pass): logged once
    last = text;
    const auto& iface = self_.cluster_interface;
    switch (a.kind) {
    case ActionKind::CatchUp: log_.fatal("Couldn't sync with master: {}", text); break;
    case ActionKind::AllowWrites: log_.fatal("Couldn't allow writes: {}", text); break;
    case ActionKind::DenyWrites: log_.fatal("Couldn't deny writes: {}", text); break;
    case ActionKind::AddIp: log_.fatal("Couldn't configure IP '{}' on interface '{}': {}", a.ip, iface, text); break;
    case ActionKind::RemoveIp: log_.fatal("Couldn't clear IP '{}' from interface '{}': {}", a.ip, iface, text); break;
    case ActionKind::Repoint:
    case ActionKind::VerifyReplication: log_.fatal("Failed to change master to '{}': {}", a.master, text); break;
    case ActionKind::Announce: log_.error("Couldn't announce IP '{}' on interface '{}': {}", a.ip, iface, text); break;
    case ActionKind::Salvage:
        log_.fatal("Couldn't give '{}' the binlog transactions it lacks (they may be lost): {}", a.master, text);
        break;
    case ActionKind::StopReplication:
    case ActionKind::StartReplication:
    case ActionKind::SemiSyncMasterOn:
    case ActionKind::SemiSyncMasterOff: log_.error("{} failed: {}", to_string(a.kind), text); break;
    }
}

void Executor::log_success(const Action& a, const std::string& text, std::string_view prefix) {
    if (const auto it = last_failure_.find(action_key(a)); it != last_failure_.end()) {
        log_.info("{} works again", describe(a));
        last_failure_.erase(it);
    }
    log_.info("{}{}", prefix, text);
}

bool Executor::lease_ran_out(const WriterLease& lease, SteadyTime now) const {
    if (!lease.expired(now)) return false;
    const auto live = live_lease_end_.load(std::memory_order_relaxed);
    return live == no_live_end || now >= SteadyTime(SteadyTime::duration(live));
}

Result<std::string> Executor::run_one(const Action& a, PassResult& out, const WriterLease& lease,
                                      std::optional<std::uint64_t> writer_drops) {
    const auto t0 = Clock::now();
    const bool writer_step = a.kind == ActionKind::AllowWrites ||
                             ((a.kind == ActionKind::AddIp || a.kind == ActionKind::Announce) && ctx_.is_writer_ip(a.ip));
    if (writer_step && lease_ran_out(lease, t0))
        return fail(fmt::format("the writer lease of {} ms ran out before this step", lease.length().count()));
    const auto dropped_since = [&] { return writer_drops && *writer_drops != this->writer_drops(); };
    if (writer_step && dropped_since())
        return fail(std::string("the writer role was taken away while this pass ran"));
    switch (a.kind) {
    case ActionKind::DenyWrites: {
        auto r = db_->deny_writes(config_.max_kill_retries);
        if (!r) return r.error();
        return fmt::format("Denied writes ({}): read_only=1, killed {} connections in {} ms", a.reason, r->killed,
                           ms_since(t0));
    }
    case ActionKind::RemoveIp: {
        auto r = net_->remove(a.ip);
        if (!r) return r.error();
        return fmt::format("Removed IP {}{} from {} in {} ms: {}", a.ip, a.role.empty() ? "" : " (" + a.role + ")",
                           self_.cluster_interface, ms_since(t0), a.reason);
    }
    case ActionKind::CatchUp: {
        const auto peer = self_.peer.empty() ? std::nullopt : cluster_host(self_.peer);
        std::vector<ClusterHost> others;
        for (const auto& h : hosts_)
            if (h.name != self_.name && h.name != self_.peer) others.push_back(h);
        auto r = db_->catch_up(peer, others, config_.agent.writer_sync_timeout);
        if (!r) return r.error();
        return fmt::format("Sync with master: {} in {} ms", *r, ms_since(t0));
    }
    case ActionKind::AllowWrites: {
        auto r = db_->allow_writes();
        if (!r) return r.error();
        out.writable_at = Clock::now();
        return fmt::format("Allowed writes (read_only=0) in {} ms", ms_since(t0));
    }
    case ActionKind::AddIp: {
        auto r = net_->add(a.ip);
        if (!r) return r.error();
        return fmt::format("Added IP {} ({}) to {} in {} ms", a.ip, a.role, self_.cluster_interface, ms_since(t0));
    }
    case ActionKind::Announce: {
        const int rounds = config_.agent.garp_rounds;
        if (rounds <= 0) return std::string("Gratuitous ARP disabled (garp_rounds 0)");
        auto r = net_->announce(a.ip, rounds);
        if (!r) return r.error();
        if (!out.first_garp_at) out.first_garp_at = Clock::now();
        out.announced.push_back(a.ip);
        return fmt::format("Sent {} gratuitous ARP frames for {} in {} ms", *r, a.ip, ms_since(t0));
    }
    case ActionKind::Repoint:
    case ActionKind::VerifyReplication: {
        const auto target = cluster_host(a.master);
        if (!target) return fail(fmt::format("ERROR: Unknown host {}", a.master));
        if (a.kind == ActionKind::Repoint) {
            auto r = db_->repoint(*target, hosts_, config_.agent.repoint_timeout);
            if (!r) return r.error();
            return fmt::format("Changed master to '{}': {} in {} ms", a.master, *r, ms_since(t0));
        }
        auto r = db_->verify_replication(*target, config_.agent.repoint_timeout);
        if (!r) return r.error();
        out.confirmed_master = a.master;
        return fmt::format("Replication from '{}' is running (checked in {} ms)", a.master, ms_since(t0));
    }
    case ActionKind::StopReplication: {
        auto r = db_->stop_replication();
        if (!r) return r.error();
        return std::string("Stopped replication (ADMIN_OFFLINE)");
    }
    case ActionKind::SemiSyncMasterOn:
    case ActionKind::SemiSyncMasterOff: {
        const bool on = a.kind == ActionKind::SemiSyncMasterOn;
        if (auto r = db_->set_semisync_master(on); !r) return r.error();
        return fmt::format("Semi-sync master side {} ({})", on ? "on" : "off", a.reason);
    }
    case ActionKind::Salvage: {
        const auto target = cluster_host(a.master);
        if (!target) return fail(fmt::format("ERROR: Unknown host {}", a.master));
        auto r = db_->salvage(*target, config_.agent.writer_sync_timeout);
        if (!r) return r.error();
        return fmt::format("Binlog salvage: {} in {} ms", *r, ms_since(t0));
    }
    case ActionKind::StartReplication: {
        auto r = db_->start_replication();
        if (!r) return r.error();
        out.replication_started = true;
        return fmt::format("Started replication ({})", a.reason);
    }
    }
    return fail("unknown action");
}

PassResult Executor::run(const std::vector<Action>& actions, Trigger trigger, const WriterLease& lease,
                         std::optional<std::uint64_t> writer_drops) {
    PassResult out;
    auto steps = run_plan(actions, [&](const Action& a) {
        const auto t0 = Clock::now();
        auto r = run_one(a, out, lease, writer_drops);
        if (r) out.timings.push_back({a.kind, std::chrono::duration<double>(Clock::now() - t0).count()});
        return r;
    });
    const std::string_view prefix = trigger == Trigger::Recheck ? "Re-check: " : "";
    for (const auto& s : steps) {
        if (s.status == StepStatus::Done) log_success(s.action, s.text, prefix);
        if (s.status != StepStatus::Failed) continue;
        log_failure(s.action, s.text);
        out.failures.push_back(fmt::format("{}: {}", describe(s.action), s.text));
    }
    out.steps = std::move(steps);
    return out;
}

Result<std::size_t> Executor::clear_bad_roles(const AgentState& state) {
    auto bad = bad_roles(net_->list(), state, ctx_);
    if (!bad) return bad.error();
    std::size_t removed = 0;
    for (const auto& r : *bad) {
        std::vector<Action> steps;
        if (r.role == ctx_.writer_role)
            steps.push_back({ActionKind::DenyWrites, {}, {}, {}, "CLEAR_BAD_ROLES: writer IP without the writer role", 0,
                             OnFailure::Continue});
        steps.push_back({ActionKind::RemoveIp, r.ip, r.role, {}, "CLEAR_BAD_ROLES", 0, OnFailure::Continue});
        PassResult ignored;
        for (const auto& a : steps) {
            auto res = run_one(a, ignored);
            if (res) log_success(a, *res);
            else log_failure(a, res.error().message);
            if (a.kind == ActionKind::RemoveIp && res) ++removed;
        }
    }
    return removed;
}

std::string Executor::system_status() {
    const auto configured = net_->list();
    const auto st = db_->state();
    const Result<bool> may_write = st ? Result<bool>(!st->read_only) : Result<bool>(st.error());
    const std::string master_ip = st && st->replica ? st->replica->master_host : std::string();
    return system_status_result(configured, may_write, master_ip, ctx_);
}

// The agent has no mysql timeout of its own for other hosts (catch-up and repoint use 1 s to connect), so the
// deadline is the config's mysql check timeout, at most 1 s: the monitor asks after its own mysql check of the
// master failed with that timeout, so the replica judges with the same patience, and the answer is back well
// within monitor.agent_timeout. An answer after the deadline counts as unreachable (Connector/C's blocking
// timeouts are whole seconds, so a sub-second deadline is enforced on the measured time).
Duration Executor::check_master_timeout() const {
    return std::min(config_.check(CheckKind::Mysql).timeout, Duration(std::chrono::seconds(1)));
}

std::string Executor::check_master(const std::string& master) {
    const auto host = cluster_host(master);
    if (!host) return fmt::format("ERROR: Unknown host {}", master);
    const auto deadline = check_master_timeout();
    const auto probe = db_->select_one(host->agent, deadline);
    Result<std::optional<ReplicationSource>> replication = std::optional<ReplicationSource>{};
    if (auto st = db_->state(); !st) {
        replication = st.error();
    } else if (st->replica) {
        const auto* source = config_.find_host_by_ip(st->replica->master_host);
        replication = std::optional<ReplicationSource>(
            ReplicationSource{source != nullptr ? source->name : st->replica->master_host, st->replica->io_state});
    }
    // About its own host, the agent also knows whether the server process is gone (the monitor then need not wait
    // for its trap period).
    const bool exited = !probe && host->name == self_.name && db_->server_gone();
    return check_master_result(probe, deadline, replication, exited);
}

std::optional<bool> Executor::link_up() const {
    auto up = net_->link_up();
    return up ? std::optional<bool>(*up) : std::nullopt;
}

bool Executor::announce_again(const std::string& ip) {
    auto present = net_->list();
    if (!present || present->count(ip) == 0) return false;
    auto r = net_->announce(ip, config_.agent.garp_rounds);
    if (!r) {
        log_.error("Couldn't announce IP '{}' on interface '{}': {}", ip, self_.cluster_interface, r.error().message);
        return false;
    }
    log_.info("Sent {} gratuitous ARP frames for {} (second burst)", *r, ip);
    return true;
}

}  // namespace mmm::agent
