// Status file text: "# mmm-status <version> mode=<MODE>[ epoch=<n>]" then one "host|STATE|roles[|flags]" line per host;
// also mysql-mmm 2.2's file, the same host lines without the header.
#include "monitor/core/status_file.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

namespace mmm::monitor {

namespace {
constexpr std::string_view failed_active_master_flag = "failed_active_master";
constexpr std::string_view header_prefix = "# mmm-status ";

// One "host|STATE|roles[|flags]" line (flags from version 2 on); the error text has no file or line.
Result<StoredHost> parse_host_line(std::string_view line, int version) {
    std::size_t bar1 = line.find('|');
    std::size_t bar2 = bar1 == std::string_view::npos ? bar1 : line.find('|', bar1 + 1);
    std::size_t bar3 = bar2 == std::string_view::npos ? bar2 : line.find('|', bar2 + 1);
    if (bar2 == std::string_view::npos || bar1 == 0 ||
        (bar3 != std::string_view::npos && (version < 2 || line.find('|', bar3 + 1) != std::string_view::npos)))
        return fail(fmt::format("malformed line '{}' (expected host|STATE|roles{})", line, version < 2 ? "" : "[|flags]"));
    bool failed_as_active_master = false;
    if (bar3 != std::string_view::npos) {
        std::string_view flags = line.substr(bar3 + 1);
        if (flags != failed_active_master_flag) return fail(fmt::format("unknown host flag '{}'", flags));
        failed_as_active_master = true;
    }
    line = line.substr(0, bar3);
    std::string_view state_text = line.substr(bar1 + 1, bar2 - bar1 - 1);
    auto state = parse_host_state(state_text);
    if (!state || *state == HostState::Unknown) return fail(fmt::format("unknown state '{}'", state_text));
    std::string_view roles_text = line.substr(bar2 + 1);
    auto roles = protocol::parse_roles(roles_text);
    std::sort(roles.begin(), roles.end());
    if (protocol::encode_roles(roles).size() != roles_text.size())
        return fail(fmt::format("malformed role list '{}'", roles_text));
    return StoredHost{std::string(line.substr(0, bar1)), *state, std::move(roles), failed_as_active_master};
}
}  // namespace

std::string format_status_file(const StoredStatus& status) {
    const bool flags = std::any_of(status.hosts.begin(), status.hosts.end(),
                                   [](const StoredHost& h) { return h.failed_as_active_master; });
    std::string out = status.epoch != 0
                          ? fmt::format("{}3 mode={} epoch={}\n", header_prefix, to_string(status.mode), status.epoch)
                          : fmt::format("{}{} mode={}\n", header_prefix, flags ? 2 : 1, to_string(status.mode));
    for (const auto& h : status.hosts)
        out += fmt::format("{}|{}|{}{}\n", h.host, to_string(h.state), protocol::encode_roles(h.roles),
                           h.failed_as_active_master ? fmt::format("|{}", failed_active_master_flag) : "");
    return out;
}

Result<StoredStatus> parse_status_file(std::string_view text, std::string_view file_name) {
    StoredStatus status;
    int line_no = 0;
    bool header = false;
    int version = 0;
    auto err = [&](std::string_view what) { return fail(fmt::format("{}:{}: {}", file_name, line_no, what)); };
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t nl = text.find('\n', pos);
        if (nl == std::string_view::npos) nl = text.size();
        std::string_view line = text.substr(pos, nl - pos);
        pos = nl + 1;
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (!header && line.substr(0, header_prefix.size()) != header_prefix) {
            // No header: mysql-mmm's file is the version 1 host lines alone, and stores no mode.
            version = 1;
            auto first = parse_host_line(line, version);
            if (!first)
                return err("neither an mmm status file (first line '# mmm-status <version> mode=<MODE>') nor a "
                           "mysql-mmm one (lines host|STATE|roles)");
            status.format = StatusFileFormat::MysqlMmm;
            status.hosts.push_back(std::move(*first));
            header = true;
            continue;
        }
        if (!header) {
            std::string_view rest = line.substr(header_prefix.size());
            auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), version);
            if (ec != std::errc{} || version < 1) return err(fmt::format("bad format version in '{}'", line));
            if (version > status_file_version)
                return err(fmt::format("format version {} is newer than this monitor understands ({})", version,
                                       status_file_version));
            rest = rest.substr(static_cast<std::size_t>(p - rest.data()));
            constexpr std::string_view mode_key = " mode=";
            if (rest.substr(0, mode_key.size()) != mode_key) return err(fmt::format("missing mode in '{}'", line));
            rest = rest.substr(mode_key.size());
            const std::string_view after_mode = rest;
            std::string_view mode_text = rest.substr(0, rest.find(' '));
            auto mode = parse_monitor_mode(mode_text);
            if (!mode) return err(fmt::format("unknown mode '{}'", mode_text));
            status.mode = *mode;
            rest = rest.substr(mode_text.size());
            if (version >= 3) {
                constexpr std::string_view epoch_key = " epoch=";
                std::string_view digits = rest.substr(std::min(rest.size(), epoch_key.size()));
                auto [q, ec2] = std::from_chars(digits.data(), digits.data() + digits.size(), status.epoch);
                if (rest.substr(0, epoch_key.size()) != epoch_key || ec2 != std::errc{} || status.epoch == 0 ||
                    q != digits.data() + digits.size())
                    return err(fmt::format("missing or bad epoch in '{}' (expected epoch=<n>, n >= 1)", line));
            } else if (!rest.empty()) {
                return err(fmt::format("unknown mode '{}'", after_mode));
            }
            header = true;
            continue;
        }
        if (line.empty()) continue;
        auto host = parse_host_line(line, version);
        if (!host) return err(host.error().message);
        status.hosts.push_back(std::move(*host));
    }
    if (!header) return fail(fmt::format("{}: empty status file", file_name));
    return status;
}

}  // namespace mmm::monitor
