// mmm_mond: the monitor daemon's entry point (options, config, pid file, daemonizing, signals, reload).
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <csignal>
#include <memory>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>

#include "common/log.hpp"
#include "common/pid_file.hpp"
#include "common/program.hpp"
#include "monitor/daemon.hpp"
#include "monitor/service.hpp"
#include "monitor/supervisor.hpp"

namespace {

struct Options {
    std::string config_path;
    std::string cluster;
    bool check_config = false;
    bool foreground = false;
};

// SIGHUP: reopen the log, re-read and validate the config; a changed valid config restarts the service with
// it (state comes back from the status file and the agents, as after a restart); an invalid one is refused.
class Daemon {
public:
    Daemon(asio::io_context& io, mmm::Logger& log, Options options, mmm::Config config)
        : io_(io), log_(log), options_(std::move(options)), signals_(io, SIGINT, SIGTERM, SIGHUP) {
        start_service(std::move(config));
        wait_for_signal();
    }
    int exit_code() const { return exit_code_; }

private:
    void start_service(mmm::Config config) {
        service_ = std::make_unique<mmm::monitor::MonitorService>(io_, log_, std::move(config));
        service_->start([this](std::string error) {
            if (error.empty()) return;
            exit_code_ = 1;
            service_->stop([this] { io_.stop(); });
        });
    }

    void wait_for_signal() {
        signals_.async_wait([this](asio::error_code ec, int signal) {
            if (ec) return;
            if (signal == SIGHUP) {
                reload();
                wait_for_signal();
                return;
            }
            log_.info("Signal received: exiting...");
            service_->stop([this] { io_.stop(); });
        });
    }

    void reload() {
        log_.reopen();
        auto loaded = mmm::load_config(options_.config_path, options_.cluster, mmm::Program::Monitor);
        if (!loaded.ok()) {
            log_.error("Configuration reload failed, keeping the running configuration:\n{}", loaded.error_text());
            return;
        }
        if (loaded.config == service_->config()) {
            log_.info("Configuration re-read from '{}': unchanged.", loaded.source);
            return;
        }
        log_.info("Configuration re-read from '{}': changed, restarting the monitor with it.", loaded.source);
        if (loaded.config.debug != service_->config().debug)
            log_.set_threshold(loaded.config.debug ? mmm::LogLevel::Debug : mmm::LogLevel::Info);
        service_->stop([this, config = std::move(loaded.config)]() mutable {
            // In-flight calls of the old service may still complete: keep it alive until the process ends.
            retired_.push_back(std::move(service_));
            start_service(std::move(config));
        });
    }

    asio::io_context& io_;
    mmm::Logger& log_;
    Options options_;
    asio::signal_set signals_;
    std::unique_ptr<mmm::monitor::MonitorService> service_;
    std::vector<std::unique_ptr<mmm::monitor::MonitorService>> retired_;
    int exit_code_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
    // mysql-mmm style: `mmm_mond @CLUSTER ...` as the first argument.
    std::vector<std::string> args(argv + 1, argv + argc);
    Options options;
    if (!args.empty() && args[0].size() > 1 && args[0][0] == '@') {
        options.cluster = args[0].substr(1);
        args.erase(args.begin());
    }
    CLI::App app{"mmm_mond - the mmm monitor daemon. A first argument @CLUSTER is the same as --cluster CLUSTER."};
    app.name("mmm_mond");
    bool version = false;
    app.add_option("-c,--config", options.config_path, "configuration file (default /etc/mysql-mmm/mmm.yaml)");
    app.add_option("--cluster", options.cluster, "cluster name: reads mmm_NAME.yaml / mmm_mon_NAME.conf");
    app.add_flag("--check-config", options.check_config, "validate the configuration and exit (0 valid, 2 invalid)");
    app.add_flag("-f,--foreground", options.foreground, "stay in the foreground and log to stderr too");
    app.add_flag("-V,--version", version, "print the version and exit");
    std::reverse(args.begin(), args.end());
    try {
        app.parse(args);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;
    }
    if (version) {
        fmt::print("{}\n", mmm::version_line("mmm_mond"));
        return 0;
    }
    const auto loaded = mmm::load_config_reporting(options.config_path, options.cluster, mmm::Program::Monitor);
    if (!loaded.ok()) return 2;
    if (options.check_config) {
        fmt::print("Configuration '{}' is valid.\n", loaded.source);
        return 0;
    }
    const auto& config = loaded.config;
    const std::string program = options.cluster.empty() ? "mmm_mond" : "mmm_mond-" + options.cluster;

    mmm::Logger log;
    if (auto error = mmm::open_program_log(log, loaded, mmm::Program::Monitor, options.cluster,
                                           options.foreground ? mmm::LogToStderr::Yes : mmm::LogToStderr::No, program);
        !error.empty()) {
        fmt::print(stderr, "{}: {}\n", program, error);
        return 1;
    }
    log.info("STARTING...");
    mmm::monitor::set_supervisor_log(&log);
    auto pid_file = mmm::PidFile::acquire(config.monitor.pid_path, program);
    if (!pid_file) {
        log.fatal("{}", pid_file.error().message);
        if (!options.foreground) fmt::print(stderr, "{}: {}\n", program, pid_file.error().message);
        return 1;
    }
    if (pid_file->previous() == mmm::PidFile::Previous::Stale) log.warn("Unclean start - found stale pid file!");
    if (!options.foreground) {
        if (auto d = mmm::monitor::daemonize(); !d) {
            log.fatal("{}", d.error().message);
            return 1;
        }
    }
    if (auto w = pid_file->write_pid(); !w) {
        log.fatal("{}", w.error().message);
        return 1;
    }
    std::signal(SIGPIPE, SIG_IGN);

    asio::io_context io(1);
    Daemon daemon(io, log, options, config);
    io.run();
    log.info("END");
    return daemon.exit_code();
}
