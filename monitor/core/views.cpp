// Command outputs: `show` (§8.3), `checks` (§8.4) and the help text (§8.2), byte for byte.
#include <algorithm>
#include <ctime>

#include <fmt/format.h>

#include "monitor/core/monitor_core.hpp"

namespace mmm::monitor {

namespace {
// "YYYY/MM/DD HH:MM:SS" in local time, like mysql-mmm's `checks`.
std::string local_time(WallTime t) {
    std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    localtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y/%m/%d %H:%M:%S", &tm);
    return buf;
}
}  // namespace

const std::string& MonitorCore::help_text() {
    static const std::string text =
        "Valid commands are:\n"
        "    help                              - show this message\n"
        "    ping                              - ping monitor\n"
        "    show                              - show status\n"
        "    checks [<host>|all [<check>|all]] - show checks status\n"
        "    set_online <host>                 - set host <host> online\n"
        "    set_offline <host>                - set host <host> offline\n"
        "    mode                              - print current mode.\n"
        "    why                               - where each exclusive role is, and why (or why no failover)\n"
        "    set_active                        - switch into active mode.\n"
        "    set_manual                        - switch into manual mode.\n"
        "    set_passive                       - switch into passive mode.\n"
        "    move_role [--force] <role> <host> - move exclusive role <role> to host <host>\n"
        "                                        (Only use --force if you know what you are doing!)\n"
        "    set_ip <ip> <host>                - set role with ip <ip> to host <host>\n";
    return text;
}

ClusterView MonitorCore::view() const {
    ClusterView v;
    v.mode = mode_;
    if (mode_ == MonitorMode::Passive) v.passive_cause = passive_cause_;
    for (const auto& [host, h] : index_)  // index_ is sorted by name
        if (hosts_[h].agent_down) v.warnings.push_back(fmt::format("agent on host {} is not reachable", host));
    v.agent_warnings = v.warnings.size();
    for (const auto& warning : configuration_warnings_) v.warnings.push_back(warning);
    for (auto& warning : writer_warnings()) v.warnings.push_back(std::move(warning));
    if (const auto am = roles_.active_master_index(); am && semisync_[*am].status && semisync_[*am].status->fell_back())
        v.warnings.push_back(fmt::format("semi-sync replication on the active master {} fell back to asynchronous: "
                                         "acknowledged writes may exist on it only",
                                         name(*am)));
    for (const auto& [host, h] : index_)
        if (auto errant = errant_of(h); !errant.empty())
            v.warnings.push_back(fmt::format("host {} gets no role: {}", host, errant));
    for (const auto& [host, h] : index_)
        v.hosts.push_back({host, config_.hosts[h].ip, config_.hosts[h].mode, hosts_[h].state, shown_roles(h)});
    for (std::size_t r = 0; r < config_.roles.size(); ++r) {
        const RoleConfig& role = config_.roles[r];
        if (role.prefer.empty()) continue;
        const auto holder = roles_.holder_of_role(r);
        v.preferences.push_back({role.name, role.prefer, holder ? std::optional<std::string>(name(*holder)) : std::nullopt});
    }
    return v;
}

std::string MonitorCore::show() const { return render_show(view()); }

// The roles `show` lists for a host: its assignment, but the active master role only once its agent confirmed a status
// that gives it (issue 10: `show` never lists as writer a host that has not confirmed it took the role).
std::vector<RoleIp> MonitorCore::shown_roles(std::size_t h) const {
    auto roles = roles_.roles_of(h);
    if (mode_ == MonitorMode::Passive || writer_confirmed(h)) return roles;  // PASSIVE tells nobody: the table as is
    const auto writer = writer_roles_of(h);
    std::erase_if(roles, [&](const RoleIp& r) { return std::binary_search(writer.begin(), writer.end(), r); });
    return roles;
}

bool MonitorCore::writer_confirmed(std::size_t h) const {
    const auto writer = writer_roles_of(h);
    if (writer.empty()) return true;
    const auto& confirmed = hosts_[h].confirmed;
    if (!confirmed) return false;
    return std::all_of(writer.begin(), writer.end(), [&](const RoleIp& r) {
        return std::binary_search(confirmed->roles.begin(), confirmed->roles.end(), r);
    });
}

// "# Warning: ..." lines about the active master role: given but not confirmed yet, a candidate whose agent could not
// take it, no holder.
std::vector<std::string> MonitorCore::writer_warnings() const {
    const auto role = roles_.active_master_role();
    if (!role || mode_ == MonitorMode::Passive) return {};
    std::vector<std::string> out;
    if (!cut_off_warning_.empty()) out.push_back(cut_off_warning_);
    const std::string& role_name = roles_.role(*role).name;
    for (const auto& [host, h] : index_) {
        if (!writer_refused(h)) continue;
        const auto left = std::chrono::ceil<std::chrono::seconds>(*hosts_[h].writer_refused_until - now_);
        out.push_back(fmt::format("host {} is no candidate for role {} for {} s more: {}", host, role_name,
                                  left.count(), hosts_[h].writer_refusal));
    }
    const auto am = roles_.active_master_index();
    if (am && !writer_confirmed(*am)) {
        const auto wait = writer_wait(*am);
        out.push_back(fmt::format("role {} is assigned to {}, which has not confirmed it yet ({})",
                                  display_roles(writer_roles_of(*am)), name(*am),
                                  wait ? fmt::format("waiting for the writer lease of {}", name(wait->holder))
                                       : std::string("waiting for its agent")));
    } else if (!am && !out.empty()) {
        out.push_back(fmt::format("role {} has no holder: no other candidate is ONLINE", role_name));
    }
    return out;
}

std::string MonitorCore::checks_text(const std::vector<std::string>& args) const {
    std::vector<CheckRow> rows;
    if (auto error = check_rows(args, rows)) return *error;
    const bool all = args.empty() || args[0] == "all";
    const bool one_kind = args.size() > 1 && args[1] != "all";
    std::size_t width = 0;
    if (all)
        for (const auto& r : rows) width = std::max(width, name(r.host).size());
    auto line = [&](const CheckRow& r) {
        return fmt::format("{:<{}}  {:<{}}  [last change: {}]  {}", name(r.host), width, r.check, one_kind ? 0 : 11,
                           local_time(r.last_change), r.message);
    };
    if (one_kind && !all) return line(rows.front());  // the one answer without a newline
    std::string out;
    for (const auto& r : rows) out += line(r) + "\n";
    return out;
}

nlohmann::json MonitorCore::checks_json(const std::vector<std::string>& args) const {
    std::vector<CheckRow> rows;
    if (auto error = check_rows(args, rows)) return {{"error", *error}};
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : rows)
        out.push_back({{"host", name(r.host)},
                       {"check", r.check},
                       {"ok", r.message.starts_with("OK")},
                       {"last_change", local_time(r.last_change)},
                       {"message", r.message}});
    return out;
}

std::optional<std::string> MonitorCore::check_rows(const std::vector<std::string>& args,
                                                   std::vector<CheckRow>& rows) const {
    std::string host = args.size() > 0 ? args[0] : "all";
    std::string check = args.size() > 1 ? args[1] : "all";
    std::optional<CheckKind> kind;
    if (check != "all") {
        kind = parse_check_kind(check);
        if (!kind) return fmt::format("ERROR: Unknown check '{}'!", check);
    }
    std::vector<std::size_t> hosts;
    if (host == "all") {
        for (std::size_t h = 0; h < hosts_.size(); ++h) hosts.push_back(h);
    } else {
        auto h = find(host);
        if (!h) return fmt::format("ERROR: Unknown host name '{}'!", host);
        hosts.push_back(*h);
        if (kind && !check_applies(config_.hosts[*h].mode, *kind))
            return fmt::format("ERROR: Check '{}' does not run on host '{}' (mode {})!", check, host,
                               to_string(config_.hosts[*h].mode));
    }
    for (auto h : hosts) {
        for (auto k : all_check_kinds) {
            if ((kind && k != *kind) || !check_applies(config_.hosts[h].mode, k)) continue;
            const CheckStatus& s = checks_.status(h, k);
            rows.push_back({h, std::string(to_string(k)), s.last_change.wall, s.message});
        }
        if (kind) continue;
        if (auto semisync = semisync_line(h))  // only where semi-sync is enabled: mysql-mmm's output otherwise
            rows.push_back({h, "semisync", semisync_[h].since.wall, *semisync});
    }
    return std::nullopt;
}

nlohmann::json MonitorCore::show_json() const {
    const ClusterView v = view();
    nlohmann::json hosts = nlohmann::json::array();
    for (const auto& h : v.hosts) {
        nlohmann::json roles = nlohmann::json::array();
        for (const auto& r : h.roles) roles.push_back({{"role", r.role}, {"ip", r.ip}});
        const auto index = find(h.name);
        hosts.push_back({{"name", h.name},
                         {"ip", h.ip},
                         {"mode", std::string(to_string(h.mode))},
                         {"state", std::string(to_string(h.state))},
                         {"roles", roles},
                         {"agent_reachable", !(index && hosts_[*index].agent_down)}});
    }
    nlohmann::json notes = nlohmann::json::array();
    for (const auto& p : v.preferences) notes.push_back(preference_note(p));
    return {{"mode_passive", v.mode == MonitorMode::Passive},
            {"passive_cause", v.mode == MonitorMode::Passive ? v.passive_cause : std::string()},
            {"hosts", hosts},
            {"warnings", std::vector<std::string>(v.warnings.begin() + static_cast<std::ptrdiff_t>(v.agent_warnings),
                                                  v.warnings.end())},
            {"notes", notes}};
}

}  // namespace mmm::monitor
