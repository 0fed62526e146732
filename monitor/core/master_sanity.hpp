// The master-master sanity check of mysql-mmm's start-up (spec §1.3.1 step 8), as a pure function from what the
// monitor saw on the two active master candidates to mysql-mmm's warning texts.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace mmm::monitor {

// What the shell found out about one host that can hold the active master role.
struct MasterObservation {
    std::string host;                           // host name
    std::string ip;                             // its configured ip (what its peer's Master_Host must be)
    bool mysql_check_ok = true;                 // the initial `mysql` check
    std::optional<std::string> failure;         // the server could not be asked: "<errno> <error text>"
    std::optional<std::string> master_host;     // Master_Host of SHOW SLAVE STATUS; nullopt = no row
    std::optional<long long> auto_increment_increment;  // nullopt = could not be read
    std::optional<long long> auto_increment_offset;
};

// Skipped: the check could not be made (logged only). Problem: the configuration is unsafe (logged, and shown by
// `mmm_control show` as "# Warning: <text>").
enum class SanityFinding { Skipped, Problem };

struct SanityWarning {
    SanityFinding finding = SanityFinding::Problem;
    std::string text;  // mysql-mmm's WARN text
    bool operator==(const SanityWarning&) const = default;
};

// Whether the shell has to ask the servers at all: false with fewer or more than two candidates, or when a
// candidate's mysql check failed (master_master_warnings then says why without any answers).
bool master_master_check_needs_servers(const std::vector<MasterObservation>& masters);

// mysql-mmm's warnings, in its order: fewer than two candidates, a failed mysql check, an unreachable server
// (each of these ends the check), replication not from the peer, auto_increment values that let the masters
// collide. Unlike mysql-mmm, an unreachable server only skips the check (mysql-mmm's monitor died there).
std::vector<SanityWarning> master_master_warnings(const std::vector<MasterObservation>& masters);

}  // namespace mmm::monitor
