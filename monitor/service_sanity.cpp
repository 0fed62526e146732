// The monitor's master-master sanity check at start-up (spec §1.3.1 step 8): asks both active master candidates
// at once, each by the mysql check's timeout, beside the rest of the start-up; logs the warnings and hands the
// problems to the core for `show`.
#include <asio/co_spawn.hpp>
#include <asio/experimental/awaitable_operators.hpp>

#include "monitor/checks/master_probe.hpp"
#include "monitor/service.hpp"
#include "monitor/supervisor.hpp"

namespace mmm::monitor {

// Queued behind the initial checks' results, so the core knows each candidate's mysql check when it runs.
void MonitorService::start_master_master_check() {
    Input input;
    input.apply = [this] {
        std::vector<MasterObservation> masters;
        if (const RoleConfig* writer = config_.active_master()) {
            for (const auto& name : writer->hosts) {
                const HostConfig* host = config_.find_host(name);
                if (host == nullptr) continue;
                masters.push_back({name, host->ip, core_->check_status(name, CheckKind::Mysql).ok, {}, {}, {}, {}});
            }
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

}  // namespace mmm::monitor
