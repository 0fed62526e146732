// Asks one active master candidate what the master-master sanity check needs (spec §1.3.1 step 8).
#pragma once

#include <asio/awaitable.hpp>

#include "common/config.hpp"
#include "monitor/checks/prober.hpp"
#include "monitor/core/galera_sanity.hpp"
#include "monitor/core/master_sanity.hpp"

namespace mmm::monitor {

// Connects with the monitor's credentials and reads SHOW SLAVE STATUS' Master_Host and @@auto_increment_offset /
// @@auto_increment_increment into `seen` (host, ip and mysql_check_ok are the caller's), all by `deadline`.
// A failed connect or a deadline sets `seen.failure`; a failed statement leaves its values empty, as mysql-mmm.
asio::awaitable<MasterObservation> observe_master(const HostConfig& host, MasterObservation seen, SteadyTime deadline,
                                                  Duration timeout);

// Reads a Galera node's settings (galera_settings_statement) by `deadline`; a failed connect, statement or deadline
// sets `failure`.
asio::awaitable<GaleraNodeSettings> observe_galera_node(const HostConfig& host, SteadyTime deadline, Duration timeout);

}  // namespace mmm::monitor
