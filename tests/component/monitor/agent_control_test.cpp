// Component tests of the agent client and the control server: real sockets on 127.0.0.1, fake peers.
#include <catch2/catch.hpp>

#include <deque>
#include <functional>
#include <thread>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/read_until.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>

#include "component/monitor/test_support.hpp"
#include "monitor/agent_client.hpp"
#include "monitor/control_server.hpp"

using namespace mmm;
using namespace mmm::monitor;
using namespace std::chrono_literals;
using mmm::monitor::test::converse;
using mmm::monitor::test::FakeAgent;
using mmm::monitor::test::run_until;

TEST_CASE("agent calls run in parallel: a silent agent never delays another", "[component][agent_client]") {
    asio::io_context io;
    FakeAgent silent(io, "OK|UP:1\n", 1h);
    FakeAgent quick(io, "OK: Status applied successfully!|UP:864523.17\n", 0ms);
    std::optional<AgentAnswer> slow_answer, quick_answer;
    std::chrono::steady_clock::time_point quick_at, slow_at;
    const auto t0 = std::chrono::steady_clock::now();
    const auto line = protocol::encode_set_status("db1", "ONLINE", {{"writer", "192.0.2.50"}}, "db1");
    asio::co_spawn(io, call_agent("127.0.0.1", silent.port(), line, t0 + 500ms), [&](std::exception_ptr, AgentAnswer a) {
        slow_answer = a;
        slow_at = std::chrono::steady_clock::now();
    });
    asio::co_spawn(io, call_agent("127.0.0.1", quick.port(), line, t0 + 500ms), [&](std::exception_ptr, AgentAnswer a) {
        quick_answer = a;
        quick_at = std::chrono::steady_clock::now();
    });
    run_until(io, [&] { return slow_answer && quick_answer; });
    REQUIRE(quick_answer);
    REQUIRE(slow_answer);
    CHECK(quick_answer->answered());
    CHECK(quick_answer->reply.result == "OK: Status applied successfully!");
    REQUIRE(quick_answer->reply.uptime);
    CHECK(*quick_answer->reply.uptime == Approx(864523.17));
    CHECK(quick_at - t0 < 300ms);
    CHECK(slow_answer->status == AgentAnswer::Status::NoAnswer);
    CHECK(slow_at - t0 >= 490ms);
    CHECK(slow_at - t0 < 1500ms);
    REQUIRE(quick.received.size() == 1);
    CHECK(quick.received[0] == "SET_STATUS|1|db1|ONLINE|writer(192.0.2.50)|db1\n");
}

TEST_CASE("an agent that is not listening is unreachable at once", "[component][agent_client]") {
    asio::io_context io;
    std::uint16_t port = 0;
    {
        asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
        port = a.local_endpoint().port();
    }
    std::optional<AgentAnswer> answer;
    const auto t0 = std::chrono::steady_clock::now();
    asio::co_spawn(io, call_agent("127.0.0.1", port, "PING|1|db1\n", t0 + 2s),
                   [&](std::exception_ptr, AgentAnswer a) { answer = a; });
    run_until(io, [&] { return answer.has_value(); });
    REQUIRE(answer);
    CHECK(answer->status == AgentAnswer::Status::Unreachable);
    CHECK(std::chrono::steady_clock::now() - t0 < 1s);
}

TEST_CASE("control server: commands are queued to the model and answered after it applied them",
          "[component][control_server]") {
    asio::io_context io;
    // The "model": applies queued commands one at a time on a timer, like the service does.
    std::deque<std::pair<std::string, ControlServer::Respond>> queue;
    std::vector<std::string> applied;
    asio::steady_timer tick(io);
    std::function<void()> arm = [&] {
        tick.expires_after(20ms);
        tick.async_wait([&](asio::error_code ec) {
            if (ec) return;
            while (!queue.empty()) {
                applied.push_back(queue.front().first);
                queue.front().second("OK: " + queue.front().first + " applied");
                queue.pop_front();
            }
            arm();
        });
    };
    arm();
    ControlServer server(io, [&](std::string line, ControlPeer, ControlServer::Respond respond) {
        queue.emplace_back(std::move(line), std::move(respond));
    });
    REQUIRE(server.listen("127.0.0.1", 0));
    std::string reply;
    std::thread client([&] { reply = converse(server.port(), "set_online db3\r\n\nmode\nquit\nping\n"); });
    run_until(io, [&] { return applied.size() >= 2 && !reply.empty(); });
    client.join();
    CHECK(applied == std::vector<std::string>{"set_online db3", "mode"});
    CHECK(reply == "OK: set_online db3 appliedOK: mode applied");

    // A client that disconnects before its reply does no harm.
    std::thread gone([&] {
        asio::io_context cio;
        asio::ip::tcp::socket s(cio);
        s.connect({asio::ip::make_address("127.0.0.1"), server.port()});
        asio::write(s, asio::buffer(std::string("show\n")));
    });
    gone.join();
    run_until(io, [&] { return applied.size() >= 3; });
    CHECK(applied.back() == "show");
    server.stop();
}

TEST_CASE("control server refuses an address it cannot bind", "[component][control_server]") {
    asio::io_context io;
    ControlServer server(io, [](std::string, ControlPeer, ControlServer::Respond) {});
    auto r = server.listen("not-an-ip", 9988);
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "invalid monitor.ip 'not-an-ip'");
}
