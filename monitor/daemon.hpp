// Process plumbing of mmm_mond: daemonizing (the pid file is common/pid_file.hpp).
#pragma once

#include <string>

#include "common/result.hpp"

namespace mmm::monitor {

// Double fork, new session, stdio to /dev/null, chdir("/"), umask 022. The parent exits 0 in the first fork;
// returns in the grandchild.
Result<void> daemonize();

}  // namespace mmm::monitor
