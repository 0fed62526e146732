// Unit tests of the pure helpers of the agent's shell: server flavour detection, the allowed-monitor list.
#include <catch2/catch.hpp>

#include "agent/daemon.hpp"
#include "agent/db/db_session.hpp"
#include "agent/server.hpp"

using namespace mmm;
using namespace mmm::agent;

TEST_CASE("server flavour picks the statements", "[agent][db]") {
    const auto maria = parse_server_flavor("10.11.6-MariaDB-0+deb12u1-log");
    CHECK(maria.mariadb);
    CHECK(maria.major == 10);
    CHECK(maria.minor == 11);
    CHECK(maria.show_replica_status() == "SHOW SLAVE STATUS");
    CHECK(maria.show_binlog_status() == "SHOW MASTER STATUS");
    CHECK(maria.start_replica() == "START SLAVE");
    CHECK_FALSE(maria.source_pos_wait());
    CHECK(parse_server_flavor("5.5.5-10.3.39-MariaDB").major == 10);

    const auto old_mysql = parse_server_flavor("5.7.44-log");
    CHECK_FALSE(old_mysql.mariadb);
    CHECK(old_mysql.stop_replica() == "STOP SLAVE");
    CHECK_FALSE(old_mysql.source_keywords());

    const auto m8021 = parse_server_flavor("8.0.21");
    CHECK(m8021.show_replica_status() == "SHOW SLAVE STATUS");
    const auto m8022 = parse_server_flavor("8.0.22");
    CHECK(m8022.show_replica_status() == "SHOW REPLICA STATUS");
    CHECK(m8022.start_replica() == "START REPLICA");
    CHECK_FALSE(m8022.source_keywords());
    CHECK(parse_server_flavor("8.0.23").source_keywords());
    CHECK_FALSE(parse_server_flavor("8.0.25").source_pos_wait());
    CHECK(parse_server_flavor("8.0.26").source_pos_wait());
    CHECK(parse_server_flavor("8.0.40").show_binlog_status() == "SHOW MASTER STATUS");
    const auto m84 = parse_server_flavor("8.4.3");
    CHECK(m84.show_binlog_status() == "SHOW BINARY LOG STATUS");
    CHECK(m84.stop_replica() == "STOP REPLICA");
}

TEST_CASE("row fields by the first present name", "[agent][db]") {
    const Row r{{"Source_Host", std::string("192.0.2.11")}, {"Master_Log_File", std::nullopt}};
    CHECK(field(r, {"Master_Host", "Source_Host"}) == "192.0.2.11");
    CHECK(field(r, {"Master_Log_File"}).empty());
    CHECK(field(r, {"Nope"}).empty());
}

TEST_CASE("allowed monitors: configured list, else monitor.ip, else TLS or loopback, else an error",
          "[agent][server]") {
    Config c;
    std::string why;
    c.agent.allowed_monitors = {"192.0.2.10", "198.18.0.0/15"};
    auto list = make_allow_list(c, "192.0.2.11", why);
    REQUIRE(list);
    CHECK(why == "agent.allowed_monitors");
    CHECK(list->allows(asio::ip::make_address("192.0.2.10")));
    CHECK(list->allows(asio::ip::make_address("198.19.1.2")));
    CHECK_FALSE(list->allows(asio::ip::make_address("192.0.2.100")));
    CHECK(list->allows(asio::ip::make_address("::ffff:192.0.2.10")));
    CHECK_FALSE(list->allows(asio::ip::make_address("::1")));
    CHECK(list->describe() == "192.0.2.10, 198.18.0.0/15");

    c.agent.allowed_monitors.clear();
    c.monitor.ip = "192.0.2.10";
    list = make_allow_list(c, "192.0.2.11", why);
    REQUIRE(list);
    CHECK(why == "monitor.ip");
    CHECK(list->allows(asio::ip::make_address("192.0.2.10")));
    CHECK_FALSE(list->allows(asio::ip::make_address("192.0.2.12")));

    // Plaintext, loopback monitor.ip, a network listen address: nothing says who may command: refused (it used to
    // accept the whole cluster network, or anyone).
    c.monitor.ip = "127.0.0.1";
    list = make_allow_list(c, "192.0.2.11", why);
    REQUIRE_FALSE(list);
    CHECK(list.error().message.find("agent.allowed_monitors is required") != std::string::npos);

    list = make_allow_list(c, "127.0.0.1", why);
    REQUIRE(list);
    CHECK(list->allows(asio::ip::make_address("127.0.0.5")));
    CHECK_FALSE(list->allows(asio::ip::make_address("192.0.2.10")));

    c.socket.type = SocketType::Tls;
    list = make_allow_list(c, "192.0.2.11", why);
    REQUIRE(list);
    CHECK(list->any);
    CHECK(why == "socket.type tls: the monitor's certificate decides");
}

TEST_CASE("the monitor's certificate names monitor.ip or one allowed monitor address", "[agent][server]") {
    Config c;
    c.monitor.ip = "127.0.0.1";
    c.agent.allowed_monitors = {"192.0.2.10", "198.18.0.0/15", "127.0.0.1"};
    CHECK(monitor_identities(c) == std::vector<std::string>{"127.0.0.1", "192.0.2.10"});
}

TEST_CASE("session caps: in total and per source, a slot is given back with its session", "[agent][server]") {
    SessionLimits limits(3, 2);
    std::string why;
    auto a1 = limits.take("192.0.2.10", why);
    auto a2 = limits.take("192.0.2.10", why);
    REQUIRE(a1);
    REQUIRE(a2);
    CHECK_FALSE(limits.take("192.0.2.10", why));
    CHECK(why == "2 sessions open from this address, the most it may have");
    auto b1 = limits.take("192.0.2.20", why);
    REQUIRE(b1);
    CHECK_FALSE(limits.take("192.0.2.30", why));
    CHECK(why == "3 sessions open, the most served at once");
    a1.reset();
    CHECK(limits.open() == 2);
    CHECK(limits.take("192.0.2.10", why));  // the slot taken here is released at once (not kept)
    CHECK(limits.open() == 2);
}
