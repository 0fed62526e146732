#!/usr/bin/env bash
# Never two writers (issue 10): the monitor SIGKILLed at each step of a running failover (kill -9 of db1's
# mariadbd) and restarted as scripts/sandbox starts it: (a) right after the fault, before the monitor noticed it;
# (b) when its log shows db1's state change; (c) when its log shows the writer role assigned to db2; (d) right
# after db2 became writable. Expected after each restart, within a bounded wait: exactly one live server at
# read_only=0, it alone holds the writer VIP, `show` lists it (and only it) as writer, every other live server
# replicates from it with both threads running. Sampled every ~50 ms through the whole scenario (restores
# included): never two servers at read_only=0, never two holders of the writer VIP. A client writes through the
# VIP the whole time; every write it saw acknowledged is on the final writer at the end.
# mmm-test: cost 34
set -euo pipefail
SRC=${MMM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
export MMM_SANDBOX_PROFILE=${MMM_SANDBOX_PROFILE:-fast}
# shellcheck source=scripts/sandbox-lib.sh
source "$SRC/scripts/sandbox-lib.sh"
sb_test_begin monitor-restart-midplan

# shellcheck source=tests/integration/lib/writers.sh
source "$SRC/tests/integration/lib/writers.sh"
SPLIT="$SB_TWO_RO|$SB_TWO_VIP"

# converged: exactly one live server at read_only=0 (WRITER), the only holder of the writer VIP, the only writer in
# `show`; every other live server replicates from it (Master_Host its address, both threads Yes).
converged() {
    local h ro live=() rw=() show
    WRITER=
    for h in "${SB_DB_HOSTS[@]}"; do
        ro=$(ro_of "$h") || continue
        live+=("$h")
        [[ $ro == 0 ]] && rw+=("$h")
    done
    ((${#rw[@]} == 1)) || return 1
    [[ $(sb_vip_holders "$WRITER_VIP") == "${rw[0]}" ]] || return 1
    show=$(sb_control_read show 2>/dev/null) || return 1
    [[ $(grep -c "writer($WRITER_VIP)" <<<"$show") == 1 ]] || return 1
    [[ $(sb_role_holder writer) == "${rw[0]}" ]] || return 1
    for h in "${live[@]}"; do
        [[ $h == "${rw[0]}" ]] || sb_replicates_from "$h" "${rw[0]}" || return 1
    done
    WRITER=${rw[0]}
}

# cluster_picture: what `converged` looks at, for a failure message.
cluster_picture() {
    local h
    for h in "${SB_DB_HOSTS[@]}"; do
        printf '  %s: read_only=%s VIPs=%s Master_Host=%s IO=%s SQL=%s\n' "$h" "$(ro_of "$h" || echo '?')" \
            "$(sb_vips "$h" | paste -sd, -)" "$(sb_slave_field "$h" Master_Host)" \
            "$(sb_slave_field "$h" Slave_IO_Running)" "$(sb_slave_field "$h" Slave_SQL_Running)"
        printf '    gtid binlog=%s slave=%s io=%s; last IO error: %s; last SQL error: %s\n' \
            "$(sb_sql "$h" 'SELECT @@global.gtid_binlog_pos' 2>/dev/null)" \
            "$(sb_sql "$h" 'SELECT @@global.gtid_slave_pos' 2>/dev/null)" "$(sb_slave_field "$h" Gtid_IO_Pos)" \
            "$(sb_slave_field "$h" Last_IO_Error)" "$(sb_slave_field "$h" Last_SQL_Error)"
    done
    echo "  show: writer listed on '$(sb_role_holder writer 2>/dev/null)'"
}

# mon_log_has REGEX: the monitor log has a line matching REGEX after line MON_FROM.
mon_log_has() { tail -n +"$((MON_FROM + 1))" "$(sb_monitor_log)" | sb_in -qE "$1"; }

db1_state_changed() { mon_log_has "FATAL State of host 'db1' changed from ONLINE to HARD_OFFLINE"; }
writer_assigned() { mon_log_has "Orphaned role 'writer\\($WRITER_VIP\\)' has been assigned to 'db2'"; }
db2_writable() { [[ $(ro_of db2) == 0 ]]; }
right_away() { true; }

# restore: db1's mariadbd started again, every host ONLINE (set_online), the writer back on db1, converged there.
# Under asynchronous replication kill -9 can leave db1 with acknowledged writes that no surviving host received (its
# unsent tail): errant transactions, which keep db1 out until it is re-cloned (issue 11; CI saw it). So, as an
# operator would, db1 is re-cloned from db2 (the writer) each time; the acknowledged writes missing on db2 at that
# point are recorded in $LOST_FILE (lost by asynchronous replication, not by the monitor's restart) and db1 must hold
# them until then (they are its tail, not writes that vanished).
LOST_FILE=${SB_DIR}/lost-tail.ids  # in the state directory: removed with the sandbox, pass or fail
restore() {
    local lost h
    sb_sandbox heal db1 >/dev/null || sb_test_fail "heal db1 failed"
    SB_TIMEOUT=10 sb_expect "db1's mariadbd answers" sb_mysqld_ping db1
    lost=$(sb_client_missing w db2)
    for h in $lost; do
        sb_sql db1 "SELECT v FROM app.t WHERE v = '$h'" | sb_in -q . ||
            sb_test_fail "acknowledged write $h is neither on db2 (the writer) nor on db1"
    done
    [[ -z $lost ]] || echo "$lost" >>"$LOST_FILE"
    echo "restore: $(echo -n "$lost" | grep -c .) acknowledged writes only on db1 (its unsent tail); re-cloning db1 from db2"
    sb_sandbox reclone db1 db2 >/dev/null || sb_test_fail "reclone db1 from db2 failed"
    SB_TIMEOUT=60 sb_wait_all_online || sb_test_fail "hosts not all ONLINE with roles placed after healing db1"
    SB_TIMEOUT=30 sb_expect "db1 the writer again" sb_writer_is db1
    SB_TIMEOUT=60 SB_POLL=0.2 sb_wait_for converged ||
        sb_test_fail "not converged on db1 after the restore:
$(cluster_picture)"
    [[ $WRITER == db1 ]] || sb_test_fail "converged on $WRITER, not db1, after the restore"
}

# run_case NAME WHAT TRIGGER: kill -9 db1's mariadbd, poll TRIGGER every 20 ms, SIGKILL mmm_mond when it holds,
# start mmm_mond again and wait (bounded) for one writer, db2, with every live replica replicating from it.
run_case() {
    local name=$1 what=$2 trigger=$3 pid fault_at killed_at started_at lines
    MON_FROM=$(sb_log_lines "$(sb_monitor_log)")
    if [[ $name == a ]]; then
        # Frozen before the fault, so it cannot notice it before it is killed: with monitor.fail_fast_on_exit it
        # declares db1 failed within one check period (0.2 s here), less than a loaded machine took to kill it.
        pid=$(sb_monitor_pid) || sb_test_fail "($name) mmm_mond is not running"
        kill -STOP "$pid"
    fi
    sb_fault db1 kill || sb_test_fail "($name) could not kill db1's mariadbd"
    fault_at=$SB_FAULT_AT
    SB_TIMEOUT=30 SB_POLL=0.02 sb_wait_for "$trigger" || sb_test_fail "($name) never saw: $what"
    pid=$(sb_monitor_pid) || sb_test_fail "($name) mmm_mond is not running"
    kill -9 "$pid"
    killed_at=$EPOCHREALTIME
    SB_TIMEOUT=10 sb_wait_for sb_gone "$pid" || sb_test_fail "($name) mmm_mond (pid $pid) survived SIGKILL"
    lines=$(tail -n +"$((MON_FROM + 1))" "$(sb_monitor_log)" |
        grep -E "changed from|Orphaned role|Removed role|Active master moved|Waiting [0-9]+ ms|kill" || true)
    echo "($name) mmm_mond SIGKILLed $(sb_elapsed "$fault_at" "$killed_at") s after the fault ($what); its log since the fault:"
    # shellcheck disable=SC2001  # indents every line
    sed 's/^/    /' <<<"${lines:-(nothing about db1 yet)}"
    if [[ $name == a ]] && db1_state_changed; then
        sb_test_fail "(a) the monitor had already noticed the fault when it was killed: the case did not test what it says"
    fi
    MON_FROM=$(sb_log_lines "$(sb_monitor_log)")
    sb_monitor_start || sb_test_fail "($name) mmm_mond did not start again"
    started_at=$EPOCHREALTIME
    SB_TIMEOUT=60 SB_POLL=0.2 sb_wait_for converged ||
        sb_test_fail "($name) no single writer with every live replica replicating from it 60 s after the restart:
$(cluster_picture)"
    [[ $WRITER == db2 ]] || sb_test_fail "($name) the single writer is $WRITER, not db2 (db1's mariadbd is dead)"
    echo "($name) converged on db2 $(sb_elapsed "$started_at" "$EPOCHREALTIME") s after the restart," \
        "$(sb_elapsed "$fault_at" "$EPOCHREALTIME") s after the fault; acknowledged writes missing on db2:" \
        "$(sb_client_missing w db2 | wc -l) (asynchronous replication from the dead db1)"
    sb_test_ok "($name) monitor killed $what and restarted: one writer, db2; db3 replicates from it"
}

sb_test_cluster_up
: >"$LOST_FILE"
sb_test_ok "cluster up: all hosts ONLINE, writer on db1"
SB_TIMEOUT=30 sb_expect "one writer, db1, replicas replicating from it" converged
scenario_at=$EPOCHREALTIME
sb_rw_sampler_start rw
sb_client_start w
SB_TIMEOUT=20 sb_expect "5 client writes through the writer VIP" sb_client_has_acked w 5

run_case a "right after the fault, before the monitor noticed it" right_away
restore
run_case b "when it logged db1's state change to HARD_OFFLINE" db1_state_changed
restore
run_case c "when it logged the writer role assigned to db2" writer_assigned
restore
run_case d "right after db2 became writable" db2_writable
restore
sb_test_ok "cluster restored after the four cases: writer on db1"

sb_client_stop w
sb_sampler_stop rw
# Every acknowledged write is on the final writer, except those recorded as db1's unsent tail at a restore.
missing_unexplained() { LC_ALL=C comm -23 <(sb_client_missing w "$1") <(LC_ALL=C sort -u "$LOST_FILE"); }
all_acked_on() { [[ -z $(missing_unexplained "$1") ]]; }
if ! SB_TIMEOUT=30 sb_wait_for all_acked_on "$WRITER"; then
    sb_test_fail "$(missing_unexplained "$WRITER" | wc -l) of $(sb_client_acked w) acknowledged writes are not on the" \
        "final writer $WRITER: $(missing_unexplained "$WRITER" | sb_head 20 | paste -sd' ' -)"
fi
echo "client: $(sb_client_acked w) acknowledged writes, all on the final writer $WRITER but" \
    "$(sort -u "$LOST_FILE" | grep -c .) lost with db1's unsent tail (asynchronous replication);" \
    "$(sb_log_lines "${SB_DIR}/client-w.failed") attempts failed"

two=$(sb_sampler_count_after rw "$scenario_at" "$SPLIT")
samples=$(sb_sampler_count_after rw "$scenario_at" '.*')
if ((two > 0)); then
    sb_test_fail "$two of $samples samples show two servers at read_only=0 or two holders of the writer VIP:
$(two_samples rw "$scenario_at" "$SPLIT")"
fi
sb_test_ok "$samples samples: never two servers at read_only=0, never two holders of the writer VIP;" \
    "every acknowledged write on the final writer"
