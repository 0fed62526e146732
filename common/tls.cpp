// TLS contexts and certificate identity checks (OpenSSL through asio::ssl).
#include "common/tls.hpp"

#include <sys/stat.h>

#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <asio/ip/address.hpp>
#include <fmt/format.h>

#include "common/text.hpp"

namespace mmm::tls {

namespace {

// A readable regular file, or why not ("socket.cert_file '/x.pem': No such file or directory").
Result<void> readable_file(const char* key, const std::string& path, bool secret) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return fail(fmt::format("{} '{}': {}", key, path, std::strerror(errno)));
    if (!S_ISREG(st.st_mode)) return fail(fmt::format("{} '{}' is not a regular file", key, path));
    if (secret && (st.st_mode & S_IROTH) != 0)
        return fail(fmt::format("{} '{}' is readable by everyone: chmod o-r it (600, or 640 with a group of the "
                                "programs' users)", key, path));
    return {};
}

}  // namespace

Result<ContextPtr> make_context(const SocketConfig& socket, Side side) {
    if (auto r = readable_file("socket.cert_file", socket.cert_file, false); !r) return r.error();
    if (auto r = readable_file("socket.key_file", socket.key_file, true); !r) return r.error();
    if (auto r = readable_file("socket.ca_file", socket.ca_file, false); !r) return r.error();
    auto context = std::make_shared<asio::ssl::context>(side == Side::Server ? asio::ssl::context::tls_server
                                                                              : asio::ssl::context::tls_client);
    SSL_CTX* native = context->native_handle();
    if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1)
        return fail("cannot restrict TLS to version 1.2 or later");
    context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::single_dh_use);
    std::error_code ec;
    context->use_certificate_chain_file(socket.cert_file, ec);
    if (ec) return fail(fmt::format("socket.cert_file '{}': {}", socket.cert_file, ec.message()));
    context->use_private_key_file(socket.key_file, asio::ssl::context::pem, ec);
    if (ec) return fail(fmt::format("socket.key_file '{}': {}", socket.key_file, ec.message()));
    if (SSL_CTX_check_private_key(native) != 1)
        return fail(fmt::format("socket.key_file '{}' is not the key of socket.cert_file '{}'", socket.key_file,
                                socket.cert_file));
    context->load_verify_file(socket.ca_file, ec);
    if (ec) return fail(fmt::format("socket.ca_file '{}': {}", socket.ca_file, ec.message()));
    // Mutual: a server asks for the client's certificate and refuses a client without one.
    context->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert, ec);
    if (ec) return fail(fmt::format("cannot require peer certificates: {}", ec.message()));
    return context;
}

Result<void> check_files(const SocketConfig& socket) {
    if (socket.type != SocketType::Tls) return {};
    for (const auto side : {Side::Server, Side::Client})
        if (auto context = make_context(socket, side); !context) return context.error();
    return {};
}

namespace {
// The first certificate of a PEM file, or nullptr.
std::unique_ptr<X509, decltype(&X509_free)> first_certificate(const std::string& path) {
    std::unique_ptr<X509, decltype(&X509_free)> cert(nullptr, X509_free);
    if (FILE* f = std::fopen(path.c_str(), "re")) {
        cert.reset(PEM_read_X509(f, nullptr, nullptr, nullptr));
        std::fclose(f);
    }
    return cert;
}
std::string days_text(long long days) { return days == 1 ? "1 day" : fmt::format("{} days", days); }
}  // namespace

std::string expiry_warning(const SocketConfig& socket, std::chrono::seconds within) {
    if (socket.type != SocketType::Tls) return {};
    std::string out;
    const auto check = [&](const char* key, const std::string& path) {
        const auto cert = first_certificate(path);
        if (!cert) return;
        const ASN1_TIME* not_after = X509_get0_notAfter(cert.get());
        int days = 0;
        int secs = 0;
        if (ASN1_TIME_diff(&days, &secs, nullptr, not_after) != 1) return;
        const long long left = static_cast<long long>(days) * 86400 + secs;
        if (left > within.count()) return;
        if (!out.empty()) out += "; ";
        out += left <= 0 ? fmt::format("{} '{}' has expired", key, path)
                         : fmt::format("{} '{}' expires in {}", key, path, days_text((left + 86399) / 86400));
    };
    check("socket.cert_file", socket.cert_file);
    check("socket.ca_file", socket.ca_file);
    return out;
}

bool certificate_names(X509* cert, const std::string& name) {
    if (cert == nullptr || name.empty()) return false;
    std::error_code ec;
    asio::ip::make_address(name, ec);
    if (!ec) return X509_check_ip_asc(cert, name.c_str(), 0) == 1;
    return X509_check_host(cert, name.data(), name.size(), 0, nullptr) == 1;
}

namespace {
void verify_leaf(Stream& stream, std::function<bool(X509*)> accept, int error) {
    stream.set_verify_callback([accept = std::move(accept), error](bool preverified, asio::ssl::verify_context& vc) {
        if (!preverified) return false;  // not signed by the CA, expired...: OpenSSL's verdict stands
        X509_STORE_CTX* store = vc.native_handle();
        if (X509_STORE_CTX_get_error_depth(store) > 0) return true;  // the CA chain; the checks are the leaf's
        if (accept(X509_STORE_CTX_get_current_cert(store))) return true;
        X509_STORE_CTX_set_error(store, error);
        return false;
    });
}
}  // namespace

void require_peer(Stream& stream, std::function<bool(X509*)> accept) {
    verify_leaf(stream, std::move(accept), X509_V_ERR_APPLICATION_VERIFICATION);
}

void require_peer_names(Stream& stream, std::vector<std::string> names) {
    if (names.empty()) return;
    verify_leaf(
        stream,
        [names = std::move(names)](X509* leaf) {
            for (const auto& name : names)
                if (certificate_names(leaf, name)) return true;
            return false;
        },
        X509_V_ERR_HOSTNAME_MISMATCH);
}

std::string peer_subject(Stream& stream) {
    X509* cert = SSL_get0_peer_certificate(stream.native_handle());
    if (cert == nullptr) return "no certificate";
    std::array<char, 256> cn{};
    const int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn.data(),
                                            static_cast<int>(cn.size()));
    return n < 0 ? std::string("a certificate without CN") : "CN=" + printable(std::string_view(cn.data()));
}

std::string handshake_error(Stream& stream, const std::error_code& ec) {
    const long verify = SSL_get_verify_result(stream.native_handle());
    if (verify != X509_V_OK) return fmt::format("{} ({})", ec.message(), X509_verify_cert_error_string(verify));
    return ec.message();
}

}  // namespace mmm::tls
