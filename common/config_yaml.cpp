// YAML configuration (mmm.yaml) -> raw sections.
#include <yaml-cpp/yaml.h>

#include <map>
#include <set>

#include <fmt/format.h>

#include "common/config_raw.hpp"
#include "common/text.hpp"

namespace mmm {

namespace {

using detail::RawConfig;
using detail::RawSection;
using detail::RawValue;

int line_of(const YAML::Node& n) { return n.Mark().line >= 0 ? n.Mark().line + 1 : 0; }

RawValue value_of(const YAML::Node& n, const std::string& file) {
    RawValue v;
    v.file = file;
    v.line = line_of(n);
    if (n.IsSequence()) {
        v.is_list = true;
        for (const auto& item : n) {
            if (item.IsScalar()) v.items.push_back(item.Scalar());
            else v.is_map = true;  // nested structures inside a list are never valid here
        }
    } else if (n.IsMap()) {
        v.is_map = true;
    } else if (n.IsNull()) {
        v.items.emplace_back();
    } else {
        v.items.push_back(n.Scalar());
    }
    return v;
}

// A double-quoted scalar may still spell a control character as an escape ("\0", "\x07", "\n"): no key or value of
// a config has a use for one but tab, so every scalar is checked, at any depth.
void check_control_characters(const YAML::Node& node, const std::string& path, const std::string& file,
                              std::vector<ConfigError>& errors) {
    const auto check = [&](const YAML::Node& n, const std::string& where) {
        if (!n.IsScalar()) return;
        if (const auto at = first_control_character(n.Scalar(), "\t"))
            errors.push_back({file, line_of(n), printable(where),
                              fmt::format("holds a control character (0x{:02x}); keys and values may hold only printable "
                                          "characters and tabs",
                                          static_cast<unsigned char>(n.Scalar()[*at]))});
    };
    if (node.IsMap()) {
        for (const auto& kv : node) {
            const std::string p = kv.first.IsScalar() ? (path.empty() ? "" : path + ".") + kv.first.Scalar() : path;
            check(kv.first, p);
            check_control_characters(kv.second, p, file, errors);
        }
    } else if (node.IsSequence()) {
        for (const auto& item : node) check_control_characters(item, path, file, errors);
    } else {
        check(node, path);
    }
}

// yaml-cpp keeps both pairs of a repeated mapping key, and the readers below took the last one silently: every
// mapping a config has (top level, sections, named sections, their keys) is checked, and a repeated key is an
// error naming both lines (issue 12 item 14). Deeper mappings are errors of their own.
void check_duplicate_keys(const YAML::Node& node, const std::string& path, int depth, const std::string& file,
                          std::vector<ConfigError>& errors) {
    if (!node.IsMap() || depth > 2) return;
    std::map<std::string, int> seen;
    for (const auto& kv : node) {
        if (!kv.first.IsScalar()) continue;
        const std::string key = kv.first.Scalar();
        const std::string p = path.empty() ? key : path + "." + key;
        if (const auto [it, fresh] = seen.emplace(key, line_of(kv.first)); !fresh)
            errors.push_back({file, line_of(kv.first), p, fmt::format("given twice: also at {}:{}", file, it->second)});
        check_duplicate_keys(kv.second, p, depth + 1, file, errors);
    }
}

struct YamlReader {
    const std::string& file;
    LoadResult& out;
    inline static const std::set<std::string> nested_sections = {"http", "coordination"};

    void error(const YAML::Node& at, const std::string& key, std::string what) {
        out.errors.push_back({file, line_of(at), key, std::move(what)});
    }

    void section(const YAML::Node& node, const std::string& path, RawSection& into) {
        into.file = file;
        into.line = line_of(node);
        if (node.IsNull()) return;
        if (!node.IsMap()) {
            error(node, path, "must be a mapping of keys to values");
            return;
        }
        for (const auto& kv : node) {
            // A sub-section (monitor.http): its keys are read as "http.<key>".
            if (kv.second.IsMap() && nested_sections.count(kv.first.Scalar()) != 0) {
                for (const auto& inner : kv.second) {
                    RawValue v = value_of(inner.second, file);
                    v.line = line_of(inner.first);
                    into.set(kv.first.Scalar() + "." + inner.first.Scalar(), std::move(v));
                }
                continue;
            }
            RawValue v = value_of(kv.second, file);
            v.line = line_of(kv.first);
            into.set(kv.first.Scalar(), std::move(v));
        }
    }

    void named_sections(const YAML::Node& node, const std::string& path, std::vector<RawSection>& into) {
        if (node.IsNull()) return;
        if (!node.IsMap()) {
            error(node, path, "must be a mapping of names to sections");
            return;
        }
        for (const auto& kv : node) {
            const std::string name = kv.first.Scalar();
            RawSection& s = RawConfig::named(into, name, file, line_of(kv.first));
            section(kv.second, path + "." + name, s);
            s.line = line_of(kv.first);
        }
    }
};

}  // namespace

LoadResult parse_yaml_config(const std::string& text, const std::string& file, Program program) {
    LoadResult out;
    out.source = file;
    // YAML text is UTF-8: other bytes would load and be written back (to_yaml, config convert) as U+FFFD, naming
    // another file than the one read.
    if (const auto bad = first_invalid_utf8(text)) {
        const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(*bad), '\n');
        out.errors.push_back({file, static_cast<int>(line), "",
                              fmt::format("the file is not UTF-8 (byte 0x{:02x}): YAML text must be UTF-8",
                                          static_cast<unsigned char>(text[*bad]))});
        return out;
    }
    // YAML's character set: no control characters but tab, line feed and carriage return (a NUL loaded, and to_yaml
    // wrote a file that does not load).
    if (const auto bad = first_control_character(text, "\t\n\r")) {
        const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(*bad), '\n');
        out.errors.push_back({file, static_cast<int>(line), "",
                              fmt::format("the file holds a control character (byte 0x{:02x}): YAML text may hold only "
                                          "tab, line feed and carriage return",
                                          static_cast<unsigned char>(text[*bad]))});
        return out;
    }
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
        out.errors.push_back({file, e.mark.line >= 0 ? e.mark.line + 1 : 0, "", "YAML syntax error: " + e.msg});
        return out;
    }
    if (root.IsNull()) {
        out.errors.push_back({file, 0, "", "the file is empty"});
        return out;
    }
    if (!root.IsMap()) {
        out.errors.push_back({file, line_of(root), "", "the top level must be a mapping of keys"});
        return out;
    }

    check_duplicate_keys(root, "", 0, file, out.errors);
    check_control_characters(root, "", file, out.errors);
    RawConfig raw;
    raw.top.file = file;
    YamlReader reader{file, out};
    static const std::vector<std::string> top_keys = {"active_master_role", "max_kill_retries", "debug", "socket",
                                                      "monitor", "checks", "hosts", "roles", "agent"};
    for (const auto& kv : root) {
        const std::string key = kv.first.Scalar();
        const YAML::Node& value = kv.second;
        if (key == "socket" || key == "monitor" || key == "agent") {
            RawSection& s = key == "socket" ? raw.socket : (key == "monitor" ? raw.monitor : raw.agent);
            reader.section(value, key, s);
            s.line = line_of(kv.first);
        }
        else if (key == "hosts") reader.named_sections(value, key, raw.hosts);
        else if (key == "roles") reader.named_sections(value, key, raw.roles);
        else if (key == "checks") reader.named_sections(value, key, raw.checks);
        else if (key == "active_master_role" || key == "max_kill_retries" || key == "debug" || key == "this") {
            RawValue v = value_of(value, file);
            v.line = line_of(kv.first);
            raw.top.set(key, std::move(v));
        } else {
            const auto hint = detail::did_you_mean(key, top_keys);
            reader.error(kv.first, printable(key, 200),
                         hint.empty() ? "unknown key" : fmt::format("unknown key (did you mean '{}'?)", hint));
        }
    }
    detail::build_config(raw, detail::Dialect::Yaml, out);
    validate_config(out, program);
    return out;
}

}  // namespace mmm
