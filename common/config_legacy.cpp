// Legacy mysql-mmm configuration files (mmm_common.conf, mmm_mon.conf, mmm_agent.conf) -> raw sections.
#include <filesystem>
#include <fstream>
#include <map>
#include <utility>

#include <fmt/format.h>

#include "common/config_legacy_line.hpp"
#include "common/config_raw.hpp"
#include "common/text.hpp"

namespace mmm {

namespace {

namespace fs = std::filesystem;
using detail::RawConfig;
using detail::RawSection;
using detail::RawValue;

// Resolves an include name: beside the including file first, then the mysql-mmm search path.
std::string resolve_include(const std::string& name, const fs::path& beside) {
    std::string file = name;
    if (file.size() < 5 || file.substr(file.size() - 5) != ".conf") file += ".conf";
    if (fs::path(file).is_absolute()) return fs::exists(file) ? file : std::string{};
    std::vector<fs::path> candidates{beside / file};
    for (const auto& d : legacy_config_dirs) candidates.push_back(fs::path(d) / file);
    for (const auto& c : candidates)
        if (std::ifstream(c).good()) return c.string();
    return {};
}

struct LegacyReader {
    LoadResult& out;
    RawConfig& raw;
    int depth = 0;
    // Where each section was first opened: "host db1" -> (file, line). Re-opening one in another file merges
    // (mysql-mmm's layout: mmm_mon.conf adds monitor credentials to mmm_common.conf's <host default>); re-opening
    // one in the same file is an error (issue 12 item 14).
    std::map<std::string, std::pair<std::string, int>> opened;

    void error(const std::string& file, int line, std::string what, std::string key = {}) {
        out.errors.push_back({file, line, std::move(key), std::move(what)});
    }

    void read(const std::string& path) {
        if (++depth > 16) {
            error(path, 0, "includes nest too deep (an include loop?)");
            --depth;
            return;
        }
        std::ifstream in(path);
        if (!in) {
            error(path, 0, "can't read the file");
            --depth;
            return;
        }
        out.files.push_back(path);
        RawSection* current = nullptr;
        std::string section_path;  // "hosts.db1" for keys of the current section, empty at top level
        std::string line;
        int n = 0;
        while (std::getline(in, line)) {
            ++n;
            if (!line.empty() && line.back() == '\r') line.pop_back();
            auto l = detail::parse_legacy_line(line);
            using Kind = detail::LegacyLine::Kind;
            if (l.kind == Kind::Include && current != nullptr) {  // only at top level; inside a section a key
                l.kind = Kind::Variable;
                l.second = std::move(l.first);
                l.first = "include";
            }
            switch (l.kind) {
            case Kind::Blank: break;
            case Kind::EndTag:
                if (current == nullptr) out.warnings.push_back(fmt::format("{}:{}: stray end tag ignored", path, n));
                current = nullptr;
                break;
            case Kind::Include:
                if (const auto target = resolve_include(l.first, fs::path(path).parent_path()); target.empty())
                    error(path, n,
                          fmt::format("include: no readable config file {} beside this file or in /etc, /etc/mmm, "
                                      "/etc/mysql-mmm",
                                      l.first));
                else
                    read(target);
                break;
            case Kind::OpenTag: {
                RawSection* s = open_section(path, n, l.first, l.second);
                current = l.empty_section ? nullptr : s;
                section_path = section_key(l.first, l.second);
                break;
            }
            case Kind::Variable: {
                RawSection& into = current != nullptr ? *current : raw.top;
                const std::string key_path = current != nullptr ? section_path + "." + l.first : l.first;
                // As in YAML files: no control character but tab in a key or value (`config convert` could not
                // write it back).
                if (const auto at = first_control_character(l.first + l.second, "\t")) {
                    error(path, n,
                          fmt::format("holds a control character (0x{:02x}); keys and values may hold only printable "
                                      "characters and tabs",
                                      static_cast<unsigned char>((l.first + l.second)[*at])),
                          printable(key_path, 80));
                    break;
                }
                if (const RawValue* before = into.find(l.first); before != nullptr)
                    error(path, n, fmt::format("given twice: also at {}:{}", before->file, before->line), key_path);
                RawValue v;
                v.items.push_back(std::move(l.second));
                v.file = path;
                v.line = n;
                into.set(l.first, std::move(v));
                break;
            }
            case Kind::Invalid: error(path, n, "Invalid config line"); break;
            }
        }
        --depth;
    }

    // The dotted prefix of a section's keys in error messages, as the builder names them.
    static std::string section_key(const std::string& type, const std::string& name) {
        if (type == "host" || type == "role" || type == "check") return type + "s." + name;
        return name.empty() ? type : type + "." + name;
    }

    RawSection* open_section(const std::string& file, int line, const std::string& type, const std::string& name) {
        static RawSection ignored_section;
        const bool unique = type == "monitor" || type == "socket";
        const bool named = type == "host" || type == "role" || type == "check" || type == "copy_method";
        if (!unique && !named) {
            error(file, line, fmt::format("Invalid section {}", printable(type, 80)));
            return nullptr;
        }
        if (unique && !name.empty()) {
            error(file, line, fmt::format("Section name specified for unique section {}", type));
            return nullptr;
        }
        if (named && name.empty()) {
            error(file, line, fmt::format("No section name specified for named section {}", type));
            return nullptr;
        }
        const std::string id = name.empty() ? type : type + " " + name;
        if (const auto [it, fresh] = opened.emplace(id, std::make_pair(file, line)); !fresh && it->second.first == file)
            error(file, line, fmt::format("section <{}> is opened twice in this file: also at {}:{}", id, file,
                                          it->second.second));
        if (type == "monitor") return mark(raw.monitor, file, line);
        if (type == "socket") return mark(raw.socket, file, line);
        if (type == "host") return &RawConfig::named(raw.hosts, name, file, line);
        if (type == "role") return &RawConfig::named(raw.roles, name, file, line);
        if (type == "check") return &RawConfig::named(raw.checks, name, file, line);
        ignored_section = RawSection{};  // copy_method: used only by mysql-mmm's backup tools
        return &ignored_section;
    }

    static RawSection* mark(RawSection& s, const std::string& file, int line) {
        if (s.file.empty()) {
            s.file = file;
            s.line = line;
        }
        return &s;
    }
};

}  // namespace

LoadResult load_legacy_config(const std::string& path, Program program) {
    LoadResult out;
    out.source = path;
    out.format = ConfigFormat::Legacy;
    RawConfig raw;
    raw.top.file = path;
    LegacyReader reader{out, raw, 0, {}};
    reader.read(path);
    if (!out.errors.empty()) return out;
    detail::build_config(raw, detail::Dialect::Legacy, out);
    validate_config(out, program);
    return out;
}

}  // namespace mmm
