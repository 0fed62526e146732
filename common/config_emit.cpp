// The model as YAML (used by `mmm_control config convert`): every key explicit, hosts fully expanded.
#include <yaml-cpp/yaml.h>

#include "common/config_load.hpp"

namespace mmm {

namespace {

std::string dur(Duration d) { return format_duration(d); }

void list(YAML::Emitter& e, const char* key, const std::vector<std::string>& items) {
    e << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const auto& i : items) e << i;
    e << YAML::EndSeq;
}

// An "http:" sub-section (monitor.http, agent.http).
void emit_http(YAML::Emitter& e, const HttpConfig& h) {
    e << YAML::Key << "http" << YAML::Value << YAML::BeginMap;
    e << YAML::Key << "listen" << YAML::Value << h.listen;
    if (!h.cert_file.empty()) e << YAML::Key << "cert_file" << YAML::Value << h.cert_file;
    if (!h.key_file.empty()) e << YAML::Key << "key_file" << YAML::Value << h.key_file;
    if (!h.ca_file.empty()) e << YAML::Key << "ca_file" << YAML::Value << h.ca_file;
    if (!h.token_file.empty()) e << YAML::Key << "token_file" << YAML::Value << h.token_file;
    e << YAML::EndMap;
}

}  // namespace

std::string to_yaml(const Config& c) {
    YAML::Emitter e;
    e << YAML::BeginMap;
    e << YAML::Key << "active_master_role" << YAML::Value << c.active_master_role;
    e << YAML::Key << "max_kill_retries" << YAML::Value << c.max_kill_retries;
    e << YAML::Key << "debug" << YAML::Value << c.debug;

    e << YAML::Key << "socket" << YAML::Value << YAML::BeginMap;
    e << YAML::Key << "type" << YAML::Value << (c.socket.type == SocketType::Tls ? "tls" : "plain");
    if (!c.socket.cert_file.empty()) e << YAML::Key << "cert_file" << YAML::Value << c.socket.cert_file;
    if (!c.socket.key_file.empty()) e << YAML::Key << "key_file" << YAML::Value << c.socket.key_file;
    if (!c.socket.ca_file.empty()) e << YAML::Key << "ca_file" << YAML::Value << c.socket.ca_file;
    e << YAML::EndMap;

    const auto& m = c.monitor;
    e << YAML::Key << "monitor" << YAML::Value << YAML::BeginMap;
    if (m.ips.size() > 1) list(e, "ip", m.ips);
    else e << YAML::Key << "ip" << YAML::Value << m.ip;
    e << YAML::Key << "port" << YAML::Value << m.port;
    e << YAML::Key << "pid_path" << YAML::Value << m.pid_path;
    e << YAML::Key << "status_path" << YAML::Value << m.status_path;
    e << YAML::Key << "log_path" << YAML::Value << m.log_path;
    if (!m.bin_path.empty()) e << YAML::Key << "bin_path" << YAML::Value << m.bin_path;
    e << YAML::Key << "ping_interval" << YAML::Value << dur(m.ping_interval);
    list(e, "ping_ips", m.ping_ips);
    e << YAML::Key << "flap_duration" << YAML::Value << dur(m.flap_duration);
    e << YAML::Key << "flap_count" << YAML::Value << m.flap_count;
    e << YAML::Key << "auto_set_online" << YAML::Value << dur(m.auto_set_online);
    e << YAML::Key << "peer_grace" << YAML::Value << dur(m.peer_grace);
    e << YAML::Key << "kill_host_bin" << YAML::Value << m.kill_host_bin;
    e << YAML::Key << "careful_startup" << YAML::Value << m.careful_startup;
    e << YAML::Key << "hold_failed_active_master" << YAML::Value;
    switch (m.hold_failed_active_master) {
    case HoldFailedMaster::No: e << false; break;
    case HoldFailedMaster::UnlessClean: e << true; break;
    case HoldFailedMaster::Always: e << "always"; break;
    }
    e << YAML::Key << "second_opinion" << YAML::Value << m.second_opinion;
    e << YAML::Key << "fail_fast_on_exit" << YAML::Value << m.fail_fast_on_exit;
    std::string mode(to_string(m.mode));
    for (auto& ch : mode) ch = static_cast<char>(ch - 'A' + 'a');
    e << YAML::Key << "mode" << YAML::Value << mode;
    e << YAML::Key << "wait_for_other_master" << YAML::Value << dur(m.wait_for_other_master);
    e << YAML::Key << "status_interval" << YAML::Value << dur(m.status_interval);
    e << YAML::Key << "agent_timeout" << YAML::Value << dur(m.agent_timeout);
    e << YAML::Key << "kill_host_timeout" << YAML::Value << dur(m.kill_host_timeout);
    if (m.writer_lease) e << YAML::Key << "writer_lease" << YAML::Value << dur(*m.writer_lease);
    emit_http(e, m.http);
    if (m.coordination.type == CoordinationType::Etcd) {
        const auto& k = m.coordination;
        e << YAML::Key << "coordination" << YAML::Value << YAML::BeginMap;
        e << YAML::Key << "type" << YAML::Value << "etcd";
        list(e, "endpoints", k.endpoints);
        if (!k.prefix.empty()) e << YAML::Key << "prefix" << YAML::Value << k.prefix;
        e << YAML::Key << "lease_ttl" << YAML::Value << dur(k.lease_ttl);
        if (!k.cert_file.empty()) e << YAML::Key << "cert_file" << YAML::Value << k.cert_file;
        if (!k.key_file.empty()) e << YAML::Key << "key_file" << YAML::Value << k.key_file;
        if (!k.ca_file.empty()) e << YAML::Key << "ca_file" << YAML::Value << k.ca_file;
        e << YAML::EndMap;
    }
    e << YAML::EndMap;

    e << YAML::Key << "checks" << YAML::Value << YAML::BeginMap;
    for (CheckKind k : all_check_kinds) {
        const auto& ck = c.check(k);
        e << YAML::Key << std::string(to_string(k)) << YAML::Value << YAML::Flow << YAML::BeginMap;
        e << YAML::Key << "check_period" << YAML::Value << dur(ck.check_period);
        e << YAML::Key << "trap_period" << YAML::Value << dur(ck.trap_period);
        e << YAML::Key << "timeout" << YAML::Value << dur(ck.timeout);
        e << YAML::Key << "restart_after" << YAML::Value << ck.restart_after;
        e << YAML::Key << "max_backlog" << YAML::Value << ck.max_backlog;
        e << YAML::EndMap;
    }
    e << YAML::EndMap;

    e << YAML::Key << "hosts" << YAML::Value << YAML::BeginMap;
    for (const auto& h : c.hosts) {
        e << YAML::Key << h.name << YAML::Value << YAML::BeginMap;
        e << YAML::Key << "ip" << YAML::Value << h.ip;
        e << YAML::Key << "mode" << YAML::Value << std::string(to_string(h.mode));
        if (!h.peer.empty()) e << YAML::Key << "peer" << YAML::Value << h.peer;
        if (!h.sources.empty()) list(e, "sources", h.sources);
        e << YAML::Key << "cluster_interface" << YAML::Value << h.cluster_interface;
        e << YAML::Key << "agent_port" << YAML::Value << h.agent_port;
        e << YAML::Key << "mysql_port" << YAML::Value << h.mysql_port;
        e << YAML::Key << "agent_user" << YAML::Value << h.agent_user;
        e << YAML::Key << "agent_password" << YAML::Value << h.agent_password;
        e << YAML::Key << "monitor_user" << YAML::Value << h.monitor_user;
        e << YAML::Key << "monitor_password" << YAML::Value << h.monitor_password;
        e << YAML::Key << "replication_user" << YAML::Value << h.replication_user;
        e << YAML::Key << "replication_password" << YAML::Value << h.replication_password;
        e << YAML::EndMap;
    }
    e << YAML::EndMap;

    e << YAML::Key << "roles" << YAML::Value << YAML::BeginMap;
    for (const auto& r : c.roles) {
        e << YAML::Key << r.name << YAML::Value << YAML::BeginMap;
        e << YAML::Key << "mode" << YAML::Value << std::string(to_string(r.mode));
        list(e, "hosts", r.hosts);
        list(e, "ips", r.ips);
        if (!r.prefer.empty()) e << YAML::Key << "prefer" << YAML::Value << r.prefer;
        e << YAML::EndMap;
    }
    e << YAML::EndMap;

    const auto& a = c.agent;
    e << YAML::Key << "agent" << YAML::Value << YAML::BeginMap;
    if (!a.this_host.empty()) e << YAML::Key << "this" << YAML::Value << a.this_host;
    e << YAML::Key << "pid_path" << YAML::Value << a.pid_path;
    if (!a.state_path.empty()) e << YAML::Key << "state_path" << YAML::Value << a.state_path;
    e << YAML::Key << "log_path" << YAML::Value << a.log_path;
    list(e, "allowed_monitors", a.allowed_monitors);
    e << YAML::Key << "writer_sync_timeout" << YAML::Value << dur(a.writer_sync_timeout);
    e << YAML::Key << "repoint_timeout" << YAML::Value << dur(a.repoint_timeout);
    e << YAML::Key << "recheck_interval" << YAML::Value << dur(a.recheck_interval);
    e << YAML::Key << "garp_repeat_delay" << YAML::Value << dur(a.garp_repeat_delay);
    e << YAML::Key << "garp_rounds" << YAML::Value << a.garp_rounds;
    if (a.galera_read_only) e << YAML::Key << "galera_read_only" << YAML::Value << true;
    if (a.http != HttpConfig{}) emit_http(e, a.http);
    e << YAML::EndMap;

    e << YAML::EndMap;
    return std::string(e.c_str()) + "\n";
}

}  // namespace mmm
