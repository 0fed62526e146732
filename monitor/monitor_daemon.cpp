// The running monitor and its reload (see monitor_daemon.hpp).
#include "monitor/monitor_daemon.hpp"

#include <csignal>
#include <utility>

#include "common/config_load.hpp"

namespace mmm::monitor {

MonitorDaemon::MonitorDaemon(asio::io_context& io, Logger& log, Source source, Config config,
                             MonitorService::PingMethod ping)
    : io_(io), log_(log), source_(std::move(source)), ping_(ping), signals_(io, SIGINT, SIGTERM, SIGHUP) {
    start_service(std::move(config));
    wait_for_signal();
}

void MonitorDaemon::start_service(Config config) {
    service_ = std::make_unique<MonitorService>(io_, log_, std::move(config), ping_);
    ++generation_;
    service_->start([this](std::string error) {
        if (error.empty()) return;
        exit_code_ = 1;
        service_->stop([this] { io_.stop(); });
    });
}

void MonitorDaemon::wait_for_signal() {
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

void MonitorDaemon::reload() {
    log_.reopen();
    auto loaded = load_config(source_.config_path, source_.cluster, Program::Monitor);
    if (!loaded.ok()) {
        log_.error("Configuration reload failed, keeping the running configuration:\n{}", loaded.error_text());
        return;
    }
    if (loaded.config == service_->config()) {
        log_.info("Configuration re-read from '{}': unchanged.", loaded.source);
        if (auto tls = service_->reload_tls(); !tls)
            log_.error("TLS files could not be re-read, keeping the running ones: {}", tls.error().message);
        return;
    }
    log_.info("Configuration re-read from '{}': changed, restarting the monitor with it.", loaded.source);
    if (loaded.config.debug != service_->config().debug)
        log_.set_threshold(loaded.config.debug ? LogLevel::Debug : LogLevel::Info);
    service_->stop([this, config = std::move(loaded.config)]() mutable {
        // In-flight calls of the old service may still complete: keep it alive until the process ends (its
        // descriptors were closed by stop()).
        retired_.push_back(std::move(service_));
        start_service(std::move(config));
    });
}

}  // namespace mmm::monitor
