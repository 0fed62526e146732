// The supervisor of the monitor's detached coroutines (see supervisor.hpp).
#include "monitor/supervisor.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

#include <fmt/format.h>

namespace mmm::monitor {

namespace {
Logger* supervisor_log = nullptr;
}

void set_supervisor_log(Logger* log) { supervisor_log = log; }

void Supervised::operator()(std::exception_ptr e) const {
    if (!e) return;
    std::string why = "an exception that is not a std::exception";
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& x) {
        why = x.what();
    } catch (...) {
    }
    const std::string text = fmt::format("Internal error: the monitor's '{}' coroutine failed: {}. Exiting (status 70) "
                                         "rather than going on with part of the monitor dead.",
                                         what, why);
    if (supervisor_log != nullptr)
        supervisor_log->write(LogLevel::Fatal, text);
    else
        std::fprintf(stderr, "%s\n", text.c_str());
    std::_Exit(70);
}

}  // namespace mmm::monitor
