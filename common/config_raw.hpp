// The format-neutral form of a config file: sections of key -> strings with their file and line.
// YAML and legacy loaders both produce it; one builder turns it into the typed model (config_build.cpp).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/config_load.hpp"

namespace mmm::detail {

struct RawValue {
    std::vector<std::string> items;  // one item for scalars
    bool is_list = false;            // given as a list (YAML sequence or legacy multi-value key)
    bool is_map = false;             // given as a mapping where a value was expected (always an error)
    std::string file;
    int line = 0;
};

struct RawSection {
    std::string name;  // section name for named sections ("db1"), empty for unique ones
    std::string file;
    int line = 0;
    std::vector<std::pair<std::string, RawValue>> keys;  // in file order; a repeated key overrides

    const RawValue* find(const std::string& key) const;
    void set(const std::string& key, RawValue value);
};

struct RawConfig {
    RawSection top;
    RawSection monitor;
    RawSection socket;
    RawSection agent;
    std::vector<RawSection> hosts;   // including "default", file order
    std::vector<RawSection> roles;
    std::vector<RawSection> checks;  // including "default"

    // Finds or appends the named section in `list` (re-opening a section merges into it).
    static RawSection& named(std::vector<RawSection>& list, const std::string& name, const std::string& file, int line);
};

enum class Dialect { Yaml, Legacy };

// Turns the raw sections into the model, collecting every error (unknown keys, wrong types) into `out`.
void build_config(const RawConfig& raw, Dialect dialect, LoadResult& out);

// "did you mean 'x'?" suggestion for an unknown key among `known`, or empty.
std::string did_you_mean(const std::string& key, const std::vector<std::string>& known);

}  // namespace mmm::detail
