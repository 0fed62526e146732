// The control listener (spec §8.1): one command per line, `quit` closes; replies are sent exactly as produced.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include "common/result.hpp"
#include "monitor/control_peer.hpp"
#include "common/session_limits.hpp"
#include "common/throttle.hpp"
#include "common/tls.hpp"

namespace mmm::monitor {

class ControlServer {
public:
    // Called on the io_context's thread for every command line; `respond` may be called later (once). The reply
    // goes out without an added newline, as mysql-mmm's monitor does.
    using Respond = std::function<void(std::string reply)>;
    // `peer.identity()` names the sender for the log ("CN=ops-alice (192.0.2.10:41234)" with TLS, "uid 0 (root) at
    // 127.0.0.1:41234" without) and says whether it may change things; a plaintext client is looked up at the first
    // call of its connection (ask only for a command that changes something).
    using Handler = std::function<void(std::string line, ControlPeer peer, Respond respond)>;
    // How a plaintext client (`peer`, connected to our `local` end) is identified.
    using PlainIdentifier =
        std::function<ControlPeer::Identity(const asio::ip::tcp::endpoint& peer, const asio::ip::tcp::endpoint& local)>;

    ControlServer(asio::io_context& io, Handler handler);
    ~ControlServer();

    // socket.type tls: every connection starts with a mutual TLS handshake; the client's certificate must pass
    // `accept` (after the CA's signature).
    void use_tls(tls::ContextPtr context, std::function<bool(X509*)> accept);
    // Where refused connections (failed handshake, session caps) and accept errors are reported; at most one line
    // per 10 s, the others counted.
    void on_refused(std::function<void(std::string)> log) { log_refused_ = std::move(log); }
    // Replaces identify_plain_peer (with the monitor's uid) for connections accepted from now on (tests).
    void identify_plain_with(PlainIdentifier identify) { identify_plain_ = std::move(identify); }
    Result<void> listen(const std::string& ip, std::uint16_t port);
    std::uint16_t port() const;
    void stop();

    // A connection with no complete line for this long is closed.
    static constexpr std::chrono::seconds idle_timeout{60};
    static constexpr std::size_t max_sessions = 32;
    static constexpr std::size_t max_sessions_per_source = 16;
    // Of them, connections still in their TLS handshake (see HandshakeLimits): peers without a certificate cannot
    // keep an operator out.
    static constexpr std::size_t max_handshakes = 8;
    static constexpr std::size_t max_handshakes_per_source = 4;

private:
    void accept();
    void start_tls_session(asio::ip::tcp::socket socket, const std::string& address, const std::string& peer,
                           std::shared_ptr<void> slot, std::function<void(std::string)> refused);
    asio::io_context& io_;
    Handler handler_;
    tls::ContextPtr tls_;
    std::function<bool(X509*)> accept_cert_;
    std::function<void(std::string)> log_refused_;
    PlainIdentifier identify_plain_;
    LogThrottle refused_log_{std::chrono::seconds(10)};
    SessionLimits limits_{max_sessions, max_sessions_per_source};
    HandshakeLimits handshakes_{max_handshakes, max_handshakes_per_source};
    asio::ip::tcp::acceptor acceptor_;
    asio::steady_timer retry_;  // accept again after an error (EMFILE...)
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace mmm::monitor
