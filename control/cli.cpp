// mmm_control's argument parsing and reply views.
#include "control/cli.hpp"

#include <regex>
#include <sstream>

#include <fmt/format.h>

namespace mmm::control {

std::string Invocation::line() const {
    std::string out;
    for (const auto& word : command) {
        if (!out.empty()) out += ' ';
        out += word;
    }
    return out;
}

Result<Invocation> parse_arguments(const std::vector<std::string>& args) {
    Invocation inv;
    if (!args.empty() && (args[0] == "--version" || args[0] == "-V")) {
        inv.action = Action::Version;
        return inv;
    }
    std::size_t i = 0;
    for (; i < args.size(); ++i) {
        const auto& a = args[i];
        if (a == "--help" || a == "-h") {
            inv.action = Action::Help;
            return inv;
        }
        if (a == "--version" || a == "-V") {
            inv.action = Action::Version;
            return inv;
        }
        if (a == "-c" || a == "--config" || a == "--cluster") {
            if (i + 1 >= args.size()) return fail("option " + a + " needs a value");
            (a == "--cluster" ? inv.cluster : inv.config_path) = args[++i];
        } else if (a.starts_with("--config=")) {
            inv.config_path = a.substr(9);
        } else if (a == "--json") {
            inv.json = true;
        } else if (a.size() > 1 && a[0] == '@' && inv.command.empty()) {
            inv.cluster = a.substr(1);
        } else if (a.starts_with("-") && a != "--force" && inv.command.empty()) {
            return fail("unknown option '" + a + "'");
        } else {
            inv.command.push_back(a);
        }
    }
    if (inv.command.empty()) return fail("no command given");
    if (inv.command[0] == "config") {
        if (inv.command.size() != 3 || inv.command[1] != "convert") return fail("usage: config convert FILE.conf");
        inv.action = Action::ConvertConfig;
        inv.convert_file = inv.command[2];
    }
    return inv;
}

std::string usage_text(std::string_view program) {
    return fmt::format(
        "Usage: {0} [-c FILE] [@CLUSTER] [--json] COMMAND [ARGS]\n"
        "       {0} config convert FILE.conf   print a legacy mysql-mmm config as YAML\n"
        "       {0} --version | --help\n"
        "\n"
        "Options:\n"
        "  -c, --config FILE   configuration file (default /etc/mysql-mmm/mmm.yaml or mmm_mon.conf)\n"
        "  @CLUSTER            cluster name (reads mmm_CLUSTER.yaml / mmm_mon_CLUSTER.conf)\n"
        "  --json              JSON output for show, checks and mode\n"
        "\n"
        "Commands (sent to the monitor; '{0} help' asks the monitor for its list):\n"
        "  help, ping, show, checks [<host>|all [<check>|all]], mode, set_active, set_manual, set_passive,\n"
        "  set_online <host>, set_offline <host>, move_role [--force] <role> <host>, set_ip <ip> <host>\n"
        "\n"
        "Exit codes: 0 OK, 1 the monitor answered with an error or is not reachable, 2 usage or config error\n"
        "(with mysql-mmm's mmm_mon.conf: 0 whatever the monitor answers, as mysql-mmm; {1}=mmm|mysql-mmm\n"
        "chooses).\n",
        program, exit_codes_variable);
}

std::string control_request(std::string_view command_line) { return fmt::format("{}\nquit\n", command_line); }

Result<ExitCodes> choose_exit_codes(ConfigFormat format, const char* variable) {
    if (variable == nullptr || *variable == '\0')
        return format == ConfigFormat::Legacy ? ExitCodes::MysqlMmm : ExitCodes::Mmm;
    const std::string_view value(variable);
    if (value == "mysql-mmm") return ExitCodes::MysqlMmm;
    if (value == "mmm") return ExitCodes::Mmm;
    return fail(fmt::format("{}='{}': use 'mysql-mmm' (exit 0 whatever the monitor answers) or 'mmm' (exit 1 on "
                            "ERROR replies)",
                            exit_codes_variable, value));
}

int exit_code_for_reply(std::string_view reply, ExitCodes codes) {
    if (codes == ExitCodes::MysqlMmm) return 0;
    if (reply.starts_with("ERROR") || reply.starts_with("Error") || reply.starts_with("Invalid command")) return 1;
    return 0;
}

namespace {
std::vector<std::string> split_lines(std::string_view text) {
    std::vector<std::string> lines;
    std::istringstream in{std::string(text)};
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

nlohmann::json parse_role_items(const std::string& text) {
    nlohmann::json roles = nlohmann::json::array();
    static const std::regex item(R"(([^,\s(]+)\(([^)]*)\))");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), item); it != std::sregex_iterator(); ++it) {
        roles.push_back({{"role", (*it)[1].str()}, {"ip", (*it)[2].str()}});
    }
    return roles;
}
}  // namespace

nlohmann::json show_to_json(std::string_view reply) {
    static const std::regex host_line(R"(^  (\S+)\(([^)]*)\) (\S+)/(\S+)\. Roles: ?(.*)$)");
    static const std::regex warning(R"(^# Warning: agent on host (\S+) is not reachable$)");
    nlohmann::json out{{"mode_passive", false}, {"passive_cause", ""}, {"hosts", nlohmann::json::array()},
                       {"warnings", nlohmann::json::array()}, {"notes", nlohmann::json::array()}};
    std::vector<std::string> agents_down;
    bool in_cause = false;
    std::string cause;
    for (const auto& line : split_lines(reply)) {
        std::smatch m;
        if (line == "# --- Monitor is in PASSIVE MODE ---") {
            out["mode_passive"] = true;
        } else if (line.starts_with("# Cause: ")) {
            in_cause = true;
            cause = line.substr(9);
        } else if (std::regex_match(line, m, warning)) {
            in_cause = false;
            agents_down.push_back(m[1].str());
        } else if (std::regex_match(line, m, host_line)) {
            in_cause = false;
            const auto name = m[1].str();
            const bool down = std::find(agents_down.begin(), agents_down.end(), name) != agents_down.end();
            out["hosts"].push_back({{"name", name},
                                    {"ip", m[2].str()},
                                    {"mode", m[3].str()},
                                    {"state", m[4].str()},
                                    {"roles", parse_role_items(m[5].str())},
                                    {"agent_reachable", !down}});
        } else if (line.starts_with("# Warning: ")) {  // the master-master sanity check's problems
            in_cause = false;
            out["warnings"].push_back(line.substr(11));
        } else if (in_cause && line.starts_with("#")) {
            cause += "\n" + (line.size() > 2 ? line.substr(2) : std::string());
        } else if (line.starts_with("# ")) {
            out["notes"].push_back(line.substr(2));
        }
    }
    out["passive_cause"] = cause;
    return out;
}

nlohmann::json checks_to_json(std::string_view reply) {
    static const std::regex check_line(R"(^(\S+)\s+(\S+)\s+\[last change: ([^\]]*)\]  (.*)$)");
    nlohmann::json out = nlohmann::json::array();
    for (const auto& line : split_lines(reply)) {
        std::smatch m;
        if (!std::regex_match(line, m, check_line)) continue;
        const auto message = m[4].str();
        out.push_back({{"host", m[1].str()},
                       {"check", m[2].str()},
                       {"ok", message.starts_with("OK")},
                       {"last_change", m[3].str()},
                       {"message", message}});
    }
    return out;
}

nlohmann::json mode_to_json(std::string_view reply) {
    std::string mode(reply);
    while (!mode.empty() && (mode.back() == '\n' || mode.back() == ' ')) mode.pop_back();
    return {{"mode", mode}};
}

Result<nlohmann::json> reply_to_json(const std::vector<std::string>& command, std::string_view reply) {
    if (exit_code_for_reply(reply) != 0) return nlohmann::json{{"error", std::string(reply)}};
    const std::string& verb = command.empty() ? std::string() : command[0];
    if (verb == "show") return show_to_json(reply);
    if (verb == "checks") return checks_to_json(reply);
    if (verb == "mode") return mode_to_json(reply);
    return fail("--json is available for show, checks and mode");
}

}  // namespace mmm::control
