// Mutual TLS for the agent port and the control port (socket.type: tls): contexts built from the config, and the
// identity checks on the peer's certificate. Both sides present a certificate signed by socket.ca_file.
#pragma once

#include <asio/ip/tcp.hpp>
#include <asio/ssl/context.hpp>
#include <asio/ssl/stream.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/config.hpp"
#include "common/result.hpp"

namespace mmm::tls {

using Stream = asio::ssl::stream<asio::ip::tcp::socket>;
using ContextPtr = std::shared_ptr<asio::ssl::context>;

enum class Side { Server, Client };

// TLS 1.2 or later; our certificate chain and key from socket.cert_file/key_file (the key must match the
// certificate and must not be readable by everyone); the peer must present a certificate that socket.ca_file's CA
// signed (a server refuses a client without one). Errors name the file and OpenSSL's reason.
Result<ContextPtr> make_context(const SocketConfig& socket, Side side);

// socket.type tls: both contexts (server and client) can be made from the files; plain: nothing to check.
Result<void> check_files(const SocketConfig& socket);

// When socket.cert_file's certificate or the CA in socket.ca_file expires within `within` (or has expired): a
// sentence saying which and when, for a WARN at start; empty otherwise (or for plain).
std::string expiry_warning(const SocketConfig& socket, std::chrono::seconds within);

// Does the certificate name `name`? An IP address matches an IP subjectAltName; anything else a DNS
// subjectAltName (or the common name when the certificate has no DNS subjectAltName), wildcards as RFC 6125 allows.
bool certificate_names(X509* cert, const std::string& name);

// The peer's leaf certificate must satisfy `accept` (checked during the handshake, after the CA's signature; the
// handshake fails with "application verification failure" otherwise).
void require_peer(Stream& stream, std::function<bool(X509*)> accept);

// The peer's certificate must name one of `names` (checked during the handshake, after the CA's signature; the
// handshake fails otherwise). An empty list accepts any certificate the CA signed.
void require_peer_names(Stream& stream, std::vector<std::string> names);

// The TCP socket under a connection: the socket itself, or a TLS stream's next layer (for deadlines, shutdown, close
// and the descriptor, which work the same with and without TLS).
inline asio::ip::tcp::socket& lowest(asio::ip::tcp::socket& socket) { return socket; }
inline asio::ip::tcp::socket& lowest(Stream& stream) { return stream.next_layer(); }

// The verified peer certificate's subject, for log lines: "CN=mmm-monitor" (or "no certificate").
std::string peer_subject(Stream& stream);

// Why the last handshake failed, readable: "certificate verify failed" plus OpenSSL's verify result when known.
std::string handshake_error(Stream& stream, const std::error_code& ec);

}  // namespace mmm::tls
