// Start-up: reading the status file (§10.1) and the start-up status determination with votes (§10.2).
#include <set>

#include <fmt/format.h>

#include "monitor/core/monitor_core.hpp"

namespace mmm::monitor {

namespace {
struct Sources {
    std::optional<HostState> stored_state;
    std::vector<RoleIp> stored_roles;
    bool failed_as_active_master = false;
    std::optional<HostState> agent_state;
    const protocol::AgentStatus* agent = nullptr;
    const protocol::SystemStatus* system = nullptr;
    std::vector<RoleIp> agent_roles, system_roles;  // filtered
    HostState state = HostState::AwaitingRecovery;
};

bool contains(const std::vector<RoleIp>& roles, const std::string& role, const std::string& ip) {
    for (const auto& r : roles)
        if (r.role == role && r.ip == ip) return true;
    return false;
}

std::string pad(std::string_view s, std::size_t width) { return fmt::format("{:<{}}", s, width); }
}  // namespace

Plan MonitorCore::restore(const std::optional<std::string>& contents, Instant /*now*/) {
    Plan plan;
    const std::string& path = config_.monitor.status_path;
    if (!contents) {
        plan.log(LogLevel::Fatal,
                 fmt::format("Couldn't open status file '{}': Starting up without status information.", path));
        return plan;
    }
    auto parsed = parse_status_file(*contents, path);
    if (!parsed) {
        restore_error_ = parsed.error().message;
        plan.log(LogLevel::Fatal, fmt::format("Refusing to use status file '{}': {}. Starting up in passive mode.", path,
                                              restore_error_));
        return plan;
    }
    if (parsed->format == StatusFileFormat::MysqlMmm)
        plan.log(LogLevel::Info, fmt::format("Read mysql-mmm's status file '{}': its host states and roles are used, "
                                             "the start-up mode comes from the configuration; the file will be "
                                             "rewritten in mmm's format.",
                                             path));
    StoredStatus status;
    status.format = parsed->format;
    status.mode = parsed->mode;
    status.epoch = parsed->epoch;
    for (auto& h : parsed->hosts) {
        if (!find(h.host)) {
            plan.log(LogLevel::Warn, fmt::format("Ignoring saved status information for unknown host '{}'", h.host));
            continue;
        }
        status.hosts.push_back(std::move(h));
    }
    // A restarted monitor supersedes its earlier self: the agents accepted at most the stored epoch.
    epoch_ = parsed->epoch + 1;
    epoch_generation_ = roles_.total_generation();
    stored_ = std::move(status);
    return plan;
}

Plan MonitorCore::on_startup_reports(const std::vector<StartupReport>& reports, Instant now) {
    Plan plan;
    now_ = now.mono;
    const std::size_t n = hosts_.size();

    // The start-up mode: the configured one; PASSIVE when the status file was refused; an admin's MANUAL or
    // PASSIVE from before the restart survives it (mysql-mmm's file stores no mode).
    if (mode_ != MonitorMode::Passive) {
        if (!restore_error_.empty()) {
            mode_ = MonitorMode::Passive;
            passive_cause_ = fmt::format("The status file could not be used: {}", restore_error_);
        } else if (stored_ && stored_->format == StatusFileFormat::Mmm &&
                   (stored_->mode == MonitorMode::Manual || stored_->mode == MonitorMode::Passive)) {
            mode_ = stored_->mode;
            plan.log(LogLevel::Info, fmt::format("Mode {} restored from status file '{}'.", to_string(mode_),
                                                 config_.monitor.status_path));
            if (mode_ == MonitorMode::Passive)
                passive_cause_ = "The monitor was in passive mode when it stopped (restored from the status file).";
        }
    }

    std::vector<Sources> src(n);
    if (stored_)
        for (const auto& sh : stored_->hosts) {
            auto h = index_of(sh.host);
            src[h].stored_state = sh.state;
            src[h].stored_roles = sh.roles;
            src[h].failed_as_active_master = sh.failed_as_active_master;
        }
    for (const auto& r : reports) {
        auto h = find(r.host);
        if (!h) continue;
        src[*h].agent = r.agent ? &*r.agent : nullptr;
        src[*h].system = r.system ? &*r.system : nullptr;
    }

    // Unreachable agents (§1.3.1 step 10) and role lists that no longer fit the configuration.
    std::set<std::string> warned;
    auto sanitize = [&](std::size_t h, const std::vector<RoleIp>& roles) {
        std::vector<RoleIp> out;
        for (const auto& r : roles) {
            auto e = roles_.find_ip(r.ip);
            std::string text;
            if (!e || roles_.role(roles_.entries()[*e].role).name != r.role)
                text = fmt::format("Detected change in role definitions: Role '{}' was removed.", r.to_string());
            else if (!roles_.allowed(roles_.entries()[*e].role, h))
                text = fmt::format("Detected change in role definitions: Host '{}' can't handle role '{}' anymore.",
                                   name(h), r.role);
            if (text.empty()) out.push_back(r);
            else if (warned.insert(text).second) plan.log(LogLevel::Warn, text);
        }
        return out;
    };
    for (std::size_t h = 0; h < n; ++h) {
        Sources& s = src[h];
        const StartupReport* rep = nullptr;
        for (const auto& r : reports)
            if (r.host == name(h)) rep = &r;
        bool admin_offline = s.stored_state == HostState::AdminOffline;
        auto unreachable = [&](const std::string& text) {
            if (admin_offline) return;
            if (ok(h, CheckKind::Ping) && ok(h, CheckKind::Mysql) && !hosts_[h].agent_down) {
                plan.log(LogLevel::Error, fmt::format("Can't reach agent on host '{}'", name(h)));
                hosts_[h].agent_down = true;
            }
            plan.log(LogLevel::Error, text);
        };
        if (!s.agent)
            unreachable(fmt::format("The status of the agent on host '{}' could not be determined (answer was: {}).",
                                    name(h), rep ? rep->agent_error : std::string()));
        if (!s.system)
            unreachable(fmt::format("The status of the system '{}' could not be determined (answer was: {}).",
                                    name(h), rep ? rep->system_error : std::string()));
        s.stored_roles = sanitize(h, s.stored_roles);
        if (s.agent) {
            s.agent_state = parse_host_state(s.agent->state);
            s.agent_roles = sanitize(h, s.agent->roles);
        }
        if (s.system) s.system_roles = sanitize(h, s.system->roles);
        s.state = HostState::AwaitingRecovery;
        for (HostState st : {HostState::AdminOffline, HostState::HardOffline, HostState::ReplicationFail,
                             HostState::ReplicationDelay, HostState::Online})
            if (s.stored_state == st || s.agent_state == st) {
                s.state = st;
                break;
            }
    }

    // Which host each replica's system replicates from (votes for the active master).
    std::vector<std::optional<std::size_t>> replicates_from(n);
    for (std::size_t h = 0; h < n; ++h)
        if (src[h].system && !src[h].system->master_ip.empty())
            if (const auto* m = config_.find_host_by_ip(src[h].system->master_ip)) replicates_from[h] = find(m->name);

    // Votes per role IP (§10.2).
    const bool manual = is_manual();
    bool conflict = false;
    std::size_t host_width = 6, role_width = 4;
    for (const auto& h : config_.hosts) host_width = std::max(host_width, h.name.size());
    for (const auto& r : config_.roles) role_width = std::max(role_width, r.name.size());
    role_width += 17;
    std::vector<std::string> role_rows;
    std::vector<std::pair<std::size_t, std::size_t>> wins;  // entry, host
    for (std::size_t e = 0; e < roles_.entries().size(); ++e) {
        const auto& entry = roles_.entries()[e];
        const std::string& role = roles_.role(entry.role).name;
        const bool is_am = roles_.active_master_role() == entry.role;
        std::optional<std::size_t> winner;
        int best = 0, configured_on = 0;
        for (std::size_t h = 0; h < n; ++h) {
            const Sources& s = src[h];
            bool stored = contains(s.stored_roles, role, entry.ip), agent = contains(s.agent_roles, role, entry.ip);
            bool system = contains(s.system_roles, role, entry.ip);
            if (!stored && !agent && !system) continue;
            role_rows.push_back(fmt::format("    {}  {}  {}  {}  {}", pad(RoleIp{role, entry.ip}.to_string(), role_width),
                                            pad(name(h), host_width), pad(stored ? "Yes" : "-", 6),
                                            pad(system ? "Yes" : "-", 6), pad(agent ? "Yes" : "-", 5)));
            configured_on += system ? 1 : 0;
            int votes = 0;
            if (is_am) {
                votes = (system && s.system->writable ? 4 : 0) + (system ? 2 : 0) + (stored ? 1 : 0) + (agent ? 1 : 0);
                for (std::size_t o = 0; o < n; ++o)
                    if (config_.hosts[o].mode == HostMode::Slave && replicates_from[o] == h) ++votes;
                if (s.state == HostState::AdminOffline || (s.state == HostState::HardOffline && !manual)) votes = 0;
            } else {
                votes = (system ? 4 : 0) + (stored ? 2 : 0) + (agent ? 1 : 0);
                if (s.state == HostState::AdminOffline ||
                    (!manual && s.state != HostState::Online && s.state != HostState::AwaitingRecovery))
                    votes = 0;
            }
            if (votes > best) {
                best = votes;
                winner = h;
            }
        }
        if (configured_on > 1) {
            plan.log(LogLevel::Warn, fmt::format("Role '{}' was configured on {} hosts during monitor startup.",
                                                 RoleIp{role, entry.ip}.to_string(), configured_on));
            if (is_am) conflict = true;
        }
        if (!winner) continue;
        wins.emplace_back(e, *winner);
        HostState& st = src[*winner].state;
        if (is_am ? (!manual || st == HostState::ReplicationFail || st == HostState::ReplicationDelay)
                  : st == HostState::AwaitingRecovery)
            st = HostState::Online;
    }

    std::string table = "Startup status:\n\nRoles:\n";
    table += fmt::format("    {}  {}  {}  {}  {}\n", pad("Role", role_width), pad("Host", host_width), pad("Stored", 6),
                         pad("System", 6), pad("Agent", 5));
    for (const auto& row : role_rows) table += row + "\n";
    table += "\nHosts:\n";
    table += fmt::format("    {}  {}  {}  {}  {}", pad("Host", host_width), pad("Master", host_width),
                         pad("Writable", 8), pad("Stored state", 16), pad("Agent state", 16));
    for (std::size_t h = 0; h < n; ++h) {
        const Sources& s = src[h];
        std::string master = config_.hosts[h].mode == HostMode::Master ? "-"
                             : !s.system                                ? "?"
                             : replicates_from[h]                       ? name(*replicates_from[h])
                                                                        : s.system->master_ip;
        std::string writable = !s.system ? "?" : s.system->writable ? "Yes" : "No";
        table += fmt::format("\n    {}  {}  {}  {}  {}", pad(name(h), host_width), pad(master, host_width),
                             pad(writable, 8), pad(s.stored_state ? to_string(*s.stored_state) : "?", 16),
                             pad(s.agent ? s.agent->state : "?", 16));
    }
    plan.log(LogLevel::Info, table);

    for (std::size_t h = 0; h < n; ++h) {
        set_state(h, src[h].state, now, plan);
        // Still out of ONLINE after a restart: it still may not return by itself (status file version 2).
        hosts_[h].failed_as_active_master = src[h].failed_as_active_master && src[h].state != HostState::Online &&
                                            config_.monitor.hold_failed_active_master;
    }
    for (auto [e, h] : wins) roles_.assign(e, h);
    epoch_generation_ = roles_.total_generation();  // the assignment as found is no change: the epoch stays stored + 1

    if (conflict && config_.monitor.careful_startup && mode_ != MonitorMode::Passive) {
        mode_ = MonitorMode::Passive;
        passive_cause_ = "Conflicting roles during startup:\n\n" + table;
    }
    started_ = true;
    start_leases(reports, now);
    if (mode_ != MonitorMode::Passive) cleanup_and_send_status(plan, std::vector<char>(n, 0));
    std::string mode_name(to_string(mode_));
    for (auto& c : mode_name) c = static_cast<char>(c - 'A' + 'a');
    plan.log(LogLevel::Info, fmt::format("Monitor started in {} mode.", mode_name));
    finish(now, plan);
    return plan;
}

}  // namespace mmm::monitor
