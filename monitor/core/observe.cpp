// StatusView from the core's state, and "why": for each exclusive role, where it is and what keeps it there.
#include <fmt/format.h>

#include "monitor/core/monitor_core.hpp"

namespace mmm::monitor {

namespace {
std::string join(const std::vector<std::string>& items, std::string_view sep) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) out += (i == 0 ? "" : std::string(sep)) + items[i];
    return out;
}
}  // namespace

StatusView MonitorCore::status_view() const {
    StatusView v;
    const ClusterView shown = view();
    v.mode = mode_;
    v.passive_cause = shown.passive_cause;
    v.warnings = shown.warnings;
    v.started = started_;
    v.network_ok = have_net_;
    v.plan_running = plan_running();
    if (const auto am = roles_.active_master_index(); am && writer_confirmed(*am)) v.active_master = name(*am);
    for (std::size_t h = 0; h < hosts_.size(); ++h) {
        StatusView::Host host;
        host.name = name(h);
        host.ip = config_.hosts[h].ip;
        host.mode = config_.hosts[h].mode;
        host.state = hosts_[h].state;
        host.state_since = hosts_[h].last_state_change.wall;
        host.roles = shown_roles(h);
        for (auto k : all_check_kinds) {
            const auto& s = checks_.status(h, k);
            host.checks[static_cast<std::size_t>(k)] = {s.ok, s.message, s.last_change.wall};
        }
        host.agent_up = !hosts_[h].agent_down;
        host.flapping = hosts_[h].flapping;
        host.errant = errant_of(h);
        host.semisync = semisync_[h].status;
        v.hosts.push_back(std::move(host));
    }
    // Each role IP's holder as `show` lists it (the writer only once confirmed).
    std::map<std::string, std::string> holder_of_ip;
    for (const auto& h : v.hosts)
        for (const auto& r : h.roles) holder_of_ip[r.ip] = h.name;
    v.active_master_role = config_.active_master_role;
    for (std::size_t r = 0; r < config_.roles.size(); ++r) {
        const RoleConfig& rc = config_.roles[r];
        StatusView::Role role{rc.name, rc.mode, rc.prefer, {}};
        for (const auto& ip : rc.ips) {
            const auto it = holder_of_ip.find(ip);
            role.ips.push_back({ip, it == holder_of_ip.end() ? std::nullopt : std::optional<std::string>(it->second)});
        }
        v.roles.push_back(std::move(role));
        if (rc.mode == RoleMode::Exclusive) v.why.push_back(why_role(r));
    }
    v.writer_moves.assign(writer_moves_.begin(), writer_moves_.end());
    v.writer_move_counts = writer_move_counts_;
    return v;
}

// A confirmed new holder of the active master role (confirmed), or a host whose agent could not take it.
void MonitorCore::note_writer_move(std::size_t to, bool confirmed) {
    const auto from = last_writer_;
    if (confirmed) {
        last_writer_ = to;
        if (!from || *from == to) return;  // the first writer since start, or the same one confirming again
    }
    StatusView::WriterMove m;
    const HostState from_state = from ? hosts_[*from].state : HostState::Unknown;
    m.type = from && (from_state == HostState::Online || from_state == HostState::AdminOffline) ? "switch" : "failover";
    m.result = confirmed ? "ok" : "refused";
    m.from = from ? name(*from) : std::string();
    m.to = name(to);
    m.at = now_wall_;
    const auto seconds = [](SteadyTime::duration d) { return std::chrono::duration<double>(d).count(); };
    if (const auto told = hosts_[to].writer_unconfirmed_since) {
        m.promote_seconds = seconds(now_ - *told);
        std::optional<SteadyTime> first;
        for (auto k : {CheckKind::Ping, CheckKind::Mysql})
            if (const auto since = from ? checks_.failing_since(*from, k) : std::nullopt; since && (!first || *since < *first))
                first = since;
        if (m.type == "failover" && first && *first <= *told) m.detect_and_fence_seconds = seconds(*told - *first);
    }
    ++writer_move_counts_[{m.type, m.result}];
    writer_moves_.push_back(std::move(m));
    constexpr std::size_t kept = 20;
    while (writer_moves_.size() > kept) writer_moves_.pop_front();
}

// Where exclusive role r is, and what keeps it there (or nowhere). `blocked` gets short keys (Prometheus labels).
StatusView::Why MonitorCore::why_role(std::size_t r) const {
    StatusView::Why w;
    const RoleConfig& rc = config_.roles[r];
    w.role = rc.name;
    const bool writer = roles_.active_master_role() == r;
    const auto assigned = roles_.holder_of_role(r);
    std::vector<std::string> parts;
    const auto block = [&](std::string key, std::string text) {
        w.blocked.push_back(std::move(key));
        parts.push_back(std::move(text));
    };
    if (assigned && (!writer || writer_confirmed(*assigned))) w.holder = name(*assigned);

    if (assigned && w.holder) {
        const auto& hr = hosts_[*assigned];
        if (hr.state == HostState::Online) {
            parts.push_back(fmt::format("'{}' holds it and is ONLINE.", name(*assigned)));
            if (!cut_off_warning_.empty() && writer)
                block("second_opinion", fmt::format("Second opinion: {}.", cut_off_warning_));
        } else {
            parts.push_back(fmt::format("'{}' holds it but is {}.", name(*assigned), to_string(hr.state)));
        }
    } else if (assigned) {
        const auto& hr = hosts_[*assigned];
        parts.push_back(fmt::format("It was given to '{}', whose agent has not confirmed it yet{}.", name(*assigned),
                                    hr.last_writer_reply.empty() ? std::string()
                                                                 : fmt::format(" (last answer: '{}')", hr.last_writer_reply)));
        w.blocked.push_back("awaiting_confirmation");
    } else {
        parts.push_back("Nobody holds it.");
    }
    const bool healthy_holder = w.holder && hosts_[*assigned].state == HostState::Online;
    if (!healthy_holder) {
        if (mode_ == MonitorMode::Passive)
            block("passive_mode", fmt::format("The monitor is PASSIVE ({}): it changes no role until set_active.",
                                              passive_cause_.empty() ? "set_passive" : passive_cause_));
        else if (is_manual())
            block("manual_mode", fmt::format("The monitor is in {} mode: it moves no role by itself (move_role moves "
                                             "it; set_active lets the monitor decide).",
                                             to_string(mode_)));
        if (!have_net_)
            block("network_check_failing", "The monitor's own network check fails (ping_ips): it decides nothing.");
        if (writer && writer_wait_until_)
            block("old_writer_lease", "It waits for the old writer's lease to run out before a new writer is told.");
        if (plan_running()) block("plan_running", "A plan is being carried out.");
        std::vector<std::string> out;
        bool candidate = false;
        for (std::size_t h = 0; h < hosts_.size(); ++h) {
            if (!roles_.allowed(r, h) || (assigned && h == *assigned)) continue;
            const auto& hr = hosts_[h];
            std::string reason;
            if (hr.state == HostState::AwaitingRecovery && hr.failed_as_active_master)
                reason = "AWAITING_RECOVERY (it failed as the active master: set_online brings it back)";
            else if (hr.state != HostState::Online)
                reason = std::string(to_string(hr.state)) + (hr.flapping ? " (flapping)" : "");
            else if (auto errant = errant_of(h); !errant.empty())
                reason = errant;
            else if (writer && hr.writer_refused_until && now_ < *hr.writer_refused_until)
                reason = "refused recently: " + hr.writer_refusal;
            if (reason.empty()) {
                candidate = true;
                continue;
            }
            out.push_back(fmt::format("'{}' {}", name(h), reason));
        }
        if (!candidate) {
            block("no_candidate", out.empty() ? std::string("No other host may hold it.")
                                              : fmt::format("No candidate: {}.", join(out, "; ")));
        } else if (!out.empty()) {
            parts.push_back(fmt::format("Not candidates: {}.", join(out, "; ")));
        }
    }
    w.text = join(parts, " ");
    return w;
}

}  // namespace mmm::monitor
