// The renderers of observe.hpp: Prometheus text, the status JSON, the "why" answers. Pure: data in, text out.
#include <ctime>
#include <set>

#include <fmt/format.h>

#include "common/prometheus.hpp"
#include "monitor/core/observe.hpp"

namespace mmm::monitor {

namespace {

double seconds_since_epoch(WallTime t) {
    return std::chrono::duration<double>(t.time_since_epoch()).count();
}

// RFC 3339 in UTC with milliseconds ("" for the epoch: never).
std::string iso_time(WallTime t) {
    if (t.time_since_epoch().count() == 0) return "";
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
    const std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    return fmt::format("{}.{:03}Z", buf, ms % 1000);
}

constexpr std::array<HostState, 7> all_states{HostState::Online,           HostState::AdminOffline,
                                              HostState::HardOffline,      HostState::AwaitingRecovery,
                                              HostState::ReplicationDelay, HostState::ReplicationFail,
                                              HostState::Unknown};
constexpr std::array<MonitorMode, 4> all_modes{MonitorMode::Active, MonitorMode::Manual, MonitorMode::Wait,
                                               MonitorMode::Passive};

using Out = PrometheusText;
constexpr auto* label = &prometheus_label;

}  // namespace

void ServiceStats::Histogram::add(double seconds) {
    for (std::size_t i = 0; i < duration_buckets.size(); ++i)
        if (seconds <= duration_buckets[i]) ++buckets[i];
    ++count;
    sum += seconds;
}

void ServiceStats::replica_status_read(const std::string& host, const Result<std::optional<ReplicaSource>>& read,
                                       const std::vector<HostConfig>& hosts_config) {
    HostSeen& seen = hosts[host];
    seen.replication_known = read.has_value();
    seen.replication.reset();
    if (!read || !*read) return;
    const ReplicaSource& r = **read;
    std::string source = r.master_host;
    for (const auto& h : hosts_config)
        if ((h.ip == r.master_host || h.name == r.master_host) && h.mysql_port == r.master_port) source = h.name;
    seen.replication = Replication{source, r.io_running, r.sql_running, r.gtid_io_pos};
}

std::string build_version() { return MMM_VERSION; }

std::string render_metrics(const StatusView& v, const ServiceStats& stats, WallTime now) {
    Out o;
    o.family("mmm_build_info", "gauge", "The monitor's version.");
    o.sample("mmm_build_info", fmt::format("version=\"{}\"", label(build_version())), 1);
    o.family("mmm_mode", "gauge", "The monitor's mode (1 for the current one).");
    for (auto m : all_modes)
        o.sample("mmm_mode", fmt::format("mode=\"{}\"", to_string(m)), v.mode == m ? 1 : 0);
    if (stats.coordination) {
        o.family("mmm_monitor_leader", "gauge", "1 while this monitor leads (monitor.coordination etcd).");
        o.sample("mmm_monitor_leader", "", stats.coordination->leader ? 1 : 0);
        o.family("mmm_etcd_requests_total", "counter", "Requests this monitor sent to etcd.");
        o.sample("mmm_etcd_requests_total", "", static_cast<double>(stats.coordination->etcd_requests));
    }
    o.family("mmm_network_ok", "gauge", "1 while the monitor's own network check (ping_ips) passes.");
    o.sample("mmm_network_ok", "", v.network_ok ? 1 : 0);

    o.family("mmm_host_state", "gauge", "Each host's state (1 for the current one).");
    for (const auto& h : v.hosts)
        for (auto s : all_states)
            o.sample("mmm_host_state", fmt::format("host=\"{}\",state=\"{}\"", label(h.name), to_string(s)),
                     h.state == s ? 1 : 0);
    o.family("mmm_check_ok", "gauge", "1 when the check is OK as reported (after its trap period).");
    for (const auto& h : v.hosts)
        for (auto k : all_check_kinds)
            if (check_applies(h.mode, k))
                o.sample("mmm_check_ok", fmt::format("host=\"{}\",check=\"{}\"", label(h.name), to_string(k)),
                     h.checks[static_cast<std::size_t>(k)].ok ? 1 : 0);
    o.family("mmm_check_duration_seconds", "histogram", "How long each probe took, by check (all hosts).");
    for (auto k : all_check_kinds) {
        const auto& hist = stats.check_durations[static_cast<std::size_t>(k)];
        for (std::size_t i = 0; i < hist.buckets.size(); ++i)
            o.sample("mmm_check_duration_seconds_bucket",
                     fmt::format("check=\"{}\",le=\"{}\"", to_string(k), ServiceStats::duration_buckets[i]),
                     hist.buckets[i]);
        o.sample("mmm_check_duration_seconds_bucket", fmt::format("check=\"{}\",le=\"+Inf\"", to_string(k)),
                 hist.count);
        o.sample("mmm_check_duration_seconds_sum", fmt::format("check=\"{}\"", to_string(k)), hist.sum);
        o.sample("mmm_check_duration_seconds_count", fmt::format("check=\"{}\"", to_string(k)), hist.count);
    }
    const auto seen = [&](const std::string& host) -> const ServiceStats::HostSeen* {
        const auto it = stats.hosts.find(host);
        return it == stats.hosts.end() ? nullptr : &it->second;
    };
    o.family("mmm_replication_lag_seconds", "gauge",
             "Seconds_Behind_Master at the last rep_backlog check (absent when NULL or not replicating).");
    for (const auto& h : v.hosts)
        if (const auto* s = seen(h.name); s && s->lag_seconds)
            o.sample("mmm_replication_lag_seconds", fmt::format("host=\"{}\"", label(h.name)), *s->lag_seconds);
    o.family("mmm_host_read_only", "gauge", "@@read_only at the last mysql check.");
    for (const auto& h : v.hosts)
        if (const auto* s = seen(h.name); s && s->read_only)
            o.sample("mmm_host_read_only", fmt::format("host=\"{}\"", label(h.name)), *s->read_only ? 1 : 0);
    // Semi-sync, per host where the last rep_threads check could read it (MariaDB's plugin variables).
    const auto semisync = [&](std::string_view name, std::string_view help, auto value) {
        o.family(name, "gauge", help);
        for (const auto& h : v.hosts)
            if (h.semisync) o.sample(name, fmt::format("host=\"{}\"", label(h.name)), value(*h.semisync));
    };
    semisync("mmm_semisync_master_enabled", "@@rpl_semi_sync_master_enabled.",
             [](const SemiSyncStatus& s) { return s.master_enabled ? 1 : 0; });
    semisync("mmm_semisync_master_on", "Rpl_semi_sync_master_status: 0 while enabled = fell back to asynchronous.",
             [](const SemiSyncStatus& s) { return s.master_on ? 1 : 0; });
    semisync("mmm_semisync_master_clients", "Rpl_semi_sync_master_clients: semi-sync replicas connected.",
             [](const SemiSyncStatus& s) { return s.master_clients; });
    semisync("mmm_semisync_replica_enabled", "@@rpl_semi_sync_slave_enabled.",
             [](const SemiSyncStatus& s) { return s.slave_enabled ? 1 : 0; });
    semisync("mmm_semisync_replica_on", "Rpl_semi_sync_slave_status.",
             [](const SemiSyncStatus& s) { return s.slave_on ? 1 : 0; });
    semisync("mmm_semisync_fell_back",
             "1 where the master side is enabled but off: commits are acknowledged before any replica has them.",
             [](const SemiSyncStatus& s) { return s.fell_back() ? 1 : 0; });
    o.family("mmm_agent_up", "gauge", "0 while the monitor cannot reach the host's agent.");
    for (const auto& h : v.hosts) o.sample("mmm_agent_up", fmt::format("host=\"{}\"", label(h.name)), h.agent_up ? 1 : 0);
    o.family("mmm_agent_last_contact_seconds", "gauge", "Seconds since the host's agent last answered.");
    for (const auto& h : v.hosts)
        if (const auto* s = seen(h.name); s && s->agent_contact)
            o.sample("mmm_agent_last_contact_seconds", fmt::format("host=\"{}\"", label(h.name)),
                     std::max(0.0, seconds_since_epoch(now) - seconds_since_epoch(*s->agent_contact)));

    o.family("mmm_role_holder", "gauge", "1 for each role IP and the host that holds it (as `show` lists it).");
    std::set<std::string> writers;  // hosts listed with an IP of the active master role
    for (const auto& r : v.roles)
        for (const auto& ip : r.ips) {
            if (!ip.host) continue;
            o.sample("mmm_role_holder",
                     fmt::format("role=\"{}\",ip=\"{}\",host=\"{}\"", label(r.name), label(ip.ip), label(*ip.host)), 1);
            if (r.name == v.active_master_role) writers.insert(*ip.host);
        }
    o.family("mmm_writer_holders", "gauge",
             "Hosts the monitor gives the active master (writer) role, confirmed by their agents: alert when not 1.");
    o.sample("mmm_writer_holders", "", writers.size());
    // What the servers say, beside what the monitor decided: two writable servers is a split brain.
    std::size_t writable = 0;
    for (const auto& h : v.hosts)
        if (const auto* s = seen(h.name); s && s->read_only && !*s->read_only) ++writable;
    o.family("mmm_writable_hosts", "gauge",
             "Servers whose @@read_only was 0 at their last mysql check: alert when more than 1.");
    o.sample("mmm_writable_hosts", "", writable);
    o.family("mmm_failovers_total", "counter",
             "Moves of the active master role since the monitor started, by type (failover, switch) and result (ok, "
             "refused).");
    for (const auto& type : {"failover", "switch"})
        for (const auto& result : {"ok", "refused"}) {
            const auto it = v.writer_move_counts.find({type, result});
            o.sample("mmm_failovers_total", fmt::format("type=\"{}\",result=\"{}\"", type, result),
                     it == v.writer_move_counts.end() ? 0 : it->second);
        }
    o.family("mmm_failover_phase_seconds", "gauge",
             "The last completed writer move's phases: detect_and_fence (the old writer's first failing sample to the "
             "new writer told; failovers only), promote (told to confirmed).");
    for (auto it = v.writer_moves.rbegin(); it != v.writer_moves.rend(); ++it) {
        if (it->result != "ok") continue;
        if (it->detect_and_fence_seconds)
            o.sample("mmm_failover_phase_seconds", "phase=\"detect_and_fence\"", *it->detect_and_fence_seconds);
        if (it->promote_seconds) o.sample("mmm_failover_phase_seconds", "phase=\"promote\"", *it->promote_seconds);
        break;
    }
    o.family("mmm_failover_blocked", "gauge", "1 for each reason that keeps an exclusive role where it is, or nowhere.");
    for (const auto& w : v.why)
        for (const auto& reason : w.blocked)
            o.sample("mmm_failover_blocked", fmt::format("role=\"{}\",reason=\"{}\"", label(w.role), label(reason)), 1);
    return o.text;
}

nlohmann::json status_json(const StatusView& v, const ServiceStats& stats) {
    using nlohmann::json;
    json out;
    out["version"] = build_version();
    out["mode"] = std::string(to_string(v.mode));
    out["passive_cause"] = v.passive_cause;
    out["started"] = v.started;
    out["network_ok"] = v.network_ok;
    out["plan_running"] = v.plan_running;
    out["active_master"] = v.active_master ? json(*v.active_master) : json(nullptr);
    out["warnings"] = v.warnings;
    if (stats.coordination) {
        const auto& c = *stats.coordination;
        out["coordination"] = {{"type", "etcd"},
                               {"leader", c.leader},
                               {"leader_address", c.leader_address.empty() ? json(nullptr) : json(c.leader_address)},
                               {"etcd_requests", c.etcd_requests},
                               {"etcd_error", c.etcd_error}};
    }
    json hosts = json::array();
    for (const auto& h : v.hosts) {
        json j;
        j["name"] = h.name;
        j["ip"] = h.ip;
        j["mode"] = std::string(to_string(h.mode));
        j["state"] = std::string(to_string(h.state));
        j["state_since"] = iso_time(h.state_since);
        json roles = json::array();
        for (const auto& r : h.roles) roles.push_back({{"role", r.role}, {"ip", r.ip}});
        j["roles"] = roles;
        json checks = json::object();
        for (auto k : all_check_kinds) {
            if (!check_applies(h.mode, k)) continue;
            const auto& c = h.checks[static_cast<std::size_t>(k)];
            checks[std::string(to_string(k))] = {{"ok", c.ok}, {"message", c.message},
                                                 {"last_change", iso_time(c.last_change)}};
        }
        j["checks"] = checks;
        j["agent_up"] = h.agent_up;
        j["flapping"] = h.flapping;
        j["errant"] = h.errant;
        j["semisync"] = h.semisync ? json{{"master_enabled", h.semisync->master_enabled},
                                          {"master_on", h.semisync->master_on},
                                          {"master_clients", h.semisync->master_clients},
                                          {"replica_enabled", h.semisync->slave_enabled},
                                          {"replica_on", h.semisync->slave_on}}
                                   : json(nullptr);
        const auto it = stats.hosts.find(h.name);
        const ServiceStats::HostSeen seen = it == stats.hosts.end() ? ServiceStats::HostSeen{} : it->second;
        j["read_only"] = seen.read_only ? json(*seen.read_only) : json(nullptr);
        j["replication_lag_seconds"] = seen.lag_seconds ? json(*seen.lag_seconds) : json(nullptr);
        j["agent_last_contact"] = seen.agent_contact ? json(iso_time(*seen.agent_contact)) : json(nullptr);
        j["replication"] = seen.replication ? json{{"source", seen.replication->source},
                                                   {"io_running", seen.replication->io_running},
                                                   {"sql_running", seen.replication->sql_running},
                                                   {"gtid_io_pos", seen.replication->gtid_io_pos}}
                                            : json(nullptr);
        j["replication_known"] = seen.replication_known;
        hosts.push_back(std::move(j));
    }
    out["hosts"] = hosts;
    json roles = json::array();
    for (const auto& r : v.roles) {
        json ips = json::array();
        for (const auto& ip : r.ips) ips.push_back({{"ip", ip.ip}, {"host", ip.host ? json(*ip.host) : json(nullptr)}});
        roles.push_back({{"name", r.name},
                         {"mode", std::string(to_string(r.mode))},
                         {"prefer", r.prefer},
                         {"ips", ips}});
    }
    out["roles"] = roles;
    json moves = json::array();
    for (const auto& m : v.writer_moves) {
        const auto opt = [](const std::optional<double>& d) { return d ? json(*d) : json(nullptr); };
        moves.push_back({{"type", m.type},
                         {"result", m.result},
                         {"from", m.from},
                         {"to", m.to},
                         {"at", iso_time(m.at)},
                         {"detect_and_fence_seconds", opt(m.detect_and_fence_seconds)},
                         {"promote_seconds", opt(m.promote_seconds)}});
    }
    out["writer_moves"] = moves;
    out["why"] = why_json(v);
    return out;
}

nlohmann::json why_json(const StatusView& v) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& w : v.why)
        out.push_back({{"role", w.role},
                       {"holder", w.holder ? nlohmann::json(*w.holder) : nlohmann::json(nullptr)},
                       {"text", w.text},
                       {"blocked", w.blocked}});
    return out;
}

std::string why_text(const StatusView& v) {
    std::string out;
    for (const auto& w : v.why) out += fmt::format("{}: {}\n", w.role, w.text);
    if (out.empty()) out = "No exclusive role is configured.\n";
    return out;
}

}  // namespace mmm::monitor
