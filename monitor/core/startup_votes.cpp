// The start-up status determination (§10.2), pure: votes per role IP from the stored status, agents and systems.
#include "monitor/core/startup_votes.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

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

std::optional<std::size_t> host_index(const Config& config, std::string_view name) {
    for (std::size_t h = 0; h < config.hosts.size(); ++h)
        if (config.hosts[h].name == name) return h;
    return std::nullopt;
}
}  // namespace

StartupDecision decide_startup(const Config& config, const RoleTable& roles, const std::vector<StartupReport>& reports,
                               const StartupInputs& in) {
    StartupDecision out;
    const std::size_t n = config.hosts.size();
    out.agent_down = in.agent_down;
    out.agent_down.resize(n, 0);
    auto name = [&](std::size_t h) -> const std::string& { return config.hosts[h].name; };
    std::vector<Sources> src(n);
    if (in.stored && *in.stored)
        for (const auto& sh : (*in.stored)->hosts) {
            auto found = host_index(config, sh.host);
            if (!found) continue;
            const std::size_t h = *found;
            src[h].stored_state = sh.state;
            src[h].stored_roles = sh.roles;
            src[h].failed_as_active_master = sh.failed_as_active_master;
        }
    for (const auto& r : reports) {
        auto h = host_index(config, r.host);
        if (!h) continue;
        src[*h].agent = r.agent ? &*r.agent : nullptr;
        src[*h].system = r.system ? &*r.system : nullptr;
    }

    // Unreachable agents (§1.3.1 step 10) and role lists that no longer fit the configuration.
    std::set<std::string> warned;
    auto sanitize = [&](std::size_t h, const std::vector<RoleIp>& listed) {
        std::vector<RoleIp> kept;
        for (const auto& r : listed) {
            auto e = roles.find_ip(r.ip);
            std::string text;
            if (!e || roles.role(roles.entries()[*e].role).name != r.role)
                text = fmt::format("Detected change in role definitions: Role '{}' was removed.", r.to_string());
            else if (!roles.allowed(roles.entries()[*e].role, h))
                text = fmt::format("Detected change in role definitions: Host '{}' can't handle role '{}' anymore.",
                                   name(h), r.role);
            if (text.empty()) kept.push_back(r);
            else if (warned.insert(text).second) out.log.log(LogLevel::Warn, text);
        }
        return kept;
    };
    for (std::size_t h = 0; h < n; ++h) {
        Sources& s = src[h];
        const StartupReport* rep = nullptr;
        for (const auto& r : reports)
            if (r.host == name(h)) rep = &r;
        bool admin_offline = s.stored_state == HostState::AdminOffline;
        auto unreachable = [&](const std::string& text) {
            if (admin_offline) return;
            if (in.alive[h] && !out.agent_down[h]) {
                out.log.log(LogLevel::Error, fmt::format("Can't reach agent on host '{}'", name(h)));
                out.agent_down[h] = 1;
            }
            out.log.log(LogLevel::Error, text);
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
            if (const auto* m = config.find_host_by_ip(src[h].system->master_ip)) replicates_from[h] = host_index(config, m->name);

    // Votes per role IP (§10.2).
    const bool manual = in.manual;
    std::size_t host_width = 6, role_width = 4;
    for (const auto& h : config.hosts) host_width = std::max(host_width, h.name.size());
    for (const auto& r : config.roles) role_width = std::max(role_width, r.name.size());
    role_width += 17;
    std::vector<std::string> role_rows;
    for (std::size_t e = 0; e < roles.entries().size(); ++e) {
        const auto& entry = roles.entries()[e];
        const std::string& role = roles.role(entry.role).name;
        const bool is_am = roles.active_master_role() == entry.role;
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
                    if (config.hosts[o].mode == HostMode::Slave && replicates_from[o] == h) ++votes;
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
            out.log.log(LogLevel::Warn, fmt::format("Role '{}' was configured on {} hosts during monitor startup.",
                                                 RoleIp{role, entry.ip}.to_string(), configured_on));
            if (is_am) out.conflict = true;
        }
        if (!winner) continue;
        out.wins.emplace_back(e, *winner);
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
        std::string master = config.hosts[h].mode == HostMode::Master ? "-"
                             : !s.system                                ? "?"
                             : replicates_from[h]                       ? name(*replicates_from[h])
                                                                        : s.system->master_ip;
        std::string writable = !s.system ? "?" : s.system->writable ? "Yes" : "No";
        table += fmt::format("\n    {}  {}  {}  {}  {}", pad(name(h), host_width), pad(master, host_width),
                             pad(writable, 8), pad(s.stored_state ? to_string(*s.stored_state) : "?", 16),
                             pad(s.agent ? s.agent->state : "?", 16));
    }
    out.log.log(LogLevel::Info, table);
    out.table = std::move(table);

    for (std::size_t h = 0; h < n; ++h) {
        out.states.push_back(src[h].state);
        out.failed_as_active_master.push_back(src[h].failed_as_active_master ? 1 : 0);
    }
    return out;
}

}  // namespace mmm::monitor
