// Legacy mysql-mmm configuration files (mmm_common.conf, mmm_mon.conf, mmm_agent.conf) -> raw sections.
#include <filesystem>
#include <fstream>
#include <regex>

#include <fmt/format.h>

#include "common/config_raw.hpp"

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

    void error(const std::string& file, int line, std::string what) {
        out.errors.push_back({file, line, "", std::move(what)});
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
        static const std::regex comment(R"(^\s*(#.*)?$)");
        static const std::regex end_tag(R"(^\s*</\s*[\w-]*\s*>\s*$)");
        static const std::regex include(R"(^\s*include\s+(\S+)\s*$)");
        static const std::regex open_tag(R"(^\s*<\s*(\w+)(?:\s+([\w-]+))?\s*(/?)\s*>\s*$)");
        static const std::regex variable(R"(^\s*(\S+)\s+(.*?)\s*$)");

        RawSection* current = nullptr;
        std::string line;
        int n = 0;
        while (std::getline(in, line)) {
            ++n;
            if (!line.empty() && line.back() == '\r') line.pop_back();
            std::smatch m;
            if (std::regex_match(line, comment)) continue;
            if (std::regex_match(line, end_tag)) {
                if (current == nullptr) out.warnings.push_back(fmt::format("{}:{}: stray end tag ignored", path, n));
                current = nullptr;
                continue;
            }
            if (current == nullptr && std::regex_match(line, m, include)) {
                const auto target = resolve_include(m[1].str(), fs::path(path).parent_path());
                if (target.empty())
                    error(path, n,
                          fmt::format("include: no readable config file {} beside this file or in /etc, /etc/mmm, "
                                      "/etc/mysql-mmm",
                                      m[1].str()));
                else
                    read(target);
                continue;
            }
            if (std::regex_match(line, m, open_tag)) {
                const std::string type = m[1].str();
                const std::string name = m[2].str();
                const bool empty = m[3].length() > 0;
                RawSection* s = open_section(path, n, type, name);
                current = empty ? nullptr : s;
                continue;
            }
            if (std::regex_match(line, m, variable)) {
                RawValue v;
                v.items.push_back(m[2].str());
                v.file = path;
                v.line = n;
                (current != nullptr ? *current : raw.top).set(m[1].str(), std::move(v));
                continue;
            }
            error(path, n, "Invalid config line");
        }
        --depth;
    }

    RawSection* open_section(const std::string& file, int line, const std::string& type, const std::string& name) {
        static RawSection ignored_section;
        const bool unique = type == "monitor" || type == "socket";
        const bool named = type == "host" || type == "role" || type == "check" || type == "copy_method";
        if (!unique && !named) {
            error(file, line, fmt::format("Invalid section {}", type));
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
    LegacyReader reader{out, raw};
    reader.read(path);
    if (!out.errors.empty()) return out;
    detail::build_config(raw, detail::Dialect::Legacy, out);
    validate_config(out, program);
    return out;
}

}  // namespace mmm
