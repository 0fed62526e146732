// Unit tests of the configuration loaders: YAML and legacy forms, defaults, validation errors with lines.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <sstream>

#include "common/config_load.hpp"
#include "unit/common/config_fixtures.hpp"

using namespace mmm;
using namespace std::chrono_literals;
using mmm::test::minimal;
using mmm::test::read_file;
using mmm::test::TempDir;

namespace {

const std::string source_dir = MMM_SOURCE_DIR;

std::vector<std::string> errors_of(const std::string& yaml, Program program = Program::Monitor) {
    std::vector<std::string> out;
    for (const auto& e : parse_yaml_config(yaml, "t.yaml", program).errors) out.push_back(e.to_string());
    return out;
}

}  // namespace

TEST_CASE("durations take seconds, fractions and units", "[config]") {
    CHECK(*parse_duration("5") == 5000ms);
    CHECK(*parse_duration("0.2") == 200ms);
    CHECK(*parse_duration("250ms") == 250ms);
    CHECK(*parse_duration("2s") == 2000ms);
    CHECK(*parse_duration("1.5s") == 1500ms);
    CHECK(*parse_duration("1m") == 60000ms);
    CHECK(*parse_duration(" 3 ") == 3000ms);
    CHECK_FALSE(parse_duration("abc"));
    CHECK_FALSE(parse_duration("-1"));
    CHECK_FALSE(parse_duration("5x"));
    CHECK_FALSE(parse_duration("1.2.3"));
    CHECK_FALSE(parse_duration(""));
    CHECK(parse_duration("5x").error().message == "'5x' has an unknown unit 'x' (use ms, s, m or h)");
    CHECK(format_duration(5000ms) == "5");
    CHECK(format_duration(250ms) == "0.25");
}

TEST_CASE("the example mmm.yaml loads for every program with the documented values", "[config]") {
    const auto text = read_file(source_dir + "/etc/mmm.yaml");
    for (Program p : {Program::Monitor, Program::Agent, Program::Control}) {
        const auto r = parse_yaml_config(text, "mmm.yaml", p);
        INFO(r.error_text());
        REQUIRE(r.ok());
    }
    const Config c = parse_yaml_config(text, "mmm.yaml", Program::Monitor).config;
    REQUIRE(c.hosts.size() == 3);
    CHECK(c.hosts[0].name == "db1");
    CHECK(c.hosts[2].name == "db3");
    CHECK(c.hosts[2].mode == HostMode::Slave);
    CHECK(c.hosts[1].peer == "db1");
    CHECK(c.hosts[1].agent_user == "mmm_agent");  // inherited from hosts.default
    CHECK(c.hosts[1].agent_port == 9989);
    CHECK(c.roles[0].name == "writer");
    CHECK(c.roles[0].prefer == "db1");
    CHECK(c.roles[1].ips == std::vector<std::string>{"192.0.2.51", "192.0.2.52", "192.0.2.53"});
    CHECK(c.check(CheckKind::Mysql).trap_period == 10s);
    CHECK(c.check(CheckKind::RepBacklog).max_backlog == 60);
    CHECK(c.check(CheckKind::RepBacklog).check_period == 5s);  // from checks.default
    CHECK(c.monitor.ping_ips.size() == 3);
    CHECK(c.monitor.mode == MonitorMode::Active);
    CHECK(c.agent.this_host == "db1");
}

TEST_CASE("built-in defaults follow mysql-mmm", "[config]") {
    const auto r = parse_yaml_config(minimal, "t.yaml", Program::Monitor);
    INFO(r.error_text());
    REQUIRE(r.ok());
    const Config& c = r.config;
    CHECK(c.monitor.port == 9988);
    CHECK(c.monitor.ping_interval == 1s);
    CHECK(c.monitor.flap_duration == 3600s);
    CHECK(c.monitor.flap_count == 3);
    CHECK(c.monitor.auto_set_online == 0s);
    CHECK(c.monitor.wait_for_other_master == 120s);
    CHECK(c.max_kill_retries == 10);
    CHECK(c.hosts[0].mysql_port == 3306);
    for (CheckKind k : all_check_kinds) {
        CHECK(c.check(k).check_period == 5s);
        CHECK(c.check(k).trap_period == 10s);
        CHECK(c.check(k).timeout == 2s);
    }
}

TEST_CASE("the legacy sample files give the same model as the YAML sample", "[config]") {
    const auto yaml = parse_yaml_config(read_file(source_dir + "/etc/mmm.yaml"), "mmm.yaml", Program::Monitor);
    REQUIRE(yaml.ok());

    const auto mon = load_legacy_config(source_dir + "/etc/legacy/mmm_mon.conf", Program::Monitor);
    INFO(mon.error_text());
    REQUIRE(mon.ok());
    CHECK(mon.format == ConfigFormat::Legacy);  // mmm_control keeps mysql-mmm's exit codes for these
    CHECK(yaml.format == ConfigFormat::Yaml);
    Config expected = yaml.config;
    expected.agent.this_host.clear();  // mmm_mon.conf has no `this`
    CHECK(mon.config == expected);

    const auto agent = load_legacy_config(source_dir + "/etc/legacy/mmm_agent.conf", Program::Agent);
    INFO(agent.error_text());
    REQUIRE(agent.ok());
    CHECK(agent.config.agent == yaml.config.agent);
    CHECK(agent.config.hosts[0].agent_password == "secret");
    CHECK(agent.config.roles == yaml.config.roles);
}

TEST_CASE("converting a legacy config to YAML and loading it gives an equal model", "[config]") {
    const auto legacy = load_legacy_config(source_dir + "/etc/legacy/mmm_mon.conf", Program::Monitor);
    REQUIRE(legacy.ok());
    const std::string yaml = to_yaml(legacy.config);
    const auto back = parse_yaml_config(yaml, "converted.yaml", Program::Monitor);
    INFO(yaml);
    INFO(back.error_text());
    REQUIRE(back.ok());
    CHECK(back.config == legacy.config);
}

TEST_CASE("each invalid form gets its error with file, line and key", "[config]") {
    SECTION("unknown key with a suggestion") {
        std::string y = minimal + "monitor2: {}\n";
        CHECK(errors_of(y) == std::vector<std::string>{"t.yaml:16: monitor2: unknown key (did you mean 'monitor'?)"});
        y = minimal;
        y.replace(y.find("ping_ips"), 8, "ping_ip");
        CHECK(errors_of(y) == std::vector<std::string>{"t.yaml:3: monitor.ping_ip: unknown key (did you mean "
                                                       "'ping_ips'?)",
                                                       "t.yaml:2: monitor.ping_ips: is required but missing"});
    }
    SECTION("unknown key without a near miss") {
        CHECK(errors_of(minimal + "colour: blue\n") == std::vector<std::string>{"t.yaml:16: colour: unknown key"});
    }
    SECTION("a misspelt key in the host template is reported once") {
        std::string y = minimal;
        y.replace(y.find("    agent_user: a"), 17, "    agent_usr: a");
        const auto errs = errors_of(y, Program::Agent);
        CHECK(std::count(errs.begin(), errs.end(),
                         "t.yaml:6: hosts.default.agent_usr: unknown key (did you mean 'agent_user'?)") == 1);
        CHECK(std::count(errs.begin(), errs.end(), "t.yaml:12: hosts.db1.agent_user: is required but missing") == 1);
    }
    SECTION("wrong types") {
        std::string y = minimal + "max_kill_retries: many\n";
        CHECK(errors_of(y) == std::vector<std::string>{"t.yaml:16: max_kill_retries: 'many' is not a whole number"});
        y = minimal;
        y.replace(y.find("ping_ips: [192.0.2.1]"), 21, "ping_ips: {a: 1}");
        CHECK(errors_of(y).front() == "t.yaml:3: monitor.ping_ips: must be a list, not a mapping");
        y = minimal + "checks:\n  default: {check_period: soon}\n";
        CHECK(errors_of(y).front() ==
              "t.yaml:17: checks.default.check_period: 'soon' is not a duration (use seconds like 5 or 0.5, or "
              "units: 250ms, 2s, 1m)");
    }
    SECTION("unknown hosts in peer, role hosts and prefer") {
        std::string y = minimal;
        y.replace(y.find("peer: db1"), 9, "peer: db9");
        CHECK(errors_of(y) == std::vector<std::string>{"t.yaml:13: hosts.db2.peer: unknown host 'db9'"});
        y = minimal;
        y.replace(y.find("hosts: [db1, db2]"), 17, "hosts: [db1, dbx]");
        CHECK(errors_of(y) == std::vector<std::string>{"t.yaml:15: roles.writer.hosts: unknown host 'dbx'"});
        y = minimal;
        y.replace(y.find("ips: [192.0.2.50]"), 17, "ips: [192.0.2.50], prefer: db3");
        CHECK(errors_of(y) == std::vector<std::string>{"t.yaml:15: roles.writer.prefer: 'db3' is not one of the "
                                                       "role's hosts"});
    }
    SECTION("a master without a peer") {
        std::string y = minimal;
        y.replace(y.find(", peer: db2"), 11, "");
        CHECK(errors_of(y) == std::vector<std::string>{"t.yaml:12: hosts.db1.peer: is required for a host in mode "
                                                       "master"});
    }
    SECTION("an exclusive role with two IPs; IPs in two roles or equal to a host IP") {
        std::string y = minimal;
        y.replace(y.find("ips: [192.0.2.50]"), 17, "ips: [192.0.2.50, 192.0.2.51]");
        CHECK(errors_of(y) == std::vector<std::string>{"t.yaml:15: roles.writer.ips: an exclusive role needs "
                                                       "exactly one IP, not 2"});
        y = minimal + "  reader: {mode: balanced, hosts: [db1], ips: [192.0.2.50, 192.0.2.12]}\n";
        CHECK(errors_of(y) == std::vector<std::string>{
                                  "t.yaml:16: roles.reader.ips: 192.0.2.50 is also an IP of role 'writer'",
                                  "t.yaml:16: roles.reader.ips: 192.0.2.12 is also the IP of a host"});
    }
    SECTION("active_master_role naming no role") {
        std::string y = minimal;
        y.replace(0, 26, "active_master_role: master");
        CHECK(errors_of(y) == std::vector<std::string>{"t.yaml:1: active_master_role: 'master' names no configured "
                                                       "role"});
    }
    SECTION("an unknown check") {
        const auto y = minimal + "checks:\n  mysq: {timeout: 1}\n";
        CHECK(errors_of(y) == std::vector<std::string>{"t.yaml:17: checks.mysq: unknown check (did you mean "
                                                       "'mysql'?)"});
    }
    SECTION("tls needs a certificate, its key and the CA, for every program") {
        const auto y = minimal + "socket: {type: tls, cert_file: /c.pem, key_file: /k.pem, ca_file: /ca.pem}\n";
        const auto no_ca = minimal + "socket: {type: tls, cert_file: /c.pem, key_file: /k.pem}\n";
        for (const auto program : {Program::Monitor, Program::Agent, Program::Control}) {
            CHECK(errors_of(y, program).empty());
            CHECK(errors_of(no_ca, program) ==
                  std::vector<std::string>{"t.yaml:16: socket.ca_file: is required when socket.type is tls"});
        }
    }
    SECTION("missing required keys depend on the program") {
        std::string y = minimal;
        y.replace(y.find("    monitor_password: mp\n"), 25, "");
        CHECK(errors_of(y, Program::Agent).empty());
        CHECK(errors_of(y, Program::Monitor) ==
              std::vector<std::string>{"t.yaml:11: hosts.db1.monitor_password: is required but missing",
                                       "t.yaml:12: hosts.db2.monitor_password: is required but missing"});
    }
    SECTION("every error is collected, not only the first") {
        std::string y = minimal + "colour: blue\nmax_kill_retries: x\n";
        y.replace(y.find("peer: db1"), 9, "peer: db9");
        CHECK(errors_of(y).size() == 3);
    }
    SECTION("YAML syntax errors carry their line") {
        CHECK(errors_of("monitor:\n  ip: [1,\n") ==
              std::vector<std::string>{"t.yaml:3: YAML syntax error: end of sequence flow not found"});
    }
}

TEST_CASE("a check timeout not below its period is valid (mysql-mmm waits the period after each run)", "[config]") {
    auto warnings_of = [](const std::string& yaml, Program program) {
        const auto r = parse_yaml_config(yaml, "t.yaml", program);
        INFO(r.error_text());
        CHECK(r.ok());
        return r.warnings;
    };
    SECTION("one check: one warning for the monitor, none for the other programs") {
        const auto y = minimal + "checks:\n  mysql: {check_period: 1, timeout: 1}\n";
        CHECK(warnings_of(y, Program::Monitor) ==
              std::vector<std::string>{"checks.mysql.timeout (1s) is not below check_period (1s): each probe may take "
                                       "up to 1s and the next one starts 1s after it ends"});
        CHECK(warnings_of(y, Program::Control).empty());
        CHECK(warnings_of(y, Program::Agent).empty());
    }
    SECTION("both values from checks.default: one warning, at checks.default") {
        const auto y = minimal + "checks:\n  default: {check_period: 0.5,\n            timeout: 2}\n";
        CHECK(warnings_of(y, Program::Monitor) ==
              std::vector<std::string>{"checks.default.timeout (2s) is not below check_period (0.5s): each probe may "
                                       "take up to 2s and the next one starts 0.5s after it ends"});
    }
    SECTION("a timeout below the period says nothing") {
        CHECK(warnings_of(minimal + "checks:\n  default: {check_period: 1, timeout: 0.8}\n", Program::Monitor).empty());
    }
}

TEST_CASE("mysql-mmm's aggressive check timing (check_period 1, timeout 2) loads, with a warning", "[config][legacy]") {
    TempDir dir;
    dir.write("mmm_common.conf", read_file(source_dir + "/etc/legacy/mmm_common.conf"));
    std::string mon = read_file(source_dir + "/etc/legacy/mmm_mon.conf");
    mon.replace(mon.find("check_period\t5"), 14, "check_period\t1");
    const auto path = dir.write("mmm_mon.conf", mon);
    const auto r = load_legacy_config(path, Program::Monitor);
    INFO(r.error_text());
    REQUIRE(r.ok());
    for (CheckKind k : all_check_kinds) {
        CHECK(r.config.check(k).check_period == 1s);
        CHECK(r.config.check(k).timeout == 2s);
    }
    CHECK(r.warnings == std::vector<std::string>{"checks.default.timeout (2s) is not below check_period (1s): each "
                                                 "probe may take up to 2s and the next one starts 1s after it ends"});
    const auto control = load_legacy_config(path, Program::Control);  // `mmm_control ping` with the same file
    INFO(control.error_text());
    CHECK(control.ok());
    CHECK(control.warnings.empty());
}

// The example legacy files with `lines` added at the end of <monitor>, loaded for the monitor.
LoadResult legacy_monitor_with(const std::string& lines) {
    TempDir dir;
    dir.write("mmm_common.conf", read_file(source_dir + "/etc/legacy/mmm_common.conf"));
    std::string mon = read_file(source_dir + "/etc/legacy/mmm_mon.conf");
    mon.replace(mon.find("</monitor>"), 10, lines + "</monitor>");
    return load_legacy_config(dir.write("mmm_mon.conf", mon), Program::Monitor);
}

TEST_CASE("legacy: a control character in a key or value is refused (tabs are separators), monitor.fail_fast_on_exit",
          "[config][legacy]") {
    const auto bad = legacy_monitor_with("\tlog_path\t/var/log/a\x07" "b.log\n");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error_text().find("monitor.log_path: holds a control character (0x07); keys and values may hold only "
                                "printable characters and tabs") != std::string::npos);
    const auto off = legacy_monitor_with("\tfail_fast_on_exit\tno\n");
    INFO(off.error_text());
    REQUIRE(off.ok());
    CHECK_FALSE(off.config.monitor.fail_fast_on_exit);
    CHECK(legacy_monitor_with("").config.monitor.fail_fast_on_exit);
}

TEST_CASE("monitor.hold_failed_active_master: true (unless clean) by default, always, false, YAML and legacy",
          "[config]") {
    const auto defaults = parse_yaml_config(minimal, "t.yaml", Program::Monitor);
    REQUIRE(defaults.ok());
    CHECK(defaults.config.monitor.hold_failed_active_master == HoldFailedMaster::UnlessClean);

    for (const auto& [text, want] : {std::pair{"false", HoldFailedMaster::No}, std::pair{"always", HoldFailedMaster::Always},
                                     std::pair{"yes", HoldFailedMaster::UnlessClean}}) {
        std::string y = minimal;
        y.replace(y.find("  ping_ips"), 10, fmt::format("  hold_failed_active_master: {}\n  ping_ips", text));
        const auto yaml = parse_yaml_config(y, "t.yaml", Program::Monitor);
        INFO(text << ": " << yaml.error_text());
        REQUIRE(yaml.ok());
        CHECK(yaml.config.monitor.hold_failed_active_master == want);
        const auto back = parse_yaml_config(to_yaml(yaml.config), "converted.yaml", Program::Monitor);
        REQUIRE(back.ok());
        CHECK(back.config == yaml.config);
    }
    std::string bad = minimal;
    bad.replace(bad.find("  ping_ips"), 10, "  hold_failed_active_master: sometimes\n  ping_ips");
    const auto refused = parse_yaml_config(bad, "t.yaml", Program::Monitor);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error_text().find("monitor.hold_failed_active_master: invalid value 'sometimes' (allowed: true, "
                                    "always, false)") != std::string::npos);

    const auto legacy = legacy_monitor_with("\thold_failed_active_master\t0\n");
    INFO(legacy.error_text());
    REQUIRE(legacy.ok());
    CHECK(legacy.config.monitor.hold_failed_active_master == HoldFailedMaster::No);
    const auto legacy_always = legacy_monitor_with("\thold_failed_active_master\talways\n");
    REQUIRE(legacy_always.ok());
    CHECK(legacy_always.config.monitor.hold_failed_active_master == HoldFailedMaster::Always);
}

TEST_CASE("monitor.peer_grace: 60 s by default, 0 to 3600 s, round trip", "[config]") {
    const auto defaults = parse_yaml_config(minimal, "t.yaml", Program::Monitor);
    REQUIRE(defaults.ok());
    CHECK(defaults.config.monitor.peer_grace == 60s);
    std::string y = minimal;
    y.replace(y.find("  ping_ips"), 10, "  peer_grace: 2.5\n  ping_ips");
    const auto yaml = parse_yaml_config(y, "t.yaml", Program::Monitor);
    INFO(yaml.error_text());
    REQUIRE(yaml.ok());
    CHECK(yaml.config.monitor.peer_grace == 2500ms);
    const auto back = parse_yaml_config(to_yaml(yaml.config), "converted.yaml", Program::Monitor);
    REQUIRE(back.ok());
    CHECK(back.config == yaml.config);
    std::string bad = minimal;
    bad.replace(bad.find("  ping_ips"), 10, "  peer_grace: 2h\n  ping_ips");
    const auto refused = parse_yaml_config(bad, "t.yaml", Program::Monitor);
    CHECK(refused.error_text().find("monitor.peer_grace: must be from 0 to 3600 seconds") != std::string::npos);
}

TEST_CASE("monitor.writer_lease: the mysql trap_period by default, 0 or 0.3 s to 3600 s, YAML and legacy", "[config]") {
    const auto defaults = parse_yaml_config(minimal, "t.yaml", Program::Monitor);
    REQUIRE(defaults.ok());
    CHECK_FALSE(defaults.config.monitor.writer_lease);
    CHECK(defaults.config.writer_lease() == defaults.config.check(CheckKind::Mysql).trap_period);

    auto with = [](const std::string& value) {
        std::string y = minimal;
        y.replace(y.find("  ping_ips"), 10, "  writer_lease: " + value + "\n  ping_ips");
        return y;
    };
    const auto yaml = parse_yaml_config(with("1.5"), "t.yaml", Program::Monitor);
    INFO(yaml.error_text());
    REQUIRE(yaml.ok());
    CHECK(yaml.config.writer_lease() == 1500ms);
    CHECK(yaml.config.writer_lease_renewal() == 500ms);
    const auto back = parse_yaml_config(to_yaml(yaml.config), "converted.yaml", Program::Monitor);
    REQUIRE(back.ok());
    CHECK(back.config == yaml.config);
    CHECK(parse_yaml_config(with("0"), "t.yaml", Program::Monitor).config.writer_lease() == 0ms);
    CHECK(errors_of(with("250ms")) ==
          std::vector<std::string>{"t.yaml:3: monitor.writer_lease: 0.25s is out of range: 0 (no lease, as in mysql-mmm) "
                                   "or from 0.3s to 3600s (it is renewed every third of it, so it must cover three "
                                   "renewals)"});
    CHECK(errors_of(with("2h")).size() == 1);

    const auto legacy = legacy_monitor_with("\twriter_lease\t2\n");
    INFO(legacy.error_text());
    REQUIRE(legacy.ok());
    CHECK(legacy.config.writer_lease() == 2s);
}

TEST_CASE("a config with passwords readable by everyone is refused", "[config]") {
    TempDir dir;
    const auto open_file = dir.write("open.yaml", minimal, 0644);
    const auto r = load_yaml_config(open_file, Program::Monitor);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].to_string() == open_file + ": the file holds passwords and is readable by everyone (chmod 0640)");
    CHECK(load_yaml_config(dir.write("closed.yaml", minimal, 0640), Program::Monitor).ok());
}

TEST_CASE("password files are read", "[config]") {
    TempDir dir;
    const auto pw = dir.write("agent.pw", "s3cret\n");
    std::string y = minimal;
    y.replace(y.find("agent_password: ap"), 18, "agent_password_file: " + pw);
    const auto r = parse_yaml_config(y, "t.yaml", Program::Agent);
    INFO(r.error_text());
    REQUIRE(r.ok());
    CHECK(r.config.hosts[1].agent_password == "s3cret");
}

TEST_CASE("legacy syntax: sections, templates, includes, booleans, lists and errors", "[config][legacy]") {
    TempDir dir;
    dir.write("common.conf", "active_master_role writer\n<host default>\n  monitor_user m\n  monitor_password mp\n"
                             "</host>\n<host db1>\n ip 192.0.2.11\n mode master\n peer db2\n</host>\n"
                             "<host db2>\n ip 192.0.2.12\n mode master\n peer db1\n</host>\n"
                             "<role writer>\n hosts db1,db2\n ips 192.0.2.50\n mode exclusive\n</role>\n");
    SECTION("include beside the file, booleans, lists, re-opened sections merge") {
        const auto p = dir.write("mon.conf", "include common\n<monitor>\n ip 127.0.0.1\n ping_ips 192.0.2.1, "
                                             "192.0.2.2\n careful_startup off\n</monitor>\n<host db2>\n "
                                             "mysql_port 3307\n</host>\n<copy_method scp>\n backup_command x\n"
                                             "</copy_method>\n");
        const auto r = load_legacy_config(p, Program::Monitor);
        INFO(r.error_text());
        REQUIRE(r.ok());
        CHECK(r.config.monitor.ping_ips == std::vector<std::string>{"192.0.2.1", "192.0.2.2"});
        CHECK_FALSE(r.config.monitor.careful_startup);
        CHECK(r.config.hosts[1].mysql_port == 3307);
        CHECK(r.config.hosts[1].ip == "192.0.2.12");
        CHECK(r.config.roles[0].hosts == std::vector<std::string>{"db1", "db2"});
    }
    SECTION("errors name file and line") {
        const auto p = dir.write("bad.conf", "include common\n<monitr>\n</monitr>\n<host>\n</host>\nfoo\n"
                                             "<monitor db1>\n</monitor>\n");
        const auto r = load_legacy_config(p, Program::Monitor);
        std::vector<std::string> errs;
        for (const auto& e : r.errors) errs.push_back(e.to_string());
        CHECK(errs == std::vector<std::string>{p + ":2: Invalid section monitr",
                                               p + ":4: No section name specified for named section host",
                                               p + ":6: Invalid config line",
                                               p + ":7: Section name specified for unique section monitor"});
    }
    SECTION("unknown variables are errors with a suggestion") {
        const auto p = dir.write("typo.conf", "include common\n<monitor>\n ip 127.0.0.1\n ping_ip 192.0.2.1\n"
                                              "</monitor>\n");
        const auto r = load_legacy_config(p, Program::Monitor);
        REQUIRE_FALSE(r.errors.empty());
        CHECK(r.errors[0].to_string() == p + ":4: monitor.ping_ip: unknown key (did you mean 'ping_ips'?)");
    }
    SECTION("a missing include is an error") {
        const auto p = dir.write("noinc.conf", "include nowhere_to_be_found\n");
        const auto r = load_legacy_config(p, Program::Monitor);
        REQUIRE(r.errors.size() == 1);
        CHECK(r.errors[0].line == 1);
    }
}

TEST_CASE("host and role names: letters, digits, '_', '.', '-' only (issue 12 item 8)", "[config][security]") {
    auto with_host = [](const std::string& name) {
        std::string y = minimal;
        y += "  x: {mode: balanced, hosts: [db1], ips: [192.0.2.51]}\n";
        y.replace(y.find("roles:"), 6, "  \"" + name + "\": {ip: 192.0.2.13, mode: slave}\nroles:");
        return parse_yaml_config(y, "t.yaml", Program::Monitor);
    };
    CHECK(with_host("db3").ok());
    CHECK(with_host("db-3.example_1").ok());
    for (const std::string bad : {"db3;touch /tmp/x", "d|b3", "db 3", "db(3)"}) {
        const auto r = with_host(bad);
        INFO(bad);
        CHECK(r.error_text().find("is not valid: 1 to 64 letters, digits, '_', '.' or '-'") != std::string::npos);
    }
    CHECK(with_host("db3\x1b").error_text().find("the file holds a control character (byte 0x1b)") !=
          std::string::npos);
    std::string role = minimal;
    role.replace(role.find("  writer:"), 9, "  \"rea|der\": {mode: balanced, hosts: [db1], ips: [192.0.2.52]}\n  writer:");
    CHECK(parse_yaml_config(role, "t.yaml", Program::Monitor).error_text().find("role name 'rea|der' is not valid") !=
          std::string::npos);
}

TEST_CASE("durations: at most a day, zero only where it means something (issue 12 item 7)", "[config][security]") {
    auto with = [](const std::string& section_line, const std::string& key_value) {
        std::string y = minimal;
        y.replace(y.find(section_line), section_line.size(), section_line + "\n  " + key_value);
        return parse_yaml_config(y, "t.yaml", Program::Monitor).error_text();
    };
    CHECK(with("monitor:", "status_interval: 10000000000").find("monitor.status_interval: 10000000000s is too long "
                                                               "(at most 86400s, one day)") != std::string::npos);
    CHECK(with("monitor:", "agent_timeout: 0").find("monitor.agent_timeout: must be greater than 0") !=
          std::string::npos);
    CHECK(with("monitor:", "auto_set_online: 0").empty());
    CHECK(with("monitor:", "flap_duration: 86400").empty());
    const auto agent = [](const std::string& key_value) {
        std::string y = minimal + "agent:\n  " + key_value + "\n";
        return parse_yaml_config(y, "t.yaml", Program::Agent).error_text();
    };
    CHECK(agent("recheck_interval: 10000000000").find("agent.recheck_interval: 10000000000s is too long") !=
          std::string::npos);
    CHECK(agent("repoint_timeout: 0").find("agent.repoint_timeout: must be greater than 0") != std::string::npos);
    CHECK(agent("recheck_interval: 0").empty());
}

TEST_CASE("monitor.http: on at 127.0.0.1:9990 by default, a sub-section in YAML, dotted keys in legacy files, "
          "round trip",
          "[config][http]") {
    const auto def = parse_yaml_config(minimal, "t.yaml", Program::Monitor);
    REQUIRE(def.ok());
    CHECK(def.config.monitor.http.listen == "127.0.0.1:9990");
    std::string y = minimal;
    y.replace(y.find("  ping_ips:"), 11, "  http: {listen: \"[::1]:9443\", cert_file: /c.pem, key_file: /k.pem}\n  ping_ips:");
    const auto r = parse_yaml_config(y, "t.yaml", Program::Monitor);
    INFO(r.error_text());
    REQUIRE(r.ok());
    CHECK(r.config.monitor.http.listen == "[::1]:9443");
    CHECK(r.config.monitor.http.key_file == "/k.pem");
    const auto again = parse_yaml_config(to_yaml(r.config), "emitted.yaml", Program::Monitor);
    REQUIRE(again.ok());
    CHECK(again.config == r.config);
    std::string off = minimal;
    off.replace(off.find("  ping_ips:"), 11, "  http: {listen: \"\"}\n  ping_ips:");
    CHECK(parse_yaml_config(off, "t.yaml", Program::Monitor).config.monitor.http.listen.empty());
    const auto legacy = legacy_monitor_with("\thttp.listen\t127.0.0.1:9991\n");
    INFO(legacy.error_text());
    REQUIRE(legacy.ok());
    CHECK(legacy.config.monitor.http.listen == "127.0.0.1:9991");
}

TEST_CASE("agent.http: off by default, a sub-section of agent, the monitor's rules, round trip", "[config][http]") {
    const auto agent = [](const std::string& http) {
        return parse_yaml_config(minimal + "agent:\n  http: " + http + "\n", "t.yaml", Program::Agent);
    };
    const auto def = parse_yaml_config(minimal, "t.yaml", Program::Agent);
    REQUIRE(def.ok());
    CHECK(def.config.agent.http.listen.empty());
    const auto on = agent("{listen: \"127.0.0.1:9991\"}");
    INFO(on.error_text());
    REQUIRE(on.ok());
    CHECK(on.config.agent.http.listen == "127.0.0.1:9991");
    CHECK(on.config.monitor.http.listen == "127.0.0.1:9990");  // the monitor's own section is untouched
    const auto again = parse_yaml_config(to_yaml(on.config), "emitted.yaml", Program::Agent);
    REQUIRE(again.ok());
    CHECK(again.config == on.config);
    CHECK(agent("{listen: 9991}").error_text().find("agent.http.listen: '9991' is not ADDRESS:PORT") != std::string::npos);
    CHECK(agent("{listen: \"192.0.2.11:9991\"}").error_text().find(
              "agent.http.listen: '192.0.2.11:9991' is beyond loopback: that needs HTTPS (agent.http.cert_file, "
              "key_file) and authentication (agent.http.token_file and/or ca_file)") != std::string::npos);
    CHECK(agent("{listen: \"127.0.0.1:9991\", key_file: /k}").error_text().find(
              "agent.http.cert_file: HTTPS needs both agent.http.cert_file and agent.http.key_file") !=
          std::string::npos);
    CHECK(agent("{listen: \"192.0.2.11:9991\", cert_file: /c, key_file: /k, token_file: /t}").ok());
    CHECK(agent("{listen: \"127.0.0.1:9991\", nonsense: 1}").error_text().find("agent.http.nonsense: unknown key") !=
          std::string::npos);
    // Only the agent serves it: the monitor does not judge the agent's section.
    CHECK(parse_yaml_config(minimal + "agent:\n  http: {listen: \"0.0.0.0:1\"}\n", "t.yaml", Program::Monitor).ok());
}

TEST_CASE("monitor.http: bad addresses, half a key pair, and beyond loopback without HTTPS and authentication are "
          "refused",
          "[config][http]") {
    const auto with = [](const std::string& http) {
        std::string y = minimal;
        y.replace(y.find("  ping_ips:"), 11, "  http: " + http + "\n  ping_ips:");
        return errors_of(y);
    };
    CHECK(with("{listen: 9990}") == std::vector<std::string>{
                                         "t.yaml:3: monitor.http.listen: '9990' is not ADDRESS:PORT (an IP address, "
                                         "'[...]' around IPv6, port 1-65535; empty = no HTTP endpoint)"});
    CHECK(with("{listen: \"::1:9990\"}").size() == 1);
    CHECK(with("{listen: \"127.0.0.1:0\"}").size() == 1);
    CHECK(with("{listen: \"localhost:9990\"}").size() == 1);
    CHECK(with("{listen: \"127.0.0.1:9990\", cert_file: /c.pem}") ==
          std::vector<std::string>{"t.yaml:2: monitor.http.key_file: HTTPS needs both monitor.http.cert_file and "
                                   "monitor.http.key_file"});
    CHECK(with("{listen: \"127.0.0.1:9990\", ca_file: /ca.pem}").size() == 1);
    CHECK(with("{listen: \"0.0.0.0:9990\"}") ==
          std::vector<std::string>{"t.yaml:3: monitor.http.listen: '0.0.0.0:9990' is beyond loopback: that needs HTTPS "
                                   "(monitor.http.cert_file, key_file) and authentication (monitor.http.token_file "
                                   "and/or ca_file)"});
    CHECK(with("{listen: \"0.0.0.0:9990\", cert_file: /c, key_file: /k}").size() == 1);
    CHECK(with("{listen: \"0.0.0.0:9990\", cert_file: /c, key_file: /k, token_file: /t}").empty());
    CHECK(with("{listen: \"192.0.2.1:9990\", cert_file: /c, key_file: /k, ca_file: /ca}").empty());
    CHECK(with("{listen: \"127.0.0.1:9990\", nonsense: 1}").size() == 1);  // unknown key, as anywhere
    // The control program does not serve HTTP: it never complains about it.
    std::string y = minimal;
    y.replace(y.find("  ping_ips:"), 11, "  http: {listen: \"0.0.0.0:1\"}\n  ping_ips:");
    CHECK(errors_of(y, Program::Control).empty());
}

TEST_CASE("Galera nodes: mode galera, a writer on any number of them, no peer, no mix with masters",
          "[config][galera]") {
    const std::string galera = R"(active_master_role: writer
monitor:
  ping_ips: [192.0.2.1]
hosts:
  default: {agent_user: a, agent_password: ap, monitor_user: m, monitor_password: mp, replication_user: r,
            replication_password: rp}
  db1: {ip: 192.0.2.11, mode: galera}
  db2: {ip: 192.0.2.12, mode: galera}
  db3: {ip: 192.0.2.13, mode: galera}
  db4: {ip: 192.0.2.14, mode: slave}
roles:
  writer: {mode: exclusive, hosts: [db1, db2, db3], ips: [192.0.2.50]}
  reader: {mode: balanced, hosts: [db1, db2, db3, db4], ips: [192.0.2.51, 192.0.2.52]}
checks:
  wsrep: {check_period: 0.5, trap_period: 1, timeout: 0.4}
)";
    const auto r = parse_yaml_config(galera, "t.yaml", Program::Monitor);
    INFO(r.error_text());
    REQUIRE(r.ok());
    CHECK(r.config.find_host("db1")->mode == HostMode::Galera);
    CHECK(r.config.check(CheckKind::Wsrep).trap_period == 1s);
    CHECK(check_applies(HostMode::Galera, CheckKind::Wsrep));
    CHECK_FALSE(check_applies(HostMode::Galera, CheckKind::RepThreads));
    CHECK_FALSE(check_applies(HostMode::Master, CheckKind::Wsrep));

    auto with = [&](const std::string& from, const std::string& to) {
        std::string text = galera;
        text.replace(text.find(from), from.size(), to);
        return errors_of(text);
    };
    CHECK(with("db1: {ip: 192.0.2.11, mode: galera}", "db1: {ip: 192.0.2.11, mode: galera, peer: db2}") ==
          std::vector<std::string>{"t.yaml:7: hosts.db1.peer: a Galera node has no peer (every node of the cluster "
                                   "has every write)"});
    const auto mixed = with("hosts: [db1, db2, db3]", "hosts: [db1, db4]");
    REQUIRE(mixed.size() == 1);
    CHECK(mixed[0].find("must be all Galera nodes or none") != std::string::npos);
    CHECK(with("mode: galera}\n  db2", "mode: galactic}\n  db2").at(0).find("master, slave, galera") !=
          std::string::npos);

    // sources: Galera nodes, on a replica only; kept in order, emitted and read back.
    CHECK(r.config.find_host("db4")->sources.empty());
    const std::string with_sources = [&] {
        std::string t = galera;
        t.replace(t.find("db4: {ip: 192.0.2.14, mode: slave}"), 34, "db4: {ip: 192.0.2.14, mode: slave, sources: [db3, db2]}");
        return t;
    }();
    const auto src = parse_yaml_config(with_sources, "t.yaml", Program::Monitor);
    INFO(src.error_text());
    REQUIRE(src.ok());
    CHECK(src.config.find_host("db4")->sources == std::vector<std::string>{"db3", "db2"});
    const auto src_again = parse_yaml_config(to_yaml(src.config), "e.yaml", Program::Monitor);
    REQUIRE(src_again.ok());
    CHECK(src_again.config.find_host("db4")->sources == std::vector<std::string>{"db3", "db2"});
    CHECK(with("db4: {ip: 192.0.2.14, mode: slave}", "db4: {ip: 192.0.2.14, mode: slave, sources: [db3, db9, db3]}") ==
          std::vector<std::string>{"t.yaml:10: hosts.db4.sources: unknown host 'db9'",
                                   "t.yaml:10: hosts.db4.sources: 'db3' is named twice"});
    CHECK(with("db1: {ip: 192.0.2.11, mode: galera}", "db1: {ip: 192.0.2.11, mode: galera, sources: [db2]}") ==
          std::vector<std::string>{"t.yaml:7: hosts.db1.sources: only a host in mode slave has sources (the Galera "
                                   "nodes it replicates from)"});
    CHECK(with("db4: {ip: 192.0.2.14, mode: slave}", "db4: {ip: 192.0.2.14, mode: slave, sources: [db4]}") ==
          std::vector<std::string>{"t.yaml:10: hosts.db4.sources: 'db4' is not a Galera node: sources name Galera "
                                   "nodes only (a replica of masters follows the active master)"});

    // agent.galera_read_only: off by default, on when asked, emitted and read back; refused without Galera nodes.
    CHECK_FALSE(r.config.agent.galera_read_only);
    const std::string ro = galera + "agent:\n  galera_read_only: yes\n";
    const auto on = parse_yaml_config(ro, "t.yaml", Program::Agent);
    INFO(on.error_text());
    REQUIRE(on.ok());
    CHECK(on.config.agent.galera_read_only);
    const auto again = parse_yaml_config(to_yaml(on.config), "e.yaml", Program::Agent);
    REQUIRE(again.ok());
    CHECK(again.config.agent.galera_read_only);
    std::string plain = ro;
    for (const auto& [from, to] : {std::pair<std::string, std::string>{"db1: {ip: 192.0.2.11, mode: galera}",
                                                                       "db1: {ip: 192.0.2.11, mode: master, peer: db2}"},
                                   {"db2: {ip: 192.0.2.12, mode: galera}", "db2: {ip: 192.0.2.12, mode: master, peer: db1}"},
                                   {"db3: {ip: 192.0.2.13, mode: galera}", "db3: {ip: 192.0.2.13, mode: slave}"},
                                   {"hosts: [db1, db2, db3]", "hosts: [db1, db2]"}})
        plain.replace(plain.find(from), from.size(), to);
    CHECK(errors_of(plain) == std::vector<std::string>{"t.yaml:17: agent.galera_read_only: is set but no host has "
                                                       "mode: galera (it only changes what Galera nodes do)"});
}
