// mmm_mond: the monitor daemon's entry point (options, config, pid file, daemonizing, signals, reload).
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <csignal>
#include <vector>

#include <asio/io_context.hpp>

#include "common/log.hpp"
#include "common/pid_file.hpp"
#include "common/program.hpp"
#include "common/tls.hpp"
#include "monitor/daemon.hpp"
#include "monitor/monitor_daemon.hpp"
#include "monitor/supervisor.hpp"

namespace {

struct Options {
    std::string config_path;
    std::string cluster;
    bool check_config = false;
    bool foreground = false;
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
        // The files TLS needs must load too: a daemon that would stop at start is not given a valid config.
        if (auto tls = mmm::tls::check_files(loaded.config.socket); !tls) {
            fmt::print(stderr, "{}: {}\n", loaded.source, tls.error().message);
            return 2;
        }
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
    mmm::monitor::MonitorDaemon daemon(io, log, {options.config_path, options.cluster}, config);
    io.run();
    log.info("END");
    return daemon.exit_code();
}
