// RoleTable: which host holds each role IP, role counts per host, and the placement rules of §5.2.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/config.hpp"
#include "monitor/core/plan.hpp"

namespace mmm::monitor {

class RoleTable {
public:
    struct Entry {
        std::size_t role = 0;                // index into config.roles
        std::string ip;
        std::optional<std::size_t> holder;   // host index; nullopt = orphaned
    };

    explicit RoleTable(const Config& config);

    const std::vector<Entry>& entries() const { return entries_; }
    std::optional<std::size_t> find_ip(std::string_view ip) const;  // entry index
    std::optional<std::size_t> find_role(std::string_view role) const;  // role index
    const RoleConfig& role(std::size_t r) const { return roles_[r]; }
    bool allowed(std::size_t role, std::size_t host) const { return allowed_[role][host]; }
    // Hosts allowed for the role, config-list order, joined with ", " (for error texts).
    std::string allowed_list(std::size_t role) const;

    void assign(std::size_t entry, std::optional<std::size_t> host);
    // Removes every role of the host; returns what was removed (sorted).
    std::vector<RoleIp> clear_host(std::size_t host);
    std::vector<RoleIp> roles_of(std::size_t host) const;  // sorted by role name, then IP string
    bool holds_any(std::size_t host) const { return halves_[host] > 0; }
    // count_host_roles in halves: the active-master role's IPs count 1, every other IP 2.
    int halves(std::size_t host) const { return halves_[host]; }
    // Bumped whenever the host's role list changes (cheap "did anything change since I sent it" tests).
    std::uint64_t generation(std::size_t host) const { return generation_[host]; }
    std::uint64_t total_generation() const { return total_generation_; }

    // The holder of a role: the holder of its first IP.
    std::optional<std::size_t> holder_of_role(std::size_t role) const;
    std::optional<std::size_t> active_master_index() const;
    std::string active_master() const;
    std::optional<std::size_t> active_master_role() const { return am_role_; }
    bool can_be_active_master(std::size_t host) const { return am_role_ && allowed(*am_role_, host); }

    // §5.2 steps 2-4 on hosts with eligible[h] (ONLINE, agent up): orphans (exclusive roles first), then
    // preferences (when `preferences`), then balancing. Logs each move in `plan`. `am_eligible` (default: eligible)
    // narrows the candidates for the active master role (e.g. a host whose agent could not take it).
    void distribute(const std::vector<char>& eligible, bool preferences, Plan& plan,
                    const std::vector<char>* am_eligible = nullptr);

private:
    std::optional<std::size_t> find_eligible_host(std::size_t role, const std::vector<char>& eligible) const;
    void balance(std::size_t role, const std::vector<char>& eligible, Plan& plan);
    int weight(std::size_t entry) const { return entries_[entry].role == am_role_ ? 1 : 2; }

    std::vector<RoleConfig> roles_;              // config order
    std::vector<std::string> host_names_;        // config order
    std::vector<Entry> entries_;                 // role config order, then IP config order
    std::vector<std::vector<std::size_t>> role_entries_;  // role index -> entry indices
    std::vector<std::vector<char>> allowed_;      // [role][host]
    std::vector<std::vector<std::size_t>> role_hosts_;    // role index -> host indices in the role's list order
    std::vector<int> halves_;                     // per host
    std::vector<std::vector<std::size_t>> host_entries_;  // per host: the entries it holds
    std::vector<std::uint64_t> generation_;       // per host
    std::uint64_t total_generation_ = 0;
    std::optional<std::size_t> am_role_;
};

}  // namespace mmm::monitor
