// Cross-field validation of the configuration model, per program.
#include <arpa/inet.h>

#include <algorithm>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "common/config_load.hpp"

namespace mmm {

namespace {

bool valid_ip(const std::string& ip) {
    unsigned char buf[16];
    return inet_pton(AF_INET, ip.c_str(), buf) == 1 || inet_pton(AF_INET6, ip.c_str(), buf) == 1;
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
        if (!h.peer.empty()) {
            if (c.find_host(h.peer) == nullptr) v.error(p + ".peer", fmt::format("unknown host '{}'", h.peer));
            else if (h.peer == h.name) v.error(p + ".peer", "a host can't be its own peer");
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
            if (monitor && w->hosts.size() > 2)
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

    if (monitor) {
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
    if (monitor || program == Program::Control) {
        if (!valid_ip(c.monitor.ip)) v.error("monitor.ip", fmt::format("'{}' is not an IP address", c.monitor.ip));
    }
    if (agent) {
        if (!c.agent.this_host.empty() && c.find_host(c.agent.this_host) == nullptr)
            v.error("agent.this", fmt::format("unknown host '{}'", c.agent.this_host));
        for (const auto& ip : c.agent.allowed_monitors)
            if (!valid_ip(ip)) v.error("agent.allowed_monitors", fmt::format("'{}' is not an IP address", ip));
    }
    if (c.socket.type == SocketType::Tls) {
        // Refused rather than ignored: the programs do not speak TLS yet, and a config that asks for it must not
        // run in plaintext believing it is protected.
        v.error("socket.type", "tls is not supported yet (every connection would be plaintext): use plain, and keep "
                               "ports 9988/9989 reachable only from the monitor's and the agents' addresses");
        if (c.socket.cert_file.empty()) v.error("socket.cert_file", "is required when socket.type is tls");
        if (c.socket.key_file.empty()) v.error("socket.key_file", "is required when socket.type is tls");
        if (c.socket.ca_file.empty() && program != Program::Control)
            v.error("socket.ca_file", "is required when socket.type is tls");
    }
}

}  // namespace mmm
