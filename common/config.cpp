// Lookups over the configuration model.
#include "common/config.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

namespace mmm {

const HostConfig* Config::find_host(std::string_view name) const {
    auto it = std::find_if(hosts.begin(), hosts.end(), [&](const HostConfig& h) { return h.name == name; });
    return it == hosts.end() ? nullptr : &*it;
}

const RoleConfig* Config::find_role(std::string_view name) const {
    auto it = std::find_if(roles.begin(), roles.end(), [&](const RoleConfig& r) { return r.name == name; });
    return it == roles.end() ? nullptr : &*it;
}

std::optional<EtcdEndpoint> parse_etcd_endpoint(std::string_view url) {
    EtcdEndpoint e;
    for (const auto& [scheme, tls] : {std::pair<std::string_view, bool>{"http://", false}, {"https://", true}}) {
        if (url.substr(0, scheme.size()) != scheme) continue;
        e.tls = tls;
        auto rest = url.substr(scheme.size());
        if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
        std::string_view host;
        std::string_view port;
        if (!rest.empty() && rest.front() == '[') {
            const auto close = rest.find(']');
            if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':') return std::nullopt;
            host = rest.substr(1, close - 1);
            port = rest.substr(close + 2);
        } else {
            const auto colon = rest.find(':');
            if (colon == std::string_view::npos) return std::nullopt;
            host = rest.substr(0, colon);
            port = rest.substr(colon + 1);
        }
        if (host.empty() || host.find_first_of("/?#@ ") != std::string_view::npos) return std::nullopt;
        unsigned value = 0;
        const auto res = std::from_chars(port.data(), port.data() + port.size(), value);
        if (port.empty() || res.ec != std::errc{} || res.ptr != port.data() + port.size() || value == 0 || value > 65535)
            return std::nullopt;
        e.host = std::string(host);
        e.port = static_cast<std::uint16_t>(value);
        return e;
    }
    return std::nullopt;
}

std::string Config::etcd_prefix() const {
    std::string prefix = monitor.coordination.prefix.empty()
                             ? "/mmm/" + (cluster.empty() ? std::string("default") : cluster)
                             : monitor.coordination.prefix;
    while (prefix.size() > 1 && prefix.back() == '/') prefix.pop_back();
    return prefix;
}

const HostConfig* Config::find_host_by_ip(std::string_view ip) const {
    auto it = std::find_if(hosts.begin(), hosts.end(), [&](const HostConfig& h) { return h.ip == ip; });
    return it == hosts.end() ? nullptr : &*it;
}

std::optional<ListenAddress> parse_listen_address(std::string_view text) {
    ListenAddress out;
    std::string_view port;
    if (text.starts_with('[')) {
        const auto close = text.find("]:");
        if (close == std::string_view::npos) return std::nullopt;
        out.address = std::string(text.substr(1, close - 1));
        port = text.substr(close + 2);
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos || text.find(':') != colon) return std::nullopt;  // IPv6 needs brackets
        out.address = std::string(text.substr(0, colon));
        port = text.substr(colon + 1);
    }
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535)
        return std::nullopt;
    out.port = static_cast<std::uint16_t>(value);
    unsigned char buf[16];
    if (inet_pton(AF_INET, out.address.c_str(), buf) == 1) {
        out.loopback = buf[0] == 127;
    } else if (inet_pton(AF_INET6, out.address.c_str(), buf) == 1) {
        out.loopback = out.address == "::1";
    } else {
        return std::nullopt;
    }
    return out;
}

}  // namespace mmm
