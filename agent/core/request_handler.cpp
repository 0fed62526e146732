// The agent's side of the protocol: dispatching lines and building reply texts.
#include "agent/core/request_handler.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "agent/core/epoch.hpp"

namespace mmm::agent {

using protocol::AgentCommand;

namespace {

std::string invalid_command(std::string_view line) {
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    return fmt::format("ERROR: Invalid command '{}'!", line);
}

// SET_STATUS after the mysql-mmm checks: trailing fields, connection, epoch.
void dispatch_set_status(Dispatch& d, const std::vector<std::string>& params, const AgentState& state,
                         Received received) {
    auto fields = protocol::parse_set_status_fields({params.begin() + 3, params.end()});
    if (!fields) {
        d.reply = fields.error().message;
        return;
    }
    if (received.peer == Peer::Closed) {
        d.reply = std::string(reply_peer_closed);
        return;
    }
    if (auto fresh = check_epoch(fields->epoch, state.epoch); !fresh) {
        d.reply = fresh.error().message;
        return;
    }
    d.unknown_fields = std::move(fields->unknown_keys);
    d.set_status = {params[0], protocol::parse_roles(params[1]), params[2], fields->epoch, fields->lease, received.at};
}

}  // namespace

Dispatch dispatch_request(std::string_view line, const AgentState& state, const Context& ctx, Received received) {
    Dispatch d;
    if (const auto split = protocol::split_request(line)) d.warning = protocol::version_warning(*split);
    auto parsed = protocol::parse_request(line, ctx.this_host);
    if (!parsed) {
        d.reply = parsed.error().message;
        return d;
    }
    d.command = parsed->command;
    auto& params = parsed->request.params;
    switch (d.command) {
    case AgentCommand::Ping:
        d.reply = std::string(reply_pinged);
        break;
    case AgentCommand::GetAgentStatus:
        d.reply = protocol::encode_agent_status({state.state, state.roles, state.active_master});
        break;
    case AgentCommand::SetStatus:
        if (params.size() < 3) {
            d.reply = invalid_command(line);
        } else if (!parse_host_state(params[0])) {
            d.reply = fmt::format("ERROR: Invalid state '{}'!", params[0]);
        } else {
            dispatch_set_status(d, params, state, received);
        }
        break;
    case AgentCommand::CheckMaster:
        if (params.empty() || params[0].empty())
            d.reply = invalid_command(line);
        else if (std::find(ctx.hosts.begin(), ctx.hosts.end(), params[0]) == ctx.hosts.end())
            d.reply = fmt::format("ERROR: Unknown host {}", params[0]);
        else
            d.check_master = params[0];
        break;
    case AgentCommand::GetSystemStatus:
    case AgentCommand::ClearBadRoles:
        break;
    }
    return d;
}

std::string set_status_result(const std::vector<std::string>& failures) {
    if (failures.empty()) return std::string(reply_status_applied);
    std::string out = "ERROR: ";
    for (std::size_t i = 0; i < failures.size(); ++i) {
        if (i != 0) out += "; ";
        out += failures[i];
    }
    return out;
}

std::string system_status_result(const Result<std::set<std::string>>& configured, const Result<bool>& writable,
                                 std::string_view master_ip, const Context& ctx) {
    if (!configured) return "ERROR: Could not check if IP is configured: " + configured.error().message;
    if (!writable) return "ERROR: Could not check if MySQL is writable: " + writable.error().message;
    // Config order, as mysql-mmm lists them (not the sorted order of role lists elsewhere).
    std::string roles;
    for (const auto& r : ctx.all_role_ips) {
        if (configured->count(r.ip) == 0) continue;
        if (!roles.empty()) roles += ',';
        roles += r.to_string();
    }
    return fmt::format("OK: Returning status!|{}|{}|{}", *writable ? "1" : "", roles, master_ip);
}

std::string check_master_result(const Result<std::chrono::milliseconds>& probe, std::chrono::milliseconds deadline,
                                const Result<std::optional<ReplicationSource>>& replication) {
    protocol::MasterOpinion o;
    if (!probe) {
        o.probe = probe.error().message;
    } else if (*probe > deadline) {
        o.probe = fmt::format("connect+SELECT 1 took {} ms, over the {} ms deadline", probe->count(), deadline.count());
    } else {
        o.reach = protocol::MasterReach::Reachable;
        o.probe = fmt::format("connect+SELECT 1 in {} ms", probe->count());
    }
    if (!replication)
        o.replication = "replication unknown: " + replication.error().message;
    else if (!*replication)
        o.replication = "no replication";
    else
        o.replication = fmt::format("IO thread {} from {}", (*replication)->io_state,
                                    (*replication)->source.empty() ? std::string("?") : (*replication)->source);
    return protocol::encode_master_opinion(o);
}

Result<std::vector<RoleIp>> bad_roles(const Result<std::set<std::string>>& configured, const AgentState& state,
                                      const Context& ctx) {
    if (!configured) return fail("ERROR: Could not check if IP is configured: " + configured.error().message);
    const auto held = state.ips();
    std::vector<RoleIp> out;
    for (const auto& r : ctx.all_role_ips)
        if (held.count(r.ip) == 0 && configured->count(r.ip) != 0) out.push_back(r);
    return out;
}

std::string clear_bad_roles_result(std::size_t removed) { return fmt::format("OK: Removed {} roles", removed); }

}  // namespace mmm::agent
