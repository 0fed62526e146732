// Process chores of mmm_agentd: daemonising, capability check, the allowed-monitor list (the pid file is
// common/pid_file.hpp).
#pragma once

#include <string>

#include "agent/server.hpp"
#include "common/config.hpp"
#include "common/result.hpp"

namespace mmm::agent {

// fork + setsid; the parent exits 0. stdin/stdout/stderr go to /dev/null.
Result<void> daemonize();

// Empty when we have CAP_NET_ADMIN and CAP_NET_RAW, else a sentence naming what is missing.
std::string missing_capabilities();

}  // namespace mmm::agent
