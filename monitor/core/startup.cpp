// Start-up: reading the status file (§10.1); the votes of §10.2 (startup_votes.cpp) applied, then the first status.
#include <set>

#include <fmt/format.h>

#include "monitor/core/monitor_core.hpp"

namespace mmm::monitor {


Plan MonitorCore::restore(const std::optional<std::string>& contents, Instant /*now*/) {
    Plan plan;
    const std::string& path = config_.monitor.status_path;
    if (!contents) {
        plan.log(LogLevel::Fatal,
                 fmt::format("Couldn't open status file '{}': Starting up without status information.", path));
        return plan;
    }
    auto parsed = parse_status_file(*contents, path);
    if (!parsed) {
        restore_error_ = parsed.error().message;
        plan.log(LogLevel::Fatal, fmt::format("Refusing to use status file '{}': {}. Starting up in passive mode.", path,
                                              restore_error_));
        return plan;
    }
    if (parsed->format == StatusFileFormat::MysqlMmm)
        plan.log(LogLevel::Info, fmt::format("Read mysql-mmm's status file '{}': its host states and roles are used, "
                                             "the start-up mode comes from the configuration; the file will be "
                                             "rewritten in mmm's format.",
                                             path));
    StoredStatus status;
    status.format = parsed->format;
    status.mode = parsed->mode;
    status.epoch = parsed->epoch;
    for (auto& h : parsed->hosts) {
        if (!find(h.host)) {
            plan.log(LogLevel::Warn, fmt::format("Ignoring saved status information for unknown host '{}'", h.host));
            continue;
        }
        status.hosts.push_back(std::move(h));
    }
    // A restarted monitor supersedes its earlier self: the agents accepted at most the stored epoch.
    epoch_ = parsed->epoch + 1;
    epoch_generation_ = roles_.total_generation();
    stored_ = std::move(status);
    return plan;
}

Plan MonitorCore::on_startup_reports(const std::vector<StartupReport>& reports, Instant now) {
    Plan plan;
    now_ = now.mono;
    now_wall_ = now.wall;
    const std::size_t n = hosts_.size();

    // The start-up mode: the configured one; PASSIVE when the status file was refused; an admin's MANUAL or
    // PASSIVE from before the restart survives it (mysql-mmm's file stores no mode).
    if (mode_ != MonitorMode::Passive) {
        if (!restore_error_.empty()) {
            mode_ = MonitorMode::Passive;
            passive_cause_ = fmt::format("The status file could not be used: {}", restore_error_);
        } else if (stored_ && stored_->format == StatusFileFormat::Mmm &&
                   (stored_->mode == MonitorMode::Manual || stored_->mode == MonitorMode::Passive)) {
            mode_ = stored_->mode;
            plan.log(LogLevel::Info, fmt::format("Mode {} restored from status file '{}'.", to_string(mode_),
                                                 config_.monitor.status_path));
            if (mode_ == MonitorMode::Passive)
                passive_cause_ = "The monitor was in passive mode when it stopped (restored from the status file).";
        }
    }

    StartupInputs inputs;
    inputs.stored = &stored_;
    inputs.manual = is_manual();
    for (std::size_t h = 0; h < n; ++h) {
        inputs.alive.push_back(ok(h, CheckKind::Ping) && ok(h, CheckKind::Mysql) ? 1 : 0);
        inputs.agent_down.push_back(hosts_[h].agent_down ? 1 : 0);
    }
    StartupDecision decision = decide_startup(config_, roles_, reports, inputs);
    plan.append(std::move(decision.log));
    const std::string& table = decision.table;
    for (std::size_t h = 0; h < n; ++h) {
        hosts_[h].agent_down = decision.agent_down[h] != 0;
        set_state(h, decision.states[h], now, plan);
        // Still out of ONLINE after a restart: it still may not return by itself (status file version 2).
        hosts_[h].failed_as_active_master = decision.failed_as_active_master[h] &&
                                            decision.states[h] != HostState::Online &&
                                            config_.monitor.hold_failed_active_master != HoldFailedMaster::No;
    }
    for (auto [e, h] : decision.wins) roles_.assign(e, h);
    for (std::size_t h = 0; h < n; ++h) {
        if (hosts_[h].state != HostState::Online) continue;
        for (auto k : all_check_kinds) {
            if (!checks_.unconfirmed(h, k)) continue;
            plan.log(LogLevel::Warn,
                     fmt::format("Check '{}' on '{}' did not pass in the initial round ({}): '{}' stays ONLINE unless the "
                                 "check still fails when its trap period ({}s) has passed",
                                 to_string(k), name(h), checks_.status(h, k).message, name(h),
                                 format_duration(config_.check(k).trap_period)));
        }
    }
    epoch_generation_ = roles_.total_generation();  // the assignment as found is no change: the epoch stays stored + 1

    if (decision.conflict && config_.monitor.careful_startup && mode_ != MonitorMode::Passive) {
        mode_ = MonitorMode::Passive;
        passive_cause_ = "Conflicting roles during startup:\n\n" + table;
    }
    started_ = true;
    start_leases(reports, now);
    if (mode_ != MonitorMode::Passive) cleanup_and_send_status(plan, std::vector<char>(n, 0));
    std::string mode_name(to_string(mode_));
    for (auto& c : mode_name) c = static_cast<char>(c - 'A' + 'a');
    plan.log(LogLevel::Info, fmt::format("Monitor started in {} mode.", mode_name));
    finish(now, plan);
    return plan;
}

}  // namespace mmm::monitor
