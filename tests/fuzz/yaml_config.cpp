// Fuzz target: the YAML configuration loader (parse_yaml_config: YAML -> raw sections -> model -> validation) for
// each program; a config that loads is written back (to_yaml) and must load again to the same model.
#include <string>

#include "common/config_load.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace mmm;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(fuzz::as_text(data, size));
    // Every config that loads must round trip (text that is not UTF-8 is refused: a finding, tests/unit/fuzz).
    for (const auto program : {Program::Monitor, Program::Agent, Program::Control}) {
        const LoadResult loaded = parse_yaml_config(text, "fuzz.yaml", program);
        if (!loaded.ok()) continue;
        const LoadResult again = parse_yaml_config(to_yaml(loaded.config), "emitted.yaml", program);
        fuzz::check(again.ok(), "to_yaml wrote a config that does not load");
        fuzz::check(again.config == loaded.config, "to_yaml's config loads to another model");
    }
    return 0;
}
