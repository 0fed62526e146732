// mmm_control: the command-line client of the monitor.
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/config_load.hpp"
#include "common/program.hpp"
#include "control/cli.hpp"
#include "control/monitor_connection.hpp"
#include "control/reply_json.hpp"

namespace {

constexpr std::chrono::seconds connect_timeout{10};
constexpr std::chrono::seconds reply_timeout{60};

int convert_config(const std::string& file) {
    const auto loaded = mmm::load_legacy_config(file, mmm::Program::Monitor);
    for (const auto& w : loaded.warnings) fmt::print(stderr, "WARN {}\n", w);
    if (!loaded.ok()) {
        fmt::print(stderr, "{}", loaded.error_text());
        return 2;
    }
    fmt::print("{}", mmm::to_yaml(loaded.config));
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string program = argc > 0 ? argv[0] : "mmm_control";
    const std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) {
        fmt::print(stderr, "See '{} help' for usage information\n", program);
        return 2;
    }
    auto parsed = mmm::control::parse_arguments(args);
    if (!parsed) {
        fmt::print(stderr, "{}: {}\n{}", program, parsed.error().message, mmm::control::usage_text(program));
        return 2;
    }
    const auto& inv = *parsed;
    switch (inv.action) {
        case mmm::control::Action::Version: fmt::print("{}\n", mmm::version_line("mmm_control")); return 0;
        case mmm::control::Action::Help: fmt::print("{}", mmm::control::usage_text(program)); return 0;
        case mmm::control::Action::ConvertConfig: return convert_config(inv.convert_file);
        case mmm::control::Action::Run: break;
    }
    if (inv.json && inv.command[0] != "show" && inv.command[0] != "checks" && inv.command[0] != "mode" &&
        inv.command[0] != "why") {
        fmt::print(stderr, "{}: --json is available for show, checks, mode and why\n", program);
        return 2;
    }
    const auto loaded = mmm::load_config_reporting(inv.config_path, inv.cluster, mmm::Program::Control);
    if (!loaded.ok()) return 2;
    const auto exit_codes = mmm::control::choose_exit_codes(loaded.format, std::getenv(mmm::control::exit_codes_variable));
    if (!exit_codes) {
        fmt::print(stderr, "{}: {}\n", program, exit_codes.error().message);
        return 2;
    }
    const auto& monitor = loaded.config.monitor;
    // --json: mmm's monitor answers '<command> --json' with the data itself; a monitor that does not know it
    // (mysql-mmm's) answers 'Invalid command', and the plain command's text is parsed instead.
    std::string line = inv.json ? mmm::control::json_request(inv.command) : inv.line();
    // With several monitors (monitor.ip a list, issue 14) the first that answers: a follower passes the command to
    // the leader and returns its reply.
    const auto ask = [&](const std::string& text) {
        mmm::Result<std::string> answer = mmm::fail("no monitor address");
        std::string errors;
        for (const auto& ip : monitor.addresses()) {
            answer = mmm::control::ask_monitor(ip, monitor.port, text, connect_timeout, reply_timeout,
                                               loaded.config.socket);
            if (answer) return answer;
            errors += (errors.empty() ? "" : "; ") + answer.error().message;
        }
        return mmm::Result<std::string>(mmm::fail(errors));
    };
    auto reply = ask(line);
    if (inv.json && reply) {
        if (const auto data = mmm::control::structured_reply(*reply)) {
            fmt::print("{}\n", mmm::control::json_text(*data));
            const bool error = data->is_object() && data->contains("error") && (*data)["error"].is_string();
            return mmm::control::exit_code_for_reply(error ? (*data)["error"].get<std::string>() : "OK", *exit_codes);
        }
        if (reply->starts_with("Invalid command")) {
            line = inv.line();
            reply = ask(line);
        }
    }
    if (!reply) {
        fmt::print("ERROR: Can't connect to monitor daemon!\n");
        fmt::print(stderr, "{}: {}\n", program, reply.error().message);
        return 1;
    }
    if (const auto size = mmm::control::check_reply_size(reply->size()); !size) {
        fmt::print(stderr, "{}: {}\n", program, size.error().message);
        return 1;
    }
    if (inv.json) {
        const auto json = mmm::control::reply_to_json(inv.command, *reply);
        if (!json) {
            fmt::print(stderr, "{}: {}\n", program, json.error().message);
            return 2;
        }
        fmt::print("{}\n", mmm::control::json_text(*json));
        return mmm::control::exit_code_for_reply(*reply, *exit_codes);
    }
    fmt::print("{}\n", *reply);
    std::fflush(stdout);
    return mmm::control::exit_code_for_reply(*reply, *exit_codes);
}
