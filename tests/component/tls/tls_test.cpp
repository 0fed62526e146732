// Mutual TLS as the programs use it: contexts from the config (with clear errors), certificate names, and the
// control port with mmm_control's client over loopback (real handshakes, certificates made by the test).
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/tls.hpp"
#include "component/run_until.hpp"
#include "component/tls/half_open.hpp"
#include "component/tls/pki.hpp"
#include "control/monitor_connection.hpp"
#include "monitor/control_server.hpp"

using namespace mmm;
using namespace std::chrono_literals;
using mmm::test::socket_of;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

test::CertPtr read_cert(const std::string& path) {
    FILE* f = std::fopen(path.c_str(), "r");
    REQUIRE(f != nullptr);
    test::CertPtr cert(PEM_read_X509(f, nullptr, nullptr, nullptr), X509_free);
    std::fclose(f);
    REQUIRE(cert);
    return cert;
}

// A control port with TLS on 127.0.0.1 (any port) served by its own thread; it answers every command with the
// sender's identity and refuses certificates naming db1, as the monitor refuses agents' certificates.
struct TlsControlPort {
    explicit TlsControlPort(const SocketConfig& server_socket)
        : server(io, [this](std::string line, monitor::ControlPeer peer, monitor::ControlServer::Respond respond) {
              std::lock_guard lock(mutex);
              commands.push_back(line);
              respond("who=" + peer.identity().who);
          }) {
        auto context = tls::make_context(server_socket, tls::Side::Server);
        REQUIRE(context);
        server.use_tls(*context, [](X509* cert) { return !tls::certificate_names(cert, "db1"); });
        server.on_refused([this](std::string text) {
            std::lock_guard lock(mutex);
            refused.push_back(text);
            refused_more.notify_all();
        });
        REQUIRE(server.listen("127.0.0.1", 0));
        thread = std::thread([this] { io.run(); });
    }
    ~TlsControlPort() {
        asio::post(io, [this] { server.stop(); });
        work.reset();
        io.stop();
        thread.join();
    }
    Result<std::string> ask(const SocketConfig& client) {
        return control::ask_monitor("127.0.0.1", server.port(), "show", 2s, 2s, client);
    }
    std::vector<std::string> seen_commands() {
        std::lock_guard lock(mutex);
        return commands;
    }
    std::vector<std::string> seen_refusals() {
        std::lock_guard lock(mutex);
        return refused;
    }
    // The refusals once there are `n` (or after 5 s): the port logs a refused handshake after its client has seen
    // the handshake fail, not before.
    std::vector<std::string> refusals_when(std::size_t n) {
        std::unique_lock lock(mutex);
        refused_more.wait_for(lock, 5s, [&] { return refused.size() >= n; });
        return refused;
    }

    asio::io_context io;
    asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
    monitor::ControlServer server;
    std::thread thread;
    std::mutex mutex;
    std::condition_variable refused_more;
    std::vector<std::string> commands;
    std::vector<std::string> refused;
};

}  // namespace

TEST_CASE("tls contexts: every file is checked and a failure names it", "[tls]") {
    test::Pki pki;
    pki.issue("monitor", "IP:127.0.0.1");
    pki.issue("other", "DNS:other");
    SocketConfig s = socket_of(pki, "monitor");
    CHECK(tls::make_context(s, tls::Side::Server));
    CHECK(tls::make_context(s, tls::Side::Client));

    SECTION("a missing certificate") {
        s.cert_file = "/nonexistent.pem";
        const auto r = tls::make_context(s, tls::Side::Server);
        REQUIRE_FALSE(r);
        CHECK(r.error().message == "socket.cert_file '/nonexistent.pem': No such file or directory");
    }
    SECTION("a key readable by everyone") {
        ::chmod(s.key_file.c_str(), 0644);
        const auto r = tls::make_context(s, tls::Side::Client);
        REQUIRE_FALSE(r);
        CHECK(contains(r.error().message, "is readable by everyone"));
        CHECK(contains(r.error().message, s.key_file));
    }
    SECTION("the key of another certificate") {
        s.key_file = pki.key_file("other");
        const auto r = tls::make_context(s, tls::Side::Server);
        REQUIRE_FALSE(r);
        CAPTURE(r.error().message);
        // OpenSSL finds it when it loads the key ("key values mismatch"); check_private_key would say it otherwise.
        CHECK(contains(r.error().message, "socket.key_file '" + s.key_file + "'"));
    }
    SECTION("a CA file that holds no certificate") {
        s.ca_file = pki.key_file("other");
        ::chmod(s.ca_file.c_str(), 0600);
        const auto r = tls::make_context(s, tls::Side::Server);
        REQUIRE_FALSE(r);
        CHECK(contains(r.error().message, "socket.ca_file '" + s.ca_file + "'"));
    }
}

TEST_CASE("certificate names: IP subjectAltNames for addresses, DNS names (or the CN) for names", "[tls]") {
    test::Pki pki;
    pki.issue("db1", "DNS:db1,IP:192.0.2.11");
    pki.issue("mmm-monitor", "");
    auto db1 = read_cert(pki.cert_file("db1"));
    CHECK(tls::certificate_names(db1.get(), "db1"));
    CHECK(tls::certificate_names(db1.get(), "192.0.2.11"));
    CHECK_FALSE(tls::certificate_names(db1.get(), "db2"));
    CHECK_FALSE(tls::certificate_names(db1.get(), "192.0.2.12"));
    CHECK_FALSE(tls::certificate_names(db1.get(), ""));
    auto cn_only = read_cert(pki.cert_file("mmm-monitor"));
    CHECK(tls::certificate_names(cn_only.get(), "mmm-monitor"));
    CHECK_FALSE(tls::certificate_names(cn_only.get(), "192.0.2.10"));
}

TEST_CASE("control port over mutual TLS: a valid client is served and named, others get no effect", "[tls]") {
    test::Pki pki;
    pki.issue("monitor", "IP:127.0.0.1,DNS:mmm-monitor");
    pki.issue("ops-alice", "");
    pki.issue("db1", "DNS:db1,IP:192.0.2.11");
    TlsControlPort port(socket_of(pki, "monitor"));

    SECTION("an operator's certificate signed by the CA") {
        const auto reply = port.ask(socket_of(pki, "ops-alice"));
        CAPTURE(port.seen_refusals());
        if (!reply) FAIL(reply.error().message);
        CHECK(reply->starts_with("who=CN=ops-alice (127.0.0.1:"));
        CHECK(port.seen_commands() == std::vector<std::string>{"show"});
    }
    SECTION("an agent's certificate (it names db1) is refused at the handshake") {
        const auto reply = port.ask(socket_of(pki, "db1"));
        CHECK_FALSE(reply);
        CHECK(port.seen_commands().empty());
        const auto refused = port.refusals_when(1);
        REQUIRE(refused.size() == 1);
        CAPTURE(refused[0]);
        CHECK(contains(refused[0], "Refused control connection from 127.0.0.1:"));
        CHECK(contains(refused[0], "TLS handshake failed"));
    }
    SECTION("a certificate from another CA") {
        test::Pki stranger("another CA");
        stranger.issue("ops-mallory", "");
        SocketConfig client = socket_of(stranger, "ops-mallory");
        client.ca_file = pki.ca_file();  // trusts our CA, but its own certificate is not ours
        const auto reply = port.ask(client);
        CHECK_FALSE(reply);
        CHECK(port.seen_commands().empty());
        CHECK(port.refusals_when(1).size() == 1);
    }
    SECTION("a plaintext client") {
        const auto reply = port.ask(SocketConfig{});
        CHECK((!reply || reply->empty()));
        CHECK(port.seen_commands().empty());
        CHECK(port.refusals_when(1).size() == 1);
    }
}

TEST_CASE("control port with TLS: connections that never finish a handshake cannot keep an operator out", "[tls]") {
    test::Pki pki;
    pki.issue("monitor", "IP:127.0.0.1,DNS:mmm-monitor");
    pki.issue("ops-alice", "");
    TlsControlPort port(socket_of(pki, "monitor"));
    // 16 from each of 4 addresses: more than the session caps allow (32, 16 per address), all waiting for a
    // handshake that never comes (the port gives each up after a minute).
    asio::io_context clients;
    test::HalfOpen flood(clients, port.server.port(), {"127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"}, 16);
    REQUIRE(flood.connected() == 64);

    const auto reply = port.ask(socket_of(pki, "ops-alice"));  // connected after all of them
    const auto refused = port.seen_refusals();
    CAPTURE(refused);
    if (!reply) FAIL(reply.error().message);
    CHECK(reply->starts_with("who=CN=ops-alice (127.0.0.1:"));
    // Of the 64, only as many as may wait for a handshake are still held; the others were refused or closed.
    CHECK(flood.held_by_server() <= monitor::ControlServer::max_handshakes);
    REQUIRE_FALSE(refused.empty());
    CHECK(contains(refused[0], "Refused control connection from 127.0.0.2:"));
    CHECK(contains(refused[0], ": 4 TLS handshakes pending from this address, the most it may have"));
}

TEST_CASE("mmm_control refuses a monitor whose certificate does not name the address it called", "[tls]") {
    test::Pki pki;
    pki.issue("impostor", "IP:192.0.2.99");
    pki.issue("ops-alice", "");
    TlsControlPort port(socket_of(pki, "impostor"));
    const auto reply = port.ask(socket_of(pki, "ops-alice"));
    REQUIRE_FALSE(reply);
    CAPTURE(reply.error().message);
    CHECK(contains(reply.error().message, "TLS handshake with the monitor failed"));
    CHECK(contains(reply.error().message, "hostname mismatch"));
    CHECK(port.seen_commands().empty());
}

TEST_CASE("a certificate that expires soon is named at start", "[tls]") {
    test::Pki pki;  // its certificates are valid for one day
    pki.issue("monitor", "IP:127.0.0.1");
    const SocketConfig s = socket_of(pki, "monitor");
    CHECK(tls::expiry_warning(s, std::chrono::hours(1)).empty());
    const auto soon = tls::expiry_warning(s, std::chrono::days(30));
    CHECK(soon == "socket.cert_file '" + s.cert_file + "' expires in 1 day; socket.ca_file '" + s.ca_file +
                      "' expires in 1 day");
    CHECK(tls::expiry_warning(SocketConfig{}, std::chrono::days(30)).empty());
}
