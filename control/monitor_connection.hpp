// mmm_control's conversation with the monitor: send "COMMAND\nquit\n", read everything until the monitor closes.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "common/result.hpp"

namespace mmm::control {

// Error = the monitor could not be reached (connect refused/timed out) or did not finish in time.
Result<std::string> ask_monitor(const std::string& ip, std::uint16_t port, const std::string& command_line,
                                std::chrono::milliseconds connect_timeout, std::chrono::milliseconds reply_timeout);

}  // namespace mmm::control
