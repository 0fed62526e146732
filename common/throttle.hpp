// At most one log line per period for a kind of event that a peer can repeat at will (refused requests, denied
// connections, failed handshakes): the events held back are counted and reported with the next line written.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "common/time.hpp"

namespace mmm {

class LogThrottle {
public:
    // `held_text` names the events held back in a line's suffix: " (3 more since the last such line)".
    explicit LogThrottle(std::chrono::steady_clock::duration every,
                         std::string held_text = "more since the last such line")
        : every_(every), held_text_(std::move(held_text)) {}

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

    // The same, for a line that ends in the count: if a line is due now, what it ends with (" (N more since the last
    // such line)", or nothing when no event was held back), else nullopt.
    std::optional<std::string> suffix(SteadyTime now) {
        const auto held = admit(now);
        if (!held) return std::nullopt;
        if (*held == 0) return std::string();
        return fmt::format(" ({} {})", *held, held_text_);
    }

private:
    std::chrono::steady_clock::duration every_;
    std::string held_text_;
    std::optional<SteadyTime> last_;
    std::size_t held_ = 0;
};

}  // namespace mmm
