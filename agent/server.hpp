// The agent's TCP server: one line in, one reply line out, for allowed monitors only; with socket.type tls only
// after a mutual TLS handshake with a certificate that names the monitor.
#pragma once

#include <asio.hpp>

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/service.hpp"
#include "common/log.hpp"
#include "common/session_limits.hpp"
#include "common/throttle.hpp"
#include "common/tls.hpp"

namespace mmm::agent {

// Who may talk to the agent: exact addresses and/or networks (address + prefix).
struct AllowList {
    struct Net {
        asio::ip::address_v4 base;
        int prefix = 32;
    };
    std::vector<Net> nets;
    bool any = false;  // nothing known: accept everyone (logged at start-up)
    bool allows(const asio::ip::address& peer) const;
    std::string describe() const;
};

// The monitors allowed to connect: agent.allowed_monitors; else monitor.ip unless loopback; else, with TLS, any
// address (the certificate decides); else loopback when the agent listens there. Otherwise an error: a plaintext
// agent on a network address needs allowed_monitors. `why` says which rule applied.
Result<AllowList> make_allow_list(const Config& config, const std::string& listen_ip, std::string& why);

// What the monitor's TLS certificate may name (one of them): monitor.ip and the single addresses of
// agent.allowed_monitors.
std::vector<std::string> monitor_identities(const Config& config);

struct ServerTls {
    tls::ContextPtr context;
    std::vector<std::string> peer_names;  // the monitor's certificate must name one of them
};

class AgentServer {
public:
    static constexpr std::size_t max_sessions = 64;
    static constexpr std::size_t max_sessions_per_source = 16;
    // Of them, sessions still in their TLS handshake (see HandshakeLimits): peers without a certificate cannot
    // keep the monitor out.
    static constexpr std::size_t max_handshakes = 8;
    static constexpr std::size_t max_handshakes_per_source = 4;

    AgentServer(asio::io_context& io, AgentService& service, Logger& log, AllowList allow,
                std::optional<ServerTls> tls = std::nullopt,
                std::chrono::milliseconds read_deadline = std::chrono::seconds(30));

    // Binds ip:port (SO_REUSEADDR) and starts accepting. Returns an error text on failure.
    Result<void> listen(const std::string& ip, std::uint16_t port);
    std::uint16_t port() const;  // the port listened on (0 when not listening)
    void close();
    // socket.type tls: connections accepted from now on use `context` (renewed certificates).
    void replace_tls_context(tls::ContextPtr context) {
        if (tls_) tls_->context = std::move(context);
    }

private:
    void accept();
    void on_accept_error(const std::error_code& ec);
    void start_tls_session(asio::ip::tcp::socket socket, std::shared_ptr<void> slot, const std::string& peer);
    void deny(const std::string& what);
    asio::io_context& io_;
    AgentService& service_;
    Logger& log_;
    AllowList allow_;
    std::optional<ServerTls> tls_;
    std::chrono::milliseconds read_deadline_;
    asio::ip::tcp::acceptor acceptor_;
    asio::steady_timer accept_retry_;
    SessionLimits limits_{max_sessions, max_sessions_per_source};
    HandshakeLimits handshakes_{max_handshakes, max_handshakes_per_source};
    LogThrottle denied_log_{std::chrono::seconds(10)};
    LogThrottle accept_error_log_{std::chrono::seconds(10), "more such errors"};
    // Failed handshakes and over-long lines, shared by the sessions.
    std::shared_ptr<LogThrottle> session_log_ = std::make_shared<LogThrottle>(std::chrono::seconds(10));
};

}  // namespace mmm::agent
