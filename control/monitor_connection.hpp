// mmm_control's conversation with the monitor: send "COMMAND\nquit\n", read everything until the monitor closes.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/config.hpp"
#include "common/result.hpp"

namespace mmm::control {

// Error = the monitor could not be reached (connect refused/timed out, TLS handshake failed), did not finish in
// time, or sent more than max_reply_bytes (cli.hpp). With socket.type tls, mutual TLS: our certificate from `socket`, and the
// monitor's must be signed by socket.ca_file and name `ip`.
Result<std::string> ask_monitor(const std::string& ip, std::uint16_t port, const std::string& command_line,
                                std::chrono::milliseconds connect_timeout, std::chrono::milliseconds reply_timeout,
                                const SocketConfig& socket = {});

}  // namespace mmm::control
