// The running monitor: its service, the stop signals, and SIGHUP's reload (re-read the config, restart with it).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>

#include "common/config.hpp"
#include "common/log.hpp"
#include "monitor/coordinator.hpp"
#include "monitor/service.hpp"

namespace mmm::monitor {

// SIGHUP: reopen the log, re-read and validate the config; a changed valid config restarts the service with
// it (state comes back from the status file and the agents, as after a restart); an invalid one is refused.
// SIGINT/SIGTERM: stop the service, then the io_context.
// monitor.coordination.type etcd with several monitor addresses: the first entry of monitor.ip that is an address of
// this host becomes monitor.ip (where this monitor listens). An error when none is.
Result<void> choose_own_address(Config& config);

// With monitor.coordination.type etcd the daemon also owns the Coordinator (the election), which outlives the
// services: elected, the running service leads; no longer leading, the service is restarted as a follower.
class MonitorDaemon {
public:
    struct Source {
        std::string config_path;  // as given with -c (may be empty: the default search)
        std::string cluster;
    };
    MonitorDaemon(asio::io_context& io, Logger& log, Source source, Config config,
                  MonitorService::PingMethod ping = MonitorService::PingMethod::Auto);
    MonitorDaemon(const MonitorDaemon&) = delete;
    MonitorDaemon& operator=(const MonitorDaemon&) = delete;

    // What SIGHUP does.
    void reload();
    int exit_code() const { return exit_code_; }
    const MonitorService& service() const { return *service_; }
    // How many services were started: 1, plus one per reload that changed the config.
    int generation() const { return generation_; }

private:
    void start_service(Config config);
    void on_elected(Election election);
    void on_lost(const std::string& why);
    void wait_for_signal();

    asio::io_context& io_;
    Logger& log_;
    Source source_;
    MonitorService::PingMethod ping_;
    asio::signal_set signals_;
    std::unique_ptr<Coordinator> coordinator_;
    CoordinationConfig coordination_;   // what coordinator_ was made with
    std::string coordinator_identity_;
    std::optional<Election> pending_election_;  // won while the service was being replaced
    std::unique_ptr<MonitorService> service_;
    std::vector<std::unique_ptr<MonitorService>> retired_;
    int generation_ = 0;
    int exit_code_ = 0;
};

}  // namespace mmm::monitor
