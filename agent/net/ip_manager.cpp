// Role addresses through rtnetlink with libnl-route-3.
#include "agent/net/ip_manager.hpp"

#include <arpa/inet.h>
#include <net/if.h>

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

namespace mmm::agent {

namespace {

struct SockFree {
    void operator()(nl_sock* s) const { nl_socket_free(s); }
};
struct CacheFree {
    void operator()(nl_cache* c) const { nl_cache_free(c); }
};
struct AddrFree {
    void operator()(rtnl_addr* a) const { rtnl_addr_put(a); }
};
struct NlAddrFree {
    void operator()(nl_addr* a) const { nl_addr_put(a); }
};
struct LinkFree {
    void operator()(rtnl_link* l) const { rtnl_link_put(l); }
};
using Sock = std::unique_ptr<nl_sock, SockFree>;

Result<Sock> connect_route() {
    Sock sock(nl_socket_alloc());
    if (!sock) return fail("netlink: out of memory");
    if (const int err = nl_connect(sock.get(), NETLINK_ROUTE); err < 0)
        return fail(fmt::format("netlink: connect: {}", nl_geterror(err)));
    return sock;
}

Result<int> ifindex(nl_sock* sock, const std::string& name) {
    rtnl_link* raw = nullptr;
    if (const int err = rtnl_link_get_kernel(sock, 0, name.c_str(), &raw); err < 0)
        return fail(fmt::format("interface '{}': {}", name, nl_geterror(err)));
    std::unique_ptr<rtnl_link, LinkFree> link(raw);
    return rtnl_link_get_ifindex(link.get());
}

std::string addr_to_string(nl_addr* a) {
    if (a == nullptr || nl_addr_get_family(a) != AF_INET || nl_addr_get_len(a) != 4) return {};
    char buf[INET_ADDRSTRLEN] = {};
    if (inet_ntop(AF_INET, nl_addr_get_binary_addr(a), buf, sizeof buf) == nullptr) return {};
    return buf;
}

// A rtnl_addr for ip/32 on the interface, ready for add/delete.
Result<std::unique_ptr<rtnl_addr, AddrFree>> make_addr(int index, const std::string& ip, int prefix) {
    in_addr bin{};
    if (inet_pton(AF_INET, ip.c_str(), &bin) != 1) return fail(fmt::format("'{}' is not an IPv4 address", ip));
    std::unique_ptr<nl_addr, NlAddrFree> local(nl_addr_build(AF_INET, &bin, sizeof bin));
    std::unique_ptr<rtnl_addr, AddrFree> addr(rtnl_addr_alloc());
    if (!local || !addr) return fail("netlink: out of memory");
    nl_addr_set_prefixlen(local.get(), prefix);
    rtnl_addr_set_ifindex(addr.get(), index);
    rtnl_addr_set_family(addr.get(), AF_INET);
    if (const int err = rtnl_addr_set_local(addr.get(), local.get()); err < 0)
        return fail(fmt::format("netlink: {}", nl_geterror(err)));
    rtnl_addr_set_prefixlen(addr.get(), prefix);
    return addr;
}

struct Address {
    std::string ip;
    int prefix = 0;
    std::string label;
};

// Every IPv4 address on the interface with its prefix length and label.
Result<std::vector<Address>> addresses(nl_sock* sock, int index) {
    nl_cache* raw = nullptr;
    if (const int err = rtnl_addr_alloc_cache(sock, &raw); err < 0)
        return fail(fmt::format("netlink: list addresses: {}", nl_geterror(err)));
    std::unique_ptr<nl_cache, CacheFree> cache(raw);
    std::vector<Address> out;
    for (nl_object* o = nl_cache_get_first(cache.get()); o != nullptr; o = nl_cache_get_next(o)) {
        auto* a = reinterpret_cast<rtnl_addr*>(o);
        if (rtnl_addr_get_ifindex(a) != index || rtnl_addr_get_family(a) != AF_INET) continue;
        const char* label = rtnl_addr_get_label(a);
        if (auto ip = addr_to_string(rtnl_addr_get_local(a)); !ip.empty())
            out.push_back({std::move(ip), rtnl_addr_get_prefixlen(a), label != nullptr ? label : ""});
    }
    return out;
}

}  // namespace

namespace {
// Every IPv4 address (with its prefix length and label) on the named interface, over a fresh netlink socket.
Result<std::vector<Address>> interface_addresses(const std::string& interface) {
    auto sock = connect_route();
    if (!sock) return sock.error();
    const auto index = ifindex(sock->get(), interface);
    if (!index) return index.error();
    return addresses(sock->get(), *index);
}
}  // namespace

IpManager::IpManager(std::string interface) : interface_(std::move(interface)) {}

std::string IpManager::label() const {
    const std::string l = interface_ + ":mmm";
    return l.size() < IFNAMSIZ ? l : std::string();
}

Result<std::set<std::string>> IpManager::list() const {
    const auto all = interface_addresses(interface_);
    if (!all) return all.error();
    std::set<std::string> out;
    for (const auto& a : *all) out.insert(a.ip);
    return out;
}

Result<std::set<std::string>> IpManager::labelled() const {
    const auto all = interface_addresses(interface_);
    if (!all) return all.error();
    std::set<std::string> out;
    const auto own = label();
    for (const auto& a : *all)
        if (!own.empty() && a.prefix == 32 && a.label == own) out.insert(a.ip);
    return out;
}

Result<std::vector<std::string>> IpManager::networks() const {
    const auto all = interface_addresses(interface_);
    if (!all) return all.error();
    std::vector<std::string> out;
    for (const auto& a : *all)
        if (a.prefix < 32) out.push_back(fmt::format("{}/{}", a.ip, a.prefix));
    return out;
}

Result<bool> IpManager::link_up() const {
    auto sock = connect_route();
    if (!sock) return sock.error();
    rtnl_link* raw = nullptr;
    if (const int err = rtnl_link_get_kernel(sock->get(), 0, interface_.c_str(), &raw); err < 0)
        return fail(fmt::format("interface '{}': {}", interface_, nl_geterror(err)));
    std::unique_ptr<rtnl_link, LinkFree> link(raw);
    const auto flags = rtnl_link_get_flags(link.get());
    return (flags & IFF_UP) != 0 && (flags & IFF_RUNNING) != 0;
}

Result<bool> IpManager::add(const std::string& ip) const {
    auto sock = connect_route();
    if (!sock) return sock.error();
    const auto index = ifindex(sock->get(), interface_);
    if (!index) return index.error();
    auto addr = make_addr(*index, ip, 32);
    if (!addr) return addr.error();
    if (const auto l = label(); !l.empty()) rtnl_addr_set_label(addr->get(), l.c_str());
    const int err = rtnl_addr_add(sock->get(), addr->get(), NLM_F_EXCL);
    if (err == -NLE_EXIST) return false;
    if (err < 0) return fail(fmt::format("Could not configure ip address {} on interface {}: {}", ip, interface_,
                                         nl_geterror(err)));
    return true;
}

Result<bool> IpManager::remove(const std::string& ip) const {
    auto sock = connect_route();
    if (!sock) return sock.error();
    const auto index = ifindex(sock->get(), interface_);
    if (!index) return index.error();
    const auto all = addresses(sock->get(), *index);
    if (!all) return all.error();
    bool removed = false;
    for (const auto& present : *all) {
        if (present.ip != ip) continue;
        auto addr = make_addr(*index, ip, present.prefix);
        if (!addr) return addr.error();
        const int err = rtnl_addr_delete(sock->get(), addr->get(), 0);
        if (err == -NLE_NOADDR || err == -NLE_OBJ_NOTFOUND) continue;
        if (err < 0) return fail(fmt::format("Could not clear ip address {} from interface {}: {}", ip, interface_,
                                             nl_geterror(err)));
        removed = true;
    }
    return removed;
}

}  // namespace mmm::agent
