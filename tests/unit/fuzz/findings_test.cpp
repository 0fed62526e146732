// What the fuzz targets (tests/fuzz) found, one test per finding, with its input. A finding whose fix is still to
// come carries the hidden tag [.pending] (run them with `mmm_unit_fuzz_tests [pending]`) and says where it is.
#include <catch2/catch.hpp>

#include "common/config_load.hpp"

using namespace mmm;

// yaml_config, after about 2 minutes: a YAML config holding bytes that are not UTF-8 (0xff here) in a string that
// to_yaml must double-quote (it also holds a control character, 0x0e) loads; to_yaml writes the bad bytes as U+FFFD,
// so the config written back names another status file (`mmm_control config convert` of a legacy file does the
// same). The fix belongs in the loader (common/config_yaml.cpp: YAML text must be UTF-8; refuse other bytes with
// file:line) or in the emitter (common/config_emit.cpp): either makes this pass.
TEST_CASE("fuzz finding: a YAML config with bytes that are not UTF-8 is refused or written back unchanged",
          "[fuzz][.pending]") {
    const std::string text = "hosts:\n"
                             "  db1: {ip: 127.0.0.1, mode: master, peer: db2}\n"
                             "  db2: {ip: 127.0.0.2, mode: master, peer: db1}\n"
                             "roles:\n"
                             "  writer: {hosts: [db1, db2], ips: [127.0.0.10]}\n"
                             "monitor: {ip: 127.0.0.1, status_path: \"/var/lib/\xff\x0e/mmm_mond.status\"}\n"
                             "agent: {this: db1}\n";
    const LoadResult loaded = parse_yaml_config(text, "finding.yaml", Program::Control);
    if (!loaded.ok()) return;  // refused: fixed in the loader
    const LoadResult again = parse_yaml_config(to_yaml(loaded.config), "emitted.yaml", Program::Control);
    REQUIRE(again.ok());
    CHECK(again.config.monitor.status_path == loaded.config.monitor.status_path);
}
