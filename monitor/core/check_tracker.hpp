// CheckTracker: per host and check, turns raw probe results into reported check status with a trap period (§3.6).
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/duration.hpp"
#include "common/states.hpp"
#include "monitor/core/plan.hpp"

namespace mmm::monitor {

// The reported status of one check of one host: what `checks` shows and what the state machine reads.
struct CheckStatus {
    bool ok = false;
    std::string message;      // text of the latest reported result
    Instant last_change{};    // when `ok` last flipped (monitor start if never); `checks` shows its wall time
};

class CheckTracker {
public:
    CheckTracker(std::size_t host_count, const std::array<Duration, check_kind_count>& trap_periods, Instant start);

    // A check that does not run on this host (check_applies): passes for good, so the state rules need not know.
    void set_not_applicable(std::size_t host, CheckKind check);
    // Initial checks (before start-up completes): status set directly, no log. A failing one is also pending, as
    // a running monitor's first failing sample is: its trap period runs from this sample, and until it has run out
    // (or a later result decides) the failure is unconfirmed (see unconfirmed()).
    void set_initial(std::size_t host, CheckKind check, CheckOutcome outcome, std::string_view message,
                     Instant now);
    // One probe result after start-up. Appends the §3.6 log line (if any) and returns true when the reported
    // status changed.
    bool on_result(std::size_t host, std::string_view host_name, CheckKind check, CheckOutcome outcome,
                   std::string_view message, Instant now, Plan& plan);
    // A failure confirmed otherwise (its agent saw the server process exit): reported now, before the end of its
    // trap period. Returns true when the reported status changed (false when the check is not failing).
    bool fail_now(std::size_t host, std::string_view host_name, CheckKind check, Instant now, Plan& plan);
    // Reports failures whose trap period has run out by `now` without a new sample. Returns the hosts whose
    // reported status changed (config order).
    std::vector<std::size_t> on_timer(const std::vector<std::string>& host_names, Instant now, Plan& plan);
    // After the monitor's network came back: failures not yet reported start their trap period again.
    void restart_pending(Instant now);
    // The earliest moment (steady time) a pending failure becomes reportable.
    std::optional<SteadyTime> next_deadline() const;

    bool ok(std::size_t host, CheckKind check) const { return at(host, check).status.ok; }
    // The status says failed only because of the initial round's sample: no trap period has confirmed it yet and no
    // later result has decided it. A host that was ONLINE stays ONLINE on such a failure (MonitorCore::check_ok).
    bool unconfirmed(std::size_t host, CheckKind check) const { return at(host, check).unconfirmed; }
    // When the check's current failure began (its first failing sample), while it fails; nullopt otherwise.
    std::optional<SteadyTime> failing_since(std::size_t host, CheckKind check) const {
        const Entry& e = at(host, check);
        if (e.phase == Phase::Failing || e.phase == Phase::Failed) return e.fail_since;
        return std::nullopt;
    }
    const CheckStatus& status(std::size_t host, CheckKind check) const { return at(host, check).status; }
    // The latest last_change among the host's four checks, steady time (flap_duration rule A2).
    SteadyTime last_change(std::size_t host) const;

private:
    enum class Phase { Initial, Ok, Failing, Failed, Unknown };  // mysql-mmm's -1, 1, -2, 0, -3
    struct Entry {
        Phase phase = Phase::Initial;
        SteadyTime fail_since{};
        std::string fail_message;  // message of the latest failing sample (reported by the timer)
        bool unconfirmed = false;  // see unconfirmed()
        CheckStatus status;
    };
    static std::size_t index(std::size_t host, CheckKind check) {
        return host * check_kind_count + static_cast<std::size_t>(check);
    }
    Entry& at(std::size_t host, CheckKind check) { return entries_[index(host, check)]; }
    const Entry& at(std::size_t host, CheckKind check) const { return entries_[index(host, check)]; }
    bool report(Entry& e, bool ok, std::string_view message, Instant now);
    bool fail_reported(Entry& e, std::string_view host_name, CheckKind check, Instant now, Plan& plan);

    std::array<Duration, check_kind_count> trap_;
    std::vector<Entry> entries_;
    std::size_t failing_ = 0;  // entries in Phase::Failing (so the timer can skip the scan)
};

}  // namespace mmm::monitor
