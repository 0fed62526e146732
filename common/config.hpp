// The configuration model: one cluster, as plain structs, shared by mmm_mond, mmm_agentd and mmm_control.
#pragma once

#include <array>
#include <cstdint>
#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/duration.hpp"
#include "common/states.hpp"

namespace mmm {

using namespace std::chrono_literals;

enum class SocketType { Plain, Tls };
enum class HoldFailedMaster { No, UnlessClean, Always };

struct SocketConfig {
    SocketType type = SocketType::Plain;
    std::string cert_file;  // PEM certificate (tls)
    std::string key_file;   // private key (tls)
    std::string ca_file;    // CA bundle used to verify the peer (tls)
    bool operator==(const SocketConfig&) const = default;
};

// The monitor's HTTP endpoint (issue 13): /metrics, /health/*, /api/*, the status page.
struct HttpConfig {
    std::string listen;      // "ADDRESS:PORT" ("[v6]:PORT" for IPv6); empty = off
    std::string cert_file;   // HTTPS with this certificate and key_file
    std::string key_file;
    std::string ca_file;     // HTTPS clients must present a certificate signed by this CA
    std::string token_file;  // "Authorization: Bearer <token>": changing commands; every request beyond loopback
    bool operator==(const HttpConfig&) const = default;
};

// A listen address "ADDRESS:PORT" or "[IPv6]:PORT" (an IP literal, port 0-65535: 0 = any free one, for tests);
// nullopt when malformed.
struct ListenAddress {
    std::string address;  // without brackets
    std::uint16_t port = 0;
    bool loopback = false;  // 127.0.0.0/8 or ::1
};
std::optional<ListenAddress> parse_listen_address(std::string_view text);

// An etcd client URL "http://HOST:PORT" or "https://HOST:PORT" (HOST a name or IP literal, "[v6]" bracketed; no
// path); nullopt when malformed.
struct EtcdEndpoint {
    bool tls = false;
    std::string host;  // without brackets
    std::uint16_t port = 0;
    bool operator==(const EtcdEndpoint&) const = default;
};
std::optional<EtcdEndpoint> parse_etcd_endpoint(std::string_view url);

inline HttpConfig default_http() {
    HttpConfig h;
    h.listen = "127.0.0.1:9990";
    return h;
}

// Several monitors, one leader (issue 14): monitor.coordination.
enum class CoordinationType { None, Etcd };
struct CoordinationConfig {
    CoordinationType type = CoordinationType::None;  // none: one monitor and its local status file
    std::vector<std::string> endpoints;              // etcd client URLs, http:// or https://
    std::string prefix;                              // keys under it; empty = "/mmm/<cluster>" (Config::etcd_prefix)
    Duration lease_ttl = 10s;                        // the leader's etcd lease: whole seconds, 2 (etcd's minimum) to 300
    std::string cert_file;                           // https endpoints: client certificate and key (optional pair)
    std::string key_file;
    std::string ca_file;                             // https endpoints: the CA that signed etcd's certificates
    bool operator==(const CoordinationConfig&) const = default;
};

struct MonitorConfig {
    // The control listener address; mmm_control connects here. With several monitors (`ip: [a, b, c]`, see ips) each
    // listens on the entry that is one of its host's addresses (mmm_mond sets ip to it at start).
    std::string ip = "127.0.0.1";
    std::vector<std::string> ips = {"127.0.0.1"};  // every monitor's control address, in the configured order
    // ips when it holds ip, else ip alone (a config built in code that set only ip).
    std::vector<std::string> addresses() const {
        for (const auto& a : ips)
            if (a == ip) return ips;
        return {ip};
    }
    CoordinationConfig coordination;
    std::uint16_t port = 9988;
    std::string pid_path = "/run/mysql-mmm/mmm_mond.pid";
    std::string status_path = "/var/lib/mysql-mmm/mmm_mond.status";
    std::string log_path = "/var/log/mysql-mmm/mmm_mond.log";
    std::string bin_path;                      // legacy: helper directory, only used to resolve kill_host_bin
    Duration ping_interval = 1s;               // between rounds of the monitor's own network check
    std::vector<std::string> ping_ips;         // any answering means the monitor's network works
    Duration flap_duration = 3600s;
    int flap_count = 3;                        // 0 disables flap detection
    Duration auto_set_online = 0s;             // 0 = never
    // A host's replication problems are ignored during its peer's first peer_grace ONLINE (mysql-mmm: a fixed 60 s,
    // MySQL's default MASTER_CONNECT_RETRY: the replica may not have reconnected yet). 0 to 3600 s.
    Duration peer_grace = 60s;
    std::string kill_host_bin;                 // empty = no fencing command
    bool careful_startup = true;               // go PASSIVE on conflicting writer claims at start-up (mysql-mmm code default)
    // A host that failed as the active master waits for set_online while another host holds the writer: UnlessClean
    // (`true`, the default) lets it return by mysql-mmm's rules once its GTID state proves it has no transactions
    // the active master lacks; Always holds it even then; No is mysql-mmm's rules (`false`).
    HoldFailedMaster hold_failed_active_master = HoldFailedMaster::UnlessClean;
    // Before declaring the active master failed, ask the other hosts' agents (CHECK_MASTER) whether they reach it; if
    // one does, the monitor is the one cut off: no failover, a WARN line and a warning in `show` (issue 10).
    bool second_opinion = true;
    // At the active master's first failing check sample, ask its own agent too: when the agent says its server process
    // has exited (and no other runs), the mysql check is reported failed at once, without its trap period.
    bool fail_fast_on_exit = true;
    MonitorMode mode = MonitorMode::Active;    // start-up mode
    Duration wait_for_other_master = 120s;     // WAIT mode; 0 = forever
    Duration status_interval = 3s;             // SET_STATUS heartbeat to every agent
    Duration agent_timeout = 2s;               // connect + reply deadline of one agent call
    Duration kill_host_timeout = 30s;          // deadline of one kill_host_bin run
    // How long the active master's agent may hold the writer role without a renewal (issue 10); 0 = forever
    // (mysql-mmm). Unset = the mysql check's trap_period (Config::writer_lease()).
    std::optional<Duration> writer_lease;
    HttpConfig http = default_http();
    bool operator==(const MonitorConfig&) const = default;
};

struct CheckConfig {
    Duration check_period = 5s;
    Duration trap_period = 10s;
    Duration timeout = 2s;
    int restart_after = 10000;  // accepted for compatibility; has no effect (as in mysql-mmm)
    int max_backlog = 60;       // rep_backlog only: max Seconds_Behind_Master
    bool operator==(const CheckConfig&) const = default;
};

struct HostConfig {
    std::string name;
    std::string ip;
    HostMode mode = HostMode::Slave;
    std::string peer;  // the other master (masters only)
    // A replica of a Galera cluster (slave only): the nodes it may replicate from, in order of preference; empty =
    // the node that holds the active master role.
    std::vector<std::string> sources;
    std::string cluster_interface = "eth0";
    std::uint16_t agent_port = 9989;
    std::uint16_t mysql_port = 3306;
    std::string agent_user;
    std::string agent_password;
    std::string monitor_user;
    std::string monitor_password;
    std::string replication_user;
    std::string replication_password;
    bool operator==(const HostConfig&) const = default;
};

struct RoleConfig {
    std::string name;
    RoleMode mode = RoleMode::Balanced;
    std::vector<std::string> hosts;  // config order
    std::vector<std::string> ips;    // config order
    std::string prefer;              // exclusive roles only; empty = none
    bool operator==(const RoleConfig&) const = default;
};

struct AgentConfig {
    std::string this_host;  // which host this agent is; empty = found by --host or a local address
    std::string pid_path = "/run/mysql-mmm/mmm_agentd.pid";
    std::string state_path;  // the highest accepted epoch; empty = pid_path with ".epoch" for ".pid"
    std::string log_path = "/var/log/mysql-mmm/mmm_agentd.log";
    std::vector<std::string> allowed_monitors;  // empty = monitor.ip unless loopback, else the cluster network
    Duration writer_sync_timeout = 30s;         // catch-up deadline before the writer becomes writable
    Duration repoint_timeout = 30s;             // catch-up + verify deadline of a replica repoint
    Duration recheck_interval = 5s;             // the agent's own reconcile period
    Duration garp_repeat_delay = 2s;            // second gratuitous ARP burst; 0 = none
    int garp_rounds = 5;                        // request+reply pairs per burst
    // Galera nodes: read_only=1 on every node but the writer (single-writer discipline: a client on a reader VIP or a
    // node's own address cannot write); false = read_only is left alone, as on a multi-writer Galera cluster.
    bool galera_read_only = false;
    HttpConfig http;                            // the agent's /metrics; off (empty listen) unless configured
    bool operator==(const AgentConfig&) const = default;
};

struct Config {
    std::string cluster;  // the cluster name given to the program (-c/--cluster, mysql-mmm's "@cluster"); may be empty
    std::string active_master_role = "writer";
    int max_kill_retries = 10;
    bool debug = false;
    SocketConfig socket;
    MonitorConfig monitor;
    std::array<CheckConfig, check_kind_count> checks{};  // indexed by CheckKind
    std::vector<HostConfig> hosts;        // config order
    std::vector<RoleConfig> roles;        // config order
    AgentConfig agent;

    const CheckConfig& check(CheckKind k) const { return checks[static_cast<std::size_t>(k)]; }
    CheckConfig& check(CheckKind k) { return checks[static_cast<std::size_t>(k)]; }
    const HostConfig* find_host(std::string_view name) const;
    const RoleConfig* find_role(std::string_view name) const;
    const HostConfig* find_host_by_ip(std::string_view ip) const;
    const RoleConfig* active_master() const { return find_role(active_master_role); }
    // monitor.coordination.prefix, or "/mmm/<cluster>" ("/mmm/default" for the unnamed cluster), without a trailing /.
    std::string etcd_prefix() const;
    // monitor.writer_lease, or its default: the mysql check's trap_period (about what a failover waits anyway).
    Duration writer_lease() const { return monitor.writer_lease.value_or(check(CheckKind::Mysql).trap_period); }
    // How often the monitor renews the active master's lease: a third of it (two renewals may be lost), at most
    // every status_interval. Only meaningful when writer_lease() is not 0.
    Duration writer_lease_renewal() const { return std::min(monitor.status_interval, writer_lease() / 3); }

    bool operator==(const Config&) const = default;
};

}  // namespace mmm
