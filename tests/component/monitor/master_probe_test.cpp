// The master-master sanity check's questions to the servers: a dead or silent server is a skip with mysql-mmm's
// WARN text, by the deadline, never a crash (mysql-mmm's monitor died there).
#include <catch2/catch.hpp>

#include <asio/co_spawn.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include "component/monitor/test_support.hpp"
#include "monitor/checks/master_probe.hpp"

using namespace mmm;
using namespace mmm::monitor;
using namespace std::chrono_literals;

using mmm::monitor::test::closed_port;

namespace {
HostConfig master(const std::string& name, std::uint16_t port) {
    HostConfig h;
    h.name = name;
    h.ip = "127.0.0.1";
    h.mysql_port = port;
    h.monitor_user = "mon";
    h.monitor_password = "pw";
    return h;
}

}  // namespace

TEST_CASE("master-master check: a silent and a dead master are skipped with a WARN by the deadline",
          "[component][sanity]") {
    using namespace asio::experimental::awaitable_operators;
    asio::io_context io;
    asio::ip::tcp::acceptor silent(io, {asio::ip::make_address("127.0.0.1"), 0});  // accepts, never greets
    std::vector<asio::ip::tcp::socket> held;
    silent.async_accept([&](asio::error_code ec, asio::ip::tcp::socket s) {
        if (!ec) held.push_back(std::move(s));
    });
    const auto db1 = master("db1", silent.local_endpoint().port());
    const auto db2 = master("db2", closed_port(io));
    MasterObservation seen1{"db1", db1.ip, true, {}, {}, {}, {}};
    MasterObservation seen2{"db2", db2.ip, true, {}, {}, {}, {}};

    const auto t0 = std::chrono::steady_clock::now();
    std::optional<std::tuple<MasterObservation, MasterObservation>> both;
    asio::co_spawn(io, observe_master(db1, seen1, t0 + 400ms, 400ms) && observe_master(db2, seen2, t0 + 400ms, 400ms),
                   [&](std::exception_ptr e, std::tuple<MasterObservation, MasterObservation> r) {
                       if (e) std::rethrow_exception(e);
                       both = std::move(r);
                   });
    mmm::monitor::test::run_until(io, [&] { return both.has_value(); }, 5s);
    REQUIRE(both);
    const auto took = std::chrono::steady_clock::now() - t0;
    CHECK(took >= 390ms);
    CHECK(took < 1500ms);

    const auto& [got1, got2] = *both;
    REQUIRE(got1.failure);
    CHECK(*got1.failure == "Timeout: no answer from MySQL server on '127.0.0.1' within 0.4 s");
    REQUIRE(got2.failure);
    CHECK(got2.failure->starts_with("200"));  // "<errno> <connector's text>", as mysql-mmm glued them
    CHECK(got2.failure->find("Can't connect") != std::string::npos);
    const auto warnings = master_master_warnings({got1, got2});
    REQUIRE(warnings.size() == 2);
    CHECK(warnings[0].finding == SanityFinding::Skipped);
    CHECK(warnings[0].text == "Couldn't connect to  'db1'. Skipping check of master-master replication.Timeout: no "
                              "answer from MySQL server on '127.0.0.1' within 0.4 s");
    CHECK(warnings[1].text == "Couldn't connect to  'db2'. Skipping check of master-master replication." + *got2.failure);
}
