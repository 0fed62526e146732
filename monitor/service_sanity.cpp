// The monitor's master-master sanity check at start-up (spec §1.3.1 step 8): asks both active master candidates
// at once, each by the mysql check's timeout, beside the rest of the start-up; logs the warnings and hands the
// problems to the core for `show`. With Galera nodes, the Galera settings check instead (issue 15).
#include <asio/co_spawn.hpp>
#include <asio/experimental/awaitable_operators.hpp>

#include "monitor/asio_support.hpp"
#include "monitor/checks/master_probe.hpp"
#include "monitor/service.hpp"
#include "monitor/supervisor.hpp"

namespace mmm::monitor {

// Queued behind the initial checks' results, so the core knows each candidate's mysql check when it runs. Galera
// nodes as writer candidates (the validator allows only all or none) have no master-master replication to check,
// but the settings their GTIDs need.
void MonitorService::start_master_master_check() {
    const RoleConfig* writer = config_.active_master();
    const HostConfig* first = writer && !writer->hosts.empty() ? config_.find_host(writer->hosts.front()) : nullptr;
    if (first != nullptr && first->mode == HostMode::Galera) {
        asio::co_spawn(io_, galera_settings_check(), supervised("Galera settings check"));
        return;
    }
    Input input;
    input.apply = [this, writer] {
        std::vector<MasterObservation> masters;
        for (const auto& name : writer ? writer->hosts : std::vector<std::string>{}) {
            const HostConfig* host = config_.find_host(name);
            if (host == nullptr) continue;
            masters.push_back({name, host->ip, core_->check_status(name, CheckKind::Mysql).ok, {}, {}, {}, {}});
        }
        asio::co_spawn(io_, master_master_check(std::move(masters)), supervised("master-master check"));
        return Plan{};
    };
    submit(std::move(input));
}

asio::awaitable<void> MonitorService::master_master_check(std::vector<MasterObservation> masters) {
    using namespace asio::experimental::awaitable_operators;
    auto alive = alive_;
    if (master_master_check_needs_servers(masters)) {
        const Duration timeout = config_.check(CheckKind::Mysql).timeout;
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        auto both = co_await (observe_master(*config_.find_host(masters[0].host), masters[0], deadline, timeout) &&
                              observe_master(*config_.find_host(masters[1].host), masters[1], deadline, timeout));
        if (!*alive) co_return;
        masters[0] = std::move(std::get<0>(both));
        masters[1] = std::move(std::get<1>(both));
    }
    std::vector<std::string> problems;
    for (const auto& warning : master_master_warnings(masters)) {
        log_.warn("{}", warning.text);
        if (warning.finding == SanityFinding::Problem) problems.push_back(warning.text);
    }
    core_->set_configuration_warnings(std::move(problems));
}

// Every node at once, each by the mysql check's timeout (one node that does not answer costs one timeout, not one
// per node).
asio::awaitable<void> MonitorService::galera_settings_check() {
    auto alive = alive_;
    const Duration timeout = config_.check(CheckKind::Mysql).timeout;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto nodes = std::make_shared<std::vector<GaleraNodeSettings>>();
    std::vector<std::function<asio::awaitable<void>()>> reads;
    bool replicas = false;
    for (const auto& host : config_.hosts) {
        replicas = replicas || host.mode == HostMode::Slave;
        if (host.mode != HostMode::Galera) continue;
        nodes->emplace_back();
        reads.push_back([nodes, i = nodes->size() - 1, &host, deadline, timeout]() -> asio::awaitable<void> {
            (*nodes)[i] = co_await observe_galera_node(host, deadline, timeout);
        });
    }
    const std::size_t n = reads.size();
    co_await run_all(std::move(reads), n);
    if (!*alive) co_return;
    std::vector<std::string> problems;
    std::size_t unread = 0;
    for (const auto& warning : galera_setting_warnings(*nodes, replicas)) {
        if (warning.finding == SanityFinding::Problem) {
            log_.error("{}", warning.text);
            problems.push_back(warning.text);
        } else {
            log_.warn("{}", warning.text);
            ++unread;
        }
    }
    log_.info("Galera settings check: {} of {} nodes read, {} problem(s)", nodes->size() - unread, nodes->size(),
              problems.size());
    core_->set_configuration_warnings(std::move(problems));
}

}  // namespace mmm::monitor
