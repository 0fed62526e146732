// The plaintext control port's clients: a local client is known by its socket's owner (/proc/net/tcp), and only
// root or the monitor's user may change the cluster (issue 12 item 4).
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <asio/io_context.hpp>
#include <asio/write.hpp>

#include <array>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "component/run_until.hpp"
#include "monitor/control_peer.hpp"
#include "monitor/control_server.hpp"

using namespace mmm::monitor;

namespace {
asio::ip::tcp::endpoint ep(const char* ip, unsigned short port) { return {asio::ip::make_address(ip), port}; }

// Whether /proc/net/tcp shows every client socket connected to 127.0.0.1:`port` that no process holds any more
// (inode 0) as the kernel's remnant of a closed connection, a TIME_WAIT entry (timer 3), which it lists as uid 0's,
// and at least one such.
bool closed_clients_shown_as_root(unsigned short port) {
    std::ifstream in("/proc/net/tcp");
    const std::string server = fmt::format("0100007F:{:04X}", port);
    std::string line;
    std::getline(in, line);
    bool remnant = false;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string slot, local, rem, state, queues, timer, retransmits, uid, timeout, inode;
        if (!(fields >> slot >> local >> rem >> state >> queues >> timer >> retransmits >> uid >> timeout >> inode) ||
            rem != server || inode != "0")
            continue;
        if (!timer.starts_with("03:") || uid != "0") return false;  // closed, still shown with its owner's uid
        remnant = true;
    }
    return remnant;
}
}  // namespace

TEST_CASE("the owner of a TCP socket is read from /proc/net/tcp's lines", "[monitor][control]") {
    const std::string text =
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
        "   0: 0100007F:2704 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 566 1 0\n"
        "   1: 0100007F:A2D2 0100007F:2704 01 00000000:00000000 00:00000000 00000000  1000        0 777 1 0\n"
        "   2: 0100007F:2704 0100007F:A2D2 01 00000000:00000000 00:00000000 00000000     0        0 778 1 0\n"
        "   3: 0B0200C0:2705 0A0200C0:B000 01 00000000:00000000 00:00000000 00000000   105        0 779 1 0\n"
        // A client socket its owner has closed (a FIN_WAIT2 remnant): the kernel shows uid 0 and inode 0.
        "   4: 0100007F:A2D4 0100007F:2704 05 00000000:00000000 03:00001760 00000000     0        0 0 3 0\n";
    // The client's socket: local end 127.0.0.1:41682, remote end the control port 127.0.0.1:9988.
    CHECK(tcp_socket_owner(text, ep("127.0.0.1", 41682), ep("127.0.0.1", 9988)) == 1000u);
    CHECK(tcp_socket_owner(text, ep("127.0.0.1", 9988), ep("127.0.0.1", 41682)) == 0u);
    CHECK(tcp_socket_owner(text, ep("192.0.2.11", 9989), ep("192.0.2.10", 45056)) == 105u);
    CHECK_FALSE(tcp_socket_owner(text, ep("127.0.0.1", 41683), ep("127.0.0.1", 9988)));
    CHECK_FALSE(tcp_socket_owner(text, ep("::1", 41682), ep("::1", 9988)));
    CHECK_FALSE(tcp_socket_owner("", ep("127.0.0.1", 41682), ep("127.0.0.1", 9988)));
    CHECK_FALSE(tcp_socket_owner(text, ep("127.0.0.1", 41684), ep("127.0.0.1", 9988)));
}

TEST_CASE("a client that is not local cannot be identified, it is named as unauthenticated", "[monitor][control]") {
    const auto peer = identify_plain_peer(ep("192.0.2.100", 40000), ep("192.0.2.10", 9988), 0);
    CHECK(peer.who == "192.0.2.100:40000 (plaintext: not authenticated)");
    CHECK(peer.may_change);
}

TEST_CASE("plaintext control port: a local user other than root or the monitor's own may not change things",
          "[monitor][control]") {
    if (::geteuid() != 0) {
        WARN("not root: a client of another user cannot be made; only the monitor's own user is checked");
    }
    asio::io_context io;
    std::optional<ControlPeer::Identity> seen;
    ControlServer server(io, [&](std::string, ControlPeer peer, ControlServer::Respond respond) {
        seen = peer.identity();  // asked at the command, as the monitor asks for a changing one
        respond("done");
    });
    REQUIRE(server.listen("127.0.0.1", 0));
    const auto port = server.port();
    // connect_as UID CLIENT: a child process of user UID sends one command and waits for the reply, or closes its
    // socket at once (then it is gone before the server accepts the connection); returns when the server has seen
    // the command.
    enum class Client { WaitsForReply, ClosesAtOnce };
    const auto connect_as = [&](uid_t uid, Client client) {
        seen.reset();
        const pid_t child = ::fork();
        REQUIRE(child >= 0);
        if (child == 0) {  // async-signal-safe calls only
            if (uid != ::geteuid() && ::setresuid(uid, uid, uid) != 0) ::_exit(2);
            const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
            sockaddr_in addr{};
            addr.sin_family = AF_INET;
            addr.sin_port = htons(port);
            addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) ::_exit(3);
            const char line[] = "set_offline db3\n";
            if (::write(fd, line, sizeof line - 1) < 0) ::_exit(4);
            char reply[16];
            if (client == Client::WaitsForReply && ::read(fd, reply, sizeof reply) < 0) ::_exit(5);
            ::_exit(0);
        }
        int status = 0;
        if (client == Client::ClosesAtOnce) {
            ::waitpid(child, &status, 0);
            // Until the kernel has turned the client's socket into its TIME_WAIT remnant (within a few ms).
            for (int i = 0; i < 200 && !closed_clients_shown_as_root(port); ++i)
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        mmm::test::run_until(io, [&] { return seen.has_value(); }, std::chrono::seconds(5));
        if (client == Client::WaitsForReply) ::waitpid(child, &status, 0);
        CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
    };
    connect_as(::geteuid(), Client::WaitsForReply);
    REQUIRE(seen);
    CHECK(seen->who.starts_with(fmt::format("uid {} (", ::geteuid())));
    CHECK(seen->may_change);
    if (::geteuid() == 0) {
        connect_as(65534, Client::WaitsForReply);
        REQUIRE(seen);
        CHECK(seen->who.starts_with("uid 65534 ("));
        CHECK(seen->who.find(" at 127.0.0.1:") != std::string::npos);
        CHECK_FALSE(seen->may_change);
    }
    // A client that sends a command and closes at once leaves a socket no process holds, which /proc/net/tcp shows
    // as uid 0's: it is not taken for root.
    connect_as(::geteuid() == 0 ? 65534 : ::geteuid(), Client::ClosesAtOnce);
    REQUIRE(seen);
    CAPTURE(seen->who);
    CHECK(seen->who.ends_with("(local user unknown)"));
    CHECK_FALSE(seen->may_change);
    server.stop();
}

TEST_CASE("plaintext control port: a client is looked up at its first changing command, once per connection",
          "[monitor][control]") {
    asio::io_context io;
    ControlServer server(io, [&](std::string line, ControlPeer peer, ControlServer::Respond respond) {
        // As the monitor: only a changing command asks who sent it.
        respond(line == "show" ? std::string("shown") : peer.identity().who);
    });
    int lookups = 0;
    server.identify_plain_with([&](const asio::ip::tcp::endpoint& peer, const asio::ip::tcp::endpoint&) {
        ++lookups;
        return ControlPeer::Identity{fmt::format("client {} #{}", peer.port(), lookups), true};
    });
    REQUIRE(server.listen("127.0.0.1", 0));
    const asio::ip::tcp::endpoint at(asio::ip::make_address("127.0.0.1"), server.port());
    asio::ip::tcp::socket client(io);
    client.connect(at);
    std::string buffer;
    // ask LINE: sends LINE on `client`, returns the reply (replies end without a newline: read what arrives).
    const auto ask = [&](asio::ip::tcp::socket& socket, const std::string& line) {
        asio::write(socket, asio::buffer(line + "\n"));
        std::array<char, 256> reply{};
        std::size_t n = 0;
        socket.async_read_some(asio::buffer(reply), [&](std::error_code ec, std::size_t got) { n = ec ? 0 : got; });
        mmm::test::run_until(io, [&] { return n > 0; }, std::chrono::seconds(5));
        return std::string(reply.data(), n);
    };
    CHECK(ask(client, "show") == "shown");
    CHECK(lookups == 0);  // accepted and served a read-only command: nothing looked up
    const auto first = ask(client, "set_offline db3");
    CHECK(first == fmt::format("client {} #1", client.local_endpoint().port()));
    CHECK(ask(client, "set_online db3") == first);  // kept for the connection
    CHECK(ask(client, "show") == "shown");
    CHECK(lookups == 1);

    asio::ip::tcp::socket other(io);
    other.connect(at);
    CHECK(ask(other, "show") == "shown");
    CHECK(lookups == 1);
    CHECK(ask(other, "set_offline db3") == fmt::format("client {} #2", other.local_endpoint().port()));
    CHECK(lookups == 2);
    server.stop();
}
