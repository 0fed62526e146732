// Unit tests of binlog salvage's decisions: binlog file heads, the first file needed, the report, when the agent
// plans a salvage (reconcile) and what it remembers from SET_STATUS.
#include <catch2/catch.hpp>

#include "agent/core/reconcile.hpp"
#include "agent/core/salvage.hpp"
#include "agent/core/set_status.hpp"
#include "unit/agent/test_context.hpp"

using namespace mmm;
using namespace mmm::agent;

namespace {

void put(std::string& out, std::uint64_t v, int width) {
    for (int i = 0; i < width; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// One binlog event: the 19-byte header, the body, 4 checksum bytes.
std::string event(unsigned char type, const std::string& body) {
    std::string e;
    put(e, 1767225600, 4);
    e.push_back(static_cast<char>(type));
    put(e, 1, 4);
    put(e, 19 + body.size() + 4, 4);
    put(e, 0, 4);
    put(e, 0, 2);
    e += body;
    put(e, 0xdeadbeef, 4);
    return e;
}

std::string gtid_list_body(const std::vector<Gtid>& gtids, std::string padding = {}) {
    std::string b;
    put(b, gtids.size(), 4);
    for (const auto& g : gtids) {
        put(b, g.domain, 4);
        put(b, g.server, 4);
        put(b, g.seq, 8);
    }
    return b + padding;
}

std::string binlog_head(const std::vector<Gtid>& start, std::string padding = {}) {
    return std::string("\xfe" "bin", 4) + event(15, std::string(100, '\x04')) + event(163, gtid_list_body(start, padding)) +
           event(161, "mysql-bin.000001");
}

GtidList gl(const char* text) { return *GtidList::parse(text); }

}  // namespace

TEST_CASE("a binlog file's start state is its Gtid_list event", "[agent][salvage]") {
    auto s = binlog_start_state(binlog_head({{0, 1, 4}, {0, 2, 900}, {7, 3, 12}}));
    REQUIRE(s);
    CHECK(s->to_string() == "0-1-4,0-2-900,7-3-12");
    // The very first file of a server has an empty list (and, measured on 10.11, two more bytes before the checksum).
    auto empty = binlog_start_state(binlog_head({}, std::string(2, '\0')));
    REQUIRE(empty);
    CHECK(empty->empty());
}

TEST_CASE("heads that are no MariaDB binlog are refused, not guessed", "[agent][salvage]") {
    CHECK_FALSE(binlog_start_state(""));
    CHECK_FALSE(binlog_start_state("not a binlog at all"));
    const auto good = binlog_head({{0, 1, 4}});
    CHECK_FALSE(binlog_start_state(good.substr(0, 40)));  // cut inside the format event
    const std::string no_list = std::string("\xfe" "bin", 4) + event(15, std::string(100, '\x04')) + event(162, "x");
    CHECK_FALSE(binlog_start_state(no_list.substr(0, no_list.size())));
    const std::string encrypted = std::string("\xfe" "bin", 4) + event(15, std::string(100, '\x04')) + event(164, "k");
    auto e = binlog_start_state(encrypted);
    REQUIRE_FALSE(e);
    CHECK(e.error().message == "binary log is encrypted");
    // A count larger than the event.
    std::string body = gtid_list_body({{0, 1, 4}});
    body[0] = 9;
    CHECK_FALSE(binlog_start_state(std::string("\xfe" "bin", 4) + event(15, std::string(100, '\x04')) + event(163, body)));
}

TEST_CASE("the salvage reads from the last file that starts at or before what the new writer has",
          "[agent][salvage]") {
    // Files start at: nothing, 0-1-100, 0-1-250 (with an old 0-2 entry: the host was once a replica of db2).
    const std::vector<GtidList> starts{gl(""), gl("0-1-100"), gl("0-1-250,0-2-40")};
    CHECK(*first_binlog_needed(starts, gl("0-1-99")) == 0);
    CHECK(*first_binlog_needed(starts, gl("0-1-100")) == 1);
    CHECK(*first_binlog_needed(starts, gl("0-1-249")) == 1);
    CHECK(*first_binlog_needed(starts, gl("0-1-250")) == 2);
    CHECK(*first_binlog_needed(starts, gl("0-1-6000")) == 2);
    // A domain the new writer has nothing of: every file that holds it is needed.
    CHECK(*first_binlog_needed({gl(""), gl("0-1-100,5-1-3")}, gl("0-1-500")) == 0);
    // Purged: the oldest file starts after the new writer's position.
    auto purged = first_binlog_needed({gl("0-1-100"), gl("0-1-250")}, gl("0-1-50"));
    REQUIRE_FALSE(purged);
    CHECK(purged.error().message.find("purged") != std::string::npos);
    CHECK_FALSE(first_binlog_needed({}, gl("0-1-50")));
}

TEST_CASE("the salvage report counts the transactions per domain", "[agent][salvage]") {
    auto c = salvaged(gl("0-1-4"), gl("0-1-6021"));
    CHECK(c.transactions == 6017);
    CHECK(c.range == "after 0-1-4 up to 0-1-6021");
    CHECK(salvaged(gl("0-1-4,1-1-10"), gl("0-1-4,1-1-12")).transactions == 2);
    CHECK(salvaged(gl(""), gl("0-1-3")).range == "up to 0-1-3");
    CHECK(salvaged(gl("0-1-9"), gl("0-1-9")).transactions == 0);
}

TEST_CASE("losing the writer role to another host is remembered for a salvage, on a master only", "[agent][salvage]") {
    auto ctx = test_context("db1", HostMode::Master);
    AgentState s;
    apply_set_status(s, {"ONLINE", {{"writer", "192.0.2.50"}}, "db1"}, ctx);
    CHECK(s.salvage_to.empty());
    apply_set_status(s, {"HARD_OFFLINE", {}, "db2"}, ctx);
    CHECK(s.salvage_to == "db2");
    apply_set_status(s, {"HARD_OFFLINE", {}, "db2"}, ctx);  // a heartbeat: still the same
    CHECK(s.salvage_to == "db2");
    apply_set_status(s, {"ONLINE", {{"writer", "192.0.2.50"}}, "db1"}, ctx);  // the role came back
    CHECK(s.salvage_to.empty());
    // The fencing status of a failed writer names no active master yet: the peer takes the role over.
    ctx.peer = "db2";
    apply_set_status(s, {"HARD_OFFLINE", {}, ""}, ctx);
    CHECK(s.salvage_to == "db2");
    apply_set_status(s, {"ONLINE", {{"writer", "192.0.2.50"}}, "db1"}, ctx);
    ctx.peer.clear();  // no peer configured, no master named: nobody to give the tail to
    apply_set_status(s, {"HARD_OFFLINE", {}, ""}, ctx);
    CHECK(s.salvage_to.empty());

    auto slave_ctx = test_context("db3", HostMode::Slave);
    AgentState r;
    apply_set_status(r, {"ONLINE", {{"reader", "192.0.2.51"}}, "db1"}, slave_ctx);
    apply_set_status(r, {"ONLINE", {}, "db2"}, slave_ctx);
    CHECK(r.salvage_to.empty());
}

TEST_CASE("a salvage is planned only on an old writer whose server process is gone", "[agent][salvage]") {
    const auto ctx = test_context("db1", HostMode::Master);
    AgentState d;
    d.received = true;
    d.state = "HARD_OFFLINE";
    d.master = "db2";
    d.salvage_to = "db2";
    Observed gone;
    gone.ips = {"192.0.2.50"};
    gone.server_gone = true;  // read_only unknown: the server does not answer
    const auto actions = reconcile(d, gone, ctx);
    REQUIRE(actions.size() == 3);
    CHECK(actions[0].kind == ActionKind::RemoveIp);  // the writer IP goes first, as always
    CHECK(actions[1].kind == ActionKind::DenyWrites);
    CHECK(actions[2].kind == ActionKind::Salvage);
    CHECK(actions[2].master == "db2");

    CHECK_FALSE(why_no_salvage(d, gone, ctx));
    // Hung, not gone: it could still commit; no salvage (its tail is said lost by the monitor instead).
    Observed hung = gone;
    hung.server_gone = false;
    for (const auto& a : reconcile(d, hung, ctx)) CHECK(a.kind != ActionKind::Salvage);
    CHECK(why_no_salvage(d, hung, ctx) == "this server's process may still run (hung, or never seen running)");
    // Answering: the new writer's catch-up reads its final position itself.
    Observed alive = gone;
    alive.read_only = true;
    for (const auto& a : reconcile(d, alive, ctx)) CHECK(a.kind != ActionKind::Salvage);
    // The fencing status named no master: the remembered one (the peer) gets it.
    AgentState unnamed = d;
    unnamed.master.clear();
    CHECK(reconcile(unnamed, gone, ctx).back().kind == ActionKind::Salvage);
    // The monitor named another master since: not that one.
    AgentState moved = d;
    moved.master = "db3";
    for (const auto& a : reconcile(moved, gone, ctx)) CHECK(a.kind != ActionKind::Salvage);
    CHECK(why_no_salvage(moved, gone, ctx) == "the monitor named another master ('db3') since");
    // The role came back to this host.
    AgentState back = d;
    back.roles = {{"writer", "192.0.2.50"}};
    for (const auto& a : reconcile(back, gone, ctx)) CHECK(a.kind != ActionKind::Salvage);
    CHECK(why_no_salvage(back, gone, ctx) == "this host holds the writer role again");
    // Nothing remembered: no salvage.
    AgentState plain = d;
    plain.salvage_to.clear();
    for (const auto& a : reconcile(plain, gone, ctx)) CHECK(a.kind != ActionKind::Salvage);
}

TEST_CASE("mariadb-binlog's output is cut into the statements its client would send", "[agent][salvage]") {
    // As mariadb-binlog 10.11 prints a row-based transaction (shortened), fed in chunks that split lines and
    // statements anywhere: the statements do not depend on the chunking.
    const std::string script =
        "/*!50530 SET @@SESSION.PSEUDO_SLAVE_MODE=1*/;\n"
        "DELIMITER /*!*/;\n"
        "# at 4\n"
        "#261202  8:56:32 server id 1  end_log_pos 256 CRC32 0xb88b6a29 \tStart: binlog v 4\n"
        "ROLLBACK/*!*/;\n"
        "BINLOG '\n"
        "QN0Paw8BAAAA/AAAAAABAAABAAQAMTAuMTEuMTktTWFyaWFEQi0w\n"
        "'/*!*/;\n"
        "# at 771\n"
        "/*M!100001 SET @@session.gtid_seq_no=3*//*!*/;\n"
        "START TRANSACTION\n"
        "/*!*/;\n"
        "#Q> insert into app.t(v) values('x1;y')\n"
        "\n"
        "BINLOG '\n"
        "Rt0PaxMBAAAAMAAAAJUDAAAAABMAAAAAAAEAA2FwcAABdAADAw8RA0AABgb9EVVg\n"
        "'/*!*/;\n"
        "# Number of rows: 1\n"
        "COMMIT/*!*/;\n"
        "DELIMITER ;\n"
        "# End of log file\n"
        "ROLLBACK /* added by mysqlbinlog */;\n";
    const std::vector<std::string> expected{
        "/*!50530 SET @@SESSION.PSEUDO_SLAVE_MODE=1*/",
        "ROLLBACK",
        "BINLOG '\nQN0Paw8BAAAA/AAAAAABAAABAAQAMTAuMTEuMTktTWFyaWFEQi0w\n'",
        "/*M!100001 SET @@session.gtid_seq_no=3*/",
        "START TRANSACTION",
        "BINLOG '\nRt0PaxMBAAAAMAAAAJUDAAAAABMAAAAAAAEAA2FwcAABdAADAw8RA0AABgb9EVVg\n'",
        "COMMIT",
        "ROLLBACK /* added by mysqlbinlog */"};
    for (const std::size_t chunk : {script.size(), std::size_t{1}, std::size_t{7}, std::size_t{64}}) {
        BinlogScriptSplitter splitter;
        std::vector<std::string> got;
        for (std::size_t at = 0; at < script.size(); at += chunk)
            for (auto& s : splitter.feed(std::string_view(script).substr(at, chunk))) got.push_back(s);
        CHECK(got == expected);
        CHECK(splitter.finish());
    }
    // Output that stops inside a statement (the tool died): that statement is not given out, and finish says so.
    BinlogScriptSplitter cut;
    const auto part = cut.feed("DELIMITER /*!*/;\nCOMMIT/*!*/;\nBINLOG '\nRt0Pax");
    CHECK(part == std::vector<std::string>{"COMMIT"});
    CHECK_FALSE(cut.finish());
}
