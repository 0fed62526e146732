// The two clocks: steady time for every duration and deadline, wall time only for what is shown or logged.
#pragma once

#include <chrono>

namespace mmm {

// Measures durations: an NTP step or `date -s` does not move it. Meaningless across restarts: never persist it.
using SteadyTime = std::chrono::steady_clock::time_point;
// The calendar: for display and log lines only, never for a duration.
using WallTime = std::chrono::system_clock::time_point;

}  // namespace mmm
