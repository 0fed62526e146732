// Unit tests of the writer lease and epochs on the agent (issue 10): the epoch rule, the state file's text, the
// lease arithmetic on an injected steady clock, refusals that change nothing, and the fence's actions.
#include <catch2/catch.hpp>

#include "agent/core/epoch.hpp"
#include "agent/core/reconcile.hpp"
#include "agent/core/request_handler.hpp"
#include "unit/agent/test_context.hpp"

using namespace mmm;
using namespace mmm::agent;
using std::chrono::milliseconds;

namespace {

Context db1_ctx() { return test_context("db1", HostMode::Master); }

// A manual steady clock: a fixed origin plus what the test lets pass.
const SteadyTime t0 = SteadyTime{} + std::chrono::hours(1000);
SteadyTime at(int ms) { return t0 + milliseconds(ms); }

constexpr const char* writer_line = "SET_STATUS|1|db1|ONLINE|reader(192.0.2.51),writer(192.0.2.50)|db1";

// Dispatches a line received at `ms` and applies it when accepted; returns the reply of a refusal.
std::optional<std::string> send(AgentState& s, const std::string& line, int ms, Peer peer = Peer::Connected) {
    const auto ctx = db1_ctx();
    auto d = dispatch_request(line, s, ctx, Received{at(ms), peer});
    if (d.reply) return d.reply;
    (void)apply_set_status(s, std::move(d.set_status), ctx);
    return std::nullopt;
}

}  // namespace

TEST_CASE("epoch rule: lower refused, equal and higher accepted, none accepted", "[agent][epoch]") {
    CHECK(check_epoch(std::nullopt, 0));
    CHECK(check_epoch(std::nullopt, 9));
    CHECK(check_epoch(0, 0));
    CHECK(check_epoch(5, 5));
    CHECK(check_epoch(6, 5));
    const auto stale = check_epoch(4, 5);
    REQUIRE_FALSE(stale);
    CHECK(stale.error().message == "ERROR: Stale epoch 4: this agent has accepted epoch 5");
}

TEST_CASE("epoch: a stale SET_STATUS changes nothing, the highest accepted is remembered", "[agent][epoch]") {
    const auto ctx = db1_ctx();
    AgentState s;
    CHECK_FALSE(send(s, std::string(writer_line) + "|epoch=5", 0));
    CHECK(s.epoch == 5);
    const auto before = s;
    CHECK(send(s, "SET_STATUS|1|db1|HARD_OFFLINE||db2|epoch=4", 10) ==
          std::string("ERROR: Stale epoch 4: this agent has accepted epoch 5"));
    CHECK(s.roles == before.roles);
    CHECK(s.state == "ONLINE");
    CHECK(s.epoch == 5);
    // Equal (a heartbeat), without (a mysql-mmm monitor), higher: accepted.
    CHECK_FALSE(send(s, std::string(writer_line) + "|epoch=5", 20));
    CHECK_FALSE(send(s, writer_line, 30));
    CHECK(s.epoch == 5);
    auto d = dispatch_request("SET_STATUS|1|db1|ONLINE|reader(192.0.2.51)|db2|epoch=6", s, ctx);
    REQUIRE_FALSE(d.reply);
    const auto logs = apply_set_status(s, std::move(d.set_status), ctx);
    CHECK(s.epoch == 6);
    CHECK(std::find(logs.begin(), logs.end(), LogLine{LogLevel::Info, "Accepted epoch 6 (highest before: 5)"}) !=
          logs.end());
    // A malformed field is refused before anything else, nothing applied.
    CHECK(send(s, "SET_STATUS|1|db1|ONLINE||db2|epoch=7|lease=0", 40) ==
          std::string("ERROR: Invalid lease '0' in SET_STATUS: expected milliseconds from 1 to 3600000"));
    CHECK(s.epoch == 6);
    CHECK(s.roles == std::vector<RoleIp>{{"reader", "192.0.2.51"}});
}

TEST_CASE("epoch: a restarted agent reads back the highest epoch from its state file", "[agent][epoch]") {
    CHECK(encode_epoch_file(42) == "epoch=42\n");
    CHECK(parse_epoch_file(encode_epoch_file(42)).value() == 42);
    CHECK(parse_epoch_file(encode_epoch_file(18446744073709551615ULL)).value() == 18446744073709551615ULL);
    CHECK(parse_epoch_file("epoch=7").value() == 7);
    for (const char* bad : {"", "\n", "epoch=", "epoch=-1", "epoch=7x\n", "7\n", "epoch=7\nepoch=8\n", " epoch=7",
                            "epoch=18446744073709551616"}) {
        INFO(bad);
        CHECK_FALSE(parse_epoch_file(bad));
    }
    CHECK(parse_epoch_file("junk").error().message == "expected one line 'epoch=<unsigned 64-bit integer>', found 'junk'");

    CHECK(epoch_file_path("", "/run/mysql-mmm/mmm_agentd.pid") == "/run/mysql-mmm/mmm_agentd.epoch");
    CHECK(epoch_file_path("", "/run/mmm_agentd-C1.pid") == "/run/mmm_agentd-C1.epoch");
    CHECK(epoch_file_path("", "/tmp/agent") == "/tmp/agent.epoch");
    CHECK(epoch_file_path("/var/lib/mysql-mmm/db1.epoch", "/run/x.pid") == "/var/lib/mysql-mmm/db1.epoch");

    // What the file gave is the rule's memory after a restart.
    AgentState restarted;
    restarted.epoch = *parse_epoch_file("epoch=9\n");
    CHECK(send(restarted, std::string(writer_line) + "|epoch=8", 0) ==
          std::string("ERROR: Stale epoch 8: this agent has accepted epoch 9"));
    CHECK_FALSE(restarted.received);
}

TEST_CASE("lease arithmetic: receipt + lease, renewals, expiry, none = forever", "[agent][lease]") {
    WriterLease l;
    CHECK_FALSE(l.running());
    CHECK(l.allows_writer(at(0)));
    l.on_set_status(WriterGrant::Given, milliseconds(1500), at(0));
    REQUIRE(l.running());
    CHECK(l.end() == at(1500));
    CHECK(l.allows_writer(at(1499)));
    CHECK(l.expired(at(1500)));
    // A renewal runs from its own receipt, also when it is shorter than the last one.
    l.on_set_status(WriterGrant::Given, milliseconds(1500), at(1000));
    CHECK(l.end() == at(2500));
    CHECK(l.renewed_at() == at(1000));
    l.on_set_status(WriterGrant::Given, milliseconds(100), at(1100));
    CHECK(l.end() == at(1200));
    CHECK(l.length() == milliseconds(100));
    // Without a lease field the role is held without end (mysql-mmm), whatever came before.
    l.on_set_status(WriterGrant::Given, std::nullopt, at(1150));
    CHECK_FALSE(l.running());
    CHECK(l.allows_writer(at(100000000)));
    // Not given: nothing to hold.
    l.on_set_status(WriterGrant::Given, milliseconds(500), at(2000));
    l.on_set_status(WriterGrant::NotGiven, milliseconds(500), at(2100));
    CHECK_FALSE(l.running());
}

TEST_CASE("lease: every accepted SET_STATUS with the writer role renews it, a refused one does not", "[agent][lease]") {
    const auto ctx = db1_ctx();
    AgentState s;
    CHECK_FALSE(send(s, std::string(writer_line) + "|epoch=3|lease=1500", 0));
    CHECK(s.writer_lease.end() == at(1500));
    CHECK_FALSE(send(s, std::string(writer_line) + "|lease=1500|epoch=3", 1000));
    CHECK(s.writer_lease.end() == at(2500));
    // The monitor gave up on this one (closed before the agent read it): refused whole, the lease is not extended.
    CHECK(send(s, std::string(writer_line) + "|epoch=4|lease=1500", 2000, Peer::Closed) ==
          std::string(reply_peer_closed));
    CHECK(s.writer_lease.end() == at(2500));
    CHECK(s.epoch == 3);
    // A stale one does not renew either.
    CHECK(send(s, std::string(writer_line) + "|epoch=2|lease=1500", 2100));
    CHECK(s.writer_lease.end() == at(2500));
    // Requests that change nothing are not affected by the closed connection.
    CHECK(dispatch_request("PING|1|db1", s, ctx, Received{at(2200), Peer::Closed}).reply == std::string("OK: Pinged!"));
    // Not expired yet: nothing happens.
    CHECK_FALSE(expire_writer_lease(s, at(2499), ctx));
    CHECK(s.holds("writer"));
}

TEST_CASE("lease expiry drops the writer role, logs why, and reconcile fences like a writer removal",
          "[agent][lease]") {
    const auto ctx = db1_ctx();
    AgentState s;
    CHECK_FALSE(send(s, std::string(writer_line) + "|epoch=1|lease=1500", 0));
    CHECK_FALSE(send(s, std::string(writer_line) + "|epoch=1|lease=1500", 700));
    const auto line = expire_writer_lease(s, at(2203), ctx);
    REQUIRE(line);
    CHECK(line->level == LogLevel::Fatal);
    CHECK(line->text == "Writer lease of 1500 ms expired: no renewal from the monitor for 1503 ms; fencing this host "
                        "(deny writes, then remove writer(192.0.2.50))");
    CHECK(s.roles == std::vector<RoleIp>{{"reader", "192.0.2.51"}});  // readers are not leased
    CHECK_FALSE(s.writer_lease.running());
    CHECK_FALSE(expire_writer_lease(s, at(5000), ctx));  // logged once
    CHECK(dispatch_request("GET_AGENT_STATUS|1|db1", s, ctx).reply ==
          std::string("OK: Returning status!|ONLINE|reader(192.0.2.51)|"));

    // The host is still the writer: deny writes first, then the writer IP goes (the order of any writer removal).
    Observed writer;
    writer.ips = {"192.0.2.50", "192.0.2.51"};
    writer.read_only = false;
    const auto actions = reconcile(s, writer, ctx);
    REQUIRE(actions.size() == 2);
    CHECK(actions[0].kind == ActionKind::DenyWrites);
    CHECK(actions[1].kind == ActionKind::RemoveIp);
    CHECK(actions[1].ip == "192.0.2.50");
    // Fenced: nothing more to do.
    Observed fenced;
    fenced.ips = {"192.0.2.51"};
    fenced.read_only = true;
    CHECK(reconcile(s, fenced, ctx).empty());

    // The next renewal gives the role back through the normal path: catch up, allow writes, IP, announce.
    CHECK_FALSE(send(s, std::string(writer_line) + "|epoch=1|lease=1500", 6000));
    CHECK(s.writer_lease.end() == at(7500));
    const auto back = reconcile(s, fenced, ctx);
    REQUIRE(back.size() == 4);
    CHECK(back[0].kind == ActionKind::CatchUp);
    CHECK(back[1].kind == ActionKind::AllowWrites);
    CHECK(back[2].kind == ActionKind::AddIp);
    CHECK(back[3].kind == ActionKind::Announce);
}

TEST_CASE("lease: no lease field holds the writer role forever, a lost role needs no fence", "[agent][lease]") {
    const auto ctx = db1_ctx();
    AgentState s;
    CHECK_FALSE(send(s, writer_line, 0));
    CHECK_FALSE(expire_writer_lease(s, at(100000000), ctx));
    CHECK(s.holds("writer"));
    // Leased, then the role goes another way before the end (e.g. given up on a dead link): no FATAL, lease gone.
    CHECK_FALSE(send(s, std::string(writer_line) + "|lease=1000", 0));
    s.roles.clear();
    CHECK_FALSE(expire_writer_lease(s, at(2000), ctx));
    CHECK_FALSE(s.writer_lease.running());
}

TEST_CASE("unknown trailing fields are handed to the shell to warn about, and ignored", "[agent][lease]") {
    AgentState s;
    const auto d = dispatch_request(std::string(writer_line) + "|x-fence=1|epoch=2|y=", s, db1_ctx());
    REQUIRE_FALSE(d.reply);
    CHECK(d.unknown_fields == std::vector<std::string>{"x-fence", "y"});
    CHECK(d.set_status.epoch == 2u);
}
