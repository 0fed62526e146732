// Role IP assignment and the placement rules: orphans, preferences and balancing (§5.1-5.2).
#include "monitor/core/role_table.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace mmm::monitor {

RoleTable::RoleTable(const Config& config)
    : roles_(config.roles),
      role_entries_(config.roles.size()),
      allowed_(config.roles.size(), std::vector<char>(config.hosts.size(), 0)),
      role_hosts_(config.roles.size()),
      halves_(config.hosts.size(), 0),
      host_entries_(config.hosts.size()),
      generation_(config.hosts.size(), 0) {
    for (const auto& h : config.hosts) host_names_.push_back(h.name);
    for (std::size_t r = 0; r < roles_.size(); ++r) {
        if (roles_[r].name == config.active_master_role && !am_role_) am_role_ = r;
        for (const auto& ip : roles_[r].ips) {
            role_entries_[r].push_back(entries_.size());
            entries_.push_back({r, ip, std::nullopt});
        }
        for (const auto& name : roles_[r].hosts) {
            for (std::size_t h = 0; h < host_names_.size(); ++h) {
                if (host_names_[h] != name || allowed_[r][h]) continue;
                allowed_[r][h] = 1;
                role_hosts_[r].push_back(h);
            }
        }
    }
}

std::optional<std::size_t> RoleTable::find_ip(std::string_view ip) const {
    for (std::size_t e = 0; e < entries_.size(); ++e)
        if (entries_[e].ip == ip) return e;
    return std::nullopt;
}

std::optional<std::size_t> RoleTable::find_role(std::string_view role) const {
    for (std::size_t r = 0; r < roles_.size(); ++r)
        if (roles_[r].name == role) return r;
    return std::nullopt;
}

std::string RoleTable::allowed_list(std::size_t role) const {
    std::string out;
    for (auto h : role_hosts_[role]) out += (out.empty() ? "" : ", ") + host_names_[h];
    return out;
}

void RoleTable::assign(std::size_t entry, std::optional<std::size_t> host) {
    Entry& e = entries_[entry];
    if (e.holder == host) return;
    ++total_generation_;
    if (e.holder) {
        halves_[*e.holder] -= weight(entry);
        ++generation_[*e.holder];
        auto& list = host_entries_[*e.holder];
        list.erase(std::find(list.begin(), list.end(), entry));
    }
    e.holder = host;
    if (host) {
        halves_[*host] += weight(entry);
        ++generation_[*host];
        host_entries_[*host].push_back(entry);
    }
}

std::vector<RoleIp> RoleTable::clear_host(std::size_t host) {
    std::vector<RoleIp> removed = roles_of(host);
    while (!host_entries_[host].empty()) assign(host_entries_[host].back(), std::nullopt);
    return removed;
}

std::vector<RoleIp> RoleTable::roles_of(std::size_t host) const {
    std::vector<RoleIp> out;
    for (auto e : host_entries_[host]) out.push_back({roles_[entries_[e].role].name, entries_[e].ip});
    std::sort(out.begin(), out.end());
    return out;
}

std::optional<std::size_t> RoleTable::holder_of_role(std::size_t role) const {
    if (role_entries_[role].empty()) return std::nullopt;
    return entries_[role_entries_[role].front()].holder;
}

std::optional<std::size_t> RoleTable::active_master_index() const {
    return am_role_ ? holder_of_role(*am_role_) : std::nullopt;
}

std::string RoleTable::active_master() const {
    auto h = active_master_index();
    return h ? host_names_[*h] : std::string();
}

std::optional<std::size_t> RoleTable::find_eligible_host(std::size_t role, const std::vector<char>& eligible) const {
    const auto& prefer = roles_[role].prefer;
    if (!prefer.empty()) {
        for (auto h : role_hosts_[role])
            if (host_names_[h] == prefer && eligible[h]) return h;
    }
    std::optional<std::size_t> best;
    for (auto h : role_hosts_[role])
        if (eligible[h] && (!best || halves_[h] < halves_[*best])) best = h;
    return best;
}

void RoleTable::distribute(const std::vector<char>& all_eligible, bool preferences, Plan& plan,
                           const std::vector<char>* am_eligible) {
    auto eligible_for = [&](std::size_t r) -> const std::vector<char>& {
        return am_eligible && am_role_ == r ? *am_eligible : all_eligible;
    };
    // Orphans: exclusive roles first, then balanced ones; config order within each.
    for (RoleMode pass : {RoleMode::Exclusive, RoleMode::Balanced}) {
        for (std::size_t r = 0; r < roles_.size(); ++r) {
            if (roles_[r].mode != pass) continue;
            for (auto e : role_entries_[r]) {
                if (entries_[e].holder) continue;
                auto host = find_eligible_host(r, eligible_for(r));  // exclusive roles have one IP (config validation)
                if (!host) break;
                assign(e, host);
                plan.log(LogLevel::Info, fmt::format("Orphaned role '{}({})' has been assigned to '{}'", roles_[r].name,
                                                     entries_[e].ip, host_names_[*host]));
            }
        }
    }
    if (preferences) {
        for (std::size_t r = 0; r < roles_.size(); ++r) {
            const auto& prefer = roles_[r].prefer;
            if (prefer.empty() || role_entries_[r].empty()) continue;
            std::optional<std::size_t> target;
            for (auto h : role_hosts_[r])
                if (host_names_[h] == prefer && eligible_for(r)[h]) target = h;
            if (!target || holder_of_role(r) == target) continue;
            for (auto e : role_entries_[r]) {
                if (entries_[e].holder == target) continue;
                std::string from = entries_[e].holder ? host_names_[*entries_[e].holder] : std::string();
                assign(e, target);
                plan.log(LogLevel::Info, fmt::format("Moving role '{}({})' from host '{}' to preferred host '{}'",
                                                     roles_[r].name, entries_[e].ip, from, prefer));
            }
        }
    }
    for (std::size_t r = 0; r < roles_.size(); ++r)
        if (roles_[r].mode == RoleMode::Balanced) balance(r, all_eligible, plan);
}

void RoleTable::balance(std::size_t role, const std::vector<char>& eligible, Plan& plan) {
    int lo = 0, hi = 0, seen = 0;
    for (auto h : role_hosts_[role]) {
        if (!eligible[h]) continue;
        lo = seen == 0 ? halves_[h] : std::min(lo, halves_[h]);
        hi = seen == 0 ? halves_[h] : std::max(hi, halves_[h]);
        ++seen;
    }
    if (seen < 2 || hi - lo <= 2) return;  // already balanced: the common case, without allocating
    std::vector<std::size_t> hosts;
    std::vector<int> counts;
    for (auto h : role_hosts_[role]) {
        if (!eligible[h]) continue;
        hosts.push_back(h);
        counts.push_back(halves_[h]);
    }
    for (;;) {
        std::size_t max = 0, min = 0;
        for (std::size_t i = 1; i < hosts.size(); ++i) {
            if (counts[i] > counts[max]) max = i;
            if (counts[i] < counts[min]) min = i;
        }
        if (counts[max] - counts[min] <= 2) return;  // differ by at most one role (two halves)
        for (auto e : role_entries_[role]) {
            if (entries_[e].holder != hosts[max]) continue;
            assign(e, hosts[min]);
            plan.log(LogLevel::Info, fmt::format("Moving role '{}({})' from host '{}' to host '{}'", roles_[role].name,
                                                 entries_[e].ip, host_names_[hosts[max]], host_names_[hosts[min]]));
            break;
        }
        counts[max] -= 2;
        counts[min] += 2;
    }
}

}  // namespace mmm::monitor
