// Component tests of SET_STATUS on the agent: giving and taking the writer role (healthy and hung server) and
// refusing a stale epoch, through the real AgentService and Executor on fake adapters.
#include <catch2/catch.hpp>

#include "agent_harness.hpp"

using namespace mmm;
using namespace mmm::agent;
using namespace mmm::agent::test;

TEST_CASE("giving the writer role to a read-only host: catch up, allow writes, add the IP, announce it",
          "[agent][component]") {
    AgentHarness h({{reader_ip}, true});
    CHECK(h.request(AgentHarness::set_status(writer_and_reader)) == "OK: Status applied successfully!");
    CHECK(h.journal.changes() ==
          std::vector<std::string>{"db.catch_up", "db.allow_writes", "net.add 192.0.2.50", "net.announce 192.0.2.50"});
    REQUIRE(h.db().last_peer());
    CHECK(h.db().last_peer()->name == "db2");  // the other master must be read-only first
    CHECK_FALSE(h.db().read_only());
    CHECK(h.net().has(writer_ip));
    CHECK(h.net().has(reader_ip));
    CHECK(h.log_text().find("Writer role taken: writable ") != std::string::npos);

    // The same request again: already so, nothing to do.
    const auto before = h.journal.changes().size();
    CHECK(h.request(AgentHarness::set_status(writer_and_reader)) == "OK: Status applied successfully!");
    CHECK(h.journal.changes().size() == before);
}

TEST_CASE("taking the writer role from a healthy writer: deny writes, then remove its IP, readers stay",
          "[agent][component]") {
    AgentHarness h({{writer_ip, reader_ip}, false});
    CHECK(h.request(AgentHarness::set_status(writer_and_reader)) == "OK: Status applied successfully!");
    CHECK(h.journal.changes().empty());  // the steady state of the active master

    CHECK(h.request(AgentHarness::set_status(reader_only)) == "OK: Status applied successfully!");
    CHECK(h.journal.changes() == std::vector<std::string>{"db.deny_writes", "net.remove 192.0.2.50"});
    CHECK(h.db().read_only());
    CHECK_FALSE(h.net().has(writer_ip));
    CHECK(h.net().has(reader_ip));
}

TEST_CASE("taking the writer role from a hung writer: its IP goes first, writes are denied once it answers",
          "[agent][component]") {
    AgentHarness h({{writer_ip, reader_ip}, false, Duration{100}});
    CHECK(h.request(AgentHarness::set_status(writer_and_reader)) == "OK: Status applied successfully!");

    // A server that does not answer: every call fails after the greeting deadline (as MysqlAdmin's 300 ms).
    const std::string lost = "Lost connection to server at 'handshake: reading initial communication packet'";
    h.db().script("state", {Duration{300}, false, lost});
    h.db().script("deny_writes", {Duration{300}, false, lost});
    const auto reply = h.request(AgentHarness::set_status(reader_only));
    const bool names_deny = reply.starts_with("ERROR: DenyWrites") && reply.find(lost) != std::string::npos;
    INFO(reply);
    CHECK((names_deny || reply == "OK: Status accepted; still applying it"));
    run_until(h.io, [&] { return h.journal.count("db.deny_writes") == 1; });
    const auto hung = h.journal.changes();
    REQUIRE(hung.size() == 2);
    CHECK(hung == std::vector<std::string>{"net.remove 192.0.2.50", "db.deny_writes"});  // the IP first
    CHECK_FALSE(h.net().has(writer_ip));
    CHECK(h.net().has(reader_ip));
    CHECK_FALSE(h.db().read_only());  // nothing reached the server

    // The server answers again: the next re-check pass denies writes; the reader IP stays.
    h.db().unscript("state");
    h.db().unscript("deny_writes");
    h.service().start();
    run_until(h.io, [&] { return h.db().read_only(); });
    CHECK(h.db().read_only());
    const auto after = h.journal.changes();
    REQUIRE(after.size() == 3);
    CHECK(after.back() == "db.deny_writes");
    CHECK(h.net().has(reader_ip));
    const std::string denied = "Re-check: Denied writes (server is writable without the writer role)";
    run_until(h.io, [&] { return h.log_text().find(denied) != std::string::npos; });
    CHECK(h.log_text().find(denied) != std::string::npos);
    CHECK(h.log_text().find("works again") != std::string::npos);  // the deny-write failure cleared
}

TEST_CASE("a stale epoch is refused and changes nothing", "[agent][component]") {
    AgentHarness h({{reader_ip}, true});
    CHECK(h.request(AgentHarness::set_status(writer_and_reader, "|epoch=5")) == "OK: Status applied successfully!");
    CHECK(h.service().state().epoch == 5);
    const auto calls = h.journal.size();

    CHECK(h.request(AgentHarness::set_status(reader_only, "|epoch=4")) ==
          "ERROR: Stale epoch 4: this agent has accepted epoch 5");
    run_for(h.io, std::chrono::milliseconds(100));  // a pass it started would have reached the fakes by now
    CHECK(h.journal.size() == calls);  // not even a look at the host
    CHECK(h.service().state().epoch == 5);
    CHECK(h.service().state().holds("writer"));
    CHECK(h.net().has(writer_ip));
    CHECK_FALSE(h.db().read_only());
    CHECK(h.log_text().find("Refused SET_STATUS: Stale epoch 4") != std::string::npos);

    // The same epoch is accepted (every heartbeat repeats it).
    CHECK(h.request(AgentHarness::set_status(writer_and_reader, "|epoch=5")) == "OK: Status applied successfully!");
}

TEST_CASE("GET_SYSTEM_STATUS and CHECK_MASTER read the host through the adapters", "[agent][component]") {
    AgentHarness h({{writer_ip, reader_ip}, false});
    CHECK(h.request("GET_SYSTEM_STATUS|1|db1") == "OK: Returning status!|1|writer(192.0.2.50),reader(192.0.2.51)|");
    CHECK(h.request("CHECK_MASTER|1|db1|db2") == "OK: reachable: connect+SELECT 1 in 3 ms; no replication");
    CHECK(h.journal.count("db.select_one db2") == 1);

    h.db().script("state", {Duration{0}, false, "Can't connect"});
    CHECK(h.request("GET_SYSTEM_STATUS|1|db1") == "ERROR: Could not check if MySQL is writable: Can't connect");
    CHECK(h.journal.changes().empty());
}

TEST_CASE("queued GET_SYSTEM_STATUS on a slow server never delay a SET_STATUS, they share one query, bounded",
          "[agent][component]") {
    AgentHarness h({{writer_ip, reader_ip}, false});
    CHECK(h.request(AgentHarness::set_status(writer_and_reader)) == "OK: Status applied successfully!");
    // Every read of the server takes 300 ms and fails, as a server that does not answer its greeting.
    const std::string lost = "Lost connection to server at 'handshake: reading initial communication packet'";
    h.db().script("state", {Duration{300}, false, lost});
    h.db().script("deny_writes", {Duration{300}, false, lost});
    const auto states_before = h.journal.count("db.state");
    std::vector<std::shared_ptr<std::optional<std::string>>> statuses;
    for (int i = 0; i < 60; ++i) statuses.push_back(h.send("GET_SYSTEM_STATUS|1|db1"));
    // The SET_STATUS's pass has threads of its own: the writer IP goes within a pass (it used to wait behind the 60
    // queries on the shared threads, 60 x 300 ms / 3 threads = 6 s).
    const auto sent = SteadyClock::now();
    const auto set = h.send(AgentHarness::set_status(reader_only));
    run_until(h.io, [&] { return !h.net().has(writer_ip); }, std::chrono::seconds(5));
    const auto took = SteadyClock::now() - sent;
    CHECK_FALSE(h.net().has(writer_ip));
    CHECK(took < std::chrono::seconds(2));  // a generous bound: one pass is about 300 ms here
    run_until(h.io, [&] {
        return set->has_value() && std::all_of(statuses.begin(), statuses.end(), [](auto& s) { return s->has_value(); });
    });
    // The request that started the query and 15 more share its answer; the other 44 are refused at once.
    std::size_t answered = 0, refused = 0;
    for (const auto& s : statuses) {
        REQUIRE(s->has_value());
        if (s->value() == "ERROR: Could not check if MySQL is writable: " + lost) ++answered;
        else if (s->value() == "ERROR: 16 requests already wait for this query; try again later") ++refused;
    }
    CHECK(answered == 16);
    CHECK(refused == 44);
    // One server read for the 60 requests (the passes read it too).
    CHECK(h.journal.count("db.state") - states_before <= 4);
    h.db().release_all();
}
