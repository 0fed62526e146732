// ClusterView: what `show` says, as data (for the text of §8.3, and for any structured output built from the same
// facts instead of parsing the text back).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/config.hpp"
#include "common/states.hpp"
#include "monitor/core/plan.hpp"

namespace mmm::monitor {

struct ClusterView {
    struct Host {
        std::string name;
        std::string ip;
        HostMode mode = HostMode::Slave;
        HostState state = HostState::Unknown;
        std::vector<RoleIp> roles;  // sorted; the active master role only once its agent confirmed it
    };
    // A role with a preferred host: where it is.
    struct Preference {
        std::string role;
        std::string prefer;
        std::optional<std::string> holder;  // nullopt: orphaned
    };
    MonitorMode mode = MonitorMode::Active;
    std::string passive_cause;          // PASSIVE only; may span lines
    std::vector<std::string> warnings;  // in `show`'s order, each a "# Warning: <text>" line
    std::size_t agent_warnings = 0;     // the first ones: "agent on host X is not reachable"
    std::vector<Host> hosts;            // sorted by name, as mysql-mmm lists them
    std::vector<Preference> preferences;  // config order
};

// `show`'s "# Role ..." line of a preference (without "# ").
std::string preference_note(const ClusterView::Preference& p);

// `show` exactly as mysql-mmm's monitor answers it (mmm_control adds one newline), with mmm's "# Warning:" lines.
std::string render_show(const ClusterView& view);

}  // namespace mmm::monitor
