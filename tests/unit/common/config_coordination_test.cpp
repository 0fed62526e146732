// Unit tests of the configuration of several monitors on etcd (issue 14): monitor.ip as a list, monitor.coordination,
// its validation, etcd endpoint URLs, the key prefix, and the YAML emitter's round trip.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "common/config_load.hpp"
#include "unit/common/config_fixtures.hpp"

using namespace mmm;
using namespace std::chrono_literals;
using mmm::test::minimal;
using mmm::test::TempDir;

namespace {

// The minimal cluster with `lines` added to its monitor section (after "  ping_ips: [192.0.2.1]", line 3: the first
// added line is line 4).
std::string with_monitor(const std::string& lines) {
    std::string y = minimal;
    const std::string anchor = "  ping_ips: [192.0.2.1]\n";
    y.insert(y.find(anchor) + anchor.size(), lines);
    return y;
}

std::vector<std::string> coord_errors(const std::string& yaml, Program program = Program::Monitor) {
    std::vector<std::string> out;
    for (const auto& e : parse_yaml_config(yaml, "t.yaml", program).errors) out.push_back(e.to_string());
    return out;
}

// The errors that mention `text`.
std::vector<std::string> coord_errors_with(const std::vector<std::string>& errors, const std::string& text) {
    std::vector<std::string> out;
    std::copy_if(errors.begin(), errors.end(), std::back_inserter(out),
                 [&](const std::string& e) { return e.find(text) != std::string::npos; });
    return out;
}

// The errors without their "FILE:LINE: " (for a key that is missing: its error points at an enclosing section).
std::vector<std::string> coord_errors_unlined(const std::string& yaml) {
    std::vector<std::string> out;
    for (const auto& e : parse_yaml_config(yaml, "t.yaml", Program::Monitor).errors)
        out.push_back(e.key + ": " + e.what);
    return out;
}

const std::string etcd_section = "  coordination:\n"
                            "    type: etcd\n"
                            "    endpoints: [http://127.0.0.1:2379]\n";

}  // namespace

TEST_CASE("coordination: monitor.ip takes one address or a list, ip being the first", "[config][coordination]") {
    SECTION("a scalar") {
        const auto r = parse_yaml_config(with_monitor("  ip: 192.0.2.5\n"), "t.yaml", Program::Monitor);
        INFO(r.error_text());
        REQUIRE(r.ok());
        CHECK(r.config.monitor.ip == "192.0.2.5");
        CHECK(r.config.monitor.ips == std::vector<std::string>{"192.0.2.5"});
        CHECK(r.config.monitor.addresses() == std::vector<std::string>{"192.0.2.5"});
        CHECK(r.config.monitor.coordination.type == CoordinationType::None);
    }
    SECTION("not given: 127.0.0.1") {
        const auto r = parse_yaml_config(minimal, "t.yaml", Program::Monitor);
        REQUIRE(r.ok());
        CHECK(r.config.monitor.ip == "127.0.0.1");
        CHECK(r.config.monitor.ips == std::vector<std::string>{"127.0.0.1"});
        CHECK(r.config.monitor.addresses() == std::vector<std::string>{"127.0.0.1"});
    }
    SECTION("a list (with etcd)") {
        const auto r = parse_yaml_config(with_monitor("  ip: [192.0.2.5, 192.0.2.6, 192.0.2.7]\n" + etcd_section),
                                         "t.yaml", Program::Monitor);
        INFO(r.error_text());
        REQUIRE(r.ok());
        CHECK(r.config.monitor.ip == "192.0.2.5");
        CHECK(r.config.monitor.ips == std::vector<std::string>{"192.0.2.5", "192.0.2.6", "192.0.2.7"});
        CHECK(r.config.monitor.addresses() == r.config.monitor.ips);
    }
    SECTION("a list of one is one monitor (no etcd needed)") {
        const auto r = parse_yaml_config(with_monitor("  ip: [192.0.2.5]\n"), "t.yaml", Program::Monitor);
        INFO(r.error_text());
        REQUIRE(r.ok());
        CHECK(r.config.monitor.ip == "192.0.2.5");
    }
    SECTION("mmm_control reads the list too") {
        const auto r = parse_yaml_config(with_monitor("  ip: [192.0.2.5, 192.0.2.6]\n" + etcd_section), "t.yaml",
                                         Program::Control);
        INFO(r.error_text());
        REQUIRE(r.ok());
        CHECK(r.config.monitor.addresses() == std::vector<std::string>{"192.0.2.5", "192.0.2.6"});
    }
    SECTION("an empty list, an invalid entry") {
        CHECK(coord_errors(with_monitor("  ip: []\n")) ==
              std::vector<std::string>{"t.yaml:4: monitor.ip: needs at least one address"});
        const auto errs = coord_errors(with_monitor("  ip: [192.0.2.5, db9]\n" + etcd_section));
        CHECK(coord_errors_with(errs, "monitor.ip: 'db9' is not an IP address").size() == 1);
    }
}

TEST_CASE("coordination: addresses() is ips when it holds ip, else ip alone", "[config][coordination]") {
    MonitorConfig m;
    CHECK(m.addresses() == std::vector<std::string>{"127.0.0.1"});
    m.ips = {"10.0.0.1", "10.0.0.2", "10.0.0.3"};
    m.ip = "10.0.0.2";  // mmm_mond on the second monitor host
    CHECK(m.addresses() == std::vector<std::string>{"10.0.0.1", "10.0.0.2", "10.0.0.3"});
    m.ip = "10.0.0.9";  // a config built in code that set only ip
    CHECK(m.addresses() == std::vector<std::string>{"10.0.0.9"});
}

TEST_CASE("coordination: etcd settings or several monitors without type etcd are refused", "[config][coordination]") {
    SECTION("each etcd key with type none names itself") {
        const std::vector<std::pair<std::string, std::string>> keys = {
            {"endpoints", "[http://127.0.0.1:2379]"}, {"prefix", "/x"},           {"lease_ttl", "5"},
            {"cert_file", "/c.pem"},                  {"key_file", "/k.pem"},     {"ca_file", "/ca.pem"}};
        for (const auto& [key, value] : keys) {
            for (const std::string type : {"", "    type: none\n"}) {
                INFO(key << " type line: " << type);
                const auto y = with_monitor("  coordination:\n" + type + "    " + key + ": " + value + "\n");
                const int line = type.empty() ? 5 : 6;
                CHECK(coord_errors(y) ==
                      std::vector<std::string>{"t.yaml:" + std::to_string(line) + ": monitor.coordination." + key +
                                               ": is set but monitor.coordination.type is none (set it to etcd, or "
                                               "remove it)"});
            }
        }
    }
    SECTION("type none alone is the default") {
        const auto r = parse_yaml_config(with_monitor("  coordination: {type: none}\n"), "t.yaml", Program::Monitor);
        INFO(r.error_text());
        REQUIRE(r.ok());
        CHECK(r.config.monitor.coordination == CoordinationConfig{});
    }
    SECTION("an unknown type") {
        CHECK(coord_errors(with_monitor("  coordination: {type: zookeeper}\n")) ==
              std::vector<std::string>{"t.yaml:4: monitor.coordination.type: invalid value 'zookeeper' (allowed: none, "
                                       "etcd)"});
    }
    SECTION("an unknown key in the section") {
        const auto errs = coord_errors(with_monitor(etcd_section + "    lease: 5\n"));
        REQUIRE(errs.size() == 1);
        CHECK(errs[0].find("monitor.coordination.lease: unknown key") != std::string::npos);
    }
    SECTION("several monitor addresses need etcd") {
        CHECK(coord_errors(with_monitor("  ip: [192.0.2.5, 192.0.2.6]\n")) ==
              std::vector<std::string>{"t.yaml:4: monitor.ip: lists 2 monitors: several monitors need "
                                       "monitor.coordination.type etcd (one monitor: a single address)"});
    }
}

TEST_CASE("coordination: etcd's endpoints are required and must be etcd client URLs of one scheme",
          "[config][coordination]") {
    SECTION("etcd without endpoints") {
        const auto errs = coord_errors_unlined(with_monitor("  coordination: {type: etcd}\n"));
        CHECK(errs == std::vector<std::string>{"monitor.coordination.endpoints: is required when "
                                               "monitor.coordination.type is etcd"});
        CHECK(coord_errors(with_monitor("  coordination: {type: etcd, endpoints: []}\n")).size() == 1);
    }
    SECTION("a malformed endpoint") {
        for (const std::string bad : {"127.0.0.1:2379", "http://127.0.0.1", "tcp://127.0.0.1:2379",
                                      "http://127.0.0.1:0", "http://127.0.0.1:99999", "http://127.0.0.1:2379/v3"}) {
            INFO(bad);
            const auto errs = coord_errors(with_monitor("  coordination: {type: etcd, endpoints: [" + bad + "]}\n"));
            REQUIRE(errs.size() == 1);
            CHECK(errs[0] == "t.yaml:4: monitor.coordination.endpoints: '" + bad +
                                 "' is not an etcd client URL (http://HOST:PORT or https://HOST:PORT)");
        }
    }
    SECTION("one good and one bad endpoint: only the bad one is named") {
        const auto errs = coord_errors(
            with_monitor("  coordination: {type: etcd, endpoints: [http://10.0.0.1:2379, http://10.0.0.2]}\n"));
        REQUIRE(errs.size() == 1);
        CHECK(errs[0].find("'http://10.0.0.2'") != std::string::npos);
    }
    SECTION("http and https mixed") {
        const auto errs = coord_errors(with_monitor(
            "  coordination:\n    type: etcd\n    endpoints: [https://10.0.0.1:2379, http://10.0.0.2:2379]\n"
            "    ca_file: /etc/mmm/etcd-ca.pem\n"));
        REQUIRE_FALSE(errs.empty());
        CHECK(coord_errors_with(errs, "monitor.coordination.endpoints: mixes http:// and https:// endpoints").size() ==
              errs.size());
    }
    SECTION("several endpoints of one scheme") {
        const auto r = parse_yaml_config(
            with_monitor("  coordination:\n    type: etcd\n"
                         "    endpoints: [http://10.0.0.1:2379, http://10.0.0.2:2379, 'http://[fd00::3]:2379']\n"),
            "t.yaml", Program::Monitor);
        INFO(r.error_text());
        REQUIRE(r.ok());
        CHECK(r.config.monitor.coordination.endpoints ==
              std::vector<std::string>{"http://10.0.0.1:2379", "http://10.0.0.2:2379", "http://[fd00::3]:2379"});
    }
}

TEST_CASE("coordination: TLS files go with https endpoints, a client certificate with its key",
          "[config][coordination]") {
    const std::string https = "  coordination:\n    type: etcd\n    endpoints: [https://10.0.0.1:2379]\n";
    SECTION("https without ca_file") {
        CHECK(coord_errors_unlined(with_monitor(https)) ==
              std::vector<std::string>{"monitor.coordination.ca_file: is required with https:// endpoints "
                                       "(the CA of etcd's certificates)"});
    }
    SECTION("https with ca_file, with or without a client certificate") {
        const auto r =
            parse_yaml_config(with_monitor(https + "    ca_file: /etc/mmm/ca.pem\n"), "t.yaml", Program::Monitor);
        INFO(r.error_text());
        REQUIRE(r.ok());
        CHECK(r.config.monitor.coordination.ca_file == "/etc/mmm/ca.pem");
        const auto both = parse_yaml_config(
            with_monitor(https +
                         "    ca_file: /etc/mmm/ca.pem\n    cert_file: /etc/mmm/c.pem\n    key_file: /etc/mmm/k.pem\n"),
            "t.yaml", Program::Monitor);
        INFO(both.error_text());
        REQUIRE(both.ok());
        CHECK(both.config.monitor.coordination.cert_file == "/etc/mmm/c.pem");
        CHECK(both.config.monitor.coordination.key_file == "/etc/mmm/k.pem");
    }
    SECTION("a certificate without its key, a key without its certificate") {
        CHECK(coord_errors_unlined(with_monitor(https + "    ca_file: /ca.pem\n    cert_file: /c.pem\n")) ==
              std::vector<std::string>{"monitor.coordination.key_file: a client certificate needs both "
                                       "monitor.coordination.cert_file and key_file"});
        CHECK(coord_errors_unlined(with_monitor(https + "    ca_file: /ca.pem\n    key_file: /k.pem\n")) ==
              std::vector<std::string>{"monitor.coordination.cert_file: a client certificate needs both "
                                       "monitor.coordination.cert_file and key_file"});
    }
    SECTION("TLS files with http endpoints would be ignored: refused") {
        const auto errs = coord_errors(with_monitor(etcd_section + "    ca_file: /ca.pem\n"));
        REQUIRE(errs.size() == 1);
        CHECK(errs[0] == "t.yaml:7: monitor.coordination.ca_file: needs https:// endpoints (with http:// the files "
                         "would not be used)");
        const auto cert = coord_errors(with_monitor(etcd_section + "    cert_file: /c.pem\n    key_file: /k.pem\n"));
        REQUIRE(cert.size() == 1);
        CHECK(cert[0].find("monitor.coordination.cert_file: needs https:// endpoints") != std::string::npos);
    }
}

TEST_CASE("coordination: lease_ttl is whole seconds from 2 to 300", "[config][coordination]") {
    for (const std::string bad : {"0", "1", "1.5", "301", "500ms", "10m"}) {
        INFO(bad);
        const auto errs = coord_errors(with_monitor(etcd_section + "    lease_ttl: " + bad + "\n"));
        REQUIRE(errs.size() == 1);
        CHECK(errs[0].rfind("t.yaml:7: monitor.coordination.lease_ttl: ", 0) == 0);
        CHECK(errs[0].find("etcd leases are whole seconds, from 2 (etcd's minimum) to 300") != std::string::npos);
    }
    CHECK(coord_errors(with_monitor(etcd_section + "    lease_ttl: 1.5\n")) ==
          std::vector<std::string>{"t.yaml:7: monitor.coordination.lease_ttl: 1.5s: etcd leases are whole seconds, "
                                   "from 2 (etcd's minimum) to 300"});
    for (const auto& [text, value] : std::vector<std::pair<std::string, Duration>>{
             {"2", 2s}, {"2s", 2s}, {"2000ms", 2s}, {"300", 300s}, {"5m", 300s}}) {
        INFO(text);
        const auto r = parse_yaml_config(with_monitor(etcd_section + "    lease_ttl: " + text + "\n"), "t.yaml",
                                         Program::Monitor);
        INFO(r.error_text());
        REQUIRE(r.ok());
        CHECK(r.config.monitor.coordination.lease_ttl == value);
    }
    // The default: 10 s.
    const auto r = parse_yaml_config(with_monitor(etcd_section), "t.yaml", Program::Monitor);
    REQUIRE(r.ok());
    CHECK(r.config.monitor.coordination.lease_ttl == 10s);
}

TEST_CASE("coordination: the prefix starts with '/', defaults to /mmm/<cluster>, has no trailing '/'",
          "[config][coordination]") {
    CHECK(coord_errors(with_monitor(etcd_section + "    prefix: mmm/prod\n")) ==
          std::vector<std::string>{"t.yaml:7: monitor.coordination.prefix: 'mmm/prod' must start with '/'"});

    Config c;
    CHECK(c.etcd_prefix() == "/mmm/default");
    c.cluster = "prod";
    CHECK(c.etcd_prefix() == "/mmm/prod");
    c.monitor.coordination.prefix = "/x/y/";
    CHECK(c.etcd_prefix() == "/x/y");
    c.monitor.coordination.prefix = "/x/y//";
    CHECK(c.etcd_prefix() == "/x/y");
    c.monitor.coordination.prefix = "/x";
    CHECK(c.etcd_prefix() == "/x");

    const auto r =
        parse_yaml_config(with_monitor(etcd_section + "    prefix: /mmm/prod/\n"), "t.yaml", Program::Monitor);
    INFO(r.error_text());
    REQUIRE(r.ok());
    CHECK(r.config.monitor.coordination.prefix == "/mmm/prod/");
    CHECK(r.config.etcd_prefix() == "/mmm/prod");
}

TEST_CASE("coordination: load_config keeps the cluster name, which names the default prefix",
          "[config][coordination]") {
    TempDir dir;
    const auto path = dir.write("mmm_c1.yaml", with_monitor(etcd_section));
    const auto named = load_config(path, "c1", Program::Monitor);
    INFO(named.error_text());
    REQUIRE(named.ok());
    CHECK(named.config.cluster == "c1");
    CHECK(named.config.etcd_prefix() == "/mmm/c1");
    const auto unnamed = load_config(path, "", Program::Monitor);
    REQUIRE(unnamed.ok());
    CHECK(unnamed.config.cluster.empty());
    CHECK(unnamed.config.etcd_prefix() == "/mmm/default");
}

TEST_CASE("coordination: etcd endpoint URLs", "[config][coordination]") {
    using E = EtcdEndpoint;
    const std::vector<std::pair<std::string, E>> good = {
        {"http://127.0.0.1:2379", E{false, "127.0.0.1", 2379}},
        {"https://etcd1.example.com:2379", E{true, "etcd1.example.com", 2379}},
        {"http://10.0.0.1:2379/", E{false, "10.0.0.1", 2379}},  // a trailing slash
        {"http://[::1]:2379", E{false, "::1", 2379}},
        {"https://[2001:db8::7]:65535", E{true, "2001:db8::7", 65535}},
        {"http://h:1", E{false, "h", 1}},
    };
    for (const auto& [url, expected] : good) {
        INFO(url);
        const auto e = parse_etcd_endpoint(url);
        REQUIRE(e);
        CHECK(*e == expected);
    }
    for (const std::string bad :
         {"", "127.0.0.1:2379", "ftp://h:1", "http://", "http://h", "http://h:", "http://:2379", "http://h:0",
          "http://h:65536", "http://h:99999999999", "http://h:-1", "http://h:+1", "http://h: 1", "http://h:2379x",
          "http://h:2379/v3", "http://h:2379//", "http://user@h:2379", "http://h h:2379", "http://h?x:1",
          "http://h#x:1",
          "http://[::1]", "http://[::1]2379", "http://[::1:2379", "http://[]:2379", "http://::1:2379",
          "http://[::1]:", "unix:///run/etcd.sock"}) {
        INFO(bad);
        CHECK_FALSE(parse_etcd_endpoint(bad));
    }
}

TEST_CASE("coordination: an etcd config survives to_yaml and back", "[config][coordination]") {
    const std::string yaml = with_monitor("  ip: [192.0.2.5, 192.0.2.6, 192.0.2.7]\n"
                                          "  coordination:\n"
                                          "    type: etcd\n"
                                          "    endpoints: ['https://[fd00::1]:2379', https://10.0.0.2:2379]\n"
                                          "    prefix: /mmm/prod\n"
                                          "    lease_ttl: 3\n"
                                          "    cert_file: /etc/mmm/etcd-client.pem\n"
                                          "    key_file: /etc/mmm/etcd-client.key\n"
                                          "    ca_file: /etc/mmm/etcd-ca.pem\n");
    const auto first = parse_yaml_config(yaml, "t.yaml", Program::Monitor);
    INFO(first.error_text());
    REQUIRE(first.ok());
    const auto& k = first.config.monitor.coordination;
    CHECK(k.type == CoordinationType::Etcd);
    CHECK(k.endpoints == std::vector<std::string>{"https://[fd00::1]:2379", "https://10.0.0.2:2379"});
    CHECK(k.prefix == "/mmm/prod");
    CHECK(k.lease_ttl == 3s);

    const std::string emitted = to_yaml(first.config);
    INFO(emitted);
    const auto back = parse_yaml_config(emitted, "converted.yaml", Program::Monitor);
    INFO(back.error_text());
    REQUIRE(back.ok());
    CHECK(back.config.monitor.coordination == first.config.monitor.coordination);
    CHECK(back.config.monitor.ips == first.config.monitor.ips);
    CHECK(back.config.monitor.ip == "192.0.2.5");
    CHECK(back.config == first.config);

    SECTION("the defaults (no prefix, no TLS files) too") {
        const auto plain = parse_yaml_config(with_monitor("  ip: [192.0.2.5, 192.0.2.6]\n" + etcd_section), "t.yaml",
                                             Program::Monitor);
        REQUIRE(plain.ok());
        const auto again = parse_yaml_config(to_yaml(plain.config), "converted.yaml", Program::Monitor);
        INFO(again.error_text());
        REQUIRE(again.ok());
        CHECK(again.config == plain.config);
        CHECK(again.config.monitor.coordination.prefix.empty());
    }
    SECTION("a single monitor without etcd emits no coordination section") {
        const auto single = parse_yaml_config(minimal, "t.yaml", Program::Monitor);
        REQUIRE(single.ok());
        CHECK(to_yaml(single.config).find("coordination") == std::string::npos);
    }
}

TEST_CASE("coordination: a writer lease too short to outlast a leader change gets a WARN naming the shortest that does",
          "[config][coordination]") {
    auto warnings_with = [](const std::string& monitor_lines, const std::string& text) {
        const auto r = parse_yaml_config(with_monitor(monitor_lines), "t.yaml", Program::Monitor);
        INFO(r.error_text());
        REQUIRE(r.ok());
        return static_cast<int>(std::count_if(r.warnings.begin(), r.warnings.end(), [&](const std::string& w) {
            return w.find(text) != std::string::npos;
        }));
    };
    const std::string ttl2 = etcd_section + "    lease_ttl: 2\n";
    SECTION("lease_ttl 2 s: a leader change takes about 5 s; 5 s of lease renewed every 1.67 s leave 3.33 s") {
        CHECK(warnings_with("  writer_lease: 5\n" + ttl2, "monitor.writer_lease (5s) is too short to outlast a leader "
                                                           "change (about 5s") == 1);
        CHECK(warnings_with("  writer_lease: 5\n" + ttl2, "Set writer_lease to 7.5s or more") == 1);
        CHECK(warnings_with("  writer_lease: 7.4\n" + ttl2, "too short to outlast a leader change") == 1);
        CHECK(warnings_with("  writer_lease: 7.5\n" + ttl2, "leader change") == 0);
        CHECK(warnings_with("  writer_lease: 0\n" + ttl2, "leader change") == 0);
    }
    SECTION("a third of the lease longer than status_interval: renewed every status_interval") {
        const std::string lines = "  status_interval: 1\n" + etcd_section + "    lease_ttl: 10\n";
        CHECK(warnings_with("  writer_lease: 13.9\n" + lines, "Set writer_lease to 14s or more") == 1);
        CHECK(warnings_with("  writer_lease: 14\n" + lines, "leader change") == 0);
    }
    SECTION("one monitor: no leader changes, no such warning") {
        CHECK(warnings_with("  writer_lease: 1\n", "leader change") == 0);
    }
}
