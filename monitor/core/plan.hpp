// The monitor core's vocabulary: time, check outcomes, role lists, agent replies and the Plan of actions it returns.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/log.hpp"
#include "common/protocol/agent_protocol.hpp"
#include "common/states.hpp"
#include "common/time.hpp"

namespace mmm::monitor {

// One moment on both clocks, read together by the shell for every input. Every duration and deadline of the core —
// trap periods, flap windows, auto_set_online, the peer's 60 s grace, wait_for_other_master, next_deadline — is
// taken on `mono`, so a step of the wall clock (NTP, `date -s`) neither ends one early nor delays one; `wall` is
// only what is shown (`checks`' "last change", HostView). The status file holds no time at all.
struct Instant {
    SteadyTime mono;
    WallTime wall;
    bool operator==(const Instant&) const = default;
};

// One raw probe result of a host check (§3.1): OK..., ERROR..., UNKNOWN...
enum class CheckOutcome { Ok, Error, Unknown };

// One role IP, e.g. reader(192.168.0.51); ordered by role name, then IP as a string (§7.2).
using RoleIp = protocol::RoleIp;

// "reader(192.168.0.51), writer(192.168.0.50)": the `show` rendering of a sorted list.
std::string display_roles(const std::vector<RoleIp>& roles);

// What a SET_STATUS carries to one agent (§7.3): its state, its roles (sorted) and the active master ('' = none);
// mmm's trailing fields (issue 10): the monitor's role-assignment epoch, and the writer lease when the status gives the
// host the active master role.
struct StatusUpdate {
    std::string host;
    HostState state = HostState::Unknown;
    std::vector<RoleIp> roles;
    std::string active_master;
    std::uint64_t epoch = 0;  // 0 = not sent (the core always sends one, from 1 on)
    std::optional<std::chrono::milliseconds> lease;  // monitor.writer_lease, with the active master role only
    bool operator==(const StatusUpdate&) const = default;
};

// The request line that carries `status` to its agent:
// "SET_STATUS|1|host|STATE|roles|master|epoch=<n>[|lease=<ms>]\n" (§7.2-7.3; no epoch field when it is 0).
std::string set_status_request(const StatusUpdate& status);

// Identifies an agent request the core asked for, so the shell can report its result back. 0 = heartbeat.
using RequestId = std::uint64_t;

enum class AgentCall { SetStatus, Ping, ClearBadRoles, CheckMaster };
// Ok: a reply line arrived (see AgentCallResult::message for what it says). Unreachable: the connection was never
// made, so the agent cannot have read the request. NoReply: the request was written, but no reply came before the
// deadline (or the connection broke); the monitor has closed the connection since, so the agent may have acted on it
// only before that moment.
enum class AgentResult { Ok, Unreachable, NoReply };

// The result of one agent call, as the shell reports it to MonitorCore::on_agent_reply.
struct AgentCallResult {
    AgentCall call = AgentCall::SetStatus;
    RequestId request = 0;              // the RequestId of the action; 0 for heartbeats (status_for/all_statuses)
    AgentResult result = AgentResult::Ok;
    std::optional<double> uptime;       // seconds from the reply's `|UP:<n>` suffix, when present
    std::string message;                // the reply without the suffix ("OK: ...", "ERROR: ..."); "" = no reply
};

// ---- Actions ---------------------------------------------------------------------------------------------

// Write one audit-log line (the shell adds the timestamp and level: "2026/11/22 14:19:23 FATAL <text>").
struct LogLine {
    LogLevel level = LogLevel::Info;
    std::string text;
};

// Send SET_STATUS|1|host|state|roles|master to the host's agent (one attempt, agent_timeout deadline).
// The shell must finish this call before carrying out the next action, and report the result with
// on_agent_reply(host, {SetStatus, request, ...}) right away; that plan (e.g. a KillHost when the host had to be
// told it lost its roles) is carried out before the rest of this plan.
// beside: with writer leases, the old writer's SET_STATUS taking the role away is not waited for: the shell sends it
// beside the plan and reports its result as an input whenever it comes (the new writer is held back by the promotion
// wait — until that agent accepted the drop or its lease certainly ran out — not by the plan's order, so an
// unreachable old writer does not hold the plan for agent_timeout).
struct SendStatus {
    StatusUpdate status;
    RequestId request = 0;
    bool beside = false;
};

// Send CLEAR_BAD_ROLES to the host's agent (result ignored apart from reachability; report it anyway).
struct ClearBadRoles {
    std::string host;
    RequestId request = 0;
};

// Send PING to the host's agent; a command waits for it (its Reply comes in the plan of on_agent_reply).
struct PingAgent {
    std::string host;
    RequestId request = 0;
};

// Ask `host`'s agent whether it reaches `master`'s server (CHECK_MASTER: the second opinion before the active master
// is declared failed, issue 10). Not one of the plan's ordered steps: the shell sends it beside the plan, never waits
// for it, and reports its result with on_agent_reply(host, {CheckMaster, request, ...}) whenever it comes.
struct AskOpinion {
    std::string host;
    std::string master;
    RequestId request = 0;
};

// Run `kill_host_bin HOST 1|0` (§12). The shell logs "Killing host using command ..." and the outcome.
struct KillHost {
    std::string host;
    bool ping_ok = false;
};

// What a KillHost came to, reported with MonitorCore::on_kill_result.
enum class FenceResult { Fenced, Failed };  // Fenced: kill_host_bin exited 0 before its deadline

// Replace the status file atomically (temp file, fsync, rename) with the core's status_file_text() as it is when the
// shell carries this out, not when it was planned: a plan's results may have changed the state since (a nested
// decision's save runs before the outer plan's), and an older text must never overwrite a newer one.
struct SaveStatus {};

// The reply to the control command being processed, exactly as mysql-mmm's monitor sends it (mmm_control adds
// one newline when printing).
struct Reply {
    std::string text;
};

using ActionBody =
    std::variant<LogLine, SendStatus, ClearBadRoles, PingAgent, AskOpinion, KillHost, SaveStatus, Reply>;

struct Action {
    ActionBody body;
    std::string reason;  // why the core wants this (empty for log lines, which are their own reason)
};

// An ordered list of actions: carry them out front to back.
struct Plan {
    std::vector<Action> actions;

    bool empty() const { return actions.empty(); }
    void log(LogLevel level, std::string text) { actions.push_back({LogLine{level, std::move(text)}, {}}); }
    void add(ActionBody body, std::string reason = {}) { actions.push_back({std::move(body), std::move(reason)}); }
    void append(Plan&& other);

    // Test and shell helpers: the log texts in order; the reply text, if any.
    std::vector<std::string> log_texts() const;
    std::optional<std::string> reply() const;
    template <typename T>
    std::vector<T> all() const {
        std::vector<T> out;
        for (const auto& a : actions)
            if (const T* t = std::get_if<T>(&a.body)) out.push_back(*t);
        return out;
    }
};

}  // namespace mmm::monitor
