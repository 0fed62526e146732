// The monitor's start-up (spec §1.3.1): wait for the network, initial checks, status file, agents' reports.
#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "common/state_file.hpp"
#include "monitor/asio_support.hpp"
#include "monitor/service.hpp"
#include "monitor/supervisor.hpp"

namespace mmm::monitor {

namespace {
constexpr int startup_query_attempts = 3;

constexpr std::size_t startup_parallelism = 64;
}  // namespace

void MonitorService::start(std::function<void(std::string)> on_started) {
    asio::co_spawn(io_, startup(std::move(on_started)), supervised("start-up"));
}

// The client context of the agent calls and the control port's server context, from socket's files; the next agent
// call and control connection use them, open ones keep theirs.
Result<void> MonitorService::load_tls() {
    auto client = tls::make_context(config_.socket, tls::Side::Client);
    if (!client) return client.error();
    auto server = tls::make_context(config_.socket, tls::Side::Server);
    if (!server) return server.error();
    agent_tls_ = *client;
    control_.use_tls(*server, [this](X509* cert) { return may_command(cert); });
    if (const auto soon = tls::expiry_warning(config_.socket, std::chrono::days(30)); !soon.empty())
        log_.warn("TLS: {} (renew it: mmm_tls_init, then reload)", soon);
    return {};
}

Result<void> MonitorService::reload_tls() {
    if (config_.socket.type != SocketType::Tls) return {};
    if (auto loaded = load_tls(); !loaded) return loaded;
    log_.info("TLS: certificate, key and CA re-read from '{}', '{}', '{}'", config_.socket.cert_file,
              config_.socket.key_file, config_.socket.ca_file);
    return {};
}

Result<void> MonitorService::secure_channels() {
    control_.on_refused([this](std::string text) { log_.warn("{}", text); });
    if (config_.socket.type != SocketType::Tls) {
        log_.warn("socket.type is plain: agent calls and control commands are neither encrypted nor authenticated "
                  "(use tls unless mysql-mmm's agents or mmm_control take part)");
        return {};
    }
    if (auto loaded = load_tls(); !loaded) return loaded;
    log_.info("TLS: agents and control clients must present certificates signed by '{}'", config_.socket.ca_file);
    return {};
}

// The control port obeys any certificate the CA signed except an agent's: a certificate naming a db host (its
// name or address) is refused unless it also names the monitor (monitor.ip), so a db host's key cannot command the
// monitor.
bool MonitorService::may_command(X509* cert) const {
    for (const auto& ip : config_.monitor.addresses())  // every monitor (a follower passes commands on)
        if (tls::certificate_names(cert, ip)) return true;
    for (const auto& host : config_.hosts)
        if (tls::certificate_names(cert, host.name) || tls::certificate_names(cert, host.ip)) return false;
    return true;
}

asio::awaitable<void> MonitorService::startup(std::function<void(std::string)> on_started) {
    auto alive = alive_;
    auto report = [&](std::string error) {
        if (on_started) on_started(std::move(error));
        on_started = nullptr;
    };
    if (auto secured = secure_channels(); !secured) {
        log_.fatal("{}", secured.error().message);
        report(secured.error().message);
        co_return;
    }
    if (auto http = start_http(); !http) {
        log_.fatal("{}", http.error().message);
        report(http.error().message);
        co_return;
    }
    log_.info("Waiting for network connection...");
    asio::steady_timer pause(io_);
    while (!stopping_ && !co_await network_->round()) {
        pause.expires_after(config_.monitor.ping_interval);
        co_await pause.async_wait(nothrow);
    }
    if (!*alive) co_return;
    if (stopping_) {
        log_.info("Received shutdown request while waiting for network connection.");
        report("shutdown while waiting for the network");
        co_return;
    }
    log_.info("Network connection is available.");
    network_reachable_ = true;

    log_.info("Performing initial checks...");
    co_await initial_checks();
    if (!*alive || stopping_) co_return;
    start_master_master_check();

    if (coordinator_) {
        // Several monitors: a follower until elected. Its checks run and its control port passes commands on.
        core_->follow_checks();
        start_check_loops();
        if (auto listening = control_.listen(config_.monitor.ip, config_.monitor.port); !listening) {
            log_.fatal("{}", listening.error().message);
            report(listening.error().message);
            co_return;
        }
        report("");
        if (!election_) co_await elected_signal_.async_wait(nothrow);
        if (!*alive || stopping_ || !election_) co_return;
    }

    std::optional<std::string> contents;
    if (election_ && election_->state) {
        contents = election_->state;
        log_.info("Status read from etcd ({}).", coordinator_->state_key());
    } else {
        auto stored = read_state_file(config_.monitor.status_path);
        if (!stored) log_.error("{}", stored.error().message);
        if (stored) contents = *stored;
        if (election_) log_.info("No status in etcd yet ({}): the local status file is used.", coordinator_->state_key());
    }
    Input restore;
    restore.apply = [this, contents] {
        auto plan = core_->restore(contents, clock_now());
        if (election_) core_->raise_epoch(etcd::epoch_floor(election_->revision));
        return plan;
    };
    submit(std::move(restore));

    std::vector<StartupReport> reports(config_.hosts.size());
    std::vector<std::function<asio::awaitable<void>()>> queries;
    for (std::size_t i = 0; i < config_.hosts.size(); ++i) {
        queries.push_back([this, i, &reports]() -> asio::awaitable<void> {
            reports[i] = co_await startup_report(config_.hosts[i]);
        });
    }
    co_await run_all(std::move(queries), startup_parallelism);
    if (!*alive || stopping_) co_return;
    Input apply;
    apply.apply = [this, reports] { return core_->on_startup_reports(reports, clock_now()); };
    submit(std::move(apply));

    if (!coordinator_) {
        if (auto listening = control_.listen(config_.monitor.ip, config_.monitor.port); !listening) {
            log_.fatal("{}", listening.error().message);
            report(listening.error().message);
            co_return;
        }
    }
    start_loops();
    report("");
}

asio::awaitable<void> MonitorService::initial_checks() {
    using namespace asio::experimental::awaitable_operators;
    std::vector<std::function<asio::awaitable<void>()>> probes;
    for (const auto& host : config_.hosts) {
        for (auto kind : all_check_kinds) {
            if (!check_applies(host.mode, kind)) continue;
            probes.push_back([this, host, kind]() -> asio::awaitable<void> {
                const auto& check = config_.check(kind);
                auto prober = probers_.at(kind);
                const auto deadline = std::chrono::steady_clock::now() + check.timeout;
                asio::steady_timer cut(io_, deadline + probe_cut_slack);
                auto result = co_await (prober->probe(host, deadline) || cut.async_wait(nothrow));
                CheckSample sample;
                sample.host = host.name;
                sample.kind = kind;
                sample.text = result.index() == 0 ? std::get<0>(std::move(result)) : std::string("ERROR: Timeout");
                sample.finished = std::chrono::steady_clock::now();
                on_sample(sample);
            });
        }
    }
    co_await run_all(std::move(probes), startup_parallelism);
}

asio::awaitable<StartupReport> MonitorService::startup_report(const HostConfig& host) {
    StartupReport report;
    report.host = host.name;
    for (int attempt = 0; attempt < startup_query_attempts && !report.agent; ++attempt) {
        const auto answer = co_await agent_call(host.name, protocol::encode_request(
                                                               protocol::AgentCommand::GetAgentStatus, host.name));
        if (!answer.answered()) continue;
        auto parsed = protocol::parse_agent_status(answer.reply.result);
        if (parsed) report.agent = *parsed;
        else report.agent_error = answer.reply.result;
        break;
    }
    for (int attempt = 0; attempt < startup_query_attempts && !report.system; ++attempt) {
        const auto answer = co_await agent_call(host.name, protocol::encode_request(
                                                               protocol::AgentCommand::GetSystemStatus, host.name));
        if (!answer.answered()) continue;
        auto parsed = protocol::parse_system_status(answer.reply.result);
        if (parsed) report.system = *parsed;
        else report.system_error = answer.reply.result;
        break;
    }
    co_return report;
}

}  // namespace mmm::monitor
