// reconcile(desired, observed) -> ordered actions.
#include "agent/core/reconcile.hpp"

#include <algorithm>

namespace mmm::agent {

namespace {

enum Chain : int { RepointChain = 1, RemoveChain = 2, WriterChain = 3, FirstRoleChain = 10 };

Action make(ActionKind kind, std::string reason, int chain, OnFailure on_failure) {
    Action a{kind, {}, {}, {}, std::move(reason), chain, on_failure};
    return a;
}

bool replication_running(const Observed& o) {
    return o.replica && (o.replica->io_running || o.replica->sql_running);
}

void plan_repoint(const AgentState& d, const Observed& o, const Context& ctx, std::vector<Action>& out) {
    if (ctx.mode != HostMode::Slave || d.state != "ONLINE" || d.master.empty() || d.master == ctx.this_host) return;
    if (!o.read_only) return;  // the server does not answer: retried by the pass after it does
    const bool points_there = o.replica && o.replica->master_host == d.master;
    if (!points_there) {
        auto a = make(ActionKind::Repoint, "replication source is not the active master", RepointChain,
                      OnFailure::SkipChain);
        a.master = d.master;
        out.push_back(a);
        auto v = make(ActionKind::VerifyReplication, "after repoint", RepointChain, OnFailure::SkipChain);
        v.master = d.master;
        out.push_back(v);
    } else if (d.active_master != d.master) {
        // Already pointed there (e.g. by an earlier run whose verify failed): only the verify is left.
        auto v = make(ActionKind::VerifyReplication, "repoint not yet confirmed", RepointChain, OnFailure::SkipChain);
        v.master = d.master;
        out.push_back(v);
    }
}

// A master that took the writer role from a peer that did not answer stopped replicating from it (the peer's tail
// must not flow into the writer: issue 11). Once the peer holds the role again and this host is a passive master
// whose replication points at it, stopped without an applier error (an IO thread's connect error is only the dead
// peer's trace), it follows the active master again: ONLINE, and also REPLICATION_FAIL (which the stopped threads
// cause as soon as the role leaves), AWAITING_RECOVERY and REPLICATION_DELAY; not ADMIN_OFFLINE (stopped on
// purpose). An applier error is left for the operator.
// Not the writer here, told to follow an active master it replicates from, in a state where it should, server
// read-only and its applier without an error.
bool follows_active_master(const AgentState& d, const Observed& o, const Context& ctx) {
    const bool follows = d.state == "ONLINE" || d.state == "REPLICATION_FAIL" || d.state == "REPLICATION_DELAY" ||
                         d.state == "AWAITING_RECOVERY";
    return follows && !d.holds(ctx.writer_role) && !d.master.empty() && d.master != ctx.this_host &&
           o.read_only == true && o.replica && o.replica->master_host == d.master && !o.replica->sql_error;
}

bool passive_master_stopped(const AgentState& d, const Observed& o, const Context& ctx) {
    return ctx.mode == HostMode::Master && follows_active_master(d, o, ctx) && !o.replica->io_running &&
           !o.replica->sql_running;
}

// A replica (master or slave) of the active master whose IO thread stopped on its own while the applier runs: an IO
// error, e.g. error 1236 when it asked a new master still catching up from the most advanced replica (issue 11)
// for a transaction it did not have yet; once that master has it the thread can go on. Never a full STOP SLAVE (an
// operator's, or a test's replication fault), which stops the applier too.
bool io_thread_died(const AgentState& d, const Observed& o, const Context& ctx) {
    return follows_active_master(d, o, ctx) && o.replica->io_stopped && o.replica->sql_running;
}

// The desired role addresses not on the interface yet: the writer's first (its chain), then each other one in a chain
// of its own; each added, then announced.
void add_role_ips(const AgentState& d, const Observed& o, const Context& ctx, bool writer_ip_allowed, int& chain,
                  std::vector<Action>& out) {
    for (const bool writer_pass : {true, false}) {
        for (const auto& r : d.roles) {
            const bool writer = r.role == ctx.writer_role;
            if (writer != writer_pass || o.ips.count(r.ip) != 0 || (writer && !writer_ip_allowed)) continue;
            const int c = writer ? WriterChain : chain++;
            auto add = make(ActionKind::AddIp, "role assigned to this host", c, OnFailure::SkipChain);
            add.ip = r.ip;
            add.role = r.role;
            out.push_back(add);
            auto garp = make(ActionKind::Announce, "address added", c, OnFailure::SkipChain);
            garp.ip = r.ip;
            garp.role = r.role;
            out.push_back(garp);
        }
    }
}

// A Galera node: every node has every committed write (certification), so a role moves without a catch-up and,
// by default, without touching read_only, and there is no replication of its own to manage. A node out of the
// Primary component (partitioned into a minority, not ready) gives up every role address by itself, whatever the
// monitor last said: the majority's writer must be the only one clients reach. With agent.galera_read_only every
// node but the writer is read-only (writes denied first, connections killed, as on a master losing the role), and
// the writer node is made writable before its writer address goes up.
void reconcile_galera(const AgentState& d, const Observed& o, const Context& ctx, std::vector<Action>& out) {
    const bool cut_off = o.wsrep_primary == false;
    const auto want = d.ips();
    const bool writer_here = o.wsrep_primary == true && d.holds(ctx.writer_role);
    if (ctx.galera_read_only && !writer_here && o.read_only == false)
        out.push_back(make(ActionKind::DenyWrites,
                           cut_off ? "this Galera node is not in the Primary component"
                                   : "Galera node without the writer role (agent.galera_read_only)",
                           RemoveChain, OnFailure::Continue));
    for (const auto& ip : o.ips) {
        if (!cut_off && want.count(ip) != 0) continue;
        auto a = make(ActionKind::RemoveIp, cut_off ? "this Galera node is not in the Primary component"
                                                    : "role not assigned to this host",
                      RemoveChain, OnFailure::Continue);
        a.ip = ip;
        if (const auto* r = ctx.role_of_ip(ip)) a.role = r->role;
        out.push_back(a);
    }
    // Addresses only on a node known to be in the Primary component (a server that does not answer gets none).
    if (o.wsrep_primary != true) return;
    if (ctx.galera_read_only && writer_here && o.read_only == true)
        out.push_back(make(ActionKind::AllowWrites, "writer role held", WriterChain, OnFailure::SkipChain));
    int chain = FirstRoleChain;
    add_role_ips(d, o, ctx, /*writer_ip_allowed=*/true, chain, out);
}

}  // namespace

std::vector<Action> reconcile(const AgentState& desired, const Observed& observed, const Context& ctx) {
    std::vector<Action> out;
    // Addresses an mmm agent added that no role of the configuration has (a request from before issue 12 that named
    // any address, a role since removed from the config): removed at start and on every re-check, before anything.
    for (const auto& ip : observed.strays) {
        auto a = make(ActionKind::RemoveIp, "carries the agent's label but no configured role has it", RemoveChain,
                      OnFailure::Continue);
        a.ip = ip;
        out.push_back(a);
    }
    if (!desired.received) return out;
    if (ctx.mode == HostMode::Galera) {
        reconcile_galera(desired, observed, ctx, out);
        return out;
    }

    plan_repoint(desired, observed, ctx, out);

    // Removal of every configured role IP that is not desired.
    const auto want_ips = desired.ips();
    const bool holds_writer = desired.holds(ctx.writer_role);
    std::vector<std::string> stale;
    bool stale_writer = false;
    for (const auto& ip : observed.ips) {
        if (want_ips.count(ip) != 0) continue;
        stale.push_back(ip);
        stale_writer = stale_writer || ctx.is_writer_ip(ip);
    }
    // Deny writes, then drop the IPs. When the server does not answer (hung or down) it takes no writes now:
    // the IPs go first so a hung old master does not keep the writer IP while the new one takes it; deny-write
    // is still tried, and a later pass denies writes as soon as the server answers writable.
    const bool deny = !holds_writer && (observed.read_only == false || stale_writer);
    const char* why = observed.read_only == false ? "server is writable without the writer role"
                                                  : "writer IP configured without the writer role";
    const bool deny_first = observed.read_only.has_value();
    if (deny && deny_first) out.push_back(make(ActionKind::DenyWrites, why, RemoveChain, OnFailure::Continue));
    for (const auto& ip : stale) {
        auto a = make(ActionKind::RemoveIp, "role not assigned to this host", RemoveChain, OnFailure::Continue);
        a.ip = ip;
        if (const auto* r = ctx.role_of_ip(ip)) a.role = r->role;
        out.push_back(a);
    }
    if (deny && !deny_first) out.push_back(make(ActionKind::DenyWrites, why, RemoveChain, OnFailure::Continue));
    // The writer role just went to another host while this server is down for good (its process exited; not hung:
    // a hung server could still commit): the binlog on disk holds every transaction it acknowledged, also those no
    // replica received. The new writer gets them before it takes writes (issue 11); once, in the pass that follows.
    if (!desired.salvage_to.empty() && !why_no_salvage(desired, observed, ctx)) {
        auto a = make(ActionKind::Salvage, "writer role moved while this server is down", RemoveChain,
                      OnFailure::Continue);
        a.master = desired.salvage_to;
        out.push_back(a);
    }

    // Additions: the writer first (catch up, allow writes, then its IP), then the other roles.
    int chain = FirstRoleChain;
    // The writer role is gained while the server is read-only or the writer IP is not on the interface yet:
    // then the catch-up (the check that the peer takes no more writes, and the wait for what it wrote) comes
    // first, even on a server that is already writable (read_only=0 in my.cnf, or set by hand), so no host
    // takes the writer IP beside a writable old master. Writable with the writer IP in place is the steady state
    // (and what a restarted agent finds on the active master): nothing. A server that does not answer gets no
    // writer steps (they would block on it and fail): the next pass after it answers catches up first.
    const bool writer_ip_missing = std::any_of(desired.roles.begin(), desired.roles.end(), [&](const RoleIp& r) {
        return r.role == ctx.writer_role && observed.ips.count(r.ip) == 0;
    });
    if (holds_writer && observed.read_only.has_value() && (*observed.read_only || writer_ip_missing)) {
        auto c = make(ActionKind::CatchUp, *observed.read_only ? "writer role gained"
                                                                : "writer role gained on a writable server",
                      WriterChain, OnFailure::SkipChain);
        c.master = ctx.mode == HostMode::Master ? std::string() : desired.master;
        out.push_back(c);
        if (observed.semisync_master == false)
            out.push_back(make(ActionKind::SemiSyncMasterOn, "writer role held", WriterChain, OnFailure::SkipChain));
        out.push_back(make(ActionKind::AllowWrites, "writer role held", WriterChain, OnFailure::SkipChain));
    } else if (holds_writer && observed.read_only == false && observed.semisync_master == false) {
        out.push_back(make(ActionKind::SemiSyncMasterOn, "writer role held", chain++, OnFailure::Continue));
    }
    // Semi-sync deployments: only the writer's master side is on; elsewhere its applier's commits would wait for
    // acknowledgements too (a passive master fell seconds behind under load, and a failover waited for that).
    if (!holds_writer && observed.semisync_master == true)
        out.push_back(make(ActionKind::SemiSyncMasterOff, "no writer role here", RemoveChain, OnFailure::Continue));
    // Never the writer IP on a server in unknown state.
    add_role_ips(desired, observed, ctx, observed.read_only.has_value(), chain, out);

    if (desired.state == "ADMIN_OFFLINE" && replication_running(observed))
        out.push_back(make(ActionKind::StopReplication, "host is ADMIN_OFFLINE", chain, OnFailure::Continue));
    else if (desired.state != "ADMIN_OFFLINE" && desired.resume_replication)
        out.push_back(make(ActionKind::StartReplication, "host left ADMIN_OFFLINE", chain, OnFailure::Continue));
    else if (passive_master_stopped(desired, observed, ctx))
        out.push_back(make(ActionKind::StartReplication, "passive master follows the active master again", chain,
                           OnFailure::Continue));
    else if (io_thread_died(desired, observed, ctx))
        out.push_back(make(ActionKind::StartReplication, "its IO thread stopped on an error", chain,
                           OnFailure::Continue));
    return out;
}

std::optional<std::string> why_no_salvage(const AgentState& desired, const Observed& observed, const Context& ctx) {
    if (desired.salvage_to.empty()) return "no writer role was given up";
    if (desired.holds(ctx.writer_role)) return "this host holds the writer role again";
    if (!desired.master.empty() && desired.master != desired.salvage_to)
        return "the monitor named another master ('" + desired.master + "') since";
    if (observed.read_only.has_value()) return "this server answers (the new writer reads its final position)";
    if (!observed.server_gone) return "this server's process may still run (hung, or never seen running)";
    return std::nullopt;
}

bool reply_before_pass(const std::vector<Action>& actions, const Observed& observed, const Context& ctx) {
    if (!observed.replica || !observed.replica->gtid) return false;
    bool repoint = false;
    for (const auto& a : actions) {
        switch (a.kind) {
        case ActionKind::Repoint: repoint = true; break;
        case ActionKind::VerifyReplication: break;
        case ActionKind::AddIp:
        case ActionKind::Announce:
        case ActionKind::RemoveIp:
            if (ctx.is_writer_ip(a.ip)) return false;
            break;
        default: return false;
        }
    }
    return repoint;
}

Duration recheck_period(Duration configured, HostMode mode) {
    if (mode != HostMode::Galera || configured <= Duration{0}) return configured;
    return std::min(configured, Duration{std::chrono::seconds(1)});
}

}  // namespace mmm::agent
