// mmm_control's argument parsing and exit codes.
#include "control/cli.hpp"

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
        "  --json              JSON output for show, checks, mode and why\n"
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

Result<void> check_reply_size(std::size_t size) {
    if (size > max_reply_bytes) return fail(fmt::format("reply from the monitor exceeds {} bytes", max_reply_bytes));
    return {};
}

}  // namespace mmm::control
