// Unit tests of deny-write's kill policy (spec §9.5 hard mode).
#include <catch2/catch.hpp>

#include "agent/core/kill_policy.hpp"

using namespace mmm::agent;

TEST_CASE("write statements are recognised like mysql-mmm does", "[agent][kill]") {
    CHECK(is_write_statement("INSERT INTO t VALUES (1)"));
    CHECK(is_write_statement("  update t set v=1"));
    CHECK(is_write_statement("/* app */ DELETE FROM t"));
    CHECK(is_write_statement("\n/*x*/\treplace into t values (1)"));
    for (const char* w : {"CREATE", "DROP", "ALTER", "REPAIR", "OPTIMIZE", "ANALYZE", "CHECK"})
        CHECK(is_write_statement(std::string(w) + " TABLE t"));
    CHECK_FALSE(is_write_statement(""));
    CHECK_FALSE(is_write_statement("SELECT * FROM t"));
    CHECK_FALSE(is_write_statement("/* INSERT */ SELECT 1"));
    CHECK_FALSE(is_write_statement("/* unterminated INSERT"));
    CHECK_FALSE(is_write_statement("SHOW PROCESSLIST"));
}

TEST_CASE("replication threads, system users and the agent itself are never killed", "[agent][kill]") {
    CHECK(is_protected_thread({7, "app", "Query", ""}, 7));
    CHECK(is_protected_thread({1, "system user", "Slave_SQL", ""}, 7));
    CHECK(is_protected_thread({2, "repl", "Binlog Dump", ""}, 7));
    CHECK(is_protected_thread({3, "repl", "Binlog Dump GTID", ""}, 7));
    CHECK(is_protected_thread({4, "event_scheduler", "Daemon", ""}, 7));
    CHECK(is_protected_thread({5, "system user", "Connect", ""}, 7));
    CHECK_FALSE(is_protected_thread({6, "app", "Sleep", ""}, 7));
    CHECK_FALSE(is_protected_thread({8, "mmm_monitor", "Query", "SELECT 1"}, 7));
}

TEST_CASE("kill rounds: idle and reads at once, writes at the last round", "[agent][kill]") {
    const std::vector<ProcessRow> rows{
        {10, "app", "Sleep", ""},
        {11, "app", "Query", "SELECT SLEEP(100)"},
        {12, "app", "Query", "INSERT INTO t VALUES (1)"},
        {13, "system user", "Slave_IO", ""},
        {14, "repl", "Binlog Dump", ""},
        {15, "mmm_agent", "Query", "SHOW PROCESSLIST"},
    };
    const auto first = plan_kill_round(rows, 15, 0, 10);
    CHECK(first.kill == std::vector<std::uint64_t>{10, 11});
    CHECK(first.spared == 1);
    const auto last = plan_kill_round(rows, 15, 10, 10);
    CHECK(last.kill == std::vector<std::uint64_t>{10, 11, 12});
    CHECK(last.spared == 0);
    const auto no_retries = plan_kill_round(rows, 15, 0, 0);
    CHECK(no_retries.kill.size() == 3);
}
