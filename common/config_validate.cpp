// Cross-field validation of the configuration model, per program.
#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "common/config_load.hpp"
#include "common/text.hpp"

namespace mmm {

namespace {

bool valid_ipv4(const std::string& ip) {
    unsigned char buf[4];
    return inet_pton(AF_INET, ip.c_str(), buf) == 1;
}

bool valid_ip(const std::string& ip) {
    unsigned char buf[16];
    return valid_ipv4(ip) || inet_pton(AF_INET6, ip.c_str(), buf) == 1;
}

bool ipv6_beyond_loopback(const std::string& ip) {
    in6_addr a{};
    return inet_pton(AF_INET6, ip.c_str(), &a) == 1 && !IN6_IS_ADDR_LOOPBACK(&a);
}

// Host and role names travel in the '|'-separated agent protocol, in `role(ip)` lists, in log lines and in the
// arguments of kill_host_bin (issue 12 item 8): letters, digits, '_', '.' and '-' only.
bool valid_name(const std::string& name) {
    if (name.empty() || name.size() > 64) return false;
    return std::all_of(name.begin(), name.end(), [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) != 0 || ch == '_' || ch == '.' || ch == '-';
    });
}

struct Validator {
    LoadResult& out;
    Program program;

    bool given(const std::string& path) const { return out.lines.count(path) > 0; }
    int line(const std::string& path) const {
        // The key's own line, else the nearest enclosing section's.
        std::string p = path;
        while (true) {
            if (auto it = out.lines.find(p); it != out.lines.end()) return it->second;
            const auto dot = p.rfind('.');
            if (dot == std::string::npos) return 0;
            p.resize(dot);
        }
    }
    void error(const std::string& path, std::string what) {
        out.errors.push_back({out.source, line(path), path, std::move(what)});
    }
    void require(const std::string& path) {
        if (!given(path)) error(path, "is required but missing");
    }
};

// An HTTP endpoint's section (monitor.http, agent.http) when it listens.
void validate_http(Validator& v, const HttpConfig& h, const std::string& key) {
    if (h.listen.empty()) return;
    const auto at = parse_listen_address(h.listen);
    if (!at || at->port == 0)
        v.error(key + ".listen", fmt::format("'{}' is not ADDRESS:PORT (an IP address, '[...]' around IPv6, port "
                                             "1-65535; empty = no HTTP endpoint)",
                                             printable(h.listen, 80)));
    if (h.cert_file.empty() != h.key_file.empty())
        v.error(key + (h.cert_file.empty() ? ".cert_file" : ".key_file"),
                fmt::format("HTTPS needs both {0}.cert_file and {0}.key_file", key));
    if (!h.ca_file.empty() && h.cert_file.empty())
        v.error(key + ".ca_file", fmt::format("client certificates need HTTPS: set {}.cert_file and key_file", key));
    // Beyond loopback anyone on the network could read the cluster's state (and, on the monitor, send commands).
    if (at && !at->loopback && (h.cert_file.empty() || (h.token_file.empty() && h.ca_file.empty())))
        v.error(key + ".listen", fmt::format("'{0}' is beyond loopback: that needs HTTPS ({1}.cert_file, key_file) and "
                                             "authentication ({1}.token_file and/or ca_file)",
                                             h.listen, key));
}

// monitor.coordination and the monitor address list it allows (issue 14).
void validate_coordination(Validator& v, const Config& c) {
    const auto& k = c.monitor.coordination;
    const std::string key = "monitor.coordination";
    if (k.type == CoordinationType::None) {
        // Accepted keys must work: etcd settings without etcd would be ignored, so they are refused.
        for (const auto* name : {"endpoints", "prefix", "lease_ttl", "cert_file", "key_file", "ca_file"})
            if (v.given(key + "." + name))
                v.error(key + "." + name, "is set but monitor.coordination.type is none (set it to etcd, or remove it)");
        if (c.monitor.ips.size() > 1)
            v.error("monitor.ip", fmt::format("lists {} monitors: several monitors need monitor.coordination.type etcd "
                                              "(one monitor: a single address)",
                                              c.monitor.ips.size()));
        return;
    }
    if (k.endpoints.empty()) v.error(key + ".endpoints", "is required when monitor.coordination.type is etcd");
    bool tls = false;
    for (const auto& url : k.endpoints) {
        const auto e = parse_etcd_endpoint(url);
        if (!e)
            v.error(key + ".endpoints", fmt::format("'{}' is not an etcd client URL (http://HOST:PORT or https://HOST:PORT)",
                                                    printable(url, 120)));
        else tls = tls || e->tls;
    }
    for (const auto& url : k.endpoints) {
        const auto e = parse_etcd_endpoint(url);
        if (e && e->tls != tls) {
            v.error(key + ".endpoints", "mixes http:// and https:// endpoints: use one scheme for every member");
            break;
        }
    }
    if (tls && k.ca_file.empty()) v.error(key + ".ca_file", "is required with https:// endpoints (the CA of etcd's certificates)");
    if (!tls && (!k.ca_file.empty() || !k.cert_file.empty() || !k.key_file.empty()))
        v.error(key + (k.ca_file.empty() ? (k.cert_file.empty() ? ".key_file" : ".cert_file") : ".ca_file"),
                "needs https:// endpoints (with http:// the files would not be used)");
    if (k.cert_file.empty() != k.key_file.empty())
        v.error(key + (k.cert_file.empty() ? ".cert_file" : ".key_file"),
                "a client certificate needs both monitor.coordination.cert_file and key_file");
    const auto ttl = std::chrono::duration_cast<std::chrono::milliseconds>(k.lease_ttl).count();
    // etcd grants at least 2 s (it raises a shorter TTL to its minimum).
    if (ttl % 1000 != 0 || ttl < 2000 || ttl > 300000)
        v.error(key + ".lease_ttl", fmt::format("{}s: etcd leases are whole seconds, from 2 (etcd's minimum) to 300",
                                                format_duration(k.lease_ttl)));
    if (!k.prefix.empty() && k.prefix.front() != '/')
        v.error(key + ".prefix", fmt::format("'{}' must start with '/'", printable(k.prefix, 120)));
    // A new leader is deciding about lease_ttl + a campaign interval + its start-up (it asks every agent for its
    // status first) after the old one died: 2.4 s more than lease_ttl from the kill to every agent told was seen on
    // a loaded 2-core machine (ASan build, three tests at once), so 3 s more are counted. Until then nobody renews
    // the writer's lease, and the last renewal may have been sent a renewal interval before the old leader died:
    // what is left of the lease then must cover the takeover, or the writer fences itself at every leader change.
    const Duration takeover = k.lease_ttl + 3s;
    const Duration lease = c.writer_lease();
    if (lease.count() != 0 && lease - c.writer_lease_renewal() < takeover) {
        // The shortest lease that does: renewed every third of it (2/3 left), or every status_interval once a third
        // is longer.
        const Duration needed = takeover < 2 * c.monitor.status_interval ? takeover * 3 / 2
                                                                          : takeover + c.monitor.status_interval;
        v.out.warnings.push_back(fmt::format(
            "monitor.writer_lease ({}s) is too short to outlast a leader change (about {}s: coordination.lease_ttl + "
            "3 s, counted from the last renewal, which comes every {}s): the writer fences itself (read_only, roles "
            "dropped) every time the leading monitor dies, until the next leader gives the role back. Set "
            "writer_lease to {}s or more to keep writing through a leader change.",
            format_duration(lease), format_duration(takeover), format_duration(c.writer_lease_renewal()),
            format_duration(needed)));
    }
}

}  // namespace

void validate_config(LoadResult& out, Program program) {
    Validator v{out, program};
    const Config& c = out.config;
    const bool monitor = program == Program::Monitor;
    const bool agent = program == Program::Agent;

    // Section lines, so errors about a host or role point at it.
    if (c.hosts.empty() && program != Program::Control) v.error("hosts", "at least one host must be configured");

    std::set<std::string> host_ips;
    for (const auto& h : c.hosts) {
        const std::string p = "hosts." + h.name;
        if (!valid_name(h.name))
            v.error(p, fmt::format("host name '{}' is not valid: 1 to 64 letters, digits, '_', '.' or '-'",
                                   printable(h.name, 80)));
        if (program != Program::Control) {
            v.require(p + ".ip");
            v.require(p + ".mode");
        }
        if (!h.ip.empty()) {
            if (!valid_ip(h.ip)) v.error(p + ".ip", fmt::format("'{}' is not an IP address", h.ip));
            if (!host_ips.insert(h.ip).second) v.error(p + ".ip", fmt::format("{} is used by another host", h.ip));
        }
        if (h.mode == HostMode::Master && v.given(p + ".mode") && h.peer.empty())
            v.error(p + ".peer", "is required for a host in mode master");
        if (h.mode == HostMode::Galera && !h.peer.empty())
            v.error(p + ".peer", "a Galera node has no peer (every node of the cluster has every write)");
        if (!h.peer.empty()) {
            if (c.find_host(h.peer) == nullptr) v.error(p + ".peer", fmt::format("unknown host '{}'", h.peer));
            else if (h.peer == h.name) v.error(p + ".peer", "a host can't be its own peer");
        }
        if (!h.sources.empty() && h.mode != HostMode::Slave)
            v.error(p + ".sources", "only a host in mode slave has sources (the Galera nodes it replicates from)");
        std::set<std::string> seen_sources;
        for (const auto& s : h.sources) {
            const HostConfig* src = c.find_host(s);
            if (src == nullptr) v.error(p + ".sources", fmt::format("unknown host '{}'", printable(s, 80)));
            else if (src->mode != HostMode::Galera)
                v.error(p + ".sources", fmt::format("'{}' is not a Galera node: sources name Galera nodes only (a "
                                                    "replica of masters follows the active master)", s));
            if (!seen_sources.insert(s).second) v.error(p + ".sources", fmt::format("'{}' is named twice", s));
        }
        if (monitor) {
            if (h.monitor_user.empty()) v.error(p + ".monitor_user", "is required but missing");
            if (!v.given(p + ".monitor_password") && !v.given(p + ".monitor_password_file"))
                v.error(p + ".monitor_password", "is required but missing");
        }
        if (agent) {
            if (h.agent_user.empty()) v.error(p + ".agent_user", "is required but missing");
            if (!v.given(p + ".agent_password") && !v.given(p + ".agent_password_file"))
                v.error(p + ".agent_password", "is required but missing");
            if (h.replication_user.empty()) v.error(p + ".replication_user", "is required but missing");
            if (!v.given(p + ".replication_password") && !v.given(p + ".replication_password_file"))
                v.error(p + ".replication_password", "is required but missing");
            if (h.cluster_interface.empty()) v.error(p + ".cluster_interface", "is required but missing");
        }
    }

    std::map<std::string, std::string> ip_owner;  // role IP -> role name
    for (const auto& r : c.roles) {
        const std::string p = "roles." + r.name;
        if (!valid_name(r.name))
            v.error(p, fmt::format("role name '{}' is not valid: 1 to 64 letters, digits, '_', '.' or '-'",
                                   printable(r.name, 80)));
        if (monitor) {
            v.require(p + ".mode");
            v.require(p + ".hosts");
        }
        if (program != Program::Control) v.require(p + ".ips");
        for (const auto& h : r.hosts)
            if (c.find_host(h) == nullptr) v.error(p + ".hosts", fmt::format("unknown host '{}'", h));
        if (!r.prefer.empty()) {
            if (std::find(r.hosts.begin(), r.hosts.end(), r.prefer) == r.hosts.end())
                v.error(p + ".prefer", fmt::format("'{}' is not one of the role's hosts", r.prefer));
            else if (r.mode == RoleMode::Balanced)
                out.warnings.push_back(fmt::format("{}: prefer has no effect on a balanced role", p));
        }
        if (r.mode == RoleMode::Exclusive && v.given(p + ".ips") && r.ips.size() != 1)
            v.error(p + ".ips", fmt::format("an exclusive role needs exactly one IP, not {}", r.ips.size()));
        for (const auto& ip : r.ips) {
            if (!valid_ip(ip)) v.error(p + ".ips", fmt::format("'{}' is not an IP address", ip));
            if (host_ips.count(ip) != 0)
                v.error(p + ".ips", fmt::format("{} is also the IP of a host", ip));
            auto [it, fresh] = ip_owner.emplace(ip, r.name);
            if (!fresh)
                v.error(p + ".ips", it->second == r.name ? fmt::format("{} is listed twice", ip)
                                                         : fmt::format("{} is also an IP of role '{}'", ip, it->second));
        }
    }

    if (program != Program::Control) {
        if (const RoleConfig* w = c.find_role(c.active_master_role); w == nullptr) {
            v.error("active_master_role", fmt::format("'{}' names no configured role", c.active_master_role));
        } else {
            if (w->mode != RoleMode::Exclusive)
                v.error("roles." + w->name + ".mode", "the active master role must be exclusive");
            std::size_t galera = 0;
            for (const auto& name : w->hosts)
                if (const HostConfig* h = c.find_host(name); h != nullptr && h->mode == HostMode::Galera) ++galera;
            if (galera != 0 && galera != w->hosts.size())
                v.error("roles." + w->name + ".hosts",
                        "the active master role's hosts must be all Galera nodes or none (a writer moves between "
                        "Galera nodes without a catch-up, between masters with one)");
            // mysql-mmm's limit is about two masters replicating from each other; any number of Galera nodes may
            // take the writer.
            if (monitor && galera == 0 && w->hosts.size() > 2)
                v.error("roles." + w->name + ".hosts",
                        "There are more than two hosts configured which can handle the active master role.");
        }
    }

    // mysql-mmm sleeps check_period after each run, so a timeout above the period is valid: the probe keeps its
    // timeout and the next run starts check_period after it ends (the scheduler never overlaps runs). Only the
    // monitor runs checks, so only it is told that the time between two samples grows.
    bool default_timeout_reported = false;
    for (CheckKind k : all_check_kinds) {
        const auto& ck = c.check(k);
        const std::string p = fmt::format("checks.{}", to_string(k));
        if (monitor && ck.timeout >= ck.check_period && ck.check_period.count() > 0) {
            // Both values from checks.default: one warning there rather than one per check.
            const bool from_default = v.line(p + ".timeout") == v.line("checks.default.timeout") &&
                                      v.line(p + ".check_period") == v.line("checks.default.check_period");
            if (!from_default || !std::exchange(default_timeout_reported, true)) {
                out.warnings.push_back(fmt::format("{0}.timeout ({1}s) is not below check_period ({2}s): each probe "
                                                   "may take up to {1}s and the next one starts {2}s after it ends",
                                                   from_default ? std::string("checks.default") : p,
                                                   format_duration(ck.timeout), format_duration(ck.check_period)));
            }
        }
        if (ck.check_period.count() <= 0) v.error(p + ".check_period", "must be greater than 0");
    }

    // Durations (issue 12 item 7): at most a day, so that no timer's conversion to nanoseconds overflows (a huge
    // value made timers fire continuously); zero only where it means something.
    const auto bounded = [&v](const std::string& path, Duration d, bool zero_allowed) {
        if (d > std::chrono::hours(24))
            v.error(path, fmt::format("{}s is too long (at most 86400s, one day)", format_duration(d)));
        else if (d.count() < 0 || (!zero_allowed && d.count() == 0))
            v.error(path, zero_allowed ? "must not be negative" : "must be greater than 0");
    };
    for (const auto k : all_check_kinds) {
        const std::string p = fmt::format("checks.{}", to_string(k));
        const CheckConfig& ck = c.check(k);
        bounded(p + ".trap_period", ck.trap_period, true);
        bounded(p + ".timeout", ck.timeout, false);
        if (ck.check_period.count() > 0) bounded(p + ".check_period", ck.check_period, false);
    }
    bounded("monitor.flap_duration", c.monitor.flap_duration, true);
    bounded("monitor.auto_set_online", c.monitor.auto_set_online, true);
    bounded("monitor.wait_for_other_master", c.monitor.wait_for_other_master, true);
    bounded("monitor.agent_timeout", c.monitor.agent_timeout, false);
    bounded("monitor.kill_host_timeout", c.monitor.kill_host_timeout, false);
    bounded("agent.writer_sync_timeout", c.agent.writer_sync_timeout, false);
    bounded("agent.repoint_timeout", c.agent.repoint_timeout, false);
    bounded("agent.recheck_interval", c.agent.recheck_interval, true);
    bounded("agent.garp_repeat_delay", c.agent.garp_repeat_delay, true);
    if (c.agent.galera_read_only &&
        std::none_of(c.hosts.begin(), c.hosts.end(), [](const HostConfig& h) { return h.mode == HostMode::Galera; }))
        v.error("agent.galera_read_only", "is set but no host has mode: galera (it only changes what Galera nodes do)");
    if (c.monitor.ping_interval.count() > 0) bounded("monitor.ping_interval", c.monitor.ping_interval, false);
    if (c.monitor.status_interval.count() > 0) bounded("monitor.status_interval", c.monitor.status_interval, false);

    if (monitor) {
        // Started with execv as `<kill_host_bin> <host> <1|0>`, no shell (issue 12 item 8): a value with arguments
        // in it named no file and would have been split by the shell; it is refused rather than split here.
        if (c.monitor.kill_host_bin.find_first_of(" \t\n\v\f\r") != std::string::npos)
            v.error("monitor.kill_host_bin",
                    fmt::format("'{}' has whitespace in it: kill_host_bin is one executable, started without a shell "
                                "as '<kill_host_bin> <host> <1|0>'; put other arguments in a wrapper script",
                                printable(c.monitor.kill_host_bin, 200)));
        if (c.monitor.ping_ips.empty()) v.error("monitor.ping_ips", "is required but missing");
        for (const auto& ip : c.monitor.ping_ips)
            if (!valid_ip(ip)) v.error("monitor.ping_ips", fmt::format("'{}' is not an IP address", ip));
        if (c.monitor.ping_interval.count() <= 0) v.error("monitor.ping_interval", "must be greater than 0");
        if (c.monitor.status_interval.count() <= 0) v.error("monitor.status_interval", "must be greater than 0");
        // The lease is renewed every third of it (at most every status_interval): two renewals may be lost before
        // the agent fences itself. Below 300 ms a renewal would be due every 100 ms, less than one agent call.
        const Duration lease = c.writer_lease();
        if (c.monitor.writer_lease && lease.count() != 0 && (lease < 300ms || lease > 3600s))
            v.error("monitor.writer_lease",
                    fmt::format("{}s is out of range: 0 (no lease, as in mysql-mmm) or from 0.3s to 3600s (it is renewed "
                                "every third of it, so it must cover three renewals)",
                                format_duration(lease)));
    }
    if (monitor) validate_http(v, c.monitor.http, "monitor.http");
    if (agent) validate_http(v, c.agent.http, "agent.http");
    if (monitor || program == Program::Control) {
        for (const auto& ip : c.monitor.ips)
            if (!valid_ip(ip)) v.error("monitor.ip", fmt::format("'{}' is not an IP address", ip));
    }
    if (monitor) validate_coordination(v, c);
    if (agent) {
        if (!c.agent.this_host.empty() && c.find_host(c.agent.this_host) == nullptr)
            v.error("agent.this", fmt::format("unknown host '{}'", c.agent.this_host));
        // The agent's allow list holds IPv4 addresses only: anything else was dropped at start and then every
        // monitor was denied (issue 12 item 14), so it is refused here.
        for (const auto& ip : c.agent.allowed_monitors)
            if (!valid_ipv4(ip))
                v.error("agent.allowed_monitors",
                        fmt::format("'{}' is not an IPv4 address: the agent accepts monitors by IPv4 address only "
                                    "(no IPv6, no networks)",
                                    printable(ip, 80)));
        if (c.agent.allowed_monitors.empty() && ipv6_beyond_loopback(c.monitor.ip))
            v.error("monitor.ip", fmt::format("'{}' is IPv6: the agent accepts monitors by IPv4 address only; set "
                                              "agent.allowed_monitors to the monitor's IPv4 address",
                                              c.monitor.ip));
    }
    if (c.socket.type == SocketType::Tls) {
        // Mutual TLS: every program presents its certificate and checks the peer's against the CA.
        if (c.socket.cert_file.empty()) v.error("socket.cert_file", "is required when socket.type is tls");
        if (c.socket.key_file.empty()) v.error("socket.key_file", "is required when socket.type is tls");
        if (c.socket.ca_file.empty()) v.error("socket.ca_file", "is required when socket.type is tls");
    }
}

}  // namespace mmm
