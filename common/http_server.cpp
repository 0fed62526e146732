// The daemons' HTTP(S) listener (see http_server.hpp).
#include "common/http_server.hpp"

#include <sys/stat.h>

#include <condition_variable>
#include <fstream>
#include <mutex>

#include <asio/post.hpp>
#include <fmt/format.h>
#include <httplib.h>
#include <openssl/crypto.h>

namespace mmm {

namespace {

constexpr std::size_t http_threads = 4;

bool same_secret(const std::string& a, const std::string& b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

void http_reply_json(httplib::Response& res, const nlohmann::json& body, int status) {
    res.status = status;
    res.set_content(body.dump(2) + "\n", "application/json");
}

void http_reply_error(httplib::Response& res, int status, const std::string& text) {
    http_reply_json(res, {{"error", text}}, status);
}

Result<std::string> read_token_file(const std::string& path) {
    struct stat st{};
    if (::stat(path.c_str(), &st) != 0) return fail(fmt::format("cannot read the token file '{}'", path));
    if ((st.st_mode & S_IROTH) != 0)
        return fail(fmt::format("the token file '{}' is readable by everyone (chmod o-r it)", path));
    std::ifstream in(path);
    std::string token;
    if (!in || !std::getline(in, token)) return fail(fmt::format("cannot read the token file '{}'", path));
    const auto b = token.find_first_not_of(" \t\r");
    const auto e = token.find_last_not_of(" \t\r");
    token = b == std::string::npos ? std::string() : token.substr(b, e - b + 1);
    if (token.size() < 16) return fail(fmt::format("the token in '{}' is shorter than 16 characters", path));
    return token;
}

HttpServer::HttpServer(asio::io_context& io, Logger& log, HttpConfig config, std::string key, std::string daemon)
    : io_(io), log_(log), config_(std::move(config)), key_(std::move(key)), daemon_(std::move(daemon)) {}

HttpServer::~HttpServer() {
    stop();
    if (thread_.joinable()) thread_.join();
}

// `fn` may capture the caller's locals by reference: it runs only while the caller still waits (a task that comes
// too late finds the call abandoned and does nothing), and a caller whose deadline passes while `fn` runs waits
// for it to end.
bool HttpServer::on_loop(const std::function<void()>& fn, std::chrono::milliseconds within) {
    struct Call {
        std::mutex mutex;
        std::condition_variable cv;
        bool abandoned = false;
        bool done = false;
    };
    if (!*alive_) return false;  // stopped: the loop may be gone
    auto call = std::make_shared<Call>();
    asio::post(io_, [fn, call, alive = alive_] {
        const std::lock_guard lock(call->mutex);
        if (call->abandoned || !*alive) return;
        fn();
        call->done = true;
        call->cv.notify_all();
    });
    std::unique_lock lock(call->mutex);
    if (call->cv.wait_for(lock, within, [&] { return call->done; })) return true;
    call->abandoned = true;
    return false;
}

bool HttpServer::served(httplib::Response& res, const std::function<void()>& fill) {
    if (on_loop(fill, loop_deadline)) return true;
    http_reply_error(res, 503, fmt::format("the {}'s loop did not answer within 3 s", daemon_));
    return false;
}

// With client certificates the handshake already authenticated the client.
bool HttpServer::authorized(const httplib::Request& req) const {
    if (!token_.empty()) {
        const std::string header = req.get_header_value("Authorization");
        return header.starts_with("Bearer ") && same_secret(header.substr(7), token_);
    }
    return !config_.ca_file.empty();
}

bool HttpServer::guard(const httplib::Request& req, httplib::Response& res) const {
    if (loopback_ || authorized(req)) return true;
    http_reply_error(res, 401, "authentication required (Authorization: Bearer <token>)");
    return false;
}

Result<void> HttpServer::start(const std::function<void(httplib::Server&)>& routes, std::string_view paths) {
    const auto at = parse_listen_address(config_.listen);
    if (!at) return fail(fmt::format("{}.listen '{}' is not ADDRESS:PORT", key_, config_.listen));
    loopback_ = at->loopback;
    if (!config_.token_file.empty()) {
        auto token = read_token_file(config_.token_file);
        if (!token) return token.error();
        token_ = std::move(*token);
    }
    if (!config_.cert_file.empty()) {
        server_ = std::make_unique<httplib::SSLServer>(config_.cert_file.c_str(), config_.key_file.c_str(),
                                                       config_.ca_file.empty() ? nullptr : config_.ca_file.c_str());
    } else {
        server_ = std::make_unique<httplib::Server>();
    }
    if (!server_->is_valid())
        return fail(fmt::format("HTTPS: cannot use the certificate '{}', key '{}'{}", config_.cert_file,
                                config_.key_file,
                                config_.ca_file.empty() ? "" : fmt::format(" or CA '{}'", config_.ca_file)));
    server_->new_task_queue = [] { return new httplib::ThreadPool(http_threads); };
    server_->set_read_timeout(5, 0);
    server_->set_write_timeout(5, 0);
    server_->set_keep_alive_max_count(100);
    server_->set_payload_max_length(4096);
    routes(*server_);
    int port = at->port;
    if (port == 0) {
        port = server_->bind_to_any_port(at->address);
        if (port < 0) port = 0;
    } else if (!server_->bind_to_port(at->address, port)) {
        port = 0;
    }
    if (port == 0) return fail(fmt::format("cannot listen on {} for HTTP", config_.listen));
    port_ = static_cast<std::uint16_t>(port);
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    log_.info("HTTP endpoint listening on {}{} ({})", config_.listen, config_.cert_file.empty() ? "" : ", HTTPS",
              paths);
    return {};
}

// Closes the listening socket and lets waiting handlers give up; it does not wait for them (it runs on the daemon's
// loop, which their answers may need). The destructor joins the server's thread.
void HttpServer::stop() {
    *alive_ = false;
    if (server_) server_->stop();
}

}  // namespace mmm
