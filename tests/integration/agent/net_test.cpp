// Integration tests of the agent's network layer in a private network namespace (root): role addresses through
// rtnetlink and the gratuitous ARP frames as another host on the link receives them.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "agent/net/arp_announcer.hpp"
#include "agent/net/ip_manager.hpp"

using namespace mmm::agent;

namespace {

std::string run(const std::string& cmd) {
    std::string out;
    if (FILE* p = popen(cmd.c_str(), "r")) {
        std::array<char, 512> buf{};
        while (fgets(buf.data(), static_cast<int>(buf.size()), p) != nullptr) out += buf.data();
        pclose(p);
    }
    return out;
}

// Moves this (single-threaded) test process into a new network namespace with a veth pair veth-a <-> veth-b,
// once; the namespace goes away with the process.
bool private_link() {
    static const bool ready = [] {
        if (geteuid() != 0) return false;
        if (unshare(CLONE_NEWNET) != 0) return false;
        return std::system("ip link add veth-a type veth peer name veth-b && ip link set lo up && "
                           "ip link set veth-a up && ip link set veth-b up && "
                           "ip addr add 198.18.0.1/24 dev veth-a") == 0;
    }();
    return ready;
}

#define REQUIRE_PRIVATE_LINK()                                                                                \
    if (!private_link()) {                                                                                    \
        WARN("skipped: needs root to create a network namespace and a veth pair (uid " << geteuid() << ")"); \
        return;                                                                                               \
    }

struct ArpFrame {
    std::array<std::uint8_t, 6> eth_dst{}, eth_src{}, sha{}, tha{};
    std::uint16_t op = 0;
    std::string spa, tpa;
};

std::string ip4(const std::uint8_t* p) {
    char buf[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, p, buf, sizeof buf);
    return buf;
}

}  // namespace

TEST_CASE("role addresses: add, list, label, remove, idempotent", "[integration][agent][net]") {
    REQUIRE_PRIVATE_LINK();
    const IpManager m("veth-a");
    auto before = m.list();
    REQUIRE(before);
    CHECK(before->count("198.18.0.1") == 1);
    CHECK(before->count("198.18.0.50") == 0);
    auto nets = m.networks();
    REQUIRE(nets);
    CHECK(*nets == std::vector<std::string>{"198.18.0.1/24"});

    auto added = m.add("198.18.0.50");
    REQUIRE(added);
    CHECK(*added);
    auto again = m.add("198.18.0.50");
    REQUIRE(again);
    CHECK_FALSE(*again);  // already so: success, nothing done
    CHECK(m.list()->count("198.18.0.50") == 1);
    const auto shown = run("ip -o -4 addr show dev veth-a");
    CHECK(shown.find("198.18.0.50/32") != std::string::npos);
    CHECK(shown.find("veth-a:mmm") != std::string::npos);
    CHECK(*m.networks() == std::vector<std::string>{"198.18.0.1/24"});  // the /32 is not a network

    auto removed = m.remove("198.18.0.50");
    REQUIRE(removed);
    CHECK(*removed);
    auto gone = m.remove("198.18.0.50");
    REQUIRE(gone);
    CHECK_FALSE(*gone);
    CHECK(m.list()->count("198.18.0.50") == 0);

    // An address added by hand with another prefix is removed too.
    REQUIRE(std::system("ip addr add 198.18.0.60/24 dev veth-a") == 0);
    CHECK(m.list()->count("198.18.0.60") == 1);
    CHECK(*m.remove("198.18.0.60"));
    CHECK(m.list()->count("198.18.0.60") == 0);

    CHECK_FALSE(m.add("not-an-ip"));
    const IpManager missing("nosuch0");
    auto err = missing.list();
    REQUIRE_FALSE(err);
    CHECK(err.error().message.find("nosuch0") != std::string::npos);
}

TEST_CASE("gratuitous ARP frames as the link sees them", "[integration][agent][net]") {
    REQUIRE_PRIVATE_LINK();
    const int sock = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ARP));
    REQUIRE(sock >= 0);
    sockaddr_ll sll{};
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ARP);
    sll.sll_ifindex = static_cast<int>(if_nametoindex("veth-b"));
    REQUIRE(bind(sock, reinterpret_cast<sockaddr*>(&sll), sizeof sll) == 0);

    ArpAnnouncer arp("veth-a");
    auto sent = arp.announce("198.18.0.50", 3);
    REQUIRE(sent);
    CHECK(*sent == 6);

    std::vector<ArpFrame> frames;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (frames.size() < 6 && std::chrono::steady_clock::now() < until) {
        pollfd p{sock, POLLIN, 0};
        if (poll(&p, 1, 200) <= 0) continue;
        std::array<std::uint8_t, 256> buf{};
        const auto n = recv(sock, buf.data(), buf.size(), 0);
        if (n < 42) continue;
        ArpFrame f;
        std::memcpy(f.eth_dst.data(), buf.data(), 6);
        std::memcpy(f.eth_src.data(), buf.data() + 6, 6);
        const std::uint8_t* a = buf.data() + 14;
        f.op = static_cast<std::uint16_t>((a[6] << 8) | a[7]);
        std::memcpy(f.sha.data(), a + 8, 6);
        f.spa = ip4(a + 14);
        std::memcpy(f.tha.data(), a + 18, 6);
        f.tpa = ip4(a + 24);
        if (f.spa == "198.18.0.50") frames.push_back(f);
    }
    close(sock);

    const auto link = run("ip -o link show dev veth-a");  // (sysfs still shows the old namespace)
    const auto at = link.find("link/ether ");
    REQUIRE(at != std::string::npos);
    const auto mac_text = link.substr(at + 11);
    std::array<std::uint8_t, 6> mac{};
    REQUIRE(std::sscanf(mac_text.c_str(), "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2], &mac[3], &mac[4],
                        &mac[5]) == 6);
    const std::array<std::uint8_t, 6> broadcast{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    REQUIRE(frames.size() == 6);
    for (std::size_t i = 0; i < frames.size(); ++i) {
        const auto& f = frames[i];
        CHECK(f.op == (i % 2 == 0 ? 1 : 2));  // request, reply, request, reply, ...
        CHECK(f.eth_dst == broadcast);
        CHECK(f.eth_src == mac);
        CHECK(f.sha == mac);
        CHECK(f.tha == broadcast);
        CHECK(f.spa == "198.18.0.50");
        CHECK(f.tpa == "198.18.0.50");
    }
}
