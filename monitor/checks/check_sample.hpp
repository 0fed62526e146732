// One check result as the probes produce it, and the mysql-mmm classification of its text (spec §3.1).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/states.hpp"
#include "monitor/core/plan.hpp"  // CheckOutcome

namespace mmm::monitor {

// "OK..." -> Ok, "ERROR..." -> Error, anything else ("UNKNOWN...", garbage) -> Unknown.
CheckOutcome classify_check_text(std::string_view text);

struct CheckSample {
    std::string host;
    CheckKind kind = CheckKind::Ping;
    std::string text;  // "OK", "ERROR: ...", "UNKNOWN: ..." exactly as spec §3
    std::chrono::steady_clock::time_point started{};
    std::chrono::steady_clock::time_point finished{};
    CheckOutcome outcome() const { return classify_check_text(text); }
};

}  // namespace mmm::monitor
