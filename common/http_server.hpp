// HttpServer: an HTTP(S) listener on cpp-httplib for the daemons' endpoints (the monitor's monitor.http, the agent's
// agent.http). It runs its own threads; a handler that needs the daemon's state runs it on the daemon's io_context
// thread (served()), so that state is never touched from another thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "common/config.hpp"
#include "common/log.hpp"
#include "common/result.hpp"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace mmm {

// The token from a file (first line, whitespace trimmed): refused when missing, empty, shorter than 16 characters
// or readable by everyone.
Result<std::string> read_token_file(const std::string& path);

void http_reply_json(httplib::Response& res, const nlohmann::json& body, int status = 200);
void http_reply_error(httplib::Response& res, int status, const std::string& text);

class HttpServer {
public:
    static constexpr std::chrono::milliseconds loop_deadline{3000};  // served(): the daemon's loop must answer within
    // `key` names the config section in messages ("monitor.http"), `daemon` the daemon ("monitor").
    HttpServer(asio::io_context& io, Logger& log, HttpConfig config, std::string key, std::string daemon);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Reads the token file, adds the routes, binds, and starts serving; an error names what failed.
    Result<void> start(const std::function<void(httplib::Server&)>& routes, std::string_view paths);
    // Stops listening at once, without waiting for handlers (safe on the daemon's loop); the destructor joins.
    void stop();
    std::uint16_t port() const { return port_; }
    const HttpConfig& config() const { return config_; }

    // The request carries the token, or (without a token configured) came through a client-certificate handshake.
    bool authorized(const httplib::Request& req) const;
    // Loopback, or authorized; else a 401 and false.
    bool guard(const httplib::Request& req, httplib::Response& res) const;
    // Runs `fill` on the daemon's loop; false (and a 503) when the loop did not answer within 3 s.
    bool served(httplib::Response& res, const std::function<void()>& fill);
    // Runs `fn` on the io_context thread and waits for it (at most `within`); false when it did not run in time.
    bool on_loop(const std::function<void()>& fn, std::chrono::milliseconds within);
    bool has_token() const { return !token_.empty(); }

private:
    asio::io_context& io_;
    Logger& log_;
    HttpConfig config_;
    std::string key_;
    std::string daemon_;
    std::string token_;
    bool loopback_ = true;
    std::unique_ptr<httplib::Server> server_;
    std::thread thread_;
    std::uint16_t port_ = 0;
    // Cleared by stop(): a posted task that runs after the server stopped does nothing.
    std::shared_ptr<std::atomic<bool>> alive_ = std::make_shared<std::atomic<bool>>(true);
};

}  // namespace mmm
