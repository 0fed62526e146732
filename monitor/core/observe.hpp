// What the monitor knows, as data for the HTTP endpoint (issue 13): the core's status (StatusView), the shell's
// measurements (ServiceStats), and pure renderers: Prometheus text, the /api/status JSON, the "why" answers.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/config.hpp"
#include "common/result.hpp"
#include "common/states.hpp"
#include "common/time.hpp"
#include "monitor/core/plan.hpp"
#include "monitor/core/semisync.hpp"

namespace mmm::monitor {

struct StatusView {
    struct Check {
        bool ok = false;
        std::string message;
        WallTime last_change{};
    };
    struct Host {
        std::string name;
        std::string ip;
        HostMode mode = HostMode::Slave;
        HostState state = HostState::Unknown;
        WallTime state_since{};
        std::vector<RoleIp> roles;  // as `show` lists them
        std::array<Check, check_kind_count> checks{};  // indexed by CheckKind
        bool agent_up = true;
        bool flapping = false;
        std::string errant;  // "" = none known
        std::optional<SemiSyncStatus> semisync;  // as the last rep_threads check read it (nullopt: not read)
    };
    struct RoleHolder {
        std::string ip;
        std::optional<std::string> host;  // nullopt: orphaned
    };
    struct Role {
        std::string name;
        RoleMode mode = RoleMode::Balanced;
        std::string prefer;
        std::vector<RoleHolder> ips;  // config order
    };
    // For each exclusive role: who holds it, and why it is where it is (or nowhere).
    struct Why {
        std::string role;
        std::optional<std::string> holder;  // its confirmed holder
        std::string text;                   // one paragraph
        std::vector<std::string> blocked;   // reasons a failover does not (or did not) happen, as short keys
    };
    // A finished move of the active master role (a failover, or a switch: move_role, set_offline of a healthy
    // writer): when, from where to where, and how long its phases took (nullopt: not known).
    struct WriterMove {
        std::string type;    // "failover" or "switch"
        std::string result;  // "ok" (the new writer confirmed it) or "refused" (its agent could not take it)
        std::string from, to;
        WallTime at{};
        // A failover's old writer's first failing ping/mysql sample -> the new writer told (detection, the decision,
        // the old writer's fencing and binlog salvage).
        std::optional<double> detect_and_fence_seconds;
        std::optional<double> promote_seconds;  // the new writer told -> it confirmed (catch-up, writable, the VIP)
    };
    MonitorMode mode = MonitorMode::Active;
    std::string passive_cause;
    bool started = false;  // the start-up checks have run
    bool network_ok = true;
    bool plan_running = false;
    std::optional<std::string> active_master;  // confirmed
    std::string active_master_role;            // its role's name (config.active_master_role)
    std::vector<std::string> warnings;
    std::vector<Host> hosts;  // config order
    std::vector<Role> roles;  // config order
    std::vector<Why> why;
    std::vector<WriterMove> writer_moves;  // the last ones, oldest first
    std::map<std::pair<std::string, std::string>, std::uint64_t> writer_move_counts;  // (type, result) -> count
};

// Where a host replicates from, as SHOW SLAVE STATUS (or SHOW REPLICA STATUS) says it; the rep_threads check reads it.
struct ReplicaSource {
    std::string master_host;  // Master_Host as read: an address or a name
    std::uint16_t master_port = 3306;
    std::string io_running;   // Slave_IO_Running: Yes, No, Connecting
    std::string sql_running;  // Slave_SQL_Running: Yes, No
    std::string gtid_io_pos;  // MariaDB's Gtid_IO_Pos ("" on MySQL)
};

// Measured by the shell: check durations, what the probes read beside their verdict, agent contacts.
struct ServiceStats {
    static constexpr std::array<double, 11> duration_buckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                             0.5,   1,    2.5,   5,    10};
    struct Histogram {
        std::array<std::uint64_t, duration_buckets.size()> buckets{};  // cumulative counts are rendered
        std::uint64_t count = 0;
        double sum = 0;
        void add(double seconds);
    };
    struct Replication {
        std::string source;  // the configured host at Master_Host:Master_Port, else Master_Host as read
        std::string io_running;
        std::string sql_running;
        std::string gtid_io_pos;
    };
    struct HostSeen {
        std::optional<bool> read_only;       // @@read_only at the last mysql check
        std::optional<double> lag_seconds;   // Seconds_Behind_Master at the last rep_backlog check (nullopt: NULL)
        std::optional<WallTime> agent_contact;  // the last answer of its agent
        // The replica status at the last rep_threads check: nullopt when the host replicates from nobody, or when it
        // is not known (replication_known: false until a check read it, and again while the last one could not).
        std::optional<Replication> replication;
        bool replication_known = false;
    };
    // Several monitors on etcd (issue 14): filled by the shell when it renders.
    struct Coordination {
        bool leader = false;           // this monitor leads
        std::string leader_address;    // "ip:port" of the leader as last read ("" = none known)
        std::uint64_t etcd_requests = 0;
        std::string etcd_error;        // the last etcd call's error ("" = it worked)
    };
    std::optional<Coordination> coordination;
    std::array<Histogram, check_kind_count> check_durations{};  // indexed by CheckKind
    std::map<std::string, HostSeen> hosts;

    // What a rep_threads check read (an error: it could not connect or query); `hosts_config` names the source.
    void replica_status_read(const std::string& host, const Result<std::optional<ReplicaSource>>& read,
                             const std::vector<HostConfig>& hosts_config);
};

std::string build_version();

// Prometheus text exposition format 0.0.4.
std::string render_metrics(const StatusView& view, const ServiceStats& stats, WallTime now);
// GET /api/status.
nlohmann::json status_json(const StatusView& view, const ServiceStats& stats);
// GET /api/why and `mmm_control why`.
nlohmann::json why_json(const StatusView& view);
std::string why_text(const StatusView& view);

}  // namespace mmm::monitor
