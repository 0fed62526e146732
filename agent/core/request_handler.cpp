// The agent's side of the protocol: dispatching lines and building reply texts.
#include "agent/core/request_handler.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "agent/core/epoch.hpp"
#include "common/text.hpp"

namespace mmm::agent {

using protocol::AgentCommand;

namespace {

std::string invalid_command(std::string_view line) {
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    return fmt::format("ERROR: Invalid command '{}'!", printable(line, 200));
}

// Issue 12: the agent obeys only its configuration. A role list with an entry that is not a (role, ip) pair the
// configuration gives this host (an address of someone else's, a role not configured, the writer on a host not
// allowed to hold it, text that is no role at all) is refused whole, before anything is recorded; so is a list
// longer than this host's configured pairs.
std::optional<std::string> refuse_roles(std::string_view text, const std::vector<protocol::RoleIp>& roles,
                                        const Context& ctx) {
    const auto items = text.empty() ? std::size_t{0}
                                     : static_cast<std::size_t>(std::count(text.begin(), text.end(), ',')) + 1;
    if (roles.size() > ctx.own_role_ips.size() || items > ctx.own_role_ips.size())
        return fmt::format("ERROR: {} roles for host '{}', which has {} configured", std::max(items, roles.size()),
                           ctx.this_host, ctx.own_role_ips.size());
    if (items != roles.size()) return fmt::format("ERROR: Invalid role list '{}'", printable(text, 200));
    for (const auto& r : roles)
        if (std::find(ctx.own_role_ips.begin(), ctx.own_role_ips.end(), r) == ctx.own_role_ips.end())
            return fmt::format("ERROR: Role '{}' is not configured for host '{}'", printable(r.to_string(), 200),
                               ctx.this_host);
    return std::nullopt;
}

// SET_STATUS after the mysql-mmm checks: trailing fields, connection, epoch, roles.
void dispatch_set_status(Dispatch& d, const std::vector<std::string>& params, const AgentState& state,
                         const Context& ctx, Received received) {
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
    auto roles = protocol::parse_roles(params[1]);
    if (auto refused = refuse_roles(params[1], roles, ctx)) {
        d.reply = std::move(*refused);
        return;
    }
    d.unknown_fields = std::move(fields->unknown_keys);
    d.set_status = {params[0], std::move(roles), params[2], fields->epoch, fields->lease, received.at};
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
            d.reply = fmt::format("ERROR: Invalid state '{}'!", printable(params[0], 100));
        } else {
            dispatch_set_status(d, params, state, ctx, received);
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
                                const Result<std::optional<ReplicationSource>>& replication, bool exited) {
    protocol::MasterOpinion o;
    if (!probe && exited) {
        o.reach = protocol::MasterReach::Exited;
        o.probe = "its server process has exited, no other runs (" + probe.error().message + ")";
    } else if (!probe) {
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
