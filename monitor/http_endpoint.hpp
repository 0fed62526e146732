// HttpEndpoint: the monitor's HTTP(S) endpoint (issue 13), on common/http_server (cpp-httplib). Every answer is
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

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "common/config.hpp"
#include "common/http_server.hpp"
#include "common/log.hpp"
#include "common/result.hpp"

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

    // Reads the token file, binds, and starts serving; an error names what failed (the monitor does not start).
    Result<void> start();
    // Stops listening at once, without waiting for handlers (safe on the monitor's loop); the destructor joins.
    void stop() { server_.stop(); }
    std::uint16_t port() const { return server_.port(); }

private:
    void routes(httplib::Server& server);

    Logger& log_;
    HttpApi api_;
    HttpServer server_;
};

}  // namespace mmm::monitor
