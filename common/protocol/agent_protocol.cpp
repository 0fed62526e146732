// The monitor <-> agent line protocol: encoding and parsing of requests, replies and role lists.
#include "common/protocol/agent_protocol.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <utility>

#include <fmt/format.h>

namespace mmm::protocol {

namespace {

constexpr std::array<std::pair<AgentCommand, std::string_view>, 6> command_names{{
    {AgentCommand::Ping, "PING"},
    {AgentCommand::SetStatus, "SET_STATUS"},
    {AgentCommand::GetAgentStatus, "GET_AGENT_STATUS"},
    {AgentCommand::GetSystemStatus, "GET_SYSTEM_STATUS"},
    {AgentCommand::ClearBadRoles, "CLEAR_BAD_ROLES"},
    {AgentCommand::CheckMaster, "CHECK_MASTER"},
}};

constexpr std::string_view status_ok = "OK: Returning status!";

std::string_view strip_line_end(std::string_view line) {
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
}

// Perl's split('\|', $s, -1): every field, empty trailing ones included; "" gives one empty field here, which
// callers treat like Perl's empty list where it matters (fewer than 3 fields either way).
std::vector<std::string> split_keep_empty(std::string_view text, char sep) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (true) {
        const auto pos = text.find(sep, start);
        if (pos == std::string_view::npos) {
            out.emplace_back(text.substr(start));
            return out;
        }
        out.emplace_back(text.substr(start, pos - start));
        start = pos + 1;
    }
}

// Perl's numeric view of a string: leading integer digits, else 0.
int leading_int(std::string_view text) {
    int value = 0;
    const auto* first = text.data();
    const auto* last = text.data() + text.size();
    while (first != last && (*first == ' ' || *first == '\t')) ++first;
    if (first != last && *first == '+') ++first;
    const auto res = std::from_chars(first, last, value);
    return res.ec == std::errc{} ? value : 0;
}

std::optional<double> parse_double(std::string_view text) {
    if (text.empty()) return std::nullopt;
    const std::string copy(text);
    char* end = nullptr;
    const double value = std::strtod(copy.c_str(), &end);
    if (end == copy.c_str() || *end != '\0') return std::nullopt;
    return value;
}

// Decimal digits only (no sign, no spaces), within 64 bits.
std::optional<std::uint64_t> parse_unsigned(std::string_view text) {
    if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
    std::uint64_t value = 0;
    const auto res = std::from_chars(text.data(), text.data() + text.size(), value);
    if (res.ec != std::errc{} || res.ptr != text.data() + text.size()) return std::nullopt;
    return value;
}

// Splits "OK: Returning status!|a|b|c" into exactly the three fields after the OK text.
Result<std::array<std::string, 3>> split_status(std::string_view result) {
    auto fields = split_keep_empty(result, '|');
    if (fields.size() != 4 || fields[0] != status_ok) return fail(std::string(result));
    return std::array<std::string, 3>{std::move(fields[1]), std::move(fields[2]), std::move(fields[3])};
}

}  // namespace

std::string_view to_string(AgentCommand c) {
    for (const auto& [cmd, name] : command_names)
        if (cmd == c) return name;
    return "PING";
}

std::optional<AgentCommand> parse_agent_command(std::string_view text) {
    for (const auto& [cmd, name] : command_names)
        if (name == text) return cmd;
    return std::nullopt;
}

std::string encode_roles(std::vector<RoleIp> roles) {
    std::sort(roles.begin(), roles.end());
    roles.erase(std::unique(roles.begin(), roles.end()), roles.end());
    std::string out;
    for (const auto& r : roles) {
        if (!out.empty()) out += ',';
        out += r.to_string();
    }
    return out;
}

std::vector<RoleIp> parse_roles(std::string_view text) {
    std::vector<RoleIp> out;
    if (text.empty()) return out;
    for (const auto& item : split_keep_empty(text, ',')) {
        // (.*)\((.*)\): the last '(' that still has a ')' after it; the ip runs to the last ')'.
        const auto close = item.rfind(')');
        if (close == std::string::npos) continue;
        const auto open = item.rfind('(', close);
        if (open == std::string::npos) continue;
        out.push_back(RoleIp{item.substr(0, open), item.substr(open + 1, close - open - 1)});
    }
    return out;
}

std::string encode_request(AgentCommand command, std::string_view host, const std::vector<std::string>& params) {
    std::string out = fmt::format("{}|{}|{}", to_string(command), agent_protocol_version, host);
    for (const auto& p : params) {
        out += '|';
        out += p;
    }
    out += '\n';
    return out;
}

std::string encode_set_status(std::string_view host, std::string_view state, const std::vector<RoleIp>& roles,
                              std::string_view master, const SetStatusFields& fields) {
    std::vector<std::string> params{std::string(state), encode_roles(roles), std::string(master)};
    if (fields.epoch) params.push_back(fmt::format("epoch={}", *fields.epoch));
    if (fields.lease) params.push_back(fmt::format("lease={}", fields.lease->count()));
    return encode_request(AgentCommand::SetStatus, host, params);
}

std::string encode_check_master(std::string_view host, std::string_view master) {
    return encode_request(AgentCommand::CheckMaster, host, {std::string(master)});
}

Result<SetStatusFields> parse_set_status_fields(const std::vector<std::string>& fields) {
    SetStatusFields out;
    std::vector<std::string_view> seen;
    for (const auto& field : fields) {
        const auto eq = field.find('=');
        if (eq == std::string::npos || eq == 0)
            return fail(fmt::format("ERROR: Invalid field '{}' in SET_STATUS: expected key=value", field));
        const std::string_view key = std::string_view(field).substr(0, eq);
        const std::string_view value = std::string_view(field).substr(eq + 1);
        if (std::find(seen.begin(), seen.end(), key) != seen.end())
            return fail(fmt::format("ERROR: Field '{}' given twice in SET_STATUS", key));
        seen.push_back(key);
        const auto number = parse_unsigned(value);
        if (key == "epoch") {
            if (!number)
                return fail(fmt::format("ERROR: Invalid epoch '{}' in SET_STATUS: expected an unsigned 64-bit integer",
                                        value));
            out.epoch = *number;
        } else if (key == "lease") {
            if (!number || *number == 0 || *number > static_cast<std::uint64_t>(max_writer_lease.count()))
                return fail(fmt::format("ERROR: Invalid lease '{}' in SET_STATUS: expected milliseconds from 1 to {}",
                                        value, max_writer_lease.count()));
            out.lease = std::chrono::milliseconds(static_cast<std::chrono::milliseconds::rep>(*number));
        } else {
            out.unknown_keys.emplace_back(key);
        }
    }
    return out;
}

Result<AgentRequest> split_request(std::string_view line) {
    line = strip_line_end(line);
    auto fields = split_keep_empty(line, '|');
    if (fields.size() < 3) return fail(fmt::format("ERROR: Invalid command '{}'!", line));
    AgentRequest req;
    req.command_name = std::move(fields[0]);
    req.version = leading_int(fields[1]);
    req.host = std::move(fields[2]);
    req.params.assign(std::make_move_iterator(fields.begin() + 3), std::make_move_iterator(fields.end()));
    return req;
}

Result<ParsedRequest> parse_request(std::string_view line, std::string_view my_name) {
    auto split = split_request(line);
    if (!split) return split.error();
    ParsedRequest out;
    out.request = std::move(split).value();
    if (out.request.host != my_name)
        return fail(fmt::format("ERROR: Invalid hostname in command ({})! My name is '{}'", out.request.host,
                                my_name));
    const auto cmd = parse_agent_command(out.request.command_name);
    if (!cmd) return fail(fmt::format("ERROR: Invalid command '{}'!", out.request.command_name));
    out.command = *cmd;
    return out;
}

std::optional<std::string> version_warning(const AgentRequest& request) {
    if (request.version <= agent_protocol_version) return std::nullopt;
    return fmt::format("Version in command '{}' ({}) is greater than mine ({})", request.command_name,
                       request.version, agent_protocol_version);
}

std::string encode_reply(std::string_view result, double uptime_seconds) {
    return fmt::format("{}|UP:{:.2f}\n", result, uptime_seconds);
}

AgentReply parse_reply(std::string_view line) {
    line = strip_line_end(line);
    AgentReply reply;
    const auto pos = line.rfind("|UP:");
    if (pos == std::string_view::npos) {
        reply.result = std::string(line);
        return reply;
    }
    reply.result = std::string(line.substr(0, pos));
    reply.uptime = parse_double(line.substr(pos + 4));
    return reply;
}

std::string encode_agent_status(const AgentStatus& status) {
    return fmt::format("{}|{}|{}|{}", status_ok, status.state, encode_roles(status.roles), status.active_master);
}

Result<AgentStatus> parse_agent_status(std::string_view result) {
    auto fields = split_status(result);
    if (!fields) return fields.error();
    auto& f = *fields;
    return AgentStatus{std::move(f[0]), parse_roles(f[1]), std::move(f[2])};
}

Result<SystemStatus> parse_system_status(std::string_view result) {
    auto fields = split_status(result);
    if (!fields) return fields.error();
    auto& f = *fields;
    return SystemStatus{leading_int(f[0]) != 0, parse_roles(f[1]), std::move(f[2])};
}

bool MasterOpinion::io_receiving_from(std::string_view master) const {
    return replication == fmt::format("IO thread Yes from {}", master);
}

std::string encode_master_opinion(const MasterOpinion& opinion) {
    // Free texts (server errors) must keep the line one line, and "; " must stay the last separator.
    const auto clean = [](std::string text, bool last_part) {
        std::replace(text.begin(), text.end(), '\n', ' ');
        std::replace(text.begin(), text.end(), '\r', ' ');
        for (auto pos = text.find("; "); last_part && pos != std::string::npos; pos = text.find("; ", pos))
            text[pos] = ',';
        return text;
    };
    std::string_view prefix = check_master_unreachable;
    if (opinion.reach == MasterReach::Reachable) prefix = check_master_reachable;
    if (opinion.reach == MasterReach::Exited) prefix = check_master_exited;
    return fmt::format("{}{}; {}", prefix, clean(opinion.probe, false), clean(opinion.replication, true));
}

std::optional<MasterOpinion> parse_master_opinion(std::string_view result) {
    MasterOpinion out;
    if (result.starts_with(check_master_reachable)) {
        out.reach = MasterReach::Reachable;
        result.remove_prefix(check_master_reachable.size());
    } else if (result.starts_with(check_master_unreachable)) {
        out.reach = MasterReach::Unreachable;
        result.remove_prefix(check_master_unreachable.size());
    } else if (result.starts_with(check_master_exited)) {
        out.reach = MasterReach::Exited;
        result.remove_prefix(check_master_exited.size());
    } else {
        return std::nullopt;
    }
    const auto sep = result.rfind("; ");
    out.probe = std::string(sep == std::string_view::npos ? result : result.substr(0, sep));
    if (sep != std::string_view::npos) out.replication = std::string(result.substr(sep + 2));
    return out;
}

}  // namespace mmm::protocol
