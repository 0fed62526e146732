// The persisted monitor status: host states, role lists and mode, in a versioned text format (§10.1, extended);
// mysql-mmm 2.2's file (§10.1 as it is) is read too.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "common/states.hpp"
#include "monitor/core/plan.hpp"

namespace mmm::monitor {

// Version 1: host|STATE|roles. Version 2 adds an optional fourth field of host flags; it is written only when some
// host has a flag, so a file without flags stays version 1 and readable by monitors that know only version 1.
// Version 3 adds the monitor's role-assignment epoch to the header (" epoch=<n>", issue 10); host lines as in
// version 2. Written whenever the epoch is known (always, by a started monitor).
inline constexpr int status_file_version = 3;

struct StoredHost {
    std::string host;
    HostState state = HostState::Unknown;
    std::vector<RoleIp> roles;  // sorted
    bool failed_as_active_master = false;  // flag "failed_active_master" (version 2)
    bool operator==(const StoredHost&) const = default;
};

// Who wrote the file: mmm (header with version and mode) or mysql-mmm 2.2 (host lines only, no mode).
enum class StatusFileFormat { Mmm, MysqlMmm };

struct StoredStatus {
    StatusFileFormat format = StatusFileFormat::Mmm;  // what parse_status_file read; always written as Mmm
    MonitorMode mode = MonitorMode::Active;           // Mmm only: mysql-mmm's file stores no mode
    std::uint64_t epoch = 0;                          // version 3; 0 = none stored (versions 1-2, mysql-mmm)
    std::vector<StoredHost> hosts;  // config order
    bool operator==(const StoredStatus&) const = default;
};

// The file text:
//   # mmm-status 1 mode=ACTIVE
//   db1|ONLINE|reader(192.168.0.51),writer(192.168.0.50)
//   db2|AWAITING_RECOVERY|
// or, when a host has flags:
//   # mmm-status 2 mode=ACTIVE
//   db1|AWAITING_RECOVERY||failed_active_master
//   db2|ONLINE|reader(192.168.0.52),writer(192.168.0.50)
// or, with an epoch (any flags as in version 2):
//   # mmm-status 3 mode=ACTIVE epoch=42
//   db1|ONLINE|reader(192.168.0.51),writer(192.168.0.50)
std::string format_status_file(const StoredStatus& status);

// Parses the text; errors name the file and line: "/var/lib/mysql-mmm/mmm_mond.status:3: unknown state 'BOGUS'".
// A file without the header line is mysql-mmm's (format MysqlMmm, version 1 lines):
//   db1|ONLINE|reader(192.168.0.51),writer(192.168.0.50)
//   db2|AWAITING_RECOVERY|
// A file that is neither, has a newer version or a malformed line is an error.
Result<StoredStatus> parse_status_file(std::string_view text, std::string_view file_name);

}  // namespace mmm::monitor
