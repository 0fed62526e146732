// The monitor's HTTP endpoint (see http_endpoint.hpp).
#include "monitor/http_endpoint.hpp"

#include <sys/stat.h>

#include <charconv>
#include <fstream>
#include <condition_variable>
#include <future>
#include <mutex>

#include <asio/post.hpp>
#include <fmt/format.h>
#include <httplib.h>
#include <openssl/crypto.h>

#include "common/text.hpp"
#include "monitor/core/command.hpp"
#include "monitor/status_page.hpp"

namespace mmm::monitor {

namespace {

constexpr auto loop_deadline = std::chrono::milliseconds(3000);
constexpr std::size_t http_threads = 4;

void reply_json(httplib::Response& res, const nlohmann::json& body, int status = 200) {
    res.status = status;
    res.set_content(body.dump(2) + "\n", "application/json");
}

void reply_error(httplib::Response& res, int status, const std::string& text) {
    reply_json(res, {{"error", text}}, status);
}

bool same_secret(const std::string& a, const std::string& b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

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

HttpEndpoint::HttpEndpoint(asio::io_context& io, Logger& log, HttpConfig config, HttpApi api)
    : io_(io), log_(log), config_(std::move(config)), api_(std::move(api)) {}

HttpEndpoint::~HttpEndpoint() {
    stop();
    if (thread_.joinable()) thread_.join();
}

// `fn` may capture the caller's locals by reference: it runs only while the caller still waits (a task that comes
// too late finds the call abandoned and does nothing), and a caller whose deadline passes while `fn` runs waits
// for it to end.
bool HttpEndpoint::on_loop(const std::function<void()>& fn, std::chrono::milliseconds within) {
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

Result<void> HttpEndpoint::start() {
    const auto at = parse_listen_address(config_.listen);
    if (!at) return fail(fmt::format("monitor.http.listen '{}' is not ADDRESS:PORT", config_.listen));
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
    routes();
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
    log_.info("HTTP endpoint listening on {}{} (/ the status page, /metrics, /health/*, /api/*)", config_.listen,
              config_.cert_file.empty() ? "" : ", HTTPS");
    return {};
}

// Closes the listening socket and lets waiting handlers give up; it does not wait for them (it runs on the monitor's
// loop, which their answers may need). The destructor joins the server's thread.
void HttpEndpoint::stop() {
    *alive_ = false;
    if (server_) server_->stop();
}

void HttpEndpoint::routes() {
    // Beyond loopback, everything but /health/* needs the token when one is configured (with client certificates
    // the handshake already authenticated the client).
    const auto authorized = [this](const httplib::Request& req) {
        if (!token_.empty()) {
            const std::string header = req.get_header_value("Authorization");
            return header.starts_with("Bearer ") && same_secret(header.substr(7), token_);
        }
        return !config_.ca_file.empty();
    };
    const auto guard = [this, authorized](const httplib::Request& req, httplib::Response& res) {
        if (loopback_ || authorized(req)) return true;
        reply_error(res, 401, "authentication required (Authorization: Bearer <token>)");
        return false;
    };
    // A read served from the monitor's loop: false (and a 503) when the loop did not answer in time.
    const auto served = [this](httplib::Response& res, const std::function<void()>& fill) {
        if (on_loop(fill, loop_deadline)) return true;
        reply_error(res, 503, "the monitor's loop did not answer within 3 s");
        return false;
    };

    // The status page: static (it reads /api/status and /api/audit itself), so it does not ask the monitor's loop.
    server_->Get("/", [guard, csp = status_page_csp(status_page_html())](const httplib::Request& req,
                                                                         httplib::Response& res) {
        if (!guard(req, res)) return;
        res.set_header("Content-Security-Policy", csp);
        res.set_header("X-Content-Type-Options", "nosniff");
        res.set_header("Referrer-Policy", "no-referrer");
        res.set_header("Cache-Control", "no-cache");
        const std::string_view html = status_page_html();
        res.set_content(html.data(), html.size(), "text/html; charset=utf-8");
    });
    server_->Get("/metrics", [this, guard, served](const httplib::Request& req, httplib::Response& res) {
        if (!guard(req, res)) return;
        std::string text;
        if (served(res, [&] { text = api_.metrics(); })) res.set_content(text, "text/plain; version=0.0.4; charset=utf-8");
    });
    server_->Get("/health/live", [served](const httplib::Request&, httplib::Response& res) {
        if (served(res, [] {})) res.set_content("OK\n", "text/plain");
    });
    server_->Get("/health/ready", [this, served](const httplib::Request&, httplib::Response& res) {
        std::optional<std::string> why;
        if (!served(res, [&] { why = api_.not_ready(); })) return;
        if (why) {
            res.status = 503;
            res.set_content(*why + "\n", "text/plain");
        } else {
            res.set_content("OK\n", "text/plain");
        }
    });
    server_->Get("/health/leader", [served](const httplib::Request&, httplib::Response& res) {
        // One monitor (no coordination configured): it is the one that decides.
        if (served(res, [] {})) res.set_content("OK: this monitor decides (no coordination configured)\n", "text/plain");
    });
    server_->Get("/api/status", [this, guard, served](const httplib::Request& req, httplib::Response& res) {
        if (!guard(req, res)) return;
        nlohmann::json body;
        if (served(res, [&] { body = api_.status(); })) reply_json(res, body);
    });
    server_->Get("/api/why", [this, guard, served](const httplib::Request& req, httplib::Response& res) {
        if (!guard(req, res)) return;
        nlohmann::json body;
        if (served(res, [&] { body = api_.why(); })) reply_json(res, body);
    });
    server_->Get("/api/audit", [this, guard, served](const httplib::Request& req, httplib::Response& res) {
        if (!guard(req, res)) return;
        std::uint64_t since = 0;
        if (req.has_param("since")) {
            const std::string text = req.get_param_value("since");
            const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), since);
            if (ec != std::errc() || end != text.data() + text.size()) {
                reply_error(res, 400, "since must be a sequence number (the 'seq' of the last line seen)");
                return;
            }
        }
        nlohmann::json body;
        if (served(res, [&] { body = api_.audit(since); })) reply_json(res, body);
    });
    server_->Post(R"(/api/([a-z_]+)((/[^/]+)*))", [this, authorized](const httplib::Request& req,
                                                                    httplib::Response& res) {
        // "/api/move_role/writer/db2" is "move_role writer db2": names and addresses need no percent-decoding.
        std::string line = req.matches[1];
        const std::string rest = req.matches[2];
        for (std::size_t at = 1; at < rest.size();) {
            const auto next = rest.find('/', at);
            line += " " + rest.substr(at, next == std::string::npos ? next : next - at);
            if (next == std::string::npos) break;
            at = next + 1;
        }
        const auto command = parse_command(line);
        if (!command || command->read_only()) {
            reply_error(res, 404, fmt::format("'{}' is not a changing command with its arguments (POST takes "
                                              "set_online, set_offline, set_active, set_manual, set_passive, "
                                              "move_role, set_ip)",
                                              printable(line, 80)));
            return;
        }
        if (token_.empty() && config_.ca_file.empty()) {
            reply_error(res, 403, "changing commands over HTTP need monitor.http.token_file or a client certificate "
                                  "(monitor.http.ca_file)");
            return;
        }
        if (!authorized(req)) {
            log_.warn("Refused HTTP command '{}' from {}: no valid token", printable(line, 80), req.remote_addr);
            reply_error(res, 401, "authentication required (Authorization: Bearer <token>)");
            return;
        }
        auto reply = std::make_shared<std::promise<std::string>>();
        auto future = reply->get_future();
        const std::string who = fmt::format("HTTP {}:{}", req.remote_addr, req.remote_port);
        if (!on_loop([&] { api_.command(line, who, [reply](std::string text) { reply->set_value(std::move(text)); }); },
                     loop_deadline)) {
            reply_error(res, 503, "the monitor's loop did not answer within 3 s");
            return;
        }
        // A command may wait for a plan (agents' answers): as long as the control port would.
        if (future.wait_for(std::chrono::seconds(120)) != std::future_status::ready) {
            reply_error(res, 504, "the command did not finish within 120 s");
            return;
        }
        const std::string text = future.get();
        reply_json(res, {{"command", line}, {"reply", text}, {"ok", !text.starts_with("ERROR")}},
                   text.starts_with("ERROR") ? 409 : 200);
    });
}

}  // namespace mmm::monitor
