// One call to an agent (spec §7.1): connect, write one request line, read one reply line, each under a deadline.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <asio/awaitable.hpp>

#include "common/protocol/agent_protocol.hpp"
#include "common/tls.hpp"
#include "monitor/checks/prober.hpp"

namespace mmm::monitor {

struct AgentAnswer {
    enum class Status {
        Answered,     // a reply line arrived (reply holds it; reply.uptime empty = a "bad answer")
        Unreachable,  // connect failed or timed out
        NoAnswer,     // connected, but no reply line by the deadline (or the agent closed the connection)
    };
    Status status = Status::Unreachable;
    protocol::AgentReply reply;
    std::string error;  // why there is no answer ("Connection refused", "timeout after 2 s", ...)
    bool answered() const { return status == Status::Answered; }
};

// socket.type tls: the context (our certificate, the CA) and the names the agent's certificate may carry (its host
// name and address).
struct AgentTls {
    tls::ContextPtr context;
    std::vector<std::string> names;
};

// Each call uses its own connection, so calls to different agents never wait for each other. `request` is a
// complete line from the protocol codec (ends in "\n"). `connect_by` (default: the deadline) ends the attempt to
// connect earlier: a connection not made by then is given up, so the request can no longer reach the agent later (a
// writer lease renewal whose SYN is lost must not renew the lease after the monitor counted it as not sent). With
// `tls`, the handshake belongs to connecting (a failed or late handshake: Unreachable, nothing was sent).
asio::awaitable<AgentAnswer> call_agent(std::string ip, std::uint16_t port, std::string request, SteadyTime deadline,
                                        std::optional<SteadyTime> connect_by = std::nullopt,
                                        std::optional<AgentTls> tls = std::nullopt);

}  // namespace mmm::monitor
