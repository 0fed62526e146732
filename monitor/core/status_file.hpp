// The persisted monitor status: host states, role lists and mode, in a versioned text format (§10.1, extended).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "common/states.hpp"
#include "monitor/core/plan.hpp"

namespace mmm::monitor {

inline constexpr int status_file_version = 1;

struct StoredHost {
    std::string host;
    HostState state = HostState::Unknown;
    std::vector<RoleIp> roles;  // sorted
    bool operator==(const StoredHost&) const = default;
};

struct StoredStatus {
    MonitorMode mode = MonitorMode::Active;
    std::vector<StoredHost> hosts;  // config order
    bool operator==(const StoredStatus&) const = default;
};

// The file text:
//   # mmm-status 1 mode=ACTIVE
//   db1|ONLINE|reader(192.168.0.51),writer(192.168.0.50)
//   db2|AWAITING_RECOVERY|
std::string format_status_file(const StoredStatus& status);

// Parses the text; errors name the file and line: "/var/lib/mysql-mmm/mmm_mond.status:3: unknown state 'BOGUS'".
// A file without the header line, with a newer version or with a malformed line is an error.
Result<StoredStatus> parse_status_file(std::string_view text, std::string_view file_name);

}  // namespace mmm::monitor
