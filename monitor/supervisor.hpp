// Completion token for the monitor's detached coroutines: an exception that escapes one is logged and stops the daemon.
#pragma once

#include <exception>

#include "common/log.hpp"

namespace mmm::monitor {

// Where a failed coroutine is reported (the daemon's log); without one, stderr.
void set_supervisor_log(Logger* log);

// `asio::co_spawn(io, coroutine(), supervised("drain"))` instead of asio::detached, which swallows an exception: a
// coroutine of the monitor that dies leaves part of it dead (no more checks, plans or heartbeats) while the rest goes
// on as if all were well. Such an exception is a bug: it is logged (FATAL, with the coroutine's name and what()),
// and the process exits with status 70 (EX_SOFTWARE), so a supervisor (systemd) restarts a whole monitor.
struct Supervised {
    const char* what;
    void operator()(std::exception_ptr e) const;
};
inline Supervised supervised(const char* what) { return Supervised{what}; }

}  // namespace mmm::monitor
