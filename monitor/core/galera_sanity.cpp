// The start-up check of a Galera cluster's server settings: MariaDB's rules for GTIDs in a Galera cluster.
#include "monitor/core/galera_sanity.hpp"

#include <fmt/format.h>

namespace mmm::monitor {

namespace {
// "db1: 10, db2: 11" when the nodes that answered do not all have the same value; empty when they do.
template <typename Get>
std::string differing(const std::vector<GaleraNodeSettings>& nodes, Get get) {
    std::string list;
    std::optional<long long> first;
    bool differ = false;
    for (const auto& n : nodes) {
        const std::optional<long long> v = get(n);
        if (!v) continue;
        if (first && *first != *v) differ = true;
        if (!first) first = v;
        list += fmt::format("{}{}: {}", list.empty() ? "" : ", ", n.host, *v);
    }
    return differ ? list : std::string();
}
}  // namespace

std::vector<SanityWarning> galera_setting_warnings(const std::vector<GaleraNodeSettings>& nodes, bool replicas) {
    std::vector<SanityWarning> out;
    const auto problem = [&](std::string text) { out.push_back({SanityFinding::Problem, std::move(text)}); };
    const std::string why = "a replica of the cluster is repointed by GTID, which needs";
    for (const auto& n : nodes) {
        if (n.failure) {
            out.push_back({SanityFinding::Skipped,
                           fmt::format("Couldn't read the Galera settings of '{}': {}", n.host, *n.failure)});
            continue;
        }
        if (n.wsrep_on == false)
            problem(fmt::format("Host '{}' is a Galera node in the configuration (mode galera) but its server has "
                                "wsrep_on=OFF",
                                n.host));
        if (n.gtid_domain_id && n.wsrep_gtid_domain_id && *n.gtid_domain_id == *n.wsrep_gtid_domain_id)
            problem(fmt::format("Galera node '{}': gtid_domain_id is the same as wsrep_gtid_domain_id ({}); MariaDB "
                                "asks for a gtid_domain_id of its own on each node, so that a local transaction "
                                "never takes a GTID in the cluster's domain",
                                n.host, *n.wsrep_gtid_domain_id));
        if (!replicas) continue;
        if (n.wsrep_gtid_mode == false)
            problem(fmt::format("Galera node '{}' has wsrep_gtid_mode=OFF: {} wsrep_gtid_mode=ON on every node", n.host,
                                why));
        if (n.log_bin == false)
            problem(fmt::format("Galera node '{}' has no binary log (log_bin=OFF): {} log_bin on every node", n.host,
                                why));
        if (n.log_slave_updates == false)
            problem(fmt::format("Galera node '{}' has log_slave_updates=OFF: {} log_slave_updates=ON on every node, so "
                                "that each binlogs what the others write",
                                n.host, why));
    }
    if (const auto list = differing(nodes, [](const GaleraNodeSettings& n) { return n.wsrep_gtid_domain_id; });
        !list.empty())
        problem(fmt::format("The Galera nodes have different wsrep_gtid_domain_id values ({}): MariaDB needs one value "
                            "on every node of a cluster",
                            list));
    if (replicas)
        if (const auto list = differing(nodes, [](const GaleraNodeSettings& n) { return n.server_id; }); !list.empty())
            problem(fmt::format("The Galera nodes have different server_id values ({}): {} one server_id on every "
                                "node, so that a write set has the same GTID everywhere",
                                list, why));
    return out;
}

}  // namespace mmm::monitor
