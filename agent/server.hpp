// The agent's TCP server: one line in, one reply line out, for allowed monitors only.
#pragma once

#include <asio.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "agent/service.hpp"
#include "common/log.hpp"

namespace mmm::agent {

// Who may talk to the agent: exact addresses and/or networks (address + prefix).
struct AllowList {
    struct Net {
        asio::ip::address_v4 base;
        int prefix = 32;
    };
    std::vector<Net> nets;
    bool any = false;  // nothing known: accept everyone (logged at start-up)
    bool allows(const asio::ip::address& peer) const;
    std::string describe() const;
};

class AgentServer {
public:
    AgentServer(asio::io_context& io, AgentService& service, Logger& log, AllowList allow,
                std::chrono::milliseconds read_deadline = std::chrono::seconds(30));

    // Binds ip:port (SO_REUSEADDR) and starts accepting. Returns an error text on failure.
    Result<void> listen(const std::string& ip, std::uint16_t port);
    void close();

private:
    void accept();
    asio::io_context& io_;
    AgentService& service_;
    Logger& log_;
    AllowList allow_;
    std::chrono::milliseconds read_deadline_;
    asio::ip::tcp::acceptor acceptor_;
};

}  // namespace mmm::agent
