// Raw sections -> typed config model: key tables per section, type conversion, unknown-key errors.
#include <algorithm>
#include <cctype>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>

#include <fmt/format.h>

#include "common/config_raw.hpp"
#include "common/text.hpp"

namespace mmm::detail {

const RawValue* RawSection::find(const std::string& key) const {
    for (auto it = keys.rbegin(); it != keys.rend(); ++it)
        if (it->first == key) return &it->second;
    return nullptr;
}

void RawSection::set(const std::string& key, RawValue value) {
    for (auto& [k, v] : keys)
        if (k == key) {
            v = std::move(value);
            return;
        }
    keys.emplace_back(key, std::move(value));
}

RawSection& RawConfig::named(std::vector<RawSection>& list, const std::string& name, const std::string& file,
                             int line) {
    for (auto& s : list)
        if (s.name == name) return s;
    list.push_back(RawSection{name, file, line, {}});
    return list.back();
}

namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j)
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0U : 1U)});
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

}  // namespace

std::string did_you_mean(const std::string& key, const std::vector<std::string>& known) {
    const std::size_t allowed = key.size() <= 4 ? 1 : (key.size() <= 8 ? 2 : 3);
    std::string best;
    std::size_t best_distance = std::numeric_limits<std::size_t>::max();
    for (const auto& k : known) {
        // The distance is at least the difference in length: a key of 1 MB is compared with nothing (it took
        // 15 s against every known key).
        if (std::max(key.size(), k.size()) - std::min(key.size(), k.size()) > allowed) continue;
        const auto d = edit_distance(key, k);
        if (d < best_distance) {
            best_distance = d;
            best = k;
        }
    }
    return best_distance <= allowed ? best : std::string{};
}

namespace {

// Collects errors for one file being built.
struct Ctx {
    LoadResult& out;
    Dialect dialect;

    void error(const RawValue& v, const std::string& key, std::string what) const {
        out.errors.push_back({v.file, v.line, key, std::move(what)});
    }
    void error_at(const std::string& file, int line, const std::string& key, std::string what) const {
        out.errors.push_back({file, line, key, std::move(what)});
    }
};

// Scalar text of a value, or an error when a list or mapping was given.
bool scalar(const Ctx& ctx, const RawValue& v, const std::string& key, std::string& text) {
    if (v.is_map || v.is_list || v.items.size() != 1) {
        ctx.error(v, key, "must be a single value, not a list or mapping");
        return false;
    }
    text = v.items.front();
    return true;
}

using Setter = std::function<void(const Ctx&, const RawValue&, const std::string& key)>;
struct KeySpec {
    std::string name;
    Setter apply;
};

Setter str(std::string& target) {
    return [&target](const Ctx& ctx, const RawValue& v, const std::string& key) {
        std::string text;
        if (scalar(ctx, v, key, text)) target = text;
    };
}

Setter secret_file(std::string& target) {
    return [&target](const Ctx& ctx, const RawValue& v, const std::string& key) {
        std::string path;
        if (!scalar(ctx, v, key, path)) return;
        std::ifstream in(path);
        if (!in) {
            ctx.error(v, key, fmt::format("can't read password file '{}'", path));
            return;
        }
        std::string content;
        std::getline(in, content);
        while (!content.empty() && (content.back() == '\r' || content.back() == ' ')) content.pop_back();
        target = content;
    };
}

template <typename Int>
Setter integer(Int& target, long long min, long long max) {
    return [&target, min, max](const Ctx& ctx, const RawValue& v, const std::string& key) {
        std::string text;
        if (!scalar(ctx, v, key, text)) return;
        long long n = 0;
        std::size_t used = 0;
        try {
            n = std::stoll(text, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used == 0 || used != text.size()) {
            ctx.error(v, key, fmt::format("'{}' is not a whole number", text));
            return;
        }
        if (n < min || n > max) {
            ctx.error(v, key, fmt::format("{} is out of range ({}..{})", n, min, max));
            return;
        }
        target = static_cast<Int>(n);
    };
}

Setter port(std::uint16_t& target) { return integer(target, 1, 65535); }

std::optional<bool> parse_bool(std::string_view text) {
    std::string lower;
    for (char c : text) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    if (lower == "true" || lower == "on" || lower == "yes" || lower == "1") return true;
    if (lower == "false" || lower == "off" || lower == "no" || lower == "0") return false;
    return std::nullopt;
}

Setter boolean(bool& target) {
    return [&target](const Ctx& ctx, const RawValue& v, const std::string& key) {
        std::string text;
        if (!scalar(ctx, v, key, text)) return;
        if (auto b = parse_bool(text)) target = *b;
        else ctx.error(v, key, fmt::format("'{}' is not a boolean (true/false, yes/no, on/off, 1/0)", text));
    };
}

Setter duration(Duration& target) {
    return [&target](const Ctx& ctx, const RawValue& v, const std::string& key) {
        std::string text;
        if (!scalar(ctx, v, key, text)) return;
        auto d = parse_duration(text);
        if (d) target = *d;
        else ctx.error(v, key, d.error().message);
    };
}

// A list: a YAML sequence, or a comma-separated string (the legacy form, also accepted in YAML).
Setter list(std::vector<std::string>& target) {
    return [&target](const Ctx& ctx, const RawValue& v, const std::string& key) {
        if (v.is_map) {
            ctx.error(v, key, "must be a list, not a mapping");
            return;
        }
        std::vector<std::string> items;
        for (const auto& item : v.items) {
            std::stringstream ss(item);
            std::string part;
            while (std::getline(ss, part, ',')) {
                const auto b = part.find_first_not_of(" \t");
                const auto e = part.find_last_not_of(" \t");
                if (b != std::string::npos) items.push_back(part.substr(b, e - b + 1));
            }
        }
        target = std::move(items);
    };
}

template <typename E>
Setter enumeration(E& target, std::optional<E> (*parse)(std::string_view), std::string allowed) {
    return [&target, parse, allowed](const Ctx& ctx, const RawValue& v, const std::string& key) {
        std::string text;
        if (!scalar(ctx, v, key, text)) return;
        if (auto e = parse(text)) target = *e;
        else ctx.error(v, key, fmt::format("invalid value '{}' (allowed: {})", text, allowed));
    };
}

// Applies every key of `section` through `specs`; unknown keys are errors with a suggestion.
void apply(const Ctx& ctx, const RawSection& section, const std::vector<KeySpec>& specs, const std::string& prefix,
           const std::vector<std::string>& legacy_only = {}) {
    std::vector<std::string> known;
    for (const auto& s : specs) known.push_back(s.name);
    for (const auto& [key, value] : section.keys) {
        const std::string path = prefix.empty() ? key : prefix + "." + key;
        // An init-capture: clang 14 (the fuzz build) cannot capture a structured binding.
        auto it = std::find_if(specs.begin(), specs.end(), [&key = key](const KeySpec& s) { return s.name == key; });
        if (it != specs.end()) {
            it->apply(ctx, value, path);
            ctx.out.lines[path] = value.line;
            continue;
        }
        if (ctx.dialect == Dialect::Legacy &&
            std::find(legacy_only.begin(), legacy_only.end(), key) != legacy_only.end())
            continue;  // a mysql-mmm key for its tools or helpers that mmm does not use
        const auto hint = did_you_mean(key, known);
        ctx.error(value, printable(path, 200),
                  hint.empty() ? "unknown key" : fmt::format("unknown key (did you mean '{}'?)", hint));
    }
}

std::vector<KeySpec> host_specs(HostConfig& h, std::string& legacy_pid_path) {
    return {
        {"ip", str(h.ip)},
        {"mode", enumeration(h.mode, &parse_host_mode, "master, slave, galera")},
        {"peer", str(h.peer)},
        {"sources", list(h.sources)},
        {"cluster_interface", str(h.cluster_interface)},
        {"agent_port", port(h.agent_port)},
        {"mysql_port", port(h.mysql_port)},
        {"agent_user", str(h.agent_user)},
        {"agent_password", str(h.agent_password)},
        {"agent_password_file", secret_file(h.agent_password)},
        {"monitor_user", str(h.monitor_user)},
        {"monitor_password", str(h.monitor_password)},
        {"monitor_password_file", secret_file(h.monitor_password)},
        {"replication_user", str(h.replication_user)},
        {"replication_password", str(h.replication_password)},
        {"replication_password_file", secret_file(h.replication_password)},
        {"pid_path", str(legacy_pid_path)},
    };
}

const std::vector<std::string> legacy_host_only = {
    "bin_path", "mysql_pidfile", "mysql_rcscript", "mysql_cnf", "ssh_user", "ssh_port", "ssh_parameters",
    "tools_user", "tools_password", "backup_dir", "restore_dir", "lvm_bin_lvcreate", "lvm_bin_lvremove",
    "lvm_snapshot_size", "lvm_logical_volume", "lvm_volume_group", "lvm_mount_dir", "lvm_mount_opts"};

void build_hosts(const Ctx& ctx, const RawConfig& raw, Config& cfg, std::map<std::string, std::string>& pid_paths) {
    const RawSection* defaults = nullptr;
    for (const auto& s : raw.hosts)
        if (s.name == "default") defaults = &s;
    for (const auto& s : raw.hosts) {
        if (s.name == "default") continue;
        HostConfig h;
        h.name = s.name;
        std::string pid_path;
        const auto specs = host_specs(h, pid_path);
        const std::string prefix = "hosts." + s.name;
        ctx.out.lines.emplace(prefix, s.line);
        if (defaults != nullptr) {
            // Template keys first, recorded under this host's path so "given" checks see them; their errors are
            // reported once, at hosts.default, below.
            LoadResult scratch;
            apply(Ctx{scratch, ctx.dialect}, *defaults, specs, prefix, legacy_host_only);
            ctx.out.lines.insert(scratch.lines.begin(), scratch.lines.end());
        }
        apply(ctx, s, specs, prefix, legacy_host_only);
        if (ctx.dialect == Dialect::Yaml && !pid_path.empty())
            ctx.error_at(s.file, s.line, prefix + ".pid_path", "unknown key (the agent's pid file is agent.pid_path)");
        if (!pid_path.empty()) pid_paths[s.name] = pid_path;
        cfg.hosts.push_back(std::move(h));
    }
    if (defaults != nullptr) {
        HostConfig scratch_host;
        std::string scratch_pid;
        apply(ctx, *defaults, host_specs(scratch_host, scratch_pid), "hosts.default", legacy_host_only);
    }
}

void build_roles(const Ctx& ctx, const RawConfig& raw, Config& cfg) {
    for (const auto& s : raw.roles) {
        RoleConfig r;
        r.name = s.name;
        const std::vector<KeySpec> specs = {
            {"mode", enumeration(r.mode, &parse_role_mode, "exclusive, balanced")},
            {"hosts", list(r.hosts)},
            {"ips", list(r.ips)},
            {"prefer", str(r.prefer)},
        };
        ctx.out.lines.emplace("roles." + s.name, s.line);
        apply(ctx, s, specs, "roles." + s.name);
        cfg.roles.push_back(std::move(r));
    }
}

void build_checks(const Ctx& ctx, const RawConfig& raw, Config& cfg) {
    auto specs_for = [](CheckConfig& c) {
        return std::vector<KeySpec>{
            {"check_period", duration(c.check_period)},
            {"trap_period", duration(c.trap_period)},
            {"timeout", duration(c.timeout)},
            {"restart_after", integer(c.restart_after, 0, std::numeric_limits<int>::max())},
            {"max_backlog", integer(c.max_backlog, 0, std::numeric_limits<int>::max())},
        };
    };
    const RawSection* defaults = nullptr;
    for (const auto& s : raw.checks) {
        if (s.name == "default") {
            defaults = &s;
            continue;
        }
        if (!parse_check_kind(s.name)) {
            const auto hint = did_you_mean(s.name, {"default", "ping", "mysql", "rep_threads", "rep_backlog"});
            ctx.error_at(s.file, s.line, "checks." + s.name,
                         hint.empty() ? "unknown check (allowed: default, ping, mysql, rep_threads, rep_backlog, wsrep)"
                                      : fmt::format("unknown check (did you mean '{}'?)", hint));
        }
    }
    if (defaults != nullptr) {
        CheckConfig scratch_check;
        apply(ctx, *defaults, specs_for(scratch_check), "checks.default");
    }
    for (CheckKind k : all_check_kinds) {
        CheckConfig& c = cfg.check(k);
        const auto specs = specs_for(c);
        const std::string prefix = fmt::format("checks.{}", to_string(k));
        if (defaults != nullptr) {
            LoadResult scratch;  // errors of the template are reported once, at checks.default
            apply(Ctx{scratch, ctx.dialect}, *defaults, specs, prefix);
            ctx.out.lines.insert(scratch.lines.begin(), scratch.lines.end());
        }
        for (const auto& s : raw.checks)
            if (s.name == to_string(k)) apply(ctx, s, specs, prefix);
    }
}

}  // namespace

void build_config(const RawConfig& raw, Dialect dialect, LoadResult& out) {
    const Ctx ctx{out, dialect};
    Config& cfg = out.config;

    const std::vector<KeySpec> top = {
        {"active_master_role", str(cfg.active_master_role)},
        {"max_kill_retries", integer(cfg.max_kill_retries, 0, 3600)},
        {"debug", boolean(cfg.debug)},
        {"this", str(cfg.agent.this_host)},
    };
    apply(ctx, raw.top, top, "",
          {"default_copy_method", "clone_dirs", "blocking_type", "iptables_block_cmd", "iptables_unblock_cmd"});
    if (dialect == Dialect::Yaml && raw.top.find("this") != nullptr)
        ctx.error(*raw.top.find("this"), "this", "unknown key (the agent's host is agent.this)");

    if (raw.monitor.line > 0) out.lines.emplace("monitor", raw.monitor.line);
    if (raw.socket.line > 0) out.lines.emplace("socket", raw.socket.line);
    if (raw.agent.line > 0) out.lines.emplace("agent", raw.agent.line);

    MonitorConfig& m = cfg.monitor;
    apply(ctx, raw.monitor,
          {
              {"ip",
               [&m](const Ctx& c, const RawValue& v, const std::string& key) {
                   std::vector<std::string> ips;
                   list(ips)(c, v, key);
                   if (ips.empty()) {
                       c.error(v, key, "needs at least one address");
                       return;
                   }
                   m.ips = ips;
                   m.ip = ips.front();
               }},
              {"coordination.type",
               [&m](const Ctx& c, const RawValue& v, const std::string& key) {
                   std::string text;
                   if (!scalar(c, v, key, text)) return;
                   if (text == "none") m.coordination.type = CoordinationType::None;
                   else if (text == "etcd") m.coordination.type = CoordinationType::Etcd;
                   else c.error(v, key, fmt::format("invalid value '{}' (allowed: none, etcd)", text));
               }},
              {"coordination.endpoints", list(m.coordination.endpoints)},
              {"coordination.prefix", str(m.coordination.prefix)},
              {"coordination.lease_ttl", duration(m.coordination.lease_ttl)},
              {"coordination.cert_file", str(m.coordination.cert_file)},
              {"coordination.key_file", str(m.coordination.key_file)},
              {"coordination.ca_file", str(m.coordination.ca_file)},
              {"port", port(m.port)},
              {"pid_path", str(m.pid_path)},
              {"status_path", str(m.status_path)},
              {"log_path", str(m.log_path)},
              {"bin_path", str(m.bin_path)},
              {"ping_interval", duration(m.ping_interval)},
              {"ping_ips", list(m.ping_ips)},
              {"flap_duration", duration(m.flap_duration)},
              {"flap_count", integer(m.flap_count, 0, 1000000)},
              {"auto_set_online", duration(m.auto_set_online)},
              {"peer_grace",
               [&m](const Ctx& c, const RawValue& v, const std::string& key) {
                   Duration grace = m.peer_grace;
                   duration(grace)(c, v, key);
                   if (grace < Duration::zero() || grace > 3600s)
                       c.error(v, key, "must be from 0 to 3600 seconds");
                   else
                       m.peer_grace = grace;
               }},
              {"kill_host_bin", str(m.kill_host_bin)},
              {"careful_startup", boolean(m.careful_startup)},
              {"hold_failed_active_master",
               [&m](const Ctx& c, const RawValue& v, const std::string& key) {
                   std::string text;
                   if (!scalar(c, v, key, text)) return;
                   if (text == "always") m.hold_failed_active_master = HoldFailedMaster::Always;
                   else if (auto b = parse_bool(text))
                       m.hold_failed_active_master = *b ? HoldFailedMaster::UnlessClean : HoldFailedMaster::No;
                   else c.error(v, key, fmt::format("invalid value '{}' (allowed: true, always, false)", text));
               }},
              {"second_opinion", boolean(m.second_opinion)},
              {"fail_fast_on_exit", boolean(m.fail_fast_on_exit)},
              {"mode", enumeration(m.mode, &parse_monitor_mode, "active, manual, wait, passive")},
              {"wait_for_other_master", duration(m.wait_for_other_master)},
              {"status_interval", duration(m.status_interval)},
              {"agent_timeout", duration(m.agent_timeout)},
              {"kill_host_timeout", duration(m.kill_host_timeout)},
              {"http.listen", str(m.http.listen)},
              {"http.cert_file", str(m.http.cert_file)},
              {"http.key_file", str(m.http.key_file)},
              {"http.ca_file", str(m.http.ca_file)},
              {"http.token_file", str(m.http.token_file)},
              {"writer_lease",
               [&m](const Ctx& c, const RawValue& v, const std::string& key) {
                   Duration lease{};
                   duration(lease)(c, v, key);
                   m.writer_lease = lease;  // an invalid value was reported; the default is not used silently
               }},
          },
          "monitor");

    SocketConfig& sock = cfg.socket;
    apply(ctx, raw.socket,
          {
              {"type",
               [&sock](const Ctx& c, const RawValue& v, const std::string& key) {
                   std::string text;
                   if (!scalar(c, v, key, text)) return;
                   if (text == "plain") sock.type = SocketType::Plain;
                   else if (text == "tls" || text == "ssl") sock.type = SocketType::Tls;
                   else c.error(v, key, fmt::format("invalid value '{}' (allowed: plain, tls)", text));
               }},
              {"cert_file", str(sock.cert_file)},
              {"key_file", str(sock.key_file)},
              {"ca_file", str(sock.ca_file)},
          },
          "socket");

    AgentConfig& a = cfg.agent;
    apply(ctx, raw.agent,
          {
              {"this", str(a.this_host)},
              {"pid_path", str(a.pid_path)},
              {"state_path", str(a.state_path)},
              {"log_path", str(a.log_path)},
              {"allowed_monitors", list(a.allowed_monitors)},
              {"writer_sync_timeout", duration(a.writer_sync_timeout)},
              {"repoint_timeout", duration(a.repoint_timeout)},
              {"recheck_interval", duration(a.recheck_interval)},
              {"garp_repeat_delay", duration(a.garp_repeat_delay)},
              {"garp_rounds", integer(a.garp_rounds, 0, 100)},
              {"galera_read_only", boolean(a.galera_read_only)},
              {"http.listen", str(a.http.listen)},
              {"http.cert_file", str(a.http.cert_file)},
              {"http.key_file", str(a.http.key_file)},
              {"http.ca_file", str(a.http.ca_file)},
              {"http.token_file", str(a.http.token_file)},
          },
          "agent");

    std::map<std::string, std::string> pid_paths;
    build_hosts(ctx, raw, cfg, pid_paths);
    build_roles(ctx, raw, cfg);
    build_checks(ctx, raw, cfg);

    if (dialect == Dialect::Legacy) {
        // mysql-mmm keeps the agent's pid file per host; ours is agent.pid_path of `this` host.
        if (auto it = pid_paths.find(cfg.agent.this_host); it != pid_paths.end()) cfg.agent.pid_path = it->second;
        // A relative kill_host_bin (default "kill_host") lives in <bin_path>/monitor/.
        if (!m.bin_path.empty()) {
            std::string bin = m.kill_host_bin.empty() ? "kill_host" : m.kill_host_bin;
            if (bin.front() != '/') {
                std::string dir = m.bin_path;
                if (dir.back() != '/') dir.push_back('/');
                bin = dir + "monitor/" + bin;
            }
            m.kill_host_bin = bin;
        }
    }
}

}  // namespace mmm::detail
