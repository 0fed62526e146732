// `show`'s text (§8.3) from a ClusterView.
#include "monitor/core/cluster_view.hpp"

#include <fmt/format.h>

namespace mmm::monitor {

std::string preference_note(const ClusterView::Preference& p) {
    if (p.holder && *p.holder == p.prefer)
        return fmt::format("Role {} is assigned to it's preferred host {}.", p.role, p.prefer);
    if (p.holder)
        return fmt::format("Role {} has {} configured as it's preferred host but is assigned to {} at the moment.",
                           p.role, p.prefer, *p.holder);
    return fmt::format("Role {} has {} configured as it's preferred host.", p.role, p.prefer);
}

std::string render_show(const ClusterView& view) {
    std::string out;
    if (view.mode == MonitorMode::Passive) {
        out += "# --- Monitor is in PASSIVE MODE ---\n";
        const std::string cause = "Cause: " + view.passive_cause;
        std::size_t pos = 0;
        for (;;) {
            const std::size_t nl = cause.find('\n', pos);
            out += "# " + cause.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos) + "\n";
            if (nl == std::string::npos) break;
            pos = nl + 1;
        }
    }
    for (const auto& warning : view.warnings) out += fmt::format("# Warning: {}\n", warning);
    for (const auto& h : view.hosts)
        out += fmt::format("  {}({}) {}/{}. Roles: {}\n", h.name, h.ip, to_string(h.mode), to_string(h.state),
                           display_roles(h.roles));
    for (const auto& p : view.preferences) out += "# " + preference_note(p) + "\n";
    return out;
}

}  // namespace mmm::monitor
