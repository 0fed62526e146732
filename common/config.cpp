// Lookups over the configuration model.
#include "common/config.hpp"

#include <algorithm>

namespace mmm {

const HostConfig* Config::find_host(std::string_view name) const {
    auto it = std::find_if(hosts.begin(), hosts.end(), [&](const HostConfig& h) { return h.name == name; });
    return it == hosts.end() ? nullptr : &*it;
}

const RoleConfig* Config::find_role(std::string_view name) const {
    auto it = std::find_if(roles.begin(), roles.end(), [&](const RoleConfig& r) { return r.name == name; });
    return it == roles.end() ? nullptr : &*it;
}

const HostConfig* Config::find_host_by_ip(std::string_view ip) const {
    auto it = std::find_if(hosts.begin(), hosts.end(), [&](const HostConfig& h) { return h.ip == ip; });
    return it == hosts.end() ? nullptr : &*it;
}

const RoleConfig* Config::role_of_ip(std::string_view ip) const {
    for (const auto& r : roles)
        if (std::find(r.ips.begin(), r.ips.end(), ip) != r.ips.end()) return &r;
    return nullptr;
}

}  // namespace mmm
