// The agent's HTTP endpoint (see http_metrics.hpp).
#include "agent/http_metrics.hpp"

#include <httplib.h>

namespace mmm::agent {

Result<void> start_agent_http(HttpServer& server, const AgentService& service) {
    return server.start(
        [&server, &service](httplib::Server& s) {
            s.Get("/metrics", [&server, &service](const httplib::Request& req, httplib::Response& res) {
                if (!server.guard(req, res)) return;
                std::string text;
                if (server.served(res, [&] { text = service.metrics(); }))
                    res.set_content(text, "text/plain; version=0.0.4; charset=utf-8");
            });
            s.Get("/health/live", [&server](const httplib::Request&, httplib::Response& res) {
                if (server.served(res, [] {})) res.set_content("OK\n", "text/plain");
            });
        },
        "/metrics, /health/live");
}

}  // namespace mmm::agent
