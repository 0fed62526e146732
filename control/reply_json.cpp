// mmm_control --json: the monitor's text replies as JSON, parsed by hand and made valid UTF-8.
#include "control/reply_json.hpp"

#include <algorithm>
#include <optional>

#include "control/cli.hpp"

namespace mmm::control {

namespace {


bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool has_space(std::string_view s) { return std::any_of(s.begin(), s.end(), is_space); }

// "writer(192.0.2.50), reader(192.0.2.51)": every NAME(IP) item, NAME without ',', '(' or white space, IP up to
// the next ')'.
nlohmann::json parse_role_items(std::string_view text) {
    nlohmann::json roles = nlohmann::json::array();
    std::size_t from = 0;  // the end of the previous item
    for (std::size_t open = text.find('(', from); open != std::string_view::npos; open = text.find('(', open + 1)) {
        std::size_t start = open;
        while (start > from && text[start - 1] != ',' && text[start - 1] != '(' && !is_space(text[start - 1])) --start;
        if (start == open) continue;
        const auto close = text.find(')', open + 1);
        if (close == std::string_view::npos) break;
        roles.push_back({{"role", std::string(text.substr(start, open - start))},
                         {"ip", std::string(text.substr(open + 1, close - open - 1))}});
        from = close + 1;
        open = close;
    }
    return roles;
}

// "  NAME(IP) MODE/STATE. Roles: ROLES" (cluster_view.cpp's format).
struct HostLine {
    std::string_view name, ip, mode, state, roles;
};
std::optional<HostLine> parse_host_line(std::string_view line) {
    if (!line.starts_with("  ")) return std::nullopt;
    line.remove_prefix(2);
    HostLine h;
    const auto open = line.find('(');
    if (open == 0 || open == std::string_view::npos) return std::nullopt;
    h.name = line.substr(0, open);
    const auto close = line.find(')', open + 1);
    if (has_space(h.name) || close == std::string_view::npos) return std::nullopt;
    h.ip = line.substr(open + 1, close - open - 1);
    auto rest = line.substr(close + 1);
    if (!rest.starts_with(' ')) return std::nullopt;
    rest.remove_prefix(1);
    constexpr std::string_view marker = ". Roles:";
    const auto end = rest.find(marker);
    if (end == std::string_view::npos) return std::nullopt;
    const auto mode_state = rest.substr(0, end);
    const auto slash = mode_state.rfind('/');
    if (has_space(mode_state) || slash == std::string_view::npos || slash == 0 || slash + 1 == mode_state.size())
        return std::nullopt;
    h.mode = mode_state.substr(0, slash);
    h.state = mode_state.substr(slash + 1);
    h.roles = rest.substr(end + marker.size());
    if (h.roles.starts_with(' ')) h.roles.remove_prefix(1);
    return h;
}

// "# Warning: agent on host NAME is not reachable" -> NAME
std::optional<std::string_view> unreachable_agent(std::string_view line) {
    constexpr std::string_view prefix = "# Warning: agent on host ";
    constexpr std::string_view suffix = " is not reachable";
    if (!line.starts_with(prefix) || !line.ends_with(suffix) || line.size() <= prefix.size() + suffix.size())
        return std::nullopt;
    const auto name = line.substr(prefix.size(), line.size() - prefix.size() - suffix.size());
    if (has_space(name)) return std::nullopt;
    return name;
}

// "HOST  CHECK  [last change: TIME]  MESSAGE" (views.cpp's format; the columns are padded with spaces).
struct CheckLine {
    std::string_view host, check, last_change, message;
};
std::optional<CheckLine> parse_check_line(std::string_view line) {
    const auto word = [&](std::string_view& out) {
        const auto end = std::find_if(line.begin(), line.end(), is_space);
        out = line.substr(0, static_cast<std::size_t>(end - line.begin()));
        line.remove_prefix(out.size());
        const auto next = std::find_if_not(line.begin(), line.end(), is_space);
        const auto gap = static_cast<std::size_t>(next - line.begin());
        line.remove_prefix(gap);
        return !out.empty() && gap > 0;
    };
    CheckLine c;
    if (!word(c.host) || !word(c.check)) return std::nullopt;
    constexpr std::string_view open = "[last change: ";
    if (!line.starts_with(open)) return std::nullopt;
    line.remove_prefix(open.size());
    const auto close = line.find(']');
    if (close == std::string_view::npos || line.substr(close, 3) != "]  ") return std::nullopt;
    c.last_change = line.substr(0, close);
    c.message = line.substr(close + 3);
    return c;
}

std::string str(std::string_view s) { return std::string(s); }

}  // namespace

nlohmann::json show_to_json(std::string_view raw_reply) {
    const std::string reply = valid_utf8(raw_reply);
    nlohmann::json out{{"mode_passive", false}, {"passive_cause", ""}, {"hosts", nlohmann::json::array()},
                       {"warnings", nlohmann::json::array()}, {"notes", nlohmann::json::array()}};
    std::vector<std::string_view> agents_down;
    bool in_cause = false;
    std::string cause;
    for (const auto line : split_lines(reply)) {
        if (line == "# --- Monitor is in PASSIVE MODE ---") {
            out["mode_passive"] = true;
        } else if (line.starts_with("# Cause: ")) {
            in_cause = true;
            cause = line.substr(9);
        } else if (const auto agent = unreachable_agent(line)) {
            in_cause = false;
            agents_down.push_back(*agent);
        } else if (const auto h = parse_host_line(line)) {
            in_cause = false;
            const bool down = std::find(agents_down.begin(), agents_down.end(), h->name) != agents_down.end();
            out["hosts"].push_back({{"name", str(h->name)},
                                    {"ip", str(h->ip)},
                                    {"mode", str(h->mode)},
                                    {"state", str(h->state)},
                                    {"roles", parse_role_items(h->roles)},
                                    {"agent_reachable", !down}});
        } else if (line.starts_with("# Warning: ")) {  // the master-master sanity check's problems
            in_cause = false;
            out["warnings"].push_back(str(line.substr(11)));
        } else if (in_cause && line.starts_with("#")) {
            cause += "\n";
            if (line.size() > 2) cause += line.substr(2);
        } else if (line.starts_with("# ")) {
            out["notes"].push_back(str(line.substr(2)));
        }
    }
    out["passive_cause"] = cause;
    return out;
}

nlohmann::json checks_to_json(std::string_view raw_reply) {
    const std::string reply = valid_utf8(raw_reply);
    nlohmann::json out = nlohmann::json::array();
    for (const auto line : split_lines(reply)) {
        const auto c = parse_check_line(line);
        if (!c) continue;
        out.push_back({{"host", str(c->host)},
                       {"check", str(c->check)},
                       {"ok", c->message.starts_with("OK")},
                       {"last_change", str(c->last_change)},
                       {"message", str(c->message)}});
    }
    return out;
}

nlohmann::json mode_to_json(std::string_view reply) {
    std::string mode = valid_utf8(reply);
    while (!mode.empty() && (mode.back() == '\n' || mode.back() == ' ')) mode.pop_back();
    return {{"mode", mode}};
}

Result<nlohmann::json> reply_to_json(const std::vector<std::string>& command, std::string_view reply) {
    if (exit_code_for_reply(reply) != 0) return nlohmann::json{{"error", valid_utf8(reply)}};
    const std::string& verb = command.empty() ? std::string() : command[0];
    if (verb == "show") return show_to_json(reply);
    if (verb == "checks") return checks_to_json(reply);
    if (verb == "mode") return mode_to_json(reply);
    return fail("--json is available for show, checks and mode (why --json needs mmm's monitor)");
}

std::string json_request(const std::vector<std::string>& command) {
    std::string out;
    for (std::size_t i = 0; i < command.size(); ++i) {
        if (i != 0) out += ' ';
        out += command[i];
        if (i == 0) out += " --json";
    }
    return out;
}

std::optional<nlohmann::json> structured_reply(std::string_view reply) {
    while (!reply.empty() && (reply.back() == '\n' || reply.back() == '\r')) reply.remove_suffix(1);
    if (reply.empty() || (reply.front() != '{' && reply.front() != '[')) return std::nullopt;
    auto parsed = nlohmann::json::parse(valid_utf8(reply), nullptr, false);
    if (parsed.is_discarded()) return std::nullopt;
    return parsed;
}

std::string json_text(const nlohmann::json& json) {
    return json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace mmm::control
