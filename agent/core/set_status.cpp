// SET_STATUS on the agent: state bookkeeping and mysql-mmm's log texts.
#include "agent/core/set_status.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace mmm::agent {

namespace {

std::string join_roles(const std::vector<RoleIp>& roles) {
    std::string out;
    for (const auto& r : roles) {
        if (!out.empty()) out += ", ";
        out += r.to_string();
    }
    return out;
}

}  // namespace

std::vector<LogLine> apply_set_status(AgentState& state, SetStatusRequest request, const Context& ctx) {
    std::vector<LogLine> logs;
    std::sort(request.roles.begin(), request.roles.end());
    request.roles.erase(std::unique(request.roles.begin(), request.roles.end()), request.roles.end());

    // 1. Active master (slaves only; the repoint itself is a reconcile action).
    const bool known = request.master.empty() ||
                       std::find(ctx.hosts.begin(), ctx.hosts.end(), request.master) != ctx.hosts.end();
    const bool repoints = ctx.mode == HostMode::Slave && request.state == "ONLINE" && !request.master.empty();
    if (!known) {
        if (repoints && request.master != state.master)
            logs.push_back({LogLevel::Fatal, fmt::format("Failed to change master to '{}': ERROR: Unknown host {}",
                                                         request.master, request.master)});
        request.master = state.master;  // never point replication at a host we cannot resolve
    } else if (repoints && request.master != state.master && request.master != state.active_master) {
        logs.push_back({LogLevel::Info, fmt::format("Changing active master to '{}'", request.master)});
    }

    // 2. Roles.
    std::vector<RoleIp> deleted;
    std::vector<RoleIp> added;
    std::set_difference(state.roles.begin(), state.roles.end(), request.roles.begin(), request.roles.end(),
                        std::back_inserter(deleted));
    std::set_difference(request.roles.begin(), request.roles.end(), state.roles.begin(), state.roles.end(),
                        std::back_inserter(added));
    if (!deleted.empty() || !added.empty()) {
        logs.push_back({LogLevel::Info, "We have some new roles added or old rules deleted!"});
        if (!deleted.empty()) logs.push_back({LogLevel::Info, "Deleted: " + join_roles(deleted)});
        if (!added.empty()) logs.push_back({LogLevel::Info, "Added:   " + join_roles(added)});
    }

    // 3. State.
    if (request.state != state.state) {
        if (state.state == "ADMIN_OFFLINE") state.resume_replication = true;
        if (request.state == "ADMIN_OFFLINE") state.resume_replication = false;
    }

    // 4. Epoch and writer lease (mmm).
    if (request.epoch && *request.epoch > state.epoch) {
        logs.push_back({LogLevel::Info, fmt::format("Accepted epoch {} (highest before: {})", *request.epoch,
                                                    state.epoch)});
        state.epoch = *request.epoch;
    }
    const bool writer = std::any_of(request.roles.begin(), request.roles.end(),
                                    [&](const RoleIp& r) { return r.role == ctx.writer_role; });
    // 5. The writer role went to another host: this one may have to give it its binlog tail (reconcile decides).
    // The status that fences a failed writer names no active master yet (the monitor drops the roles first and
    // hands them out after): then the tail goes to the peer, the master that takes the role over.
    const bool lost_writer = std::any_of(deleted.begin(), deleted.end(),
                                         [&](const RoleIp& r) { return r.role == ctx.writer_role; });
    if (writer) state.salvage_to.clear();
    else if (lost_writer && ctx.mode == HostMode::Master)
        state.salvage_to = !request.master.empty() && request.master != ctx.this_host ? request.master : ctx.peer;
    state.writer_lease.on_set_status(writer ? WriterGrant::Given : WriterGrant::NotGiven, request.lease,
                                     request.received);

    state.received = true;
    state.state = std::move(request.state);
    state.roles = std::move(request.roles);
    state.master = std::move(request.master);
    return logs;
}

std::optional<LogLine> expire_writer_lease(AgentState& state, SteadyTime now, const Context& ctx) {
    const auto& lease = state.writer_lease;
    if (!lease.running() || !lease.expired(now)) return std::nullopt;
    std::vector<RoleIp> dropped;
    std::erase_if(state.roles, [&](const RoleIp& r) {
        if (r.role != ctx.writer_role) return false;
        dropped.push_back(r);
        return true;
    });
    if (dropped.empty()) {  // the role went another way meanwhile (e.g. the link watch gave every role up)
        state.writer_lease.clear();
        return std::nullopt;
    }
    const auto since = std::chrono::duration_cast<std::chrono::milliseconds>(now - lease.renewed_at());
    LogLine line{LogLevel::Fatal,
                 fmt::format("Writer lease of {} ms expired: no renewal from the monitor for {} ms; fencing this host "
                             "(deny writes, then remove {})",
                             lease.length().count(), since.count(), join_roles(dropped))};
    state.writer_lease.clear();
    return line;
}

}  // namespace mmm::agent
