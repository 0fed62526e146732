// Unit tests of the config hardening of issue 12: long legacy lines, duplicate keys and sections, permissions of
// included files, allowed_monitors the agent can use, kill_host_bin without arguments.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "common/config_legacy_line.hpp"
#include "common/config_load.hpp"
#include "unit/common/config_fixtures.hpp"

using namespace mmm;
using mmm::detail::LegacyLine;
using mmm::detail::parse_legacy_line;
using mmm::test::minimal;
using mmm::test::TempDir;

namespace {

// A valid legacy cluster without passwords (so that file modes matter only where a test adds them).
const std::string common_conf = "active_master_role writer\n"
                                "<host db1>\n ip 192.0.2.11\n mode master\n peer db2\n</host>\n"
                                "<host db2>\n ip 192.0.2.12\n mode master\n peer db1\n</host>\n"
                                "<role writer>\n hosts db1,db2\n ips 192.0.2.50\n mode exclusive\n</role>\n";
const std::string monitor_section = "<monitor>\n ip 127.0.0.1\n ping_ips 192.0.2.1\n</monitor>\n"
                                    "<host default>\n monitor_user m\n monitor_password mp\n</host>\n";

std::vector<std::string> errors(const LoadResult& r) {
    std::vector<std::string> out;
    for (const auto& e : r.errors) out.push_back(e.to_string());
    return out;
}

bool has(const std::vector<std::string>& list, const std::string& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

}  // namespace

TEST_CASE("legacy lines are classified as mysql-mmm's grammar says", "[config][legacy]") {
    using Kind = LegacyLine::Kind;
    struct Case {
        std::string line;
        Kind kind;
        std::string first;
        std::string second;
        bool empty_section = false;
    };
    const std::vector<Case> cases = {
        {"", Kind::Blank, "", ""},
        {" \t ", Kind::Blank, "", ""},
        {"  # a comment <host x>", Kind::Blank, "", ""},
        {"</host>", Kind::EndTag, "", ""},
        {"  </ host-x >  ", Kind::EndTag, "", ""},
        {"< /host>", Kind::Variable, "<", "/host>"},
        {"</>", Kind::EndTag, "", ""},
        {"</host x>", Kind::Variable, "</host", "x>"},
        {"include mmm_common", Kind::Include, "mmm_common", ""},
        {"  include\t/etc/x.conf  ", Kind::Include, "/etc/x.conf", ""},
        {"include a b", Kind::Variable, "include", "a b"},
        {"include", Kind::Invalid, "", ""},
        {"<monitor>", Kind::OpenTag, "monitor", ""},
        {" < host  db-1 > ", Kind::OpenTag, "host", "db-1"},
        {"<host db1/>", Kind::OpenTag, "host", "db1", true},
        {"<socket />", Kind::OpenTag, "socket", "", true},
        {"<ho-st>", Kind::Invalid, "", ""},
        {"<host db1 extra>", Kind::Variable, "<host", "db1 extra>"},
        {"<>", Kind::Invalid, "", ""},
        {"ip 192.0.2.1", Kind::Variable, "ip", "192.0.2.1"},
        {"  ping_ips\t192.0.2.1, 192.0.2.2 \t", Kind::Variable, "ping_ips", "192.0.2.1, 192.0.2.2"},
        {"key value # not a comment", Kind::Variable, "key", "value # not a comment"},
        {"key ", Kind::Variable, "key", ""},
        {"key", Kind::Invalid, "", ""},
    };
    for (const auto& c : cases) {
        INFO("line: '" << c.line << "'");
        const auto l = parse_legacy_line(c.line);
        CHECK(l.kind == c.kind);
        if (l.kind == Kind::Invalid || l.kind == Kind::Blank || l.kind == Kind::EndTag) continue;
        CHECK(l.first == c.first);
        CHECK(l.second == c.second);
        CHECK(l.empty_section == c.empty_section);
    }
}

TEST_CASE("a legacy line of 1 MB is parsed or refused, never a crash (issue 12 item 10)", "[config][legacy][security]") {
    TempDir dir;
    dir.write("common.conf", common_conf);
    const std::string huge(1 << 20, 'x');
    SECTION("a long comment is a comment, a long value a value") {
        std::string ips = "192.0.2.1";
        while (ips.size() < (1u << 20)) ips += ", 192.0.2.1";
        const auto p = dir.write("mon.conf", "include common\n" + monitor_section + "# " + huge +
                                                 "\n<monitor>\n ping_ips " + ips + "\n</monitor>\n");
        // ping_ips is given twice in <monitor>: the long value's line is the one refused.
        const auto r = load_legacy_config(p, Program::Monitor);
        CHECK(errors(r) ==
              std::vector<std::string>{p + ":11: section <monitor> is opened twice in this file: also at " + p + ":2",
                                       p + ":12: monitor.ping_ips: given twice: also at " + p + ":4"});
        const auto once = dir.write("once.conf", "include common\n<monitor>\n ip 127.0.0.1\n ping_ips " + ips +
                                                     "\n</monitor>\n<host default>\n monitor_user m\n monitor_password "
                                                     "mp\n</host>\n# " + huge + "\n");
        const auto ok = load_legacy_config(once, Program::Monitor);
        INFO(ok.error_text());
        REQUIRE(ok.ok());
        CHECK(ok.config.monitor.ping_ips.size() > 90'000);
    }
    SECTION("a long line that is no config line is an error with its line") {
        const auto p = dir.write("mon.conf", "include common\n" + monitor_section + huge + "\n<" + huge + ">\n");
        const auto r = load_legacy_config(p, Program::Monitor);
        CHECK(errors(r) == std::vector<std::string>{p + ":10: Invalid config line",
                                                    p + ":11: Invalid section " + std::string(80, 'x') +
                                                        "...(1048576 bytes)"});
    }
    SECTION("a long unknown key is named in short, and no suggestion is searched for it") {
        const auto p = dir.write("mon.conf", "include common\n<monitor>\n" + huge + " 1\n" + monitor_section.substr(10));
        const auto r = load_legacy_config(p, Program::Monitor);
        CHECK(errors(r) ==
              std::vector<std::string>{p + ":3: monitor." + std::string(192, 'x') + "...(1048584 bytes): unknown key"});
    }
}

TEST_CASE("legacy: a key twice in a section, a section twice in a file are errors naming both lines (issue 12 item 14)",
          "[config][legacy][security]") {
    TempDir dir;
    dir.write("common.conf", common_conf);
    SECTION("a key twice in one section") {
        const auto p = dir.write("mon.conf", "include common\n" + monitor_section + "<host db1>\n mysql_port 3307\n"
                                             " mysql_port 3308\n</host>\n");
        CHECK(errors(load_legacy_config(p, Program::Monitor)) ==
              std::vector<std::string>{p + ":12: hosts.db1.mysql_port: given twice: also at " + p + ":11"});
    }
    SECTION("a key of the included file given again") {
        const auto p = dir.write("mon.conf", "include common\n" + monitor_section + "<host db1>\n ip 192.0.2.21\n"
                                             "</host>\nactive_master_role writer\n");
        const auto common = (dir.path / "common.conf").string();
        CHECK(errors(load_legacy_config(p, Program::Monitor)) ==
              std::vector<std::string>{p + ":11: hosts.db1.ip: given twice: also at " + common + ":3",
                                       p + ":13: active_master_role: given twice: also at " + common + ":1"});
    }
    SECTION("the same section twice in one file") {
        const auto p = dir.write("mon.conf", "include common\n" + monitor_section + "<host default>\n "
                                             "agent_user a\n</host>\n");
        CHECK(errors(load_legacy_config(p, Program::Monitor)) ==
              std::vector<std::string>{p + ":10: section <host default> is opened twice in this file: also at " + p +
                                       ":6"});
    }
    SECTION("re-opening a section of an included file adds to it, as in mysql-mmm's mmm_mon.conf") {
        const auto p = dir.write("mon.conf", "include common\n" + monitor_section + "<host db2>\n mysql_port 3307\n"
                                             "</host>\n");
        const auto r = load_legacy_config(p, Program::Monitor);
        INFO(r.error_text());
        REQUIRE(r.ok());
        CHECK(r.config.hosts[1].mysql_port == 3307);
    }
}

TEST_CASE("YAML: a mapping key given twice is an error naming both lines (issue 12 item 14)", "[config][security]") {
    const auto errs = [](const std::string& yaml) {
        std::vector<std::string> out;
        for (const auto& e : parse_yaml_config(yaml, "t.yaml", Program::Monitor).errors) out.push_back(e.to_string());
        return out;
    };
    CHECK(errs(minimal).empty());
    CHECK(errs(minimal + "active_master_role: writer\n") ==
          std::vector<std::string>{"t.yaml:16: active_master_role: given twice: also at t.yaml:1"});
    std::string y = minimal;
    y.replace(y.find("  db2: {ip: 192.0.2.12"), 22, "  db1: {ip: 192.0.2.13");
    CHECK(has(errs(y), "t.yaml:13: hosts.db1: given twice: also at t.yaml:12"));
    y = minimal;
    y.replace(y.find("    agent_password: ap"), 22, "    agent_password: ap\n    agent_password: other");
    CHECK(has(errs(y), "t.yaml:8: hosts.default.agent_password: given twice: also at t.yaml:7"));
    y = minimal;
    y.replace(y.find("{ip: 192.0.2.11,"), 16, "{ip: 192.0.2.11, ip: 192.0.2.21,");
    CHECK(errs(y) == std::vector<std::string>{"t.yaml:12: hosts.db1.ip: given twice: also at t.yaml:12"});
    CHECK(has(errs(minimal + "monitor:\n  ping_ips: [192.0.2.2]\n"), "t.yaml:16: monitor: given twice: also at t.yaml:2"));
}

TEST_CASE("every included legacy file has its permissions checked (issue 12 item 14)", "[config][legacy][security]") {
    TempDir dir;
    const auto common = dir.write("common.conf", common_conf + "<host default>\n agent_password secret\n</host>\n", 0644);
    const auto mon = dir.write("mon.conf", "include common\n" + monitor_section);
    CHECK(errors(load_config(mon, "", Program::Monitor)) ==
          std::vector<std::string>{common + ": the file holds passwords and is readable by everyone (chmod 0640)"});
    ::chmod(common.c_str(), 0602);
    CHECK(has(errors(load_config(mon, "", Program::Monitor)), common + ": the file is writable by everyone (chmod o-w)"));
    ::chmod(common.c_str(), 0640);
    const auto ok = load_config(mon, "", Program::Monitor);
    INFO(ok.error_text());
    CHECK(ok.ok());
    CHECK(ok.files == std::vector<std::string>{mon, common});
}

TEST_CASE("agent.allowed_monitors takes IPv4 addresses only (issue 12 item 14)", "[config][security]") {
    const auto agent = [](const std::string& agent_section) {
        return parse_yaml_config(minimal + "agent:\n" + agent_section, "t.yaml", Program::Agent).error_text();
    };
    CHECK(agent("  allowed_monitors: [192.0.2.10, 127.0.0.1]\n").empty());
    CHECK(agent("  allowed_monitors: [\"::1\"]\n") ==
          "t.yaml:17: agent.allowed_monitors: '::1' is not an IPv4 address: the agent accepts monitors by IPv4 "
          "address only (no IPv6, no networks)\n");
    CHECK(agent("  allowed_monitors: [192.0.2.0/24]\n").find("'192.0.2.0/24' is not an IPv4 address") !=
          std::string::npos);
    CHECK(agent("  allowed_monitors: [\"::ffff:192.0.2.10\"]\n").find("is not an IPv4 address") != std::string::npos);
    // Without allowed_monitors the agent admits monitor.ip: an IPv6 one would admit nobody.
    std::string y = minimal;
    y.replace(y.find("monitor:\n"), 9, "monitor:\n  ip: \"2001:db8::10\"\n");
    CHECK(parse_yaml_config(y, "t.yaml", Program::Agent).error_text() ==
          "t.yaml:3: monitor.ip: '2001:db8::10' is IPv6: the agent accepts monitors by IPv4 address only; set "
          "agent.allowed_monitors to the monitor's IPv4 address\n");
    y.replace(y.find("2001:db8::10"), 12, "::1");
    CHECK(parse_yaml_config(y, "t.yaml", Program::Agent).ok());
}

TEST_CASE("kill_host_bin names one executable: a value with arguments is refused (issue 12 item 8)",
          "[config][security]") {
    const auto with = [](const std::string& bin) {
        std::string y = minimal;
        y.replace(y.find("monitor:\n"), 9, "monitor:\n  kill_host_bin: \"" + bin + "\"\n");
        return parse_yaml_config(y, "t.yaml", Program::Monitor).error_text();
    };
    CHECK(with("/usr/local/bin/fence").empty());
    CHECK(with("/usr/local/bin/fence --ipmi") ==
          "t.yaml:3: monitor.kill_host_bin: '/usr/local/bin/fence --ipmi' has whitespace in it: kill_host_bin is one "
          "executable, started without a shell as '<kill_host_bin> <host> <1|0>'; put other arguments in a wrapper "
          "script\n");
}
