#!/usr/bin/env bash
# Monitor high availability on etcd (issue 14): three mmm_mond (namespaces mon, mon2, mon3) and a three-member etcd
# cluster (one member beside each monitor), fast profile (lease_ttl 2 s, writer lease lease_ttl + 3 s).
#  A. The leader SIGKILLed while idle: another monitor leads within lease_ttl + 1 s (asserted <= 6 s, measured and
#     printed); `show` (without its "# Leader:" line) unchanged; db1's read_only (the writer's) sampled from before the
#     kill to past the writer lease (sb_sampler_start, a sample every 50 ms plus the query; gaps up to 1.5 s allowed),
#     never 1; no agent logged a role, IP, read_only or replication change; the killed monitor, restarted, follows the
#     new leader.
#  B. The leader SIGSTOPped past its lease, then SIGCONT: a new leader (measured); no agent changed anything; the old
#     one logs "This monitor stops leading" (ERROR) then "This monitor follows"; `show` unchanged, one writer (db1).
#     A SET_STATUS carrying the old leader's epoch, sent by hand over TLS from the mon namespace to db2's agent, is
#     refused ("ERROR: Stale epoch ..."), db2's agent logs the refusal, db2's roles, VIPs and epoch stay as they were.
#  C. The leader's own etcd member killed (raft leadership moved off it first, so the case is the same every run):
#     for 2 x lease_ttl + 1 s the leader and `show` (without its Leader line, which says so while a renewal is late)
#     stay the same, the leader does not step down, no agent changes anything; the member is healed.
#  D. Two etcd members killed (no quorum): the leader logs that its lease was not renewed and that it decides and
#     sends nothing, and `show`'s Leader line says so; db3's mariadbd killed meanwhile: for 3 s nobody acts on it
#     (db3 keeps its reader VIP, no agent gets a new status, no monitor logs db3's state change); db1 fences itself
#     when its writer lease runs out unrenewed (README, "Losing etcd"); the members restarted: a leader within
#     bounded time, which then acts on db3 (HARD_OFFLINE, its reader VIP moved to another host); db3 healed, set
#     online, all ONLINE, one writer.
#  E. The leader's own etcd member killed while it is the etcd raft leader (raft leadership moved onto it first):
#     the same expectations as C ("one etcd member killed: nothing changes" holds for every member: a renewal held
#     up by etcd's own election pauses the leader at most, it does not step down).
# The takeover times of A and B are printed in a summary line at the end.
# mmm-test: cost 115
set -euo pipefail
SRC=${MMM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
export MMM_SANDBOX_PROFILE=fast
# shellcheck source=scripts/sandbox-lib.sh
source "$SRC/scripts/sandbox-lib.sh"
sb_test_begin monitor-ha

# --- measured numbers, printed at the very end (also when a later scenario fails) -----------------------------
TAKEOVER_A=n/a DECIDING_A=n/a TAKEOVER_B=n/a DECIDING_B=n/a STEPDOWN_D=n/a LEADER_BACK_D=n/a
print_summary() {
    echo "summary: takeover (fault -> another monitor holds the leader key): A (SIGKILL) ${TAKEOVER_A} s," \
        "B (SIGSTOP) ${TAKEOVER_B} s; fault -> every agent told by the new leader: A ${DECIDING_A} s," \
        "B ${DECIDING_B} s; D: two etcd members killed -> leader paused ${STEPDOWN_D} s, members restarted" \
        "-> a leader ${LEADER_BACK_D} s (lease_ttl ${LEASE_TTL:-?} s, writer lease ${WRITER_LEASE:-?} s)"
}
# sb_test_begin's trap (sb_test_cleanup) still runs last, with the script's exit status in $? (errexit off, so that
# nothing here can end the script before the cleanup).
summary_then_cleanup() {
    local rc=$?
    set +e
    print_summary
    (exit "$rc")
    sb_test_cleanup
}
trap summary_then_cleanup EXIT

# --- small helpers ---------------------------------------------------------------------------------------------
# What an agent logs when its roles, IPs, read_only or replication change (agent/core/set_status.cpp,
# agent/executor.cpp): a SET_STATUS that changed a role, or the agent fencing itself when its writer lease ran out.
ROLE_CHANGE_RE="We have some new roles added or old rules deleted|Deleted: |Added: |Added IP |Removed IP |Allowed writes"
ROLE_CHANGE_RE+="|Denied writes|Sync with master|Changed master to|Changing active master|Writer lease of [0-9]+ ms expired"
ROLE_CHANGE_RE+="|Stopped replication"
# A SET_STATUS that changed the agent's roles, or came with a new (higher) epoch: a new status from a monitor.
NEW_STATUS_RE="We have some new roles added or old rules deleted|Accepted epoch "

declare -A AGENT_FROM=()
# mark_agents: note where every agent log ends now (lines_since / agents_changes look only at what follows).
mark_agents() {
    local h
    for h in "${SB_DB_HOSTS[@]}"; do AGENT_FROM[$h]=$(sb_log_lines "$(sb_agent_log "$h")"); done
}

# lines_since FILE FROM REGEX: the lines of FILE after line FROM matching the extended REGEX.
lines_since() {
    SB_RE=$3 awk -v from="$2" 'NR > from && $0 ~ ENVIRON["SB_RE"]' "$1" 2>/dev/null
}

# agents_changes REGEX: every agent's lines since mark_agents matching REGEX, prefixed with the host.
agents_changes() {
    local h
    for h in "${SB_DB_HOSTS[@]}"; do
        lines_since "$(sb_agent_log "$h")" "${AGENT_FROM[$h]}" "$1" | sed "s/^/    $h: /"
    done
}

# expect_no_agent_change WHAT [REGEX]: no agent logged a line matching REGEX (default ROLE_CHANGE_RE) since
# mark_agents; else the test fails naming WHAT and showing the lines.
expect_no_agent_change() {
    local changes
    changes=$(agents_changes "${2:-$ROLE_CHANGE_RE}")
    [[ -z $changes ]] || sb_test_fail "$1; the agents logged:
$changes"
}

# every_agent_told: each agent logged "Accepted epoch" since mark_agents (a new leader's first status reached it).
every_agent_told() {
    local h
    for h in "${SB_DB_HOSTS[@]}"; do
        [[ -n $(lines_since "$(sb_agent_log "$h")" "${AGENT_FROM[$h]}" "Accepted epoch ") ]] || return 1
    done
}

# mon_log_has MON FROM REGEX: monitor MON's log has a line matching REGEX after line FROM.
mon_log_has() { [[ -n $(lines_since "$(sb_monitor_log "$1")" "$2" "$3") ]]; }

# show_text: `mmm_control show`; show_body: the same without its "# Leader:" line.
show_text() { sb_control_read show 2>&1; }
show_body() {
    local s
    s=$(show_text) || return 1
    grep -v '^# Leader:' <<<"$s" || true
}

# leader_is MON / leader_not MON: the etcd leader key names MON / names a monitor other than MON.
leader_is() { [[ $(sb_leader) == "$1" ]]; }
leader_not() {
    local l
    l=$(sb_leader) && [[ $l != "$1" ]]
}

# wait_until EPOCH: sleeps until the wall clock passes EPOCH (seconds, fractional): the end of an observation window
# in which a bad thing (a writer lease running out, a role moved) would show if it happened. Never synchronisation.
wait_until() {
    local left
    left=$(awk -v t="$1" -v now="$EPOCHREALTIME" 'BEGIN { d = t - now; if (d < 0) d = 0; printf "%.3f", d }')
    sleep "$left"
}

# holds_for SECONDS CMD...: CMD keeps succeeding, polled every 0.2 s, until SECONDS (from now, wall clock) have
# passed; fails at the first poll where it does not (for what must not change, observable only over a window).
holds_for() {
    local end
    end=$(awk -v t="$EPOCHREALTIME" -v d="$1" 'BEGIN { printf "%.3f", t + d }')
    shift
    while ! le "$end" "$EPOCHREALTIME"; do
        "$@" >/dev/null 2>&1 || return 1
        sleep 0.2
    done
}

# le A B: A <= B (fractional numbers).
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }

# yaml_number KEY: the first "KEY: <number>" of the cluster config (mmm.yaml).
yaml_number() { sed -nE "s/^[[:space:]]*$1:[[:space:]]*([0-9]+(\.[0-9]+)?).*/\1/p" "$SB_DIR/mmm.yaml" | sb_head 1; }

# The etcd members' status ("<endpoint>, <member id>, <version>, <db size>, <is leader>, ..." lines; a dead member
# is left out).
etcd_status() { sb_etcdctl endpoint status 2>/dev/null || true; }

# etcd_raft_leader: the monitor host whose etcd member is the raft leader (empty if none answers as leader).
etcd_raft_leader() {
    local ep m
    ep=$(etcd_status | awk -F', ' '$5 == "true" { print $1; exit }')
    for m in "${SB_MONS[@]}"; do
        [[ $ep == "http://${SB_IPS[$m]}:2379" ]] && echo "$m"
    done
    return 0
}
raft_leader_is() { [[ $(etcd_raft_leader) == "$1" ]]; }

# move_raft_leader MON: etcd raft leadership moved to MON's member (etcdctl move-leader), bounded wait until it leads.
move_raft_leader() {
    local id
    raft_leader_is "$1" && return 0
    id=$(etcd_status | awk -F', ' -v ep="http://${SB_IPS[$1]}:2379" '$1 == ep { print $2 }')
    [[ -n $id ]] || sb_test_fail "no etcd member id for $1"
    sb_etcdctl move-leader "$id" >/dev/null || sb_test_fail "etcdctl move-leader to $1 ($id) failed"
    SB_TIMEOUT=10 sb_expect "etcd raft leadership on $1's member" raft_leader_is "$1"
}

# other_mon MON...: the first monitor host in use that is none of MON...
other_mon() {
    local m x
    for m in "${SB_MONS[@]}"; do
        for x; do [[ $m == "$x" ]] && continue 2; done
        echo "$m"
        return 0
    done
    return 1
}

# agent_request IP LINE: LINE sent to the agent at IP:9989 from the mon namespace as a monitor would send it (TLS
# with the monitor's certificate); prints the agent's reply line (empty if none came within 8 s). The connection
# stays open until the reply is read: an agent refuses a request whose sender has already closed the connection.
agent_request() {
    local ip=$1 line=$2 reply='' tls=$SB_DIR/tls pid wfd
    coproc AGENT { exec ip netns exec "${SB_NSP}mon" timeout -s KILL 10 openssl s_client -quiet -no_ign_eof \
        -verify_return_error -cert "$tls/monitor.pem" -key "$tls/monitor.key" -CAfile "$tls/ca.pem" \
        -connect "$ip:9989" 2>>"$SB_DIR/s_client.err"; }
    pid=$AGENT_PID
    printf '%s\n' "$line" >&"${AGENT[1]}"
    IFS= read -r -t 8 reply <&"${AGENT[0]}" || true
    wfd=${AGENT[1]}
    exec {wfd}>&-
    wait "$pid" 2>/dev/null || true  # ends at the closed input; `timeout` bounds it in any case
    printf '%s\n' "$reply"
}

# epoch_of HOST: the highest epoch HOST's agent has accepted, from its state file (<pid path>.epoch).
epoch_of() { sed -nE 's/^epoch=([0-9]+)$/\1/p' "$SB_DIR/$1/mmm_agentd.epoch" 2>/dev/null; }

# db1_ro: db1's read_only, bounded at 1 s (sampler function: empty when the server does not answer).
db1_ro() { sb_read_only_bounded db1 1; }

# --- the cluster ----------------------------------------------------------------------------------------------------
command -v openssl >/dev/null || sb_test_fail "openssl not found (needed to talk to an agent by hand)"
MMM_SANDBOX_MONITORS=3 sb_test_cluster_up
((SB_MONITORS == 3)) || sb_test_fail "sandbox up gave $SB_MONITORS monitor(s), not 3"
[[ -r $SB_DIR/tls/monitor.pem ]] || sb_test_fail "no TLS in the sandbox ($SB_DIR/tls/monitor.pem): this test needs it"
LEASE_TTL=$(yaml_number lease_ttl)
WRITER_LEASE=$(yaml_number writer_lease)
[[ -n $LEASE_TTL && -n $WRITER_LEASE ]] || sb_test_fail "lease_ttl or writer_lease not found in $SB_DIR/mmm.yaml"
SB_TIMEOUT=30 sb_expect "a monitor leads (etcd key $SB_ETCD_PREFIX/leader)" sb_leader
L=$(sb_leader)
sb_test_ok "cluster up: 3 monitors on etcd, $L leads, every host ONLINE, writer on db1 (lease_ttl $LEASE_TTL s," \
    "writer lease $WRITER_LEASE s)"

# === A. the leader SIGKILLed while idle =================================================================================
SHOW_A=$(show_body) || sb_test_fail "(A) show failed: $SHOW_A"
[[ $SHOW_A == *"writer(192.0.2.50)"* ]] || sb_test_fail "(A) show lists no writer: $SHOW_A"
L_LOG_FROM=$(sb_log_lines "$(sb_monitor_log "$L")")
mark_agents
sb_sampler_start ro_a db1_ro
SB_TIMEOUT=5 sb_expect "(A) the db1 read_only sampler started" test -s "$SB_DIR/sampler-ro_a.log"
sb_monitor_fault "$L" kill || sb_test_fail "(A) could not kill -9 $L's mmm_mond"
KILL_A=$SB_FAULT_AT
SB_TIMEOUT=30 SB_POLL=0.05 sb_expect "(A) a monitor other than $L leads after $L was SIGKILLed" leader_not "$L"
TAKEOVER_A=$(sb_elapsed "$KILL_A" "$EPOCHREALTIME")
N=$(sb_leader)
SB_TIMEOUT=30 SB_POLL=0.05 sb_expect "(A) every agent told by the new leader $N (Accepted epoch)" every_agent_told
DECIDING_A=$(sb_elapsed "$KILL_A" "$EPOCHREALTIME")
echo "timing (A): $L SIGKILLed -> $N holds the leader key ${TAKEOVER_A} s (target lease_ttl + 1 = $((LEASE_TTL + 1)) s);" \
    "-> every agent told ${DECIDING_A} s"
le "$TAKEOVER_A" 6 || sb_test_fail "(A) the takeover took ${TAKEOVER_A} s, over the 6 s bound"
# Observation window: db1's writer lease would run out WRITER_LEASE s after the last renewal the dead leader sent
# (before the kill); if the new leader renews it too late, db1 fences itself by then. 1 s more for the sampler.
wait_until "$(awk -v t="$KILL_A" -v l="$WRITER_LEASE" 'BEGIN { printf "%.3f", t + l + 1 }')"
sb_sampler_stop ro_a
ZERO=$(awk '$2 == "0"' "$SB_DIR/sampler-ro_a.log" | wc -l)
ONE=$(awk '$2 == "1"' "$SB_DIR/sampler-ro_a.log" | wc -l)
NONE=$(awk 'NF < 2' "$SB_DIR/sampler-ro_a.log" | wc -l)
((ONE == 0)) || sb_test_fail "(A) db1 was read_only=1 in $ONE samples during the takeover:
$(awk '$2 == "1"' "$SB_DIR/sampler-ro_a.log" | sb_head 10)"
# The samples cover the window: from before the kill to past the writer lease, without a long gap.
FIRST=$(awk 'NR == 1 { print $1 }' "$SB_DIR/sampler-ro_a.log")
LAST=$(awk 'END { print $1 }' "$SB_DIR/sampler-ro_a.log")
GAP=$(awk 'NR > 1 && $1 - p > m { m = $1 - p } { p = $1 } END { printf "%.3f", m }' "$SB_DIR/sampler-ro_a.log")
covered() {
    ((ZERO >= 10)) && le "$FIRST" "$KILL_A" && le "$GAP" 1.5 &&
        le "$(awk -v t="$KILL_A" -v l="$WRITER_LEASE" 'BEGIN { printf "%.3f", t + l }')" "$LAST"
}
covered || sb_test_fail "(A) db1's read_only not sampled over the takeover: $ZERO samples at 0 ($NONE unanswered)," \
    "first $(sb_elapsed "$KILL_A" "$FIRST") s and last $(sb_elapsed "$KILL_A" "$LAST") s from the kill, longest gap $GAP s"
expect_no_agent_change "(A) an agent changed a role, an IP, read_only or replication during the takeover"
SHOW_NOW=$(show_text) || sb_test_fail "(A) show failed after the takeover: $SHOW_NOW"
[[ $SHOW_NOW == "# Leader: monitor ${SB_IPS[$N]}:9988 (etcd, since "* ]] ||
    sb_test_fail "(A) show does not begin with the new leader ${SB_IPS[$N]}:9988: $SHOW_NOW"
[[ $(grep -v '^# Leader:' <<<"$SHOW_NOW") == "$SHOW_A" ]] || sb_test_fail "(A) show changed across the takeover:
--- before
$SHOW_A
--- after
$SHOW_NOW"
sb_writer_is db1 || sb_test_fail "(A) db1 is not the only writer after the takeover"
sb_test_ok "(A) $L SIGKILLed: $N leads after ${TAKEOVER_A} s; show unchanged; db1 read_only=0 in all $ZERO" \
    "samples ($NONE unanswered, longest gap $GAP s) up to $(sb_elapsed "$KILL_A" "$LAST") s after the kill; no agent" \
    "changed a role"
sb_sandbox heal "$L" >/dev/null || sb_test_fail "(A) could not restart $L's mmm_mond"
SB_TIMEOUT=30 sb_expect "(A) the restarted $L logs that it follows $N" \
    mon_log_has "$L" "$L_LOG_FROM" "INFO This monitor follows: the leading monitor is ${SB_IPS[$N]}:9988 "
leader_is "$N" || sb_test_fail "(A) the leader is no longer $N after $L restarted: $(sb_leader || echo none)"
sb_test_ok "(A) $L restarted and follows $N"

# === B. the leader SIGSTOPped past its lease, then SIGCONT ==============================================================
L=$N
SHOW_B=$(show_body) || sb_test_fail "(B) show failed: $SHOW_B"
OLD_EPOCH=$(epoch_of db2)
[[ -n $OLD_EPOCH ]] || sb_test_fail "(B) no epoch in $SB_DIR/db2/mmm_agentd.epoch"
ROLES_DB2=$(sb_roles db2)
L_LOG_FROM=$(sb_log_lines "$(sb_monitor_log "$L")")
mark_agents
sb_monitor_fault "$L" stop || sb_test_fail "(B) could not SIGSTOP $L's mmm_mond"
STOP_B=$SB_FAULT_AT
STOPPED_PID=$(sb_monitor_pid "$L")
# Only etcd is asked while it is stopped: a stopped monitor accepts connections and answers nothing (mmm_control
# tries mon first and would wait out its deadline there).
SB_TIMEOUT=30 SB_POLL=0.05 sb_expect "(B) a monitor other than the stopped $L leads" leader_not "$L"
TAKEOVER_B=$(sb_elapsed "$STOP_B" "$EPOCHREALTIME")
N=$(sb_leader)
SB_TIMEOUT=30 SB_POLL=0.05 sb_expect "(B) every agent told by the new leader $N" every_agent_told
DECIDING_B=$(sb_elapsed "$STOP_B" "$EPOCHREALTIME")
echo "timing (B): $L SIGSTOPped -> $N holds the leader key ${TAKEOVER_B} s; -> every agent told ${DECIDING_B} s"
# Stopped past the writer lease too: what it would send on waking, the agents hold against a newer epoch by then.
wait_until "$(awk -v t="$STOP_B" -v l="$WRITER_LEASE" 'BEGIN { printf "%.3f", t + l + 1 }')"
kill -CONT "$STOPPED_PID"
SB_TIMEOUT=30 sb_expect "(B) $L logs that it stops leading, then that it follows" \
    sb_log_sequence "$(sb_monitor_log "$L")" "$L_LOG_FROM" "ERROR This monitor stops leading: " \
    "INFO This monitor follows: the leading monitor is ${SB_IPS[$N]}:9988 "
sb_log_sequence "$(sb_monitor_log "$L")" "$L_LOG_FROM" "ERROR This monitor stops leading: " | sed 's/^/    /'
leader_is "$N" || sb_test_fail "(B) the leader is no longer $N after $L continued: $(sb_leader || echo none)"
expect_no_agent_change "(B) an agent changed a role, an IP, read_only or replication while $L was stopped or after"
REFUSED_OLD=$(agents_changes "Refused SET_STATUS: Stale epoch")
[[ -z $REFUSED_OLD ]] || echo "(B) the agents refused the old leader's stale SET_STATUS on its own:
$REFUSED_OLD"
SHOW_NOW=$(show_body) || sb_test_fail "(B) show failed after $L continued: $SHOW_NOW"
[[ $SHOW_NOW == "$SHOW_B" ]] || sb_test_fail "(B) show changed:
--- before
$SHOW_B
--- after
$SHOW_NOW"
sb_writer_is db1 || sb_test_fail "(B) db1 is not the only writer after $L continued"
sb_test_ok "(B) $L SIGSTOPped: $N leads after ${TAKEOVER_B} s; $L continued, stepped down and follows; show" \
    "unchanged; db1 the only writer; no agent changed anything"

# A stale leader by hand: the old leader's epoch (what db2 held before B), below what db2 holds now.
NEW_EPOCH=$(epoch_of db2)
if [[ -z $NEW_EPOCH ]] || ((NEW_EPOCH <= OLD_EPOCH)); then
    sb_test_fail "(B) db2's epoch did not rise with the new leader: $OLD_EPOCH before, '${NEW_EPOCH}' now"
fi
VIPS_DB2=$(sb_vips db2 | sort | paste -sd, -)
mark_agents
STALE_LINE="SET_STATUS|1|db2|ONLINE|${ROLES_DB2// /}|db1|epoch=$OLD_EPOCH"
STALE_REPLY=
# stale_refused_logged: sends the stale SET_STATUS once (STALE_REPLY: the reply) and succeeds when db2's agent has
# logged its refusal. The agent writes one refusal line per 10 s at most: polled once a second, a line held back
# comes with the next one sent after that.
stale_refused_logged() {
    STALE_REPLY=$(agent_request "${SB_IPS[db2]}" "$STALE_LINE")
    [[ $STALE_REPLY =~ ^"ERROR: Stale epoch $OLD_EPOCH: this agent has accepted epoch "([0-9]+)"|UP:" ]] || return 2
    ((BASH_REMATCH[1] >= NEW_EPOCH)) || return 2
    [[ -n $(lines_since "$(sb_agent_log db2)" "${AGENT_FROM[db2]}" \
        "WARN Refused SET_STATUS: Stale epoch $OLD_EPOCH: this agent has accepted epoch [0-9]+") ]]
}
if ! SB_TIMEOUT=15 SB_POLL=1 sb_wait_for stale_refused_logged; then
    sb_test_fail "(B) '$STALE_LINE' to db2's agent: reply '$STALE_REPLY' (expected 'ERROR: Stale epoch $OLD_EPOCH:" \
        "this agent has accepted epoch <n >= $NEW_EPOCH>'), refusal logged: $(lines_since "$(sb_agent_log db2)" \
        "${AGENT_FROM[db2]}" "Refused SET_STATUS" | sb_head 3)"
fi
echo "(B) stale SET_STATUS by hand: '$STALE_LINE' -> '$STALE_REPLY'"
lines_since "$(sb_agent_log db2)" "${AGENT_FROM[db2]}" "Refused SET_STATUS" | sb_head 1 | sed 's/^/    db2: /'
[[ $(sb_roles db2) == "$ROLES_DB2" ]] || sb_test_fail "(B) db2's roles changed: '$ROLES_DB2' -> '$(sb_roles db2)'"
[[ $(sb_vips db2 | sort | paste -sd, -) == "$VIPS_DB2" ]] ||
    sb_test_fail "(B) db2's VIPs changed: '$VIPS_DB2' -> '$(sb_vips db2 | sort | paste -sd, -)'"
[[ $(epoch_of db2) == "$NEW_EPOCH" ]] || sb_test_fail "(B) db2's epoch changed: $NEW_EPOCH -> $(epoch_of db2)"
expect_no_agent_change "(B) an agent changed something after the stale SET_STATUS"
sb_test_ok "(B) a SET_STATUS with the old leader's epoch is refused by db2's agent (logged), nothing applied"

# === C. the leader's own etcd member killed (not the raft leader) =======================================================
L=$(sb_leader) || sb_test_fail "(C) no leader"
# Raft leadership off L's member, so that the case is the same every run (E kills the raft leader's member).
[[ -n $(etcd_raft_leader) ]] || sb_test_fail "(C) no etcd member answers as the raft leader"
if raft_leader_is "$L"; then move_raft_leader "$(other_mon "$L")"; fi
SB_TIMEOUT=5 sb_expect "(C) $L still leads after the raft leadership moved" leader_is "$L"
SHOW_C=$(show_body) || sb_test_fail "(C) show failed: $SHOW_C"
L_LOG_FROM=$(sb_log_lines "$(sb_monitor_log "$L")")
mark_agents
# unchanged_c: L leads and `show` (without its Leader line) is what it was.
unchanged_c() { leader_is "$L" && [[ $(show_body) == "$SHOW_C" ]]; }
RAFT_C=$(etcd_raft_leader)
sb_monitor_fault "$L" etcd || sb_test_fail "(C) could not kill $L's etcd member"
holds_for $((2 * LEASE_TTL + 1)) unchanged_c ||
    sb_test_fail "(C) $L's etcd member killed: $(sb_elapsed "$SB_FAULT_AT" "$EPOCHREALTIME") s later the leader is" \
        "$(sb_leader || echo none), show:
$(show_text)"
! mon_log_has "$L" "$L_LOG_FROM" "This monitor stops leading" ||
    sb_test_fail "(C) $L stepped down: $(lines_since "$(sb_monitor_log "$L")" "$L_LOG_FROM" "stops leading|leads now")"
expect_no_agent_change "(C) an agent changed something with one etcd member dead"
sb_test_ok "(C) $L's etcd member killed (the raft leader was $RAFT_C's): for $((2 * LEASE_TTL + 1)) s $L led," \
    "show unchanged, no agent changed anything"
sb_sandbox heal "$L" >/dev/null || sb_test_fail "(C) could not restart $L's etcd member"
SB_TIMEOUT=30 sb_etcd_wait_healthy "${SB_MONS[@]}" || sb_test_fail "(C) etcd members not all healthy after the heal"
leader_is "$L" || sb_test_fail "(C) the leader changed when $L's etcd member came back: $(sb_leader || echo none)"

# === D. two etcd members killed (no quorum), db3's server killed meanwhile; the members back ============================
L=$(sb_leader) || sb_test_fail "(D) no leader"
X=$(other_mon "$L")
DB3_VIP=$(sb_vips db3 | sb_head 1)
[[ -n $DB3_VIP ]] || sb_test_fail "(D) db3 holds no reader VIP"
L_LOG_FROM=$(sb_log_lines "$(sb_monitor_log "$L")")
declare -A MON_FROM=()
for m in "${SB_MONS[@]}"; do MON_FROM[$m]=$(sb_log_lines "$(sb_monitor_log "$m")"); done
mark_agents
sb_etcd_kill "$L" || sb_test_fail "(D) could not kill $L's etcd member"
sb_etcd_kill "$X" || sb_test_fail "(D) could not kill $X's etcd member"
KILL_D=$EPOCHREALTIME  # quorum lost
PAUSED_RE="ERROR The leader lease was not renewed within its [0-9.]+ s .*: this monitor decides and sends nothing"
SB_TIMEOUT=15 SB_POLL=0.05 sb_expect "(D) $L logs that it decides and sends nothing (etcd without quorum)" \
    mon_log_has "$L" "$L_LOG_FROM" "$PAUSED_RE"
STEPDOWN_D=$(sb_elapsed "$KILL_D" "$EPOCHREALTIME")
lines_since "$(sb_monitor_log "$L")" "$L_LOG_FROM" "$PAUSED_RE" | sed 's/^/    /'
# no_leader_show: show's first line says the leader decides nothing (or, had it stepped down, that nobody leads).
no_leader_show() {
    local first
    first=$(show_text | sb_head 1)
    [[ $first == "# Leader: "*"it decides and sends nothing until etcd answers"* || $first == "ERROR: No monitor leads"* ]]
}
SB_TIMEOUT=15 sb_expect "(D) show says that the leader decides nothing" no_leader_show
sb_test_ok "(D) etcd members of $L and $X killed: $L paused after ${STEPDOWN_D} s; show: $(show_text | sb_head 1 |
    cut -c1-120)..."
DB1_FROM_D=${AGENT_FROM[db1]}  # since the quorum loss: db1's writer lease runs out meanwhile (checked below)
mark_agents
for m in "${SB_MONS[@]}"; do MON_FROM[$m]=$(sb_log_lines "$(sb_monitor_log "$m")"); done
sb_fault db3 kill || sb_test_fail "(D) could not kill db3's mariadbd"
DB3_AT=$SB_FAULT_AT
# Observation window: with a leader, db3's failure is acted on well within 3 s in the fast profile (its agent reports
# the exited server at once); without one nothing may happen. db3 keeps its VIP throughout (polled).
holds_for 3 sb_has_vip db3 "$DB3_VIP" ||
    sb_test_fail "(D) db3's reader VIP $DB3_VIP left db3 without a leader: $(sb_vip_snapshot)"
expect_no_agent_change "(D) an agent got a new status without a leader" "$NEW_STATUS_RE"
for m in "${SB_MONS[@]}"; do
    ! mon_log_has "$m" "${MON_FROM[$m]}" "State of host 'db3' changed|Orphaned role|Removed role|Removing all roles" ||
        sb_test_fail "(D) $m decided without quorum: $(lines_since "$(sb_monitor_log "$m")" "${MON_FROM[$m]}" \
            "State of host 'db3' changed|Orphaned role|Removed role|Removing all roles")"
done
no_leader_show || sb_test_fail "(D) show no longer says no monitor leads: $(show_text | sb_head 3)"
sb_test_ok "(D) db3's mariadbd killed without quorum: for 3 s no decision, db3 keeps $DB3_VIP, no agent got a" \
    "new status"
# README, "Losing etcd": nobody renews the writer's lease, so the writer fences itself when it runs out.
db1_fenced() {
    [[ -n $(lines_since "$(sb_agent_log db1)" "$DB1_FROM_D" "FATAL Writer lease of [0-9]+ ms expired") ]] &&
        [[ $(sb_read_only_bounded db1 1) == 1 ]] && ! sb_has_vip db1 192.0.2.50
}
SB_TIMEOUT=$(awk -v l="$WRITER_LEASE" 'BEGIN { printf "%d", l + 4 }') sb_expect \
    "(D) db1 fenced (writer lease of $WRITER_LEASE s run out, read_only=1, no writer VIP) without a leader" db1_fenced
sb_test_ok "(D) without a leader db1 fenced itself (writer lease $WRITER_LEASE s run out), as README's 'Losing etcd' says:"
lines_since "$(sb_agent_log db1)" "$DB1_FROM_D" "FATAL Writer lease of [0-9]+ ms expired" | sb_head 1 | sed 's/^/    db1: /'
HEAL_D=$EPOCHREALTIME
sb_sandbox heal "$L" >/dev/null || sb_test_fail "(D) could not restart $L's etcd member"
sb_sandbox heal "$X" >/dev/null || sb_test_fail "(D) could not restart $X's etcd member"
SB_TIMEOUT=30 SB_POLL=0.05 sb_expect "(D) a monitor leads once the etcd members are back" sb_leader
LEADER_BACK_D=$(sb_elapsed "$HEAL_D" "$EPOCHREALTIME")
echo "timing (D): etcd members restarted -> $(sb_leader) leads ${LEADER_BACK_D} s (the restart itself included)"
SB_TIMEOUT=30 sb_expect "(D) db3 HARD_OFFLINE once a monitor leads" sb_state_is db3 HARD_OFFLINE
vip_moved_off_db3() {
    local holders
    holders=$(sb_vip_holders "$DB3_VIP")
    [[ -n $holders && $holders != *db3* ]] && sb_no_vips db3
}
SB_TIMEOUT=30 sb_expect "(D) db3's reader VIP $DB3_VIP on another host, none on db3" vip_moved_off_db3
sb_test_ok "(D) $(sb_leader) leads ${LEADER_BACK_D} s after the members came back; db3 HARD_OFFLINE" \
    "$(sb_elapsed "$DB3_AT" "$EPOCHREALTIME") s after its fault, $DB3_VIP moved to $(sb_vip_holders "$DB3_VIP")"
sb_sandbox heal db3 >/dev/null || sb_test_fail "(D) could not restart db3's mariadbd"
SB_TIMEOUT=30 sb_etcd_wait_healthy "${SB_MONS[@]}" || sb_test_fail "(D) etcd members not all healthy"
SB_TIMEOUT=60 sb_wait_all_online || sb_test_fail "(D) hosts not all ONLINE with roles placed after db3 healed"
W=$(sb_role_holder writer)
SB_TIMEOUT=30 sb_expect "(D) one writer ($W)" sb_writer_is "$W"
sb_test_ok "(D) db3 healed and set online: every host ONLINE, roles placed, one writer ($W)"

# === E. the leader's own etcd member killed while it is the raft leader =================================================
L=$(sb_leader) || sb_test_fail "(E) no leader"
move_raft_leader "$L"
SB_TIMEOUT=5 sb_expect "(E) $L still leads after the raft leadership moved onto its member" leader_is "$L"
SHOW_E=$(show_body) || sb_test_fail "(E) show failed: $SHOW_E"
L_LOG_FROM=$(sb_log_lines "$(sb_monitor_log "$L")")
for m in "${SB_MONS[@]}"; do MON_FROM[$m]=$(sb_log_lines "$(sb_monitor_log "$m")"); done
mark_agents
# A read that fails while etcd elects a new raft leader (etcdctl, or a control call beside it, on a loaded machine) is
# no change: only an answer that differs is. Answered samples are counted, so that the window cannot pass unread; a
# real step-down also shows in the leader's log (checked below).
E_ANSWERED=0
unchanged_e() {
    local value body
    if value=$(sb_etcdctl get "$SB_ETCD_PREFIX/leader" --print-value-only 2>/dev/null) && [[ -n $value ]]; then
        [[ $value == *"\"${SB_IPS[$L]}\""* ]] || return 1  # the key names another monitor
        E_ANSWERED=$((E_ANSWERED + 1))
    fi
    if body=$(show_body); then
        [[ $body == "$SHOW_E" ]] || return 1
        E_ANSWERED=$((E_ANSWERED + 1))
    fi
}
sb_monitor_fault "$L" etcd || sb_test_fail "(E) could not kill $L's etcd member"
E_AT=$SB_FAULT_AT
# The window as in C, but a failure shows what followed (the leader's log, the agents) before the test fails.
held=1
holds_for $((2 * LEASE_TTL + 1)) unchanged_e || held=0
if ((held == 0)) || mon_log_has "$L" "$L_LOG_FROM" "This monitor stops leading"; then
    # Let the takeover finish (bounded) so that the failure shows its whole story and cost.
    SB_TIMEOUT=15 sb_wait_for sb_leader || true
    wait_until "$(awk -v t="$E_AT" -v l="$WRITER_LEASE" 'BEGIN { printf "%.3f", t + l + 2 }')"
    sb_test_fail "(E) $L's etcd member (the raft leader) killed: within $((2 * LEASE_TTL + 1)) s the leader or show" \
        "changed ($(sb_elapsed "$E_AT" "$EPOCHREALTIME") s after the kill: leader $(sb_leader || echo none));" \
        "monitor logs:
$(for m in "${SB_MONS[@]}"; do lines_since "$(sb_monitor_log "$m")" "${MON_FROM[$m]}" \
    "stops leading|leads now|follows:" | tail -n 4 | sed "s/^/    $m: /"; done)
agents since the kill:
$(agents_changes "$ROLE_CHANGE_RE|Accepted epoch")"
fi
((E_ANSWERED >= 4)) || sb_test_fail "(E) only $E_ANSWERED answered reads of the leader key and show in the window"
expect_no_agent_change "(E) an agent changed something with the raft leader's etcd member dead"
sb_test_ok "(E) $L's etcd member killed while the raft leader: for $((2 * LEASE_TTL + 1)) s $L led, show" \
    "unchanged, no agent changed anything"
sb_sandbox heal "$L" >/dev/null || sb_test_fail "(E) could not restart $L's etcd member"
SB_TIMEOUT=30 sb_etcd_wait_healthy "${SB_MONS[@]}" || sb_test_fail "(E) etcd members not all healthy after the heal"
