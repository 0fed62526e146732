// mmm_agentd: the agent daemon's entry point.
#include <asio.hpp>
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "agent/daemon.hpp"
#include "agent/http_metrics.hpp"
#include "agent/net/ip_manager.hpp"
#include "agent/server.hpp"
#include "agent/service.hpp"
#include "common/pid_file.hpp"
#include "common/program.hpp"
#include "common/tls.hpp"

int main(int argc, char** argv) {
    CLI::App app{"mmm_agentd - the mmm agent daemon"};
    std::string config_path;
    std::string cluster;
    std::string host;
    bool check_config = false;
    bool foreground = false;
    bool version = false;
    app.add_option("-c,--config", config_path, "configuration file (default /etc/mysql-mmm/mmm.yaml)");
    app.add_option("--cluster", cluster, "cluster name: reads mmm_NAME.yaml / mmm_agent_NAME.conf");
    app.add_option("--host", host, "which host of the configuration this agent is (default agent.this)");
    app.add_flag("--check-config", check_config, "validate the configuration and exit (0 valid, 2 invalid)");
    app.add_flag("-f,--foreground", foreground, "stay in the foreground and log to stderr");
    app.add_flag("-V,--version", version, "print the version and exit");
    CLI11_PARSE(app, argc, argv);
    if (version) {
        fmt::print("{}\n", mmm::version_line("mmm_agentd"));
        return 0;
    }
    auto loaded = mmm::load_config_reporting(config_path, cluster, mmm::Program::Agent);
    if (!loaded.ok()) return 2;
    mmm::Config& config = loaded.config;
    if (!host.empty()) config.agent.this_host = host;
    if (config.agent.this_host.empty()) {
        // Not named: the configured host whose address is on its cluster interface here.
        for (const auto& h : config.hosts) {
            const auto present = mmm::agent::IpManager(h.cluster_interface).list();
            if (present && present->count(h.ip) != 0) {
                config.agent.this_host = h.name;
                break;
            }
        }
    }
    const mmm::HostConfig* self = config.find_host(config.agent.this_host);
    if (self == nullptr) {
        fmt::print(stderr, "{}: this agent's host '{}' is not a configured host (use --host NAME or agent.this; no configured host address is local)\n",
                   loaded.source, config.agent.this_host);
        return 2;
    }
    if (check_config) {
        // The files TLS needs must load too: a daemon that would stop at start is not given a valid config.
        if (auto tls = mmm::tls::check_files(loaded.config.socket); !tls) {
            fmt::print(stderr, "{}: {}\n", loaded.source, tls.error().message);
            return 2;
        }
        fmt::print("Configuration '{}' is valid.\n", loaded.source);
        return 0;
    }

    if (const auto missing = mmm::agent::missing_capabilities(); !missing.empty()) {
        fmt::print(stderr, "mmm_agentd: {}; run as root or grant them (systemd AmbientCapabilities)\n", missing);
        return 1;
    }
    // Opened before daemonizing, so what a Log4perl file asks for that mmm does not honour reaches the terminal.
    mmm::Logger log;
    if (auto err = mmm::open_program_log(log, loaded, mmm::Program::Agent, cluster,
                                         foreground ? mmm::LogToStderr::Yes : mmm::LogToStderr::No,
                                         cluster.empty() ? "mmm_agentd" : "mmm_agentd-" + cluster);
        !err.empty()) {
        fmt::print(stderr, "mmm_agentd: {}\n", err);
        return 1;
    }
    // Locked before daemonizing (the lock survives the fork), so a second agent is refused on the terminal.
    auto pid_file =
        mmm::PidFile::acquire(config.agent.pid_path, cluster.empty() ? "mmm_agentd" : "mmm_agentd-" + cluster);
    if (!pid_file) {
        log.fatal("{}", pid_file.error().message);
        if (!foreground) fmt::print(stderr, "mmm_agentd: {}\n", pid_file.error().message);
        return 1;
    }
    if (!foreground) {
        if (auto d = mmm::agent::daemonize(); !d) {
            log.fatal("{}", d.error().message);
            fmt::print(stderr, "mmm_agentd: {}\n", d.error().message);
            return 1;
        }
    }
    if (auto p = pid_file->write_pid(); !p) {
        log.fatal("{}", p.error().message);
        return 1;
    }
    log.info("STARTING... ({} as host '{}', config '{}')", mmm::version_line("mmm_agentd"), self->name, loaded.source);

    asio::io_context io;
    mmm::agent::AgentService service(io, config, *self, log);
    if (auto s = service.load_state(); !s) {
        log.fatal("{}", s.error().message);
        return 1;
    }
    std::string why;
    auto allow = mmm::agent::make_allow_list(config, self->ip, why);
    if (!allow) {
        log.fatal("{}", allow.error().message);
        return 1;
    }
    log.info("Accepting monitor connections from {} ({})", allow->describe(), why);
    std::optional<mmm::agent::ServerTls> tls;
    if (config.socket.type == mmm::SocketType::Tls) {
        auto context = mmm::tls::make_context(config.socket, mmm::tls::Side::Server);
        if (!context) {
            log.fatal("{}", context.error().message);
            return 1;
        }
        tls = mmm::agent::ServerTls{*context, mmm::agent::monitor_identities(config)};
        log.info("TLS: the monitor must present a certificate signed by '{}' that names {}", config.socket.ca_file,
                 fmt::join(tls->peer_names, " or "));
        if (const auto soon = mmm::tls::expiry_warning(config.socket, std::chrono::days(30)); !soon.empty())
            log.warn("TLS: {} (renew it: mmm_tls_init, then restart the agent)", soon);
    } else {
        log.warn("socket.type is plain: monitor connections are neither encrypted nor authenticated (use tls unless "
                 "mysql-mmm's monitor drives this agent)");
    }
    mmm::agent::AgentServer server(io, service, log, std::move(*allow), std::move(tls));
    if (auto l = server.listen(self->ip, self->agent_port); !l) {
        log.fatal("{}", l.error().message);
        return 1;
    }
    log.info("Listening on {}:{}", self->ip, self->agent_port);
    std::optional<mmm::HttpServer> http;
    if (!config.agent.http.listen.empty()) {
        http.emplace(io, log, config.agent.http, "agent.http", "agent");
        if (auto h = mmm::agent::start_agent_http(*http, service); !h) {
            log.fatal("agent.http: {}", h.error().message);
            return 1;
        }
    }
    service.start();

    asio::signal_set stop_signals(io, SIGTERM, SIGINT, SIGQUIT);
    stop_signals.async_wait([&](std::error_code ec, int sig) {
        if (ec) return;
        log.info("Signal {} received: exiting (role IPs stay configured)...", sig);
        server.close();
        if (http) http->stop();
        io.stop();
    });
    asio::signal_set hup(io, SIGHUP);
    std::function<void()> wait_hup = [&] {
        hup.async_wait([&](std::error_code ec, int) {
            if (ec) return;
            log.reopen();
            log.info("Log reopened (SIGHUP)");
            if (config.socket.type == mmm::SocketType::Tls) {
                // Renewed certificates without a restart: new connections use them, open ones keep theirs.
                if (auto context = mmm::tls::make_context(config.socket, mmm::tls::Side::Server); !context) {
                    log.error("TLS files could not be re-read, keeping the running ones: {}", context.error().message);
                } else {
                    server.replace_tls_context(*context);
                    log.info("TLS: certificate, key and CA re-read from '{}', '{}', '{}'", config.socket.cert_file,
                             config.socket.key_file, config.socket.ca_file);
                }
            }
            wait_hup();
        });
    };
    wait_hup();
    io.run();
    service.stop();
    log.info("END");
    return 0;
}
