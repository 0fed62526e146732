// The agent's own small HTTP endpoint (agent.http.listen, off by default; issue 13):
//   GET /metrics       Prometheus text: role IPs held, read_only, gratuitous ARP bursts, reconcile passes and
//                      failures, SET_STATUS counts and the last one's age, the epoch
//   GET /health/live   200 while the agent's loop answers
#pragma once

#include "agent/service.hpp"
#include "common/http_server.hpp"
#include "common/result.hpp"

namespace mmm::agent {

// Adds the routes to `server` and starts it; the answers are computed on the agent's io_context thread.
Result<void> start_agent_http(HttpServer& server, const AgentService& service);

}  // namespace mmm::agent
