// The shared vocabulary: host states, host modes, role modes, monitor modes and check kinds, in MMM's spelling.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace mmm {

enum class HostState {
    Online,
    AdminOffline,
    HardOffline,
    AwaitingRecovery,
    ReplicationDelay,
    ReplicationFail,
    Unknown,
};

enum class HostMode { Master, Slave, Galera };
enum class RoleMode { Exclusive, Balanced };
enum class MonitorMode { Active, Manual, Wait, Passive };
enum class CheckKind { Ping, Mysql, RepThreads, RepBacklog, Wsrep };

// Display order of checks everywhere (`checks` output, status files): ping, mysql, rep_threads, rep_backlog, wsrep.
inline constexpr std::size_t check_kind_count = 5;
inline constexpr std::array<CheckKind, check_kind_count> all_check_kinds{
    CheckKind::Ping, CheckKind::Mysql, CheckKind::RepThreads, CheckKind::RepBacklog, CheckKind::Wsrep};

// Which checks run on a host of this mode: the replication checks on masters and slaves, the wsrep check (Galera
// membership) on Galera nodes; ping and mysql everywhere.
constexpr bool check_applies(HostMode mode, CheckKind check) {
    if (check == CheckKind::Wsrep) return mode == HostMode::Galera;
    if (check == CheckKind::RepThreads || check == CheckKind::RepBacklog) return mode != HostMode::Galera;
    return true;
}

std::string_view to_string(HostState s);   // "ONLINE", "HARD_OFFLINE", ...
std::string_view to_string(HostMode m);    // "master", "slave", "galera"
std::string_view to_string(RoleMode m);    // "exclusive", "balanced"
std::string_view to_string(MonitorMode m); // "ACTIVE", "MANUAL", "WAIT", "PASSIVE"
std::string_view to_string(CheckKind k);   // "ping", "mysql", "rep_threads", "rep_backlog", "wsrep"

std::optional<HostState> parse_host_state(std::string_view text);
std::optional<HostMode> parse_host_mode(std::string_view text);
std::optional<RoleMode> parse_role_mode(std::string_view text);
std::optional<MonitorMode> parse_monitor_mode(std::string_view text);  // case-insensitive: "active", "ACTIVE"
std::optional<CheckKind> parse_check_kind(std::string_view text);

}  // namespace mmm
