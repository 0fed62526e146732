// The start-up check of a Galera cluster's server settings (issue 15), as a pure function from what the monitor
// read on each node to the problems it finds: what a replica of the cluster needs to be repointed by GTID.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "monitor/core/master_sanity.hpp"

namespace mmm::monitor {

// What the shell read on one Galera node (nullopt: could not be read).
struct GaleraNodeSettings {
    std::string host;
    std::optional<std::string> failure;  // the server could not be asked
    std::optional<bool> wsrep_on;
    std::optional<bool> wsrep_gtid_mode;
    std::optional<long long> wsrep_gtid_domain_id;
    std::optional<long long> gtid_domain_id;
    std::optional<long long> server_id;
    std::optional<bool> log_bin;
    std::optional<bool> log_slave_updates;
};

// The statement that reads them, one row in this column order.
inline constexpr const char* galera_settings_statement =
    "SELECT @@global.wsrep_on, @@global.wsrep_gtid_mode, @@global.wsrep_gtid_domain_id, @@global.gtid_domain_id, "
    "@@global.server_id, @@global.log_bin, @@global.log_slave_updates";

// Problems (logged as errors and shown by `show` as "# Warning:"), and nodes that could not be asked (Skipped).
// `replicas`: the cluster has asynchronous replicas (mode slave hosts), which need GTIDs that are the same on every
// node: wsrep_gtid_mode, one wsrep_gtid_domain_id and one server_id on all nodes, log_bin and log_slave_updates.
std::vector<SanityWarning> galera_setting_warnings(const std::vector<GaleraNodeSettings>& nodes, bool replicas);

}  // namespace mmm::monitor
