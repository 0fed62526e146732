// The agent's port with TLS and no allow list (socket.type tls, no agent.allowed_monitors): peers that connect and
// never finish a handshake cannot keep the monitor out (the monitor's own call over loopback, real handshakes).
#include <catch2/catch.hpp>

#include <asio/co_spawn.hpp>

#include <optional>
#include <string>

#include "agent/server.hpp"
#include "common/protocol/agent_protocol.hpp"
#include "common/tls.hpp"
#include "component/agent/agent_harness.hpp"
#include "component/run_until.hpp"
#include "component/tls/half_open.hpp"
#include "component/tls/pki.hpp"
#include "monitor/agent_client.hpp"

using namespace mmm;
using namespace std::chrono_literals;

TEST_CASE("agent port with TLS: connections that never finish a handshake cannot keep the monitor out", "[tls]") {
    test::Pki pki;
    pki.issue("monitor", "IP:127.0.0.1");
    pki.issue("db1", "DNS:db1,IP:127.0.0.1");
    agent::test::AgentHarness host(agent::test::HostStart{});
    auto server_context = tls::make_context(test::socket_of(pki, "db1"), tls::Side::Server);
    REQUIRE(server_context);
    agent::AllowList anyone;
    anyone.any = true;
    agent::AgentServer server(host.io, host.service(), host.log(), anyone,
                              agent::ServerTls{*server_context, {"127.0.0.1"}});
    REQUIRE(server.listen("127.0.0.1", 0));

    // 16 from each of 4 addresses: as many as the session caps allow (64, 16 per address), all waiting for a
    // handshake that never comes (the agent gives each up after 5 s).
    test::HalfOpen flood(host.io, server.port(), {"127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"}, 16);
    REQUIRE(flood.connected() == 64);

    // The monitor's PING, through its own client, connected after all of them.
    auto client_context = tls::make_context(test::socket_of(pki, "monitor"), tls::Side::Client);
    REQUIRE(client_context);
    std::optional<monitor::AgentAnswer> answer;
    asio::co_spawn(host.io,
                   monitor::call_agent("127.0.0.1", server.port(),
                                       protocol::encode_request(protocol::AgentCommand::Ping, "db1"),
                                       std::chrono::steady_clock::now() + 3s, std::nullopt,
                                       monitor::AgentTls{*client_context, {"db1", "127.0.0.1"}}),
                   [&](std::exception_ptr, monitor::AgentAnswer a) { answer = std::move(a); });
    test::run_until(host.io, [&] { return answer.has_value(); }, 5s);
    const auto log = host.log_text();
    CAPTURE(log);
    REQUIRE(answer);
    CAPTURE(answer->error);
    CHECK(answer->answered());
    CHECK(answer->reply.result == "OK: Pinged!");
    // Of the 64, only as many as may wait for a handshake are still held; the others were refused or closed.
    CHECK(flood.held_by_server() <= agent::AgentServer::max_handshakes);
    CHECK(log.find("WARN Denied connection from 127.0.0.2: 4 TLS handshakes pending from this address, the most it "
                   "may have") != std::string::npos);
}
