// The monitor's HTTP endpoint (see http_endpoint.hpp).
#include "monitor/http_endpoint.hpp"

#include <charconv>
#include <future>

#include <fmt/format.h>
#include <httplib.h>

#include "common/text.hpp"
#include "monitor/core/command.hpp"
#include "monitor/status_page.hpp"

namespace mmm::monitor {

HttpEndpoint::HttpEndpoint(asio::io_context& io, Logger& log, HttpConfig config, HttpApi api)
    : log_(log), api_(std::move(api)), server_(io, log, std::move(config), "monitor.http", "monitor") {}

Result<void> HttpEndpoint::start() {
    return server_.start([this](httplib::Server& s) { routes(s); }, "/ the status page, /metrics, /health/*, /api/*");
}

void HttpEndpoint::routes(httplib::Server& server) {
    // Beyond loopback, everything but /health/* needs the token when one is configured (with client certificates
    // the handshake already authenticated the client).
    const auto guard = [this](const httplib::Request& req, httplib::Response& res) { return server_.guard(req, res); };
    const auto served = [this](httplib::Response& res, const std::function<void()>& fill) {
        return server_.served(res, fill);
    };

    // The status page: static (it reads /api/status and /api/audit itself), so it does not ask the monitor's loop.
    server.Get("/", [guard, csp = status_page_csp(status_page_html())](const httplib::Request& req,
                                                                        httplib::Response& res) {
        if (!guard(req, res)) return;
        res.set_header("Content-Security-Policy", csp);
        res.set_header("X-Content-Type-Options", "nosniff");
        res.set_header("Referrer-Policy", "no-referrer");
        res.set_header("Cache-Control", "no-cache");
        const std::string_view html = status_page_html();
        res.set_content(html.data(), html.size(), "text/html; charset=utf-8");
    });
    server.Get("/metrics", [this, guard, served](const httplib::Request& req, httplib::Response& res) {
        if (!guard(req, res)) return;
        std::string text;
        if (served(res, [&] { text = api_.metrics(); })) res.set_content(text, "text/plain; version=0.0.4; charset=utf-8");
    });
    server.Get("/health/live", [served](const httplib::Request&, httplib::Response& res) {
        if (served(res, [] {})) res.set_content("OK\n", "text/plain");
    });
    server.Get("/health/ready", [this, served](const httplib::Request&, httplib::Response& res) {
        std::optional<std::string> why;
        if (!served(res, [&] { why = api_.not_ready(); })) return;
        if (why) {
            res.status = 503;
            res.set_content(*why + "\n", "text/plain");
        } else {
            res.set_content("OK\n", "text/plain");
        }
    });
    server.Get("/health/leader", [served](const httplib::Request&, httplib::Response& res) {
        // One monitor (no coordination configured): it is the one that decides.
        if (served(res, [] {})) res.set_content("OK: this monitor decides (no coordination configured)\n", "text/plain");
    });
    server.Get("/api/status", [this, guard, served](const httplib::Request& req, httplib::Response& res) {
        if (!guard(req, res)) return;
        nlohmann::json body;
        if (served(res, [&] { body = api_.status(); })) http_reply_json(res, body);
    });
    server.Get("/api/why", [this, guard, served](const httplib::Request& req, httplib::Response& res) {
        if (!guard(req, res)) return;
        nlohmann::json body;
        if (served(res, [&] { body = api_.why(); })) http_reply_json(res, body);
    });
    server.Get("/api/audit", [this, guard, served](const httplib::Request& req, httplib::Response& res) {
        if (!guard(req, res)) return;
        std::uint64_t since = 0;
        if (req.has_param("since")) {
            const std::string text = req.get_param_value("since");
            const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), since);
            if (ec != std::errc() || end != text.data() + text.size()) {
                http_reply_error(res, 400, "since must be a sequence number (the 'seq' of the last line seen)");
                return;
            }
        }
        nlohmann::json body;
        if (served(res, [&] { body = api_.audit(since); })) http_reply_json(res, body);
    });
    server.Post(R"(/api/([a-z_]+)((/[^/]+)*))", [this](const httplib::Request& req, httplib::Response& res) {
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
            http_reply_error(res, 404,
                             fmt::format("'{}' is not a changing command with its arguments (POST takes set_online, "
                                         "set_offline, set_active, set_manual, set_passive, move_role, set_ip)",
                                         printable(line, 80)));
            return;
        }
        if (!server_.has_token() && server_.config().ca_file.empty()) {
            http_reply_error(res, 403,
                             "changing commands over HTTP need monitor.http.token_file or a client certificate "
                             "(monitor.http.ca_file)");
            return;
        }
        if (!server_.authorized(req)) {
            log_.warn("Refused HTTP command '{}' from {}: no valid token", printable(line, 80), req.remote_addr);
            http_reply_error(res, 401, "authentication required (Authorization: Bearer <token>)");
            return;
        }
        auto reply = std::make_shared<std::promise<std::string>>();
        auto future = reply->get_future();
        const std::string who = fmt::format("HTTP {}:{}", req.remote_addr, req.remote_port);
        if (!server_.on_loop(
                [&] { api_.command(line, who, [reply](std::string text) { reply->set_value(std::move(text)); }); },
                HttpServer::loop_deadline)) {
            http_reply_error(res, 503, "the monitor's loop did not answer within 3 s");
            return;
        }
        // A command may wait for a plan (agents' answers): as long as the control port would.
        if (future.wait_for(std::chrono::seconds(120)) != std::future_status::ready) {
            http_reply_error(res, 504, "the command did not finish within 120 s");
            return;
        }
        const std::string text = future.get();
        http_reply_json(res, {{"command", line}, {"reply", text}, {"ok", !text.starts_with("ERROR")}},
                        text.starts_with("ERROR") ? 409 : 200);
    });
}

}  // namespace mmm::monitor
