// HttpEndpoint: the monitor's HTTP(S) endpoint (issue 13) on cpp-httplib. It runs its own threads; every answer is
// computed on the monitor's io_context thread (posted there, waited for with a deadline), so the core is never
// touched from another thread.
//
//   GET  /                        the status page (monitor/status_page.html: hosts, topology, why, recent events)
//   GET  /metrics                 Prometheus text
//   GET  /health/live             200 while the monitor's loop answers
//   GET  /health/ready            200 once the start-up checks ran and the monitor's network check passes
//   GET  /health/leader           200 on the monitor that decides (one monitor: always)
//   GET  /api/status              everything `show` and `checks all` say, as JSON
//   GET  /api/why                 per exclusive role: holder, why (JSON); `mmm_control why` prints the same text
//   GET  /api/audit?since=N       the audit log lines with sequence numbers above N (JSON)
//   POST /api/<command>[/<arg>..] a changing command (set_online/db1, move_role/writer/db2, ...): needs the token
//                                 (Authorization: Bearer) or a client certificate; same reply as the control port
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "common/config.hpp"
#include "common/log.hpp"
#include "common/result.hpp"

namespace httplib {
class Server;
}

namespace mmm::monitor {

// What the endpoint asks the monitor; each runs on the io_context thread.
struct HttpApi {
    std::function<std::string()> metrics;
    std::function<nlohmann::json()> status;
    std::function<nlohmann::json()> why;
    std::function<nlohmann::json(std::uint64_t since)> audit;
    std::function<std::optional<std::string>()> not_ready;  // nullopt = ready; else why not
    // A changing command line from `who`; `respond` is called once with the control port's reply text.
    std::function<void(std::string line, std::string who, std::function<void(std::string)> respond)> command;
};

class HttpEndpoint {
public:
    HttpEndpoint(asio::io_context& io, Logger& log, HttpConfig config, HttpApi api);
    ~HttpEndpoint();
    HttpEndpoint(const HttpEndpoint&) = delete;
    HttpEndpoint& operator=(const HttpEndpoint&) = delete;

    // Reads the token file, binds, and starts serving; an error names what failed (the monitor does not start).
    Result<void> start();
    // Stops listening at once, without waiting for handlers (safe on the monitor's loop); the destructor joins.
    void stop();
    std::uint16_t port() const { return port_; }

private:
    // Runs `fn` on the io_context thread and waits for it (at most `within`); false when it did not run in time.
    bool on_loop(const std::function<void()>& fn, std::chrono::milliseconds within);
    void routes();

    asio::io_context& io_;
    Logger& log_;
    HttpConfig config_;
    HttpApi api_;
    std::string token_;
    bool loopback_ = true;
    std::unique_ptr<httplib::Server> server_;
    std::thread thread_;
    std::uint16_t port_ = 0;
    // Cleared by stop(): a posted task that runs after the endpoint stopped does nothing.
    std::shared_ptr<std::atomic<bool>> alive_ = std::make_shared<std::atomic<bool>>(true);
};

// The token from a file (first line, whitespace trimmed): refused when missing, empty, or readable by everyone.
Result<std::string> read_token_file(const std::string& path);

}  // namespace mmm::monitor
