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
    }
    std::size_t width = 0;
    if (host == "all")
        for (auto h : hosts) width = std::max(width, name(h).size());
    auto line = [&](std::size_t h, CheckKind k, std::size_t check_width) {
        const CheckStatus& s = checks_.status(h, k);
        return fmt::format("{:<{}}  {:<{}}  [last change: {}]  {}", name(h), width, to_string(k), check_width,
                           local_time(s.last_change.wall), s.message);
    };
    if (kind && host != "all") return line(hosts.front(), *kind, 0);  // the one answer without a newline
    std::string out;
    for (auto h : hosts) {
        if (kind) {
            out += line(h, *kind, 0) + "\n";
            continue;
        }
        for (auto k : all_check_kinds) out += line(h, k, 11) + "\n";
        if (auto semisync = semisync_line(h))  // only where semi-sync is enabled: mysql-mmm's output otherwise
            out += fmt::format("{:<{}}  {:<11}  [last change: {}]  {}\n", name(h), width, "semisync",
                               local_time(semisync_[h].since.wall), *semisync);
    }
    return out;
}

}  // namespace mmm::monitor
