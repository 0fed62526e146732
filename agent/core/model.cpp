// The agent's vocabulary: helpers of Context, AgentState and Action.
#include "agent/core/model.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace mmm::agent {

const RoleIp* Context::role_of_ip(std::string_view ip) const {
    const auto it = std::find_if(all_role_ips.begin(), all_role_ips.end(), [&](const RoleIp& r) { return r.ip == ip; });
    return it == all_role_ips.end() ? nullptr : &*it;
}

bool Context::is_writer_ip(std::string_view ip) const {
    const auto* r = role_of_ip(ip);
    return r != nullptr && r->role == writer_role;
}

bool AgentState::holds(std::string_view role) const {
    return std::any_of(roles.begin(), roles.end(), [&](const RoleIp& r) { return r.role == role; });
}

std::set<std::string> AgentState::ips() const {
    std::set<std::string> out;
    for (const auto& r : roles) out.insert(r.ip);
    return out;
}

std::string_view to_string(ActionKind k) {
    switch (k) {
    case ActionKind::DenyWrites: return "DenyWrites";
    case ActionKind::RemoveIp: return "RemoveIp";
    case ActionKind::CatchUp: return "CatchUp";
    case ActionKind::AllowWrites: return "AllowWrites";
    case ActionKind::AddIp: return "AddIp";
    case ActionKind::Announce: return "Announce";
    case ActionKind::Repoint: return "Repoint";
    case ActionKind::VerifyReplication: return "VerifyReplication";
    case ActionKind::StopReplication: return "StopReplication";
    case ActionKind::StartReplication: return "StartReplication";
    case ActionKind::SemiSyncMasterOn: return "SemiSyncMasterOn";
    case ActionKind::SemiSyncMasterOff: return "SemiSyncMasterOff";
    case ActionKind::Salvage: return "Salvage";
    }
    return "?";
}

std::string describe(const Action& a) {
    std::string out(to_string(a.kind));
    if (!a.ip.empty()) out += fmt::format(" {}", a.ip);
    if (!a.role.empty()) out += fmt::format(" ({})", a.role);
    if (!a.master.empty()) out += fmt::format(" master '{}'", a.master);
    if (!a.reason.empty()) out += fmt::format(": {}", a.reason);
    return out;
}

}  // namespace mmm::agent
