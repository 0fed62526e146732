// mmm_control's pure parts: command-line parsing, exit codes, usage text, the bound on a reply's size.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/config_load.hpp"
#include "common/result.hpp"

namespace mmm::control {

enum class Action { Run, Version, Help, ConvertConfig };

struct Invocation {
    Action action = Action::Run;
    std::string config_path;           // -c FILE / --config FILE
    std::string cluster;               // @NAME or --cluster NAME
    bool json = false;                 // --json
    std::vector<std::string> command;  // the words sent to the monitor, e.g. {"move_role", "writer", "db2"}
    std::string convert_file;          // config convert FILE
    std::string line() const;          // the command words joined by single spaces
};

// Parses argv[1..]. Errors are usage errors (exit 2), worded for the user.
Result<Invocation> parse_arguments(const std::vector<std::string>& args);

std::string usage_text(std::string_view program);

// What mmm_control sends for a command line: the line, then "quit" (spec §1.6), so the monitor closes after one
// reply and the client reads to EOF.
std::string control_request(std::string_view command_line);

// Exit codes for the monitor's replies. Mmm: 0 for OK replies and listings, 1 for replies reporting an error
// (ERROR:, Error:, Invalid command). MysqlMmm: 0 whatever the reply says, as mysql-mmm's mmm_control (spec §1.6).
// Both exit 1 when the monitor cannot be reached.
enum class ExitCodes { Mmm, MysqlMmm };

inline constexpr const char* exit_codes_variable = "MMM_CONTROL_EXIT_CODES";

// The variable MMM_CONTROL_EXIT_CODES ("mysql-mmm" or "mmm"; `variable` is nullptr when unset) decides; unset,
// a legacy mysql-mmm config keeps mysql-mmm's codes and a YAML config gets mmm's. Any other value is an error.
Result<ExitCodes> choose_exit_codes(ConfigFormat format, const char* variable);

int exit_code_for_reply(std::string_view reply, ExitCodes codes = ExitCodes::Mmm);

// The most mmm_control reads from the monitor: a longer reply is an error (reply_size_error), not printed. The
// largest real reply, `checks` of a large cluster, is a few hundred KB.
inline constexpr std::size_t max_reply_bytes = 4 * 1024 * 1024;
// "reply from the monitor exceeds 4194304 bytes" when `size` is above max_reply_bytes, else nothing. The reader
// stops after max_reply_bytes + 1 bytes (asio::dynamic_buffer's max_size) so an endless reply is never kept whole.
Result<void> check_reply_size(std::size_t size);

}  // namespace mmm::control
