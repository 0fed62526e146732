// MonitorCore: the monitor's brain as pure logic — check debouncing, host states, flapping, roles, modes,
// start-up reconciliation and control commands. Inputs in, Plan out; no clock, no I/O, no logging.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.hpp"
#include "common/gtid.hpp"
#include "monitor/core/check_tracker.hpp"
#include "monitor/core/cluster_view.hpp"
#include "monitor/core/observe.hpp"
#include "monitor/core/command.hpp"
#include "monitor/core/host_rules.hpp"
#include "monitor/core/plan.hpp"
#include "monitor/core/role_table.hpp"
#include "monitor/core/semisync.hpp"
#include "monitor/core/startup_votes.hpp"
#include "monitor/core/status_file.hpp"

namespace mmm::monitor {

enum class Network { Reachable, Unreachable };


// A host as the shell sees it (for JSON output and heartbeats).
struct HostView {
    std::string name;
    std::string ip;
    HostMode mode = HostMode::Slave;
    HostState state = HostState::Unknown;
    std::vector<RoleIp> roles;  // sorted
    bool agent_down = false;
    bool flapping = false;
    WallTime last_state_change{};  // wall time: for display
    std::optional<WallTime> online_since;
    // It held the active master role when it failed; it returns ONLINE only by set_online while another host
    // holds that role (see the differences from mysql-mmm below).
    bool failed_as_active_master = false;
};

// Usage by the shell (one thread; every call gets `now` read from both clocks, see Instant in plan.hpp):
//   MonitorCore core(config, now);
//   run(core.restore(file_contents_or_nullopt, now));       // §10.1; corrupt file => PASSIVE with a cause
//   ... deliver each host's first check results with on_check_result (initial checks, no trap period) ...
//   run(core.on_startup_reports(reports, now));             // §10.2 votes, start-up table, cleanup_and_send_status
//   loop: on_check_result / on_network / on_agent_reply / on_command as inputs arrive,
//         on_timer(now) when now >= next_deadline(), and heartbeats: at next_heartbeat() send each of
//         heartbeats(now) (SET_STATUS, request 0) and report each result with on_agent_reply.
// Carry out each returned Plan through a PlanRunner (plan_runner.hpp): ordered steps one at a time, the plan that
// reporting a step's result returns before the rest of the current plan (that is how an unreachable old writer is
// killed before the new writer is told). Report the result of every SendStatus, ClearBadRoles, PingAgent and KillHost
// as soon as it is known. Inputs may come at any time, also while a plan's step is awaited: check results, timers,
// the network state, heartbeat replies and second opinions are recorded at once, but nothing is decided while a plan
// runs (plan_running()): its last result decides, with everything recorded meanwhile. A command that changes
// something is refused while a plan runs: queue it until the runner is idle.
//
// Deliberate differences from mysql-mmm 2.2 (spec §14, §16; each has a test):
//  - A REPLICATION_FAIL/DELAY host does not become ONLINE because its peer died (§4.3 special case); it says why
//    once and stays out of the writer role unless an admin runs move_role --force.
//  - PASSIVE mode clears no roles and kills nobody (§4.6); leaving it for ACTIVE clears the roles of hosts that are
//    not ONLINE (notify-or-kill), like leaving MANUAL. Nobody is killed while the monitor's own network is down.
//  - set_manual leaves WAIT; WAIT with a single master candidate waits for it instead of crashing.
//  - Decisions are made when an input arrives (to a fixpoint), not every 3 s; a check failure is reported when its
//    trap period runs out, even without a new sample. Config order everywhere, never hash order.
//  - `show` lists the current role assignment (mysql-mmm showed stale lists while PASSIVE).
//  - The status file has a version and the mode; it is written only when something changed; an admin's MANUAL or
//    PASSIVE mode survives a restart; a corrupt or newer file is refused and the monitor starts PASSIVE.
//    mysql-mmm's file (no header, no mode) is read too, and rewritten in this format.
//  - cleanup_and_send_status also tells and cleans the master candidates when nobody holds the writer role.
//  - A host that held the active master role when it left ONLINE for a failure does not come back ONLINE by
//    itself (not by the short-downtime rule, auto_set_online, flap_duration or replication becoming OK) while
//    another host holds that role: its data may have diverged, so it stays AWAITING_RECOVERY until set_online and
//    says why once. When nobody holds the role, it returns as in mysql-mmm (the only way back to a writer).
//    Remembered per host until it is ONLINE again, across monitor restarts too (status file version 2, written
//    only while some host is held; otherwise the file stays version 1). monitor.hold_failed_active_master false
//    turns this off: such a host returns by mysql-mmm's rules like any other.
//  - Every SET_STATUS carries the epoch (see epoch()); the file keeps it (version 3). An agent's "ERROR: Stale epoch
//    <n>: this agent has accepted epoch <m>" is logged (ERROR) and the epoch jumps above m; heartbeats retry.
//  - Writer lease (monitor.writer_lease, 0 = none): a SET_STATUS giving the active master role carries lease=<ms>, and
//    the active master gets one every writer_lease_renewal() (its renewal), not only every status_interval. A failed
//    renewal (no reply, an ERROR) is an ERROR once per streak; the first success after says so.
//  - Promotion wait: the writer role is not given to a host (its SET_STATUS and heartbeats leave it out; `show` lists
//    the assignment) while another host may still hold a writer lease: until its agent accepted a status without the
//    role (it gives the lease up on acceptance; any reply but a refusal), kill_host_bin fenced it, or its last
//    possible renewal (reply time,
//    or the time the monitor gave up on a request that was sent) + writer_lease + margin (10 % + 100 ms) passed.
//    An INFO line says how long; on_timer gives the role at the end (next_deadline includes it).
//  - set_online tells the host through the ordinary ordered update (old holders, replicas, new active master).
class MonitorCore {
public:
    MonitorCore(const Config& config, Instant now);

    // ---- start-up --------------------------------------------------------------------------------------
    // Loads the status file text (nullopt = the file does not exist). Logs like mysql-mmm; a corrupt or
    // future-version file is refused: the core will start PASSIVE with the parse error as the cause. mysql-mmm's
    // own file is used (said at INFO), with the configured start-up mode.
    Plan restore(const std::optional<std::string>& contents, Instant now);
    // Start-up status determination (§10.2) from the agents' answers, then either PASSIVE (careful_startup and a
    // conflicting active-master role) or cleanup_and_send_status (§7.5). Ends with "Monitor started in ... mode.".
    Plan on_startup_reports(const std::vector<StartupReport>& reports, Instant now);
    bool started() const { return started_; }
    // A follower's initial checks are done: until start-up, each later result goes through its trap period (logged
    // as usual) instead of replacing the initial one, so the state is the debounced one when this monitor leads.
    void follow_checks() { following_ = true; }

    // ---- inputs ----------------------------------------------------------------------------------------
    // One raw probe result. Before start-up completes these are the initial checks (§1.3.1 step 4: status set
    // directly, OK => ok, anything else => failed, no log). Afterwards they go through the trap period (§3.6).
    // Ignored while the network is unreachable.
    Plan on_check_result(std::string_view host, CheckKind check, CheckOutcome outcome, std::string_view message,
                         Instant now);
    // The monitor's own network state (§3.8): logs the transition once; while unreachable no host changes state
    // and nothing is sent to agents.
    Plan on_network(Network network, Instant now);
    // The result of an agent call the core asked for (request id) or of a heartbeat (request 0).
    Plan on_agent_reply(std::string_view host, const AgentCallResult& reply, Instant now);
    // One control-protocol line ("show", "set_online db1", "move_role --force writer db2", ...). The plan holds a
    // Reply, or — when the command needs the agent to answer a PING first — a PingAgent whose result (through
    // on_agent_reply) yields the Reply. Do not pass the next command while command_pending(). The read-only
    // commands (help, ping, show, checks, mode) decide nothing and may be passed at any time, even mid-plan.
    Plan on_command(std::string_view line, Instant now);
    bool command_pending() const { return pending_.has_value(); }
    // The shell starts sending the SendStatus `request` of the plan it carries out (right before the call). From then
    // on, heartbeats during the plan may carry that status too (the new writer's lease renewals during its catch-up).
    void on_send_started(RequestId request);
    // The result of a KillHost action (carry it out, then report it): Fenced = kill_host_bin exited 0, so the host
    // no longer holds a writer lease (a new writer need not wait for it).
    Plan on_kill_result(std::string_view host, FenceResult outcome, Instant now);
    // A host's @@server_id and @@gtid_binlog_state as the rep_threads check read them (MariaDB; nullopt: could not be
    // read). Errant transactions (errant.cpp, issue 11): a host whose binlog state has transactions the active master
    // lacks (the old master's unreplicated tail, a write on a replica) gets no role, does not return ONLINE by itself,
    // `set_online` refuses it, and `show` and the log name the GTID range. Forgotten when the host goes HARD_OFFLINE
    // (its next read counts). `read_at`: when the shell sent the query (steady time). Judged only against an active
    // master that confirmed its role and whose state was read after that: before, a new writer may still be catching
    // up on what another host already has.
    Plan on_gtid_state(std::string_view host, std::optional<GtidState> state, SteadyTime read_at, Instant now);
    // A host's semi-sync settings and status as the rep_threads check read them (MariaDB; nullopt: unknown). `checks`
    // adds a "semisync" line for a host with either side enabled; a WARN (and a `show` warning while it lasts) says
    // when the active master's semi-sync fell back to asynchronous replication (semisync.cpp).
    Plan on_semisync(std::string_view host, std::optional<SemiSyncStatus> status, Instant now);
    // Time-based rules: trap periods, auto_set_online, flap_duration, the peer's 60 s grace, wait_for_other_master,
    // the end of a wait for an old writer's lease.
    Plan on_timer(Instant now);
    // When on_timer must be called next, steady time (nullopt = nothing is due). Recomputed after every input.
    std::optional<SteadyTime> next_deadline() const;

    // ---- heartbeats ------------------------------------------------------------------------------------
    // The SET_STATUS the host's agent should get now, or nullopt when nothing may be sent (PASSIVE, no network,
    // not started, host's ping check failed).
    std::optional<StatusUpdate> status_for(std::string_view host) const;
    // status_for every host that may be sent to, config order.
    std::vector<StatusUpdate> all_statuses() const;
    // The heartbeats due now (status_for, config order): every status_interval per host, and to the active master
    // every writer_lease_renewal() while leases are on (its renewal); never a second one to a host whose last one
    // is unanswered (the active master's renewals: up to three unanswered, since its agent answers a SET_STATUS only
    // after acting on it, and a new writer's catch-up may take longer than its lease). Each is taken as sent now: report its result with on_agent_reply(host, {SetStatus, 0, ...}).
    std::vector<StatusUpdate> heartbeats(Instant now);
    // When heartbeats() has something due next (steady time; nullopt = nothing to send). Changes with every input.
    std::optional<SteadyTime> next_heartbeat() const;

    // ---- accessors -------------------------------------------------------------------------------------
    const Config& config() const { return config_; }
    MonitorMode mode() const { return mode_; }
    const std::string& passive_cause() const { return passive_cause_; }  // "" unless PASSIVE
    // The role-assignment epoch every SET_STATUS carries (issue 10): the stored epoch + 1 after restore (1 without a
    // file), +1 whenever the role assignment changes, above an agent's when it refused ours as stale. Persisted.
    std::uint64_t epoch() const { return epoch_; }
    // Several monitors (issue 14): a new leader's epochs start at `floor` (from etcd), above every earlier leader's.
    void raise_epoch(std::uint64_t floor) { epoch_ = std::max(epoch_, floor); }
    bool network_reachable() const { return have_net_; }
    std::vector<HostView> hosts() const;                                 // config order
    HostView host(std::string_view name) const;                          // throws std::out_of_range if unknown
    HostState host_state(std::string_view name) const { return host(name).state; }
    std::vector<RoleIp> host_roles(std::string_view name) const { return host(name).roles; }
    std::string active_master() const { return roles_.active_master(); }
    const CheckStatus& check_status(std::string_view host, CheckKind check) const;
    // The status file text for the current state (what the shell writes when it carries out a SaveStatus).
    std::string status_file_text() const;
    // Safety invariants (issue 3 point 5); empty = all hold. The core also aborts on the first two itself.
    std::vector<std::string> invariant_violations() const;

    // The problems found by the master-master sanity check (§1.3.1 step 8, master_sanity.hpp), set by the shell
    // when the check is done. `show` lists each as "# Warning: <text>" after the agents' warnings; with none (the
    // normal case) `show` prints exactly what mysql-mmm prints.
    void set_configuration_warnings(std::vector<std::string> warnings) { configuration_warnings_ = std::move(warnings); }
    const std::vector<std::string>& configuration_warnings() const { return configuration_warnings_; }

    // Command outputs, also reachable through on_command. view(): what `show` says, as data.
    ClusterView view() const;
    std::string show() const;
    // observe.cpp: everything the HTTP endpoint shows (issue 13), and `why`.
    StatusView status_view() const;
    static const std::string& help_text();

private:
    struct HostRuntime {
        HostState state = HostState::Unknown;
        Instant last_state_change{};
        std::optional<Instant> online_since;
        double uptime = 0;                // agent uptime from the last reply
        double last_uptime = 0;           // agent uptime from the last reply received while ONLINE
        bool flapping = false;
        std::optional<SteadyTime> flapstart;
        int flapcount = 0;
        bool agent_down = false;
        bool stale_peer_logged = false;   // "stays out although its peer is down" said once per episode
        bool failed_as_active_master = false;  // held the active master role when it left ONLINE for a failure
        bool hold_logged = false;         // "stays AWAITING_RECOVERY: it was the active master" said once per stay
        std::optional<std::size_t> peer;  // configured peer (index)
        std::optional<StatusUpdate> last_sent;  // what the core last asked the shell to send
        RequestId last_sent_request = 0;        // the SendStatus that carried last_sent
        bool last_sent_on_its_way = false;      // the shell started sending it (on_send_started)
        std::uint64_t last_sent_generation = 0;
        // The last status its agent confirmed it applied ("OK: Status applied successfully!"); while a plan runs,
        // heartbeats carry nothing else (see heartbeats()).
        std::optional<StatusUpdate> confirmed;
        std::optional<SteadyTime> writer_confirmed_at;  // when its agent confirmed the writer role it holds
        // Its agent answered an ERROR to a status giving it the active master role (catch-up, allow writes, the writer
        // IP): not a candidate for that role until then (kWriterRefusalHold), so another one is tried.
        std::optional<SteadyTime> writer_refused_until;
        std::string writer_refusal;  // why, for `show`: "its agent answered '...'", "it did not confirm it within ..."
        // A status giving it the active master role was sent and not confirmed yet: the writer move's budget runs.
        std::optional<SteadyTime> writer_unconfirmed_since;
        std::string last_writer_reply;  // its agent's last answer to a status giving it the role
        int writer_failures = 0;     // consecutive ERRORs to statuses giving it the role (the first is retried)
        RequestId fence_request = 0;      // a SendStatus whose failure must fence (kill) the host
        // Heartbeats (request 0): when the last one was sent, whether it is unanswered, whether it carried a lease.
        std::optional<SteadyTime> last_heartbeat;
        // Unanswered ones, oldest first (replies come back in order): did it carry the lease, or no writer role?
        struct OpenHeartbeat {
            bool leased = false;
            bool drops = false;
            StatusUpdate status;
        };
        std::deque<OpenHeartbeat> heartbeats_open;
        // The writer lease: the SendStatus carrying one whose reply is awaited, and the failure streak (one ERROR).
        RequestId lease_request = 0;
        bool renewal_failing = false;
        // May its agent hold a writer lease? Set by every request carrying one; cleared when the agent confirmed a
        // status without the role (drop_request / a heartbeat) or kill_host_bin fenced the host.
        bool may_hold_lease = false;
        int lease_calls_open = 0;                          // requests carrying the lease not answered yet
        std::optional<SteadyTime> last_possible_renewal;  // latest reply (or give-up) time of one that was sent
        RequestId drop_request = 0;
    };
    struct PendingCommand {
        std::string line;
        std::string host;
        RequestId request = 0;
    };
    enum class Fence { No, Yes };
    using PingResult = std::optional<AgentResult>;  // nullopt = not asked yet

    // monitor_core.cpp: inputs, the decision step, sending, saving, invariants.
    std::optional<std::size_t> find(std::string_view host) const;
    std::size_t index_of(std::string_view host) const;  // throws std::out_of_range
    const std::string& name(std::size_t h) const { return config_.hosts[h].name; }
    // The master host h replicates from: a replica of a Galera cluster with `sources` the first of them that is
    // ONLINE; every other host, and such a replica when none of its sources is, the active master.
    std::optional<std::size_t> source_of(std::size_t h, std::optional<std::size_t> active_master) const;
    std::string master_name_for(std::size_t h) const;
    bool ok(std::size_t h, CheckKind k) const { return checks_.ok(h, k); }
    // What the state rules read: an ONLINE host's failure from the initial round counts only once confirmed (its
    // trap period ran out, or a later sample), as a running monitor's would; one late answer at start-up does not
    // take a healthy host down.
    bool check_ok(std::size_t h, CheckKind k) const {
        return ok(h, k) || (hosts_[h].state == HostState::Online && checks_.unconfirmed(h, k));
    }
    bool is_manual() const { return mode_ == MonitorMode::Manual || mode_ == MonitorMode::Wait; }
    void finish(Instant now, Plan& plan);
    void step(Instant now, Plan& plan);
    void notify(std::size_t h, Plan& plan, std::string reason, Fence fence);
    void send_changed_statuses(Plan& plan);
    void cleanup_and_send_status(Plan& plan, const std::vector<char>& already_told);
    void save(Plan& plan);
    void advance_epoch();  // +1 when the role assignment changed since the epoch was last taken
    void on_stale_epoch(std::size_t h, std::string_view message, Plan& plan);
    StatusUpdate desired_status(std::size_t h) const;
    // writer_lease.cpp: renewals and the promotion wait.
    struct LeaseWait {
        std::size_t holder = 0;  // the host whose lease is waited for
        SteadyTime until{};      // SteadyTime::max() = not known yet (a request carrying it is unanswered)
    };
    Duration heartbeat_interval(std::size_t h) const;
    std::optional<StatusUpdate> heartbeat_for(std::size_t h) const;
    std::size_t max_open_heartbeats(std::size_t h) const;
    // The result of a SET_STATUS that carried the host's writer lease: renewal failures are said once per streak.
    void on_lease_reply(std::size_t h, const AgentCallResult& reply, Instant now, Plan& plan);
    void on_drop_reply(std::size_t h, const AgentCallResult& reply);
    static bool drop_accepted(const AgentCallResult& reply);
    static bool status_applied(const AgentCallResult& reply);
    // The reply to a status that gave `h` the active master role: an agent that failed to take it loses it.
    void on_writer_reply(std::size_t h, const AgentCallResult& reply, Plan& plan);
    bool writer_refused(std::size_t h) const;
    void refuse_writer(std::size_t h, std::string reason, std::string_view logged, Plan& plan);
    Duration writer_confirm_budget() const;
    std::optional<SteadyTime> writer_budget_end() const;
    void enforce_writer_budget(Plan& plan);
    void note_lease_sent(std::size_t h);
    bool holds_writer(const StatusUpdate& status) const;
    std::vector<RoleIp> writer_roles_of(std::size_t h) const;
    // Whether giving the writer role to `to` must wait (now_), and for whom.
    std::optional<LeaseWait> writer_wait(std::size_t to) const;
    void log_writer_wait(Plan& plan);  // the INFO line once per wait; sets writer_wait_until_
    void start_leases(const std::vector<StartupReport>& reports, Instant now);
    void check_invariants_or_abort() const;

    // second_opinion.cpp: before the active master is declared failed, ask the other hosts' agents.
    void start_opinion_round(std::size_t about, Plan& plan);
    // true = do not fail `h` now: the round is open, or another host reaches its server (the monitor is cut off).
    bool hold_for_second_opinion(std::size_t h, bool ping, bool mysql, Plan& plan);
    void on_opinion(std::size_t asked, const AgentCallResult& reply, Instant now, Plan& plan);
    std::optional<SteadyTime> opinion_deadline() const;
    bool writer_lease_ran_out(std::size_t h) const;
    std::optional<SteadyTime> unrenewed_lease_end(std::size_t h) const;

    // host_states.cpp: the state machine of §4.
    // A state change the monitor decided: its "State of host ..." line (written here only), then set_state.
    void change_state(std::size_t h, HostState to, std::string_view because, Instant now, Plan& plan,
                      std::string_view subject = "host");
    void set_state(std::size_t h, HostState s, Instant now, Plan& plan);
    HostFacts host_facts(std::size_t h, std::optional<std::size_t> active_master, Instant now) const;
    bool evaluate_host(std::size_t h, std::optional<std::size_t> active_master, Instant now, Plan& plan);
    void warn_stale_replica(std::size_t h, const HostFacts& f, std::optional<std::size_t> active_master, Plan& plan);
    // For a host that failed as the active master and would now return ONLINE automatically (`rule` says why):
    // true = it must stay out (logged once), false = it may return (nobody else holds the role; logged).
    bool hold_failed_active_master(std::size_t h, std::optional<std::size_t> active_master, const std::string& rule,
                                   Plan& plan);
    bool wait_mode_rules(Instant now, Plan& plan);
    // Clears roles of every non-ONLINE host holding some and tells it (notify-or-kill); returns who was told.
    std::vector<char> clear_roles_of_failed_hosts(Plan& plan);
    void clear_roles(std::size_t h, Plan& plan);
    std::optional<SteadyTime> host_deadline(std::size_t h) const;

    // commands.cpp: the control protocol of §8.
    Plan run_command(const std::string& line, PingResult ping, Instant now);
    std::string cmd_set_online(std::size_t h, PingResult ping, Instant now, Plan& plan);
    std::string cmd_set_offline(std::size_t h, PingResult ping, Instant now, Plan& plan);
    std::string cmd_move_role(const std::string& role, const std::string& host, bool force, PingResult ping,
                              Instant now, Plan& plan);
    std::string cmd_set_ip(const std::string& ip, const std::string& host, Plan& plan);
    std::string cmd_set_active(Plan& plan);
    std::string cmd_set_manual(Plan& plan);
    std::string cmd_set_passive(Plan& plan);
    bool need_ping(std::size_t h, PingResult ping, Plan& plan);

    StatusView::Why why_role(std::size_t r) const;  // observe.cpp

    // views.cpp: show, checks, help.
    std::string checks_text(const std::vector<std::string>& args) const;
    // `show --json`, `checks --json` (mmm_control --json): the same answers as data; an error as {"error": text}.
    nlohmann::json show_json() const;
    nlohmann::json checks_json(const std::vector<std::string>& args) const;
    // What `checks` lists for its arguments: (host, check or "semisync") rows; or the error reply.
    struct CheckRow {
        std::size_t host;
        std::string check;
        WallTime last_change;
        std::string message;
    };
    std::optional<std::string> check_rows(const std::vector<std::string>& args, std::vector<CheckRow>& rows) const;
    std::vector<RoleIp> shown_roles(std::size_t h) const;
    bool writer_confirmed(std::size_t h) const;
    std::vector<std::string> writer_warnings() const;  // texts of `show`'s "# Warning:" lines
    // errant.cpp: the errant transactions of host h against the active master, described ("" = none or not known);
    // whether its GTID state is unknown while others' are known (read after it came back, or never read yet).
    std::string errant_of(std::size_t h) const;
    std::optional<std::vector<ErrantRange>> errant_ranges(std::size_t h) const;  // nullopt: not known
    bool proven_clean(std::size_t h) const;  // hold_failed_active_master true: known to have nothing errant
    void set_confirmed(std::size_t h, std::optional<StatusUpdate> status);  // notes when the writer role was confirmed
    bool gtid_unknown(std::size_t h) const;
    bool log_errant_changes(Plan& plan);  // true when a host's verdict changed
    void note_failed_writer(std::size_t h);   // the active master left ONLINE for a failure
    void log_failover_loss(Plan& plan);       // what the failed one had that its successor lacks, said once
    // semisync.cpp
    void log_semisync_fallback(Plan& plan);
    std::optional<std::string> semisync_line(std::size_t h) const;  // `checks`' semisync text, when enabled there

    Config config_;
    std::map<std::string, std::size_t, std::less<>> index_;  // host name -> config index
    std::vector<HostRuntime> hosts_;                         // config order
    std::vector<std::string> host_names_;                    // config order
    CheckTracker checks_;
    RoleTable roles_;
    MonitorMode mode_ = MonitorMode::Active;
    std::string passive_cause_;
    std::vector<std::string> configuration_warnings_;  // master-master sanity problems, for `show`
    bool have_net_ = true;
    bool started_ = false;
    bool following_ = false;  // follow_checks()
    std::optional<StoredStatus> stored_;  // the status file, once restored
    std::string restore_error_;           // why the status file was refused ("" = it was not)
    std::optional<PendingCommand> pending_;
    std::set<RequestId> in_flight_;       // agent calls of the plan the shell is carrying out
    int kills_open_ = 0;                  // KillHost actions of that plan whose result is not reported yet
    // The shell is carrying out a plan: one of its calls or kills is unanswered. Decisions wait for its end, and
    // heartbeats carry only what agents confirmed (a plan's target must not overtake its own order).
    bool plan_running() const { return !in_flight_.empty() || kills_open_ > 0; }
    void add_kill(Plan& plan, KillHost kill, std::string reason);
    RequestId last_request_ = 0;
    SteadyTime last_eval_{};              // time of the last decision step
    SteadyTime now_{};                    // steady time of the input being handled
    WallTime now_wall_{};                 // its wall time (for what is shown)
    // Writer moves for /metrics and /api/status (observe.cpp): counts by type and result, the last few in full.
    std::optional<std::size_t> last_writer_;  // the host that last confirmed the active master role
    std::map<std::pair<std::string, std::string>, std::uint64_t> writer_move_counts_;
    std::deque<StatusView::WriterMove> writer_moves_;
    void note_writer_move(std::size_t to, bool confirmed);
    std::optional<SteadyTime> writer_wait_until_;  // the new writer is told then (see log_writer_wait)
    // The second opinion (second_opinion.cpp): one round of CHECK_MASTER questions about the active master.
    struct OpinionRound {
        std::size_t about = 0;
        SteadyTime started{};
        SteadyTime deadline{};                  // answers still awaited after this count as none
        SteadyTime answered{};                  // when the last answer came (open empty)
        std::map<RequestId, std::size_t> open;  // asked, not answered: request -> host asked
        std::vector<std::string> reach;         // "db2 (connect+SELECT 1 in 3 ms; IO thread Yes from db1)"
        RequestId own = 0;  // the master's own agent, asked whether its server process exited (fail_fast_on_exit);
                            // its answer never holds a failover and is not waited for
        // Every answer in (then), or the deadline (then): the round has said what it will say.
        SteadyTime completed_at() const { return open.empty() ? answered : deadline; }
    };
    std::optional<OpinionRound> opinion_;
    std::string cut_off_warning_;  // `show`'s line while other hosts reach the active master and the monitor does not
    struct GtidRecord {
        std::optional<GtidState> state;
        SteadyTime read_at{};
        std::optional<GtidState> last_known;  // kept when the host goes HARD_OFFLINE (the loss report)
        SteadyTime last_known_at{};
    };
    // The active master failed: what it was last seen with, compared once with its successor's first state read
    // after the successor confirmed the role (errant.cpp: log_failover_loss).
    struct LossCheck {
        std::size_t failed = 0;
        GtidState last_known;
        SteadyTime read_at{};
        SteadyTime failed_at{};
    };
    std::optional<LossCheck> loss_check_;
    std::vector<GtidRecord> gtid_;      // per host, config order (on_gtid_state)
    std::vector<char> errant_said_;     // per host: its errant transactions were logged (until they are gone)
    std::vector<char> clean_said_;      // per host: a held failed active master was found clean
    struct SemiSyncRecord {
        std::optional<SemiSyncStatus> status;
        Instant since{};  // when it last changed (checks' "last change")
    };
    std::vector<SemiSyncRecord> semisync_;  // per host, config order (on_semisync)
    std::string semisync_fallback_said_;    // the active master whose fallback was logged ("" = none)
    std::optional<SteadyTime> wait_logged_;
    std::uint64_t state_changes_ = 0;     // bumped by set_state (status-file change detection)
    std::uint64_t epoch_ = 1;
    std::uint64_t epoch_generation_ = 0;  // roles_.total_generation() when epoch_ was taken
    std::uint64_t saved_signature_ = ~std::uint64_t{0};
};

}  // namespace mmm::monitor
