// Semi-synchronous replication as the rep_threads check reads it from a MariaDB server (issue 11).
#pragma once

#include <string>

namespace mmm::monitor {

struct SemiSyncStatus {
    bool master_enabled = false;  // @@rpl_semi_sync_master_enabled
    bool master_on = false;       // Rpl_semi_sync_master_status: OFF while enabled = fell back to asynchronous
    long master_clients = 0;      // Rpl_semi_sync_master_clients: registered semi-sync replicas
    bool slave_enabled = false;   // @@rpl_semi_sync_slave_enabled
    bool slave_on = false;        // Rpl_semi_sync_slave_status
    bool operator==(const SemiSyncStatus&) const = default;

    bool any_enabled() const { return master_enabled || slave_enabled; }
    // The master side waits for acknowledgements but gets none: commits are acknowledged to clients again before any
    // replica has them.
    bool fell_back() const { return master_enabled && !master_on; }
};

// "master ON (2 replicas), replica ON" / "master enabled but OFF (fell back to asynchronous, 0 replicas), replica off"
std::string describe(const SemiSyncStatus& s);

}  // namespace mmm::monitor
