// At most one log line per period for a kind of event that a peer can repeat at will (refused requests, denied
// connections, failed handshakes): the events held back are counted and reported with the next line written.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>

#include "common/time.hpp"

namespace mmm {

class LogThrottle {
public:
    explicit LogThrottle(std::chrono::steady_clock::duration every) : every_(every) {}

    // An event at `now`: the number of events held back since the last line if a line is due now, else nullopt.
    std::optional<std::size_t> admit(SteadyTime now) {
        if (last_ && now - *last_ < every_) {
            ++held_;
            return std::nullopt;
        }
        last_ = now;
        const std::size_t held = held_;
        held_ = 0;
        return held;
    }

private:
    std::chrono::steady_clock::duration every_;
    std::optional<SteadyTime> last_;
    std::size_t held_ = 0;
};

}  // namespace mmm
