#!/usr/bin/env bash
# Monitor HA on etcd (issue 14): the leading monitor SIGKILLed in the middle of a writer failover, after the old
# writer was told to give up its roles and before the new writer was told to take them. Three monitors and a 3-member
# etcd (MMM_SANDBOX_MONITORS=3, fast profile); a client writes through the writer VIP the whole time.
# How the window is held open: db2's agent is SIGSTOPped before db1's mariadbd is killed, so the leader's plan waits on
# db2 after db1's agent removed the writer VIP; the leader is killed then, and db2's agent continues.
# Expected: another monitor leads (within lease_ttl + a bounded start-up), finishes the failover from the state in etcd
# and the agents' reports: db2 the only writer (role, VIP, read_only=0), db3 replicating from db2, `show` listing db2
# as the writer; never two writable servers nor two holders of the writer VIP (sampled every ~50 ms); every write
# the client saw acknowledged is on db2 and on db3, none twice.
# mmm-test: cost 45
set -euo pipefail
SRC=${MMM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
export MMM_SANDBOX_PROFILE=${MMM_SANDBOX_PROFILE:-fast}
export MMM_SANDBOX_MONITORS=3
# shellcheck source=scripts/sandbox-lib.sh
source "$SRC/scripts/sandbox-lib.sh"
sb_test_begin monitor-ha-failover

sb_test_cluster_up
old_leader=$(sb_leader) || sb_test_fail "no leading monitor after sandbox up"
sb_test_ok "cluster up with 3 monitors; $old_leader leads, writer on db1"

sb_rw_sampler_start writer
sb_client_start w
SB_TIMEOUT=20 sb_expect "5 client writes through the writer VIP" sb_client_has_acked w 5

# log_has_after FILE FROM REGEX: FILE has a line matching REGEX after its line FROM.
log_has_after() { tail -n +"$(($2 + 1))" "$1" | sb_in -qE "$3"; }
# leader_other_than MON: a monitor other than MON leads.
leader_other_than() {
    local now
    now=$(sb_leader 2>/dev/null) && [[ $now != "$1" ]]
}

db1_log=$(sb_agent_log db1)
db1_from=$(sb_log_lines "$db1_log")
db2_from=$(sb_log_lines "$(sb_agent_log db2)")
db2_agent=$(sb_agent_pid db2) || sb_test_fail "db2's agent is not running"
leader_pid=$(sb_monitor_pid "$old_leader") || sb_test_fail "the leader's mmm_mond is not running"
kill -STOP "$db2_agent"
sb_fault db1 kill || sb_test_fail "could not kill db1's mariadbd"
fault_at=$SB_FAULT_AT
SB_TIMEOUT=20 sb_expect "db1's agent removed the writer VIP (the old writer was told)" \
    log_has_after "$db1_log" "$db1_from" "Removed IP 192\\.0\\.2\\.50 \\(writer\\)"
kill -9 "$leader_pid"
killed_at=$EPOCHREALTIME
# Nothing reached db2 yet: its agent is stopped.
log_has_after "$(sb_agent_log db2)" "$db2_from" "Added IP 192\\.0\\.2\\.50" &&
    sb_test_fail "db2's agent took the writer VIP while it was stopped?"
kill -CONT "$db2_agent"
sb_test_ok "leader $old_leader killed mid-failover: db1 told to give up the writer, db2 not yet told"

SB_TIMEOUT=15 SB_POLL=0.05 sb_expect "another monitor leads" leader_other_than "$old_leader"
new_leader=$(sb_leader)
led_at=$EPOCHREALTIME
SB_TIMEOUT=30 sb_expect "db2 the only writer (role, VIP, read_only=0; other reachable servers read-only)" sb_writer_is db2
SB_TIMEOUT=30 sb_expect "a client write through the writer VIP acknowledged after the fault" \
    sb_client_acked_after w "$fault_at"
first_ack=$(sb_client_first_ack_after w "$fault_at")
echo "timing: leader killed -> $new_leader leads $(sb_elapsed "$killed_at" "$led_at") s;" \
    "fault -> first acknowledged write through the VIP $(sb_elapsed "$fault_at" "$first_ack") s"
sb_log_sequence "$(sb_monitor_log "$new_leader")" 0 \
    "INFO This monitor \\(192\\.0\\.2\\.[0-9]+:9988\\) leads now" \
    "INFO Status read from etcd \\(/mmm/sandbox/status\\)" \
    "INFO Monitor started in active mode" ||
    sb_test_fail "$new_leader's log lacks the takeover sequence"
sb_test_ok "$new_leader leads and finished the failover: db2 the only writer, client writes succeed again"

SB_TIMEOUT=30 sb_expect "db1 HARD_OFFLINE without roles" sb_state_is db1 HARD_OFFLINE
[[ -z $(sb_roles db1) ]] || sb_test_fail "db1 still listed with roles: $(sb_roles db1)"
SB_TIMEOUT=30 sb_expect "roles placed on db2/db3" sb_roles_placed
SB_TIMEOUT=60 sb_expect "db3 replicating from db2 with both threads running" sb_replicates_from db3 db2
for pattern in "$SB_TWO_RO" "$SB_TWO_VIP"; do
    two=$(sb_sampler_count_after writer "$fault_at" "$pattern")
    ((two == 0)) || sb_test_fail "after the fault, two hosts at once ($pattern) in $two samples" \
        "over $(sb_sampler_span writer "$fault_at" "$pattern") s"
done
sb_test_ok "never two writable servers nor two holders of the writer VIP; db3 follows db2"

sb_client_stop w
mark="after-takeover-$$-$RANDOM"
sb_vip_insert "$mark" || sb_test_fail "INSERT through the writer VIP failed after the takeover"
SB_TIMEOUT=30 sb_expect "the row written through the VIP arrives on db3" sb_has_row db3 "$mark"
acked=$(sb_client_acked w)
for h in db2 db3; do
    missing=$(sb_client_missing w "$h" | wc -l)
    ((missing == 0)) || sb_test_fail "$missing of $acked acknowledged writes are missing on $h" \
        "(first: $(sb_client_missing w "$h" | sb_head 3 | paste -sd' ' -))"
    dup=$(sb_sql "$h" "SELECT COUNT(*) - COUNT(DISTINCT v) FROM app.t")
    ((dup == 0)) || sb_test_fail "$dup rows twice on $h"
done
sb_test_ok "all $acked acknowledged writes on db2 and db3, none twice"
