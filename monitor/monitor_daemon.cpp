// The running monitor and its reload (see monitor_daemon.hpp).
#include "monitor/monitor_daemon.hpp"

#include <ifaddrs.h>
#include <netinet/in.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <set>
#include <utility>

#include <asio/ip/address.hpp>
#include <fmt/format.h>

#include "common/config_load.hpp"

namespace mmm::monitor {

Result<void> choose_own_address(Config& config) {
    auto& m = config.monitor;
    if (m.coordination.type != CoordinationType::Etcd || m.ips.size() < 2) return {};
    std::set<std::string> own;
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0) return fail("cannot list this host's addresses (getifaddrs)");
    for (auto* a = list; a != nullptr; a = a->ifa_next) {
        if (a->ifa_addr == nullptr) continue;
        if (a->ifa_addr->sa_family == AF_INET) {
            const auto* in = reinterpret_cast<const sockaddr_in*>(a->ifa_addr);
            asio::ip::address_v4::bytes_type b;
            std::memcpy(b.data(), &in->sin_addr, b.size());
            own.insert(asio::ip::address_v4(b).to_string());
        } else if (a->ifa_addr->sa_family == AF_INET6) {
            const auto* in = reinterpret_cast<const sockaddr_in6*>(a->ifa_addr);
            asio::ip::address_v6::bytes_type b;
            std::memcpy(b.data(), &in->sin6_addr, b.size());
            own.insert(asio::ip::address_v6(b).to_string());
        }
    }
    ::freeifaddrs(list);
    for (const auto& ip : m.ips) {
        std::error_code ec;
        const auto addr = asio::ip::make_address(ip, ec);
        if (!ec && own.count(addr.to_string()) > 0) {
            m.ip = ip;
            return {};
        }
    }
    std::string listed;
    for (const auto& ip : m.ips) listed += (listed.empty() ? "" : ", ") + ip;
    return fail(fmt::format("monitor.ip lists {} monitors ({}), and none of these addresses is on this host: each "
                            "monitor listens on its own entry",
                            m.ips.size(), listed));
}

MonitorDaemon::MonitorDaemon(asio::io_context& io, Logger& log, Source source, Config config,
                             MonitorService::PingMethod ping)
    : io_(io), log_(log), source_(std::move(source)), ping_(ping), signals_(io, SIGINT, SIGTERM, SIGHUP) {
    start_service(std::move(config));
    wait_for_signal();
}

void MonitorDaemon::start_service(Config config) {
    if (auto own = choose_own_address(config); !own) {
        log_.fatal("{}", own.error().message);
        exit_code_ = 1;
        io_.stop();
        return;
    }
    const bool etcd = config.monitor.coordination.type == CoordinationType::Etcd;
    // The election's identity: a changed one (a reload) campaigns anew; the same one keeps its coordinator.
    const auto identity = fmt::format("{}|{}|{}|{}", config.monitor.ip, config.monitor.port, config.etcd_prefix(),
                                      fmt::join(config.monitor.coordination.endpoints, ","));
    if (coordinator_ && (!etcd || config.monitor.coordination != coordination_ || identity != coordinator_identity_)) {
        coordinator_->stop();  // resigns if leading
        coordinator_.reset();
    }
    if (etcd && !coordinator_) {
        etcd::LeaderRecord me;
        me.ip = config.monitor.ip;
        me.port = config.monitor.port;
        me.pid = ::getpid();
        coordinator_ = std::make_unique<Coordinator>(
            io_, log_, config, me,
            Coordinator::Events{[this](Election e) { on_elected(std::move(e)); },
                                [this](std::string why) { on_lost(why); }});
        coordination_ = config.monitor.coordination;
        coordinator_identity_ = identity;
        log_.info("Coordination: etcd at {} under '{}', lease {} s; this monitor is {}:{}",
                  fmt::join(config.monitor.coordination.endpoints, ", "), config.etcd_prefix(),
                  format_duration(config.monitor.coordination.lease_ttl), me.ip, me.port);
    }
    service_ = std::make_unique<MonitorService>(io_, log_, std::move(config), ping_);
    service_->use_coordinator(coordinator_.get());
    if (coordinator_) coordinator_->start();
    if (pending_election_ && coordinator_) service_->lead(std::move(*pending_election_));
    pending_election_.reset();
    ++generation_;
    service_->start([this](std::string error) {
        if (error.empty()) return;
        exit_code_ = 1;
        service_->stop([this] { io_.stop(); });
    });
}

void MonitorDaemon::on_elected(Election election) {
    // A service that is stopping (leadership just ended, a reload) passes it to the next one.
    if (service_ && !service_->stopping()) service_->lead(std::move(election));
    else pending_election_ = std::move(election);
}

void MonitorDaemon::on_lost(const std::string& why) {
    if (!service_ || !service_->leader()) return;
    log_.error("This monitor stops leading: {}. It decides nothing and tells agents nothing from now on; it "
               "restarts as a follower.", why);
    service_->stop([this, config = service_->config()]() mutable {
        retired_.push_back(std::move(service_));
        start_service(std::move(config));
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
        service_->stop([this] {
            if (coordinator_) coordinator_->stop();  // resigns: a follower takes over at once
            io_.stop();
        });
    });
}

void MonitorDaemon::reload() {
    log_.reopen();
    auto loaded = load_config(source_.config_path, source_.cluster, Program::Monitor);
    if (!loaded.ok()) {
        log_.error("Configuration reload failed, keeping the running configuration:\n{}", loaded.error_text());
        return;
    }
    if (auto own = choose_own_address(loaded.config); !own) {
        log_.error("Configuration reload failed, keeping the running configuration: {}", own.error().message);
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
