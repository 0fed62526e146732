// String forms of the shared enums, exactly as mysql-mmm prints and parses them.
#include "common/states.hpp"

#include <algorithm>
#include <cctype>
#include <string>

namespace mmm {

std::string_view to_string(HostState s) {
    switch (s) {
    case HostState::Online: return "ONLINE";
    case HostState::AdminOffline: return "ADMIN_OFFLINE";
    case HostState::HardOffline: return "HARD_OFFLINE";
    case HostState::AwaitingRecovery: return "AWAITING_RECOVERY";
    case HostState::ReplicationDelay: return "REPLICATION_DELAY";
    case HostState::ReplicationFail: return "REPLICATION_FAIL";
    case HostState::Unknown: return "UNKNOWN";
    }
    return "UNKNOWN";
}

std::string_view to_string(HostMode m) {
    switch (m) {
    case HostMode::Master: return "master";
    case HostMode::Slave: return "slave";
    case HostMode::Galera: return "galera";
    }
    return "slave";
}
std::string_view to_string(RoleMode m) { return m == RoleMode::Exclusive ? "exclusive" : "balanced"; }

std::string_view to_string(MonitorMode m) {
    switch (m) {
    case MonitorMode::Active: return "ACTIVE";
    case MonitorMode::Manual: return "MANUAL";
    case MonitorMode::Wait: return "WAIT";
    case MonitorMode::Passive: return "PASSIVE";
    }
    return "ACTIVE";
}

std::string_view to_string(CheckKind k) {
    switch (k) {
    case CheckKind::Ping: return "ping";
    case CheckKind::Mysql: return "mysql";
    case CheckKind::RepThreads: return "rep_threads";
    case CheckKind::RepBacklog: return "rep_backlog";
    case CheckKind::Wsrep: return "wsrep";
    }
    return "ping";
}

namespace {
template <typename E, std::size_t N>
std::optional<E> lookup(std::string_view text, const std::array<E, N>& values, bool case_insensitive) {
    for (E v : values) {
        const auto name = to_string(v);
        if (name.size() != text.size()) continue;
        bool same = true;
        for (std::size_t i = 0; i < name.size() && same; ++i) {
            const auto a = static_cast<unsigned char>(name[i]);
            const auto b = static_cast<unsigned char>(text[i]);
            same = case_insensitive ? std::tolower(a) == std::tolower(b) : a == b;
        }
        if (same) return v;
    }
    return std::nullopt;
}
}  // namespace

std::optional<HostState> parse_host_state(std::string_view text) {
    return lookup(text,
                  std::array{HostState::Online, HostState::AdminOffline, HostState::HardOffline,
                             HostState::AwaitingRecovery, HostState::ReplicationDelay, HostState::ReplicationFail,
                             HostState::Unknown},
                  false);
}
std::optional<HostMode> parse_host_mode(std::string_view text) {
    return lookup(text, std::array{HostMode::Master, HostMode::Slave, HostMode::Galera}, false);
}
std::optional<RoleMode> parse_role_mode(std::string_view text) {
    return lookup(text, std::array{RoleMode::Exclusive, RoleMode::Balanced}, false);
}
std::optional<MonitorMode> parse_monitor_mode(std::string_view text) {
    return lookup(text, std::array{MonitorMode::Active, MonitorMode::Manual, MonitorMode::Wait, MonitorMode::Passive},
                  true);
}
std::optional<CheckKind> parse_check_kind(std::string_view text) { return lookup(text, all_check_kinds, false); }

}  // namespace mmm
