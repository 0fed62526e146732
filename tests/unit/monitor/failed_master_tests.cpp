// Better than mysql-mmm: a host that failed while it was the active master does not take itself back ONLINE (and
// with `prefer`, the writer) while another host holds the writer; it stays AWAITING_RECOVERY until set_online.
#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>

#include "harness.hpp"

using namespace mmm;
using namespace mmm::monitor;
using namespace mmm::monitor::test;

namespace {

// A heartbeat reply (request 0) carrying the agent's uptime.
void heartbeat(Harness& t, const std::string& host, double uptime) {
    t.run(t.core.on_agent_reply(host, {AgentCall::SetStatus, 0, AgentResult::Ok, uptime, "OK: Status applied successfully!"}, t.now));
}

// Failure styles of issue 6, as the checks see them.
struct Style {
    std::string name;
    std::function<void(Harness&, const std::string&)> fail;
    std::function<void(Harness&, const std::string&)> heal;
};

const std::vector<Style>& styles() {
    static const std::vector<Style> all = {
        {"kill -9 mysqld, restarted",
         [](Harness& t, const std::string& h) { t.fail(h, CheckKind::Mysql); },
         [](Harness& t, const std::string& h) { t.recover(h, CheckKind::Mysql); }},
        {"SIGSTOP mysqld, then SIGCONT (replication checks fail too and recover last)",
         [](Harness& t, const std::string& h) {
             t.fail(h, CheckKind::Mysql);
             t.fail(h, CheckKind::RepThreads);
             t.fail(h, CheckKind::RepBacklog);
         },
         [](Harness& t, const std::string& h) {
             t.recover(h, CheckKind::Mysql);
             t.recover(h, CheckKind::RepBacklog);
             t.recover(h, CheckKind::RepThreads);
         }},
        {"link down, agent unreachable, then link up",
         [](Harness& t, const std::string& h) {
             t.unreachable[h] = true;
             t.fail(h, CheckKind::Ping);
             t.fail(h, CheckKind::Mysql);
         },
         [](Harness& t, const std::string& h) {
             t.unreachable[h] = false;
             t.recover(h, CheckKind::Ping);
             t.recover(h, CheckKind::Mysql);
         }},
    };
    return all;
}

// settle(), agents' uptime 5000; `host` fails in `style`, 25 s pass (the host does not reboot), it heals.
void fail_and_heal(Harness& t, const Style& style, const std::string& host) {
    t.uptime = 5000;
    heartbeat(t, host, 5000);
    style.fail(t, host);
    t.advance(25s);
    t.uptime = 5025.5;
    style.heal(t, host);
    heartbeat(t, host, 5026);
}

Config auto_online_config() {
    Config c = fast_checks();
    c.monitor.auto_set_online = 90s;
    return c;
}

// `hosts` fail (mysql), reboot and come back AWAITING_RECOVERY at the same moment: A3 cannot apply, only
// auto_set_online.
void fail_reboot_recover(Harness& t, const std::vector<std::string>& hosts) {
    for (const auto& h : hosts) t.fail(h, CheckKind::Mysql);
    t.uptime = 20;
    for (const auto& h : hosts) {
        t.recover(h, CheckKind::Mysql);
        heartbeat(t, h, 20);
    }
    for (const auto& h : hosts) REQUIRE(t.state(h) == "AWAITING_RECOVERY");
}

std::string held_line(const std::string& rule, const std::string& moved = "has moved to") {
    return "Host 'db1' stays AWAITING_RECOVERY although " + rule + ": it failed as the active master and the active "
           "master role 'writer' " + moved + " 'db2', so it may hold transactions the other hosts lack. Compare its "
           "data with 'db2', then run 'mmm_control set_online db1' (with monitor.hold_failed_active_master false it "
           "would return by itself).";
}

long count(const std::vector<std::string>& lines, const std::string& line) {
    return std::count(lines.begin(), lines.end(), line);
}

std::string last_sent_to(const Harness& t, const std::string& host) {
    std::string out;
    for (const auto& w : t.wire)
        if (w.rfind("SET_STATUS " + host + " ", 0) == 0) out = w;
    return out;
}

}  // namespace

TEST_CASE("the failed active master stays AWAITING_RECOVERY after it heals, said once", "[monitor][states][failover]") {
    for (const auto& style : styles()) {
        DYNAMIC_SECTION(style.name) {
            Harness t(fast_checks());
            settle(t);
            fail_and_heal(t, style, "db1");
            CHECK(t.core.active_master() == "db2");
            CHECK(t.state("db1") == "AWAITING_RECOVERY");
            CHECK(t.roles("db1").empty());
            CHECK(t.core.host("db1").failed_as_active_master);
            CHECK(last_sent_to(t, "db1") == "SET_STATUS db1 AWAITING_RECOVERY  db2");  // read-only, no VIP
            auto logs = texts(t.logs);
            const std::string held =
                style.name.rfind("SIGSTOP", 0) == 0 ? held_line("its replication is OK again")
                                                    : held_line("it was down for only 25 seconds");
            CHECK(count(logs, held) == 1);
            CHECK(std::none_of(logs.begin(), logs.end(), [](const std::string& l) {
                return l.find("changed from AWAITING_RECOVERY to ONLINE") != std::string::npos;
            }));
            // More heartbeats and time: still held, nothing more said.
            t.clear_records();
            heartbeat(t, "db1", 5040);
            t.advance(3600s);
            heartbeat(t, "db1", 8640);
            CHECK(t.state("db1") == "AWAITING_RECOVERY");
            CHECK(t.logs.empty());
            CHECK(t.core.invariant_violations().empty());
        }
    }
}

TEST_CASE("the hung master's way back through REPLICATION_FAIL ends in AWAITING_RECOVERY", "[monitor][states][failover]") {
    Harness t(fast_checks());
    settle(t);
    t.fail("db1", CheckKind::Mysql);
    t.fail("db1", CheckKind::RepThreads);
    t.recover("db1", CheckKind::Mysql);
    REQUIRE(t.state("db1") == "REPLICATION_FAIL");  // the writer is on db2 now: replication gates the way back
    t.clear_records();
    t.recover("db1", CheckKind::RepThreads);
    CHECK(t.state("db1") == "AWAITING_RECOVERY");
    CHECK(texts(t.logs) ==
          std::vector<std::string>{"Check 'rep_threads' on 'db1' is ok!",
                                   "State of host 'db1' changed from REPLICATION_FAIL to AWAITING_RECOVERY (because it "
                                   "was the active master when it failed)",
                                   held_line("its replication is OK again")});
    CHECK(t.wire == std::vector<std::string>{"SET_STATUS db1 AWAITING_RECOVERY  db2"});
}

TEST_CASE("hosts that were not the active master still return ONLINE by A3", "[monitor][states][failover]") {
    for (const auto& style : styles()) {
        for (std::string host : {"db2", "db3"}) {
            DYNAMIC_SECTION(host << ": " << style.name) {
                Harness t(fast_checks());
                settle(t);
                fail_and_heal(t, style, host);
                CHECK(t.state(host) == "ONLINE");
                CHECK_FALSE(t.core.host(host).failed_as_active_master);
                CHECK(t.core.active_master() == "db1");
                auto logs = texts(t.logs);
                if (style.name.rfind("SIGSTOP", 0) == 0) {
                    // mysql back while replication still failed: REPLICATION_FAIL, then ONLINE when it is OK (R4)
                    CHECK(count(logs, "State of host '" + host + "' changed from REPLICATION_FAIL to ONLINE") == 1);
                } else {
                    CHECK(count(logs, "State of host '" + host +
                                          "' changed from AWAITING_RECOVERY to ONLINE because it was down for only 25 "
                                          "seconds") == 1);
                }
                CHECK(std::none_of(logs.begin(), logs.end(), [](const std::string& l) {
                    return l.find("stays AWAITING_RECOVERY") != std::string::npos;
                }));
            }
        }
    }
}

TEST_CASE("auto_set_online does not bring the old active master back, but still brings others",
          "[monitor][states][failover]") {
    Harness t(auto_online_config());
    settle(t);
    fail_reboot_recover(t, {"db1", "db3"});
    REQUIRE(t.core.active_master() == "db2");
    t.clear_records();
    t.advance(89s);
    CHECK(t.logs.empty());
    t.advance(1s);
    CHECK(t.state("db3") == "ONLINE");
    CHECK(t.state("db1") == "AWAITING_RECOVERY");
    auto logs = texts(t.logs);
    CHECK(count(logs, held_line("auto_set_online(90 seconds) has passed")) == 1);
    CHECK(count(logs, "State of host 'db3' changed from AWAITING_RECOVERY to ONLINE because of auto_set_online(90 "
                      "seconds). It was in state AWAITING_RECOVERY for 90 seconds") == 1);
    t.clear_records();
    t.advance(3600s);
    heartbeat(t, "db1", 3700);
    CHECK(t.state("db1") == "AWAITING_RECOVERY");
    CHECK(t.logs.empty());
}

TEST_CASE("set_online brings the old active master back, and with prefer it takes the writer in a safe order",
          "[monitor][commands][failover]") {
    SECTION("writer prefers db1: old writer, then replicas, then the new writer") {
        Config c = fast_checks();
        c.roles[0].prefer = "db1";
        Harness t(c);
        settle(t);
        fail_and_heal(t, styles()[0], "db1");
        REQUIRE(t.state("db1") == "AWAITING_RECOVERY");
        REQUIRE(t.core.active_master() == "db2");
        t.clear_records();
        CHECK(t.cmd("set_online db1") ==
              "OK: State of 'db1' changed to ONLINE. Now you can wait some time and check its new roles!");
        CHECK(t.state("db1") == "ONLINE");
        CHECK_FALSE(t.core.host("db1").failed_as_active_master);
        CHECK(t.core.active_master() == "db1");
        CHECK(t.wire == std::vector<std::string>{
                            "PING db1",
                            "SET_STATUS db2 ONLINE reader(192.168.0.52) db1",
                            "SET_STATUS db3 ONLINE reader(192.168.0.53) db1",
                            "SET_STATUS db1 ONLINE reader(192.168.0.51),writer(192.168.0.50) db1",
                        });
        CHECK(t.core.invariant_violations().empty());
    }
    SECTION("no preference: db1 comes back as a reader, the writer stays on db2") {
        Harness t(fast_checks());
        settle(t);
        fail_and_heal(t, styles()[0], "db1");
        t.clear_records();
        t.cmd("set_online db1");
        CHECK(t.state("db1") == "ONLINE");
        CHECK(t.core.active_master() == "db2");
        CHECK(t.roles("db1") == "reader(192.168.0.51)");
        CHECK(t.wire.front() == "PING db1");
        CHECK(t.wire.back() == "SET_STATUS db1 ONLINE reader(192.168.0.51) db2");
    }
}

TEST_CASE("once ONLINE again the host is forgotten: a later failure as a reader returns by A3",
          "[monitor][states][failover]") {
    Harness t(fast_checks());
    settle(t);
    fail_and_heal(t, styles()[0], "db1");
    t.cmd("set_online db1");
    REQUIRE(t.core.active_master() == "db2");
    t.clear_records();
    fail_and_heal(t, styles()[0], "db1");
    CHECK(t.state("db1") == "ONLINE");
    CHECK(count(texts(t.logs),
                "State of host 'db1' changed from AWAITING_RECOVERY to ONLINE because it was down for only 25 seconds") == 1);
}

TEST_CASE("no other host took the writer: the old active master returns as in mysql-mmm", "[monitor][states][failover]") {
    SECTION("the other master is down: writer orphaned, db1 is the only way back") {
        Harness t(fast_checks());
        settle(t);
        t.fail("db2", CheckKind::Mysql);
        fail_and_heal(t, styles()[0], "db1");
        CHECK(t.state("db1") == "ONLINE");
        CHECK(t.core.active_master() == "db1");
        auto logs = texts(t.logs);
        auto it = std::find(logs.begin(), logs.end(),
                            "Host 'db1' was the active master when it failed, but no other host holds the active master "
                            "role 'writer': it may return because it was down for only 25 seconds.");
        REQUIRE(it != logs.end());
        CHECK(*(it + 1) == "State of host 'db1' changed from AWAITING_RECOVERY to ONLINE because it was down for only 25 "
                           "seconds");
        CHECK(t.core.invariant_violations().empty());
    }
    SECTION("the only master candidate") {
        Config c = fast_checks();
        c.roles[0].hosts = {"db1"};
        Harness t(c);
        settle(t);
        fail_and_heal(t, styles()[0], "db1");
        CHECK(t.state("db1") == "ONLINE");
        CHECK(t.core.active_master() == "db1");
    }
    SECTION("MANUAL mode: db1 kept the writer while down, so it simply returns") {
        Harness t(fast_checks());
        settle(t);
        t.cmd("set_manual");
        fail_and_heal(t, styles()[0], "db1");
        CHECK(t.state("db1") == "ONLINE");
        CHECK(t.core.active_master() == "db1");
        auto logs = texts(t.logs);
        CHECK(std::none_of(logs.begin(), logs.end(), [](const std::string& l) {
            return l.find("was the active master when it failed") != std::string::npos;
        }));
    }
    SECTION("the other master comes back first: it takes the writer, db1 is then held") {
        Harness t(fast_checks());
        settle(t);
        t.fail("db2", CheckKind::Mysql);
        t.uptime = 5000;
        heartbeat(t, "db1", 5000);
        t.fail("db1", CheckKind::Mysql);
        REQUIRE(t.core.active_master().empty());
        t.recover("db2", CheckKind::Mysql);
        REQUIRE(t.cmd("set_online db2").rfind("OK:", 0) == 0);
        REQUIRE(t.core.active_master() == "db2");
        t.uptime = 5030;
        t.recover("db1", CheckKind::Mysql);
        heartbeat(t, "db1", 5030);
        CHECK(t.state("db1") == "AWAITING_RECOVERY");
        CHECK(count(texts(t.logs), held_line("it was down for only 30 seconds")) == 1);
    }
}

TEST_CASE("the hold survives a monitor restart through the status file", "[monitor][startup][failover]") {
    const Config c = auto_online_config();
    Harness t(c);
    settle(t);
    fail_and_heal(t, styles()[0], "db1");
    REQUIRE(t.state("db1") == "AWAITING_RECOVERY");
    const std::string file = t.core.status_file_text();
    CHECK(t.saved.back() == file);
    CHECK(file == "# mmm-status 3 mode=ACTIVE epoch=3\n"
                  "db1|AWAITING_RECOVERY||failed_active_master\n"
                  "db2|ONLINE|reader(192.168.0.52),writer(192.168.0.50)\n"
                  "db3|ONLINE|reader(192.168.0.51),reader(192.168.0.53)\n");

    Harness r(c);
    r.initial_checks_ok();
    r.run(r.core.restore(file, r.now));
    r.run(r.core.on_startup_reports(r.reports({{"db2", "reader(192.168.0.52),writer(192.168.0.50)"},
                                               {"db3", "reader(192.168.0.51),reader(192.168.0.53)"}}),
                                    r.now));
    REQUIRE(r.core.active_master() == "db2");
    CHECK(r.state("db1") == "AWAITING_RECOVERY");
    CHECK(r.core.host("db1").failed_as_active_master);
    r.clear_records();
    r.advance(3600s);
    CHECK(r.state("db1") == "AWAITING_RECOVERY");
    CHECK(texts(r.logs) == std::vector<std::string>{held_line("auto_set_online(90 seconds) has passed")});
    r.cmd("set_online db1");
    CHECK(r.state("db1") == "ONLINE");
    CHECK(r.saved.back().find("failed_active_master") == std::string::npos);  // no flags left
}

TEST_CASE("both masters come back in the same step: the other one takes the writer, the old one is held",
          "[monitor][states][failover]") {
    Harness t(auto_online_config());
    settle(t);
    fail_reboot_recover(t, {"db2", "db1"});  // the writer is orphaned meanwhile
    t.clear_records();
    t.advance(90s);
    CHECK(t.state("db2") == "ONLINE");
    CHECK(t.core.active_master() == "db2");
    CHECK(t.state("db1") == "AWAITING_RECOVERY");
    CHECK(count(texts(t.logs), held_line("auto_set_online(90 seconds) has passed", "goes to")) == 1);
    CHECK(t.core.invariant_violations().empty());
}

namespace {
// monitor.hold_failed_active_master false: mysql-mmm's rules, the old active master returns like any other host.
Config mysql_mmm_rules(Config c = fast_checks()) {
    c.monitor.hold_failed_active_master = HoldFailedMaster::No;
    return c;
}
}  // namespace

TEST_CASE("without the hold, the failed active master returns ONLINE by itself after a short outage",
          "[monitor][states][failover]") {
    for (const auto& style : styles()) {
        DYNAMIC_SECTION(style.name) {
            Harness t(mysql_mmm_rules());
            settle(t);
            fail_and_heal(t, style, "db1");
            CHECK(t.state("db1") == "ONLINE");
            CHECK_FALSE(t.core.host("db1").failed_as_active_master);
            CHECK(t.core.active_master() == "db2");  // no preference: the writer stays where it went
            CHECK(t.roles("db1") == "reader(192.168.0.51)");
            auto logs = texts(t.logs);
            if (style.name.rfind("SIGSTOP", 0) == 0)
                CHECK(count(logs, "State of host 'db1' changed from REPLICATION_FAIL to ONLINE") == 1);
            else
                CHECK(count(logs, "State of host 'db1' changed from AWAITING_RECOVERY to ONLINE because it was down "
                                  "for only 25 seconds") == 1);
            CHECK(std::none_of(logs.begin(), logs.end(), [](const std::string& l) {
                return l.find("stays AWAITING_RECOVERY") != std::string::npos;
            }));
            CHECK(std::all_of(t.saved.begin(), t.saved.end(),
                              [](const std::string& f) { return f.find("failed_active_master") == std::string::npos; }));
            CHECK(t.core.invariant_violations().empty());
        }
    }
}

TEST_CASE("without the hold, auto_set_online brings the old active master back too", "[monitor][states][failover]") {
    Config c = auto_online_config();
    c.monitor.hold_failed_active_master = HoldFailedMaster::No;
    Harness t(c);
    settle(t);
    fail_reboot_recover(t, {"db1"});
    REQUIRE(t.core.active_master() == "db2");
    t.clear_records();
    t.advance(90s);
    CHECK(t.state("db1") == "ONLINE");
    CHECK(texts(t.logs).at(0) == "State of host 'db1' changed from AWAITING_RECOVERY to ONLINE because of "
                                 "auto_set_online(90 seconds). It was in state AWAITING_RECOVERY for 90 seconds");
}

TEST_CASE("without the hold, a held host from a status file is let go after a restart", "[monitor][startup][failover]") {
    Harness t(mysql_mmm_rules(auto_online_config()));
    t.initial_checks_ok();
    t.run(t.core.restore(std::string("# mmm-status 2 mode=ACTIVE\n"
                                     "db1|AWAITING_RECOVERY||failed_active_master\n"
                                     "db2|ONLINE|reader(192.168.0.52),writer(192.168.0.50)\n"
                                     "db3|ONLINE|reader(192.168.0.51),reader(192.168.0.53)\n"),
                         t.now));
    t.run(t.core.on_startup_reports(t.reports({{"db2", "reader(192.168.0.52),writer(192.168.0.50)"},
                                               {"db3", "reader(192.168.0.51),reader(192.168.0.53)"}}),
                                    t.now));
    REQUIRE(t.state("db1") == "AWAITING_RECOVERY");
    CHECK_FALSE(t.core.host("db1").failed_as_active_master);
    CHECK(t.saved.back().find("failed_active_master") == std::string::npos);
    t.advance(90s);
    CHECK(t.state("db1") == "ONLINE");
}
