// The per-host state rules of §4.3, pure.
#include "monitor/core/host_rules.hpp"

#include <fmt/format.h>

#include "common/duration.hpp"

namespace mmm::monitor {

namespace {
const char* ok_text(bool ok) { return ok ? "OK" : "not OK"; }

long whole_seconds(SteadyTime::duration d) { return static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(d).count()); }

HostTransition to(HostState state, std::string because, HostTransition::Roles roles, std::string reason = {}) {
    HostTransition t;
    t.to = state;
    t.because = std::move(because);
    t.roles = roles;
    t.reason = reason.empty() && roles == HostTransition::Roles::Drop
                   ? fmt::format("host went {}: drop its roles", to_string(state))
                   : std::move(reason);
    return t;
}
}  // namespace

std::optional<HostTransition> host_transition(const HostFacts& f) {
    using Roles = HostTransition::Roles;
    const bool alive = f.ping && f.mysql;
    const std::string checks = fmt::format(" (ping: {}, mysql: {})", ok_text(f.ping), ok_text(f.mysql));
    switch (f.state) {
    case HostState::Online: {
        if (!alive) return to(HostState::HardOffline, checks, Roles::Drop);
        // A Galera node out of the Primary component, or not Synced (Donor, joining), holds no role, the writer
        // included: there is no peer to wait for.
        if (f.galera) return f.threads ? std::nullopt : std::optional(to(HostState::ReplicationFail, {}, Roles::Drop));
        if (f.active_master) return std::nullopt;  // the active master's replication problems are ignored
        if (!f.peer_online || f.peer_in_grace || !f.peer_reachable) return std::nullopt;
        if (!f.threads) return to(HostState::ReplicationFail, {}, Roles::Drop);
        if (!f.backlog) return to(HostState::ReplicationDelay, {}, Roles::Drop);
        return std::nullopt;
    }
    case HostState::AwaitingRecovery: {
        if (!alive) return to(HostState::HardOffline, {}, Roles::Keep);
        if (!(f.threads && f.backlog) || f.errant) return std::nullopt;
        const bool auto_online = f.auto_set_online > Duration::zero();
        const long waited = whole_seconds(f.waiting);
        HostTransition t = to(HostState::Online, {}, Roles::Tell, "host is ONLINE again");
        if (f.galera && !f.flapping) {
            // Its data is the cluster's: it rejoined through IST/SST and is Synced in the Primary component.
            t.because = " because it is Synced in the Primary component again";
            t.rule = "it is Synced in the Primary component again";
            return t;
        }
        if (f.flapping) {
            if (!auto_online || f.quiet < f.flap_duration) return std::nullopt;
            t.subject = "flapping host";
            t.because = fmt::format(" because of auto_set_online and flap_duration({}) seconds passed without another "
                                    "failure. It was in state AWAITING_RECOVERY for {} seconds",
                                    format_duration(f.flap_duration), waited);
            t.rule = fmt::format("flap_duration({}) seconds passed without another failure",
                                 format_duration(f.flap_duration));
        } else if (f.down_for_s) {
            t.because = fmt::format(" because it was down for only {} seconds", *f.down_for_s);
            t.rule = fmt::format("it was down for only {} seconds", *f.down_for_s);
        } else if (auto_online && f.waiting >= f.auto_set_online) {
            t.because = fmt::format(" because of auto_set_online({} seconds). It was in state AWAITING_RECOVERY for {} "
                                    "seconds",
                                    format_duration(f.auto_set_online), waited);
            t.rule = fmt::format("auto_set_online({} seconds) has passed", format_duration(f.auto_set_online));
        } else {
            return std::nullopt;
        }
        return t;
    }
    case HostState::HardOffline: {
        if (!alive) return std::nullopt;
        // Replication counts only when there is an active master to replicate from (or it can never be one).
        const bool gate = f.galera || f.someone_active_master || !f.can_be_active_master;
        const HostState next = gate && !f.threads   ? HostState::ReplicationFail
                               : gate && !f.backlog ? HostState::ReplicationDelay
                                                    : HostState::AwaitingRecovery;
        return to(next, {}, Roles::Tell, "host is reachable again");
    }
    case HostState::ReplicationFail:
    case HostState::ReplicationDelay: {
        if (!alive) return to(HostState::HardOffline, checks, Roles::TellOrKill, "host went HARD_OFFLINE");
        if (f.state == HostState::ReplicationFail && f.threads && !f.backlog)
            return to(HostState::ReplicationDelay, {}, Roles::Keep);
        if (f.state == HostState::ReplicationDelay && !f.threads) return to(HostState::ReplicationFail, {}, Roles::Keep);
        if (!(f.threads && f.backlog)) return std::nullopt;
        if (f.flapping)
            return to(HostState::AwaitingRecovery, " (because it's flapping)", Roles::Tell, "replication is OK again");
        HostTransition t = to(HostState::Online, {}, Roles::Tell, "replication is OK again");
        t.rule = "its replication is OK again";
        return t;
    }
    case HostState::AdminOffline:
    case HostState::Unknown:
        break;
    }
    return std::nullopt;
}

}  // namespace mmm::monitor
