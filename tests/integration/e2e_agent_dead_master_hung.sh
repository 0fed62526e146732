#!/usr/bin/env bash
# Never two writers (issue 10): the active master's agent killed (kill -9) and its mariadbd hung (SIGSTOP). The
# monitor can neither tell db1 to drop the writer role nor see it: the writer lease, or kill_host_bin, has to
# fence it before db2 takes the role, and the monitor log says which. The monitor runs with a writer lease of
# LEASE s, longer than the fast profile's detection (~1 s), so a failover that waits for the lease is told apart
# from one that does not.
# 1. No kill_host_bin: the monitor tries to kill db1 (FATAL: no binary configured), then logs that it waits for
#    db1's lease and gives db2 the writer only after it: db2 writable no earlier than 2/3 of a lease after the
#    fault (renewals go every third of a lease, so the last one reached db1's agent at most a third of a lease
#    before it died). Never two hosts answering read_only=0 with the writer VIP.
#    What the lease cannot do: the agent is dead, so nothing fences db1's mysqld. db1 keeps the writer VIP
#    beside db2 (a duplicate address) and, when its mysqld resumes, is writable again until its agent returns.
#    The test shows this (and only prints it): this is the case kill_host_bin is for.
# 2. kill_host_bin set to a script the test writes: it records its arguments and fences db1 as a power switch
#    would (kill -9 of its mariadbd, its role addresses gone). The monitor logs that it killed db1 with the
#    command, the script ran before db2 became writable, no lease wait is logged and db2 is writable well before
#    2/3 of a lease; never two holders of the writer VIP.
# mmm-test: cost 19
set -euo pipefail
SRC=${MMM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
export MMM_SANDBOX_PROFILE=${MMM_SANDBOX_PROFILE:-fast}
# shellcheck source=scripts/sandbox-lib.sh
source "$SRC/scripts/sandbox-lib.sh"
sb_test_begin agent-dead-master-hung
# shellcheck source=tests/integration/lib/writers.sh
source "$SRC/tests/integration/lib/writers.sh"

LEASE=6
MIN_WAIT=$((LEASE * 2 / 3))

# On exit: db1's mariadbd continued (sandbox down stops it either way) before the sandbox's own cleanup.
# (set +e: under errexit the `(exit rc)` that hands the status on would end the trap right there.)
cleanup() {
    local rc=$? pid
    set +e
    pid=$(sb_mysqld_pid db1) && kill -CONT "$pid" 2>/dev/null
    (exit "$rc")
    sb_test_cleanup
}
trap cleanup EXIT

D=${SB_DIR}
KILL_BIN=$D/kill-host.sh
KILLED=$D/kill-host.args

# monitor_config NAME KILL_HOST_BIN: writes <state dir>/mmm-NAME.yaml: mmm.yaml with monitor.writer_lease LEASE
# and monitor.kill_host_bin KILL_HOST_BIN (mode 0600: it holds passwords); prints its path.
monitor_config() {
    local f=$D/mmm-$1.yaml
    (umask 077 && sed -e "s|^  kill_host_bin: \"\"$|  kill_host_bin: \"$2\"\n  writer_lease: $LEASE|" "$D/mmm.yaml" >"$f")
    grep -q "^  writer_lease: $LEASE$" "$f" || sb_test_fail "could not write $f from mmm.yaml"
    echo "$f"
}

# restart_monitor CONFIG: mmm_mond stopped (SIGTERM) and started with CONFIG; then a bounded wait until db1 is the
# writer and db1's agent has accepted a status from the new monitor (so it holds the new lease length).
restart_monitor() {
    local from
    from=$(sb_log_lines "$(sb_agent_log db1)")
    sb_monitor_restart "$1"
    db1_accepted() { tail -n +"$((from + 1))" "$(sb_agent_log db1)" | sb_in -q "Accepted epoch"; }
    SB_TIMEOUT=30 sb_expect "db1's agent accepted a status from the restarted monitor" db1_accepted
}

# kill_agent_hang_mysqld: kill -9 of db1's mmm_agentd, then SIGSTOP of its mariadbd; FAULT_AT = after both.
kill_agent_hang_mysqld() {
    local apid mpid
    apid=$(sb_agent_pid db1) || sb_test_fail "db1's agent is not running"
    mpid=$(sb_mysqld_pid db1) || sb_test_fail "db1's mariadbd is not running"
    kill -9 "$apid"
    SB_TIMEOUT=10 sb_expect "db1's agent gone" sb_gone "$apid"
    kill -STOP "$mpid"
    FAULT_AT=$EPOCHREALTIME
}

db2_writable() { [[ $(ro_of db2) == 0 ]]; }
writer_listed() { [[ $(sb_role_holder writer) == "$1" ]]; }

# wait_db2_writable: bounded wait (20 ms polls) until db2 answers read_only=0; WRITABLE_AT, WAITED (s since the fault).
wait_db2_writable() {
    SB_TIMEOUT=60 SB_POLL=0.02 sb_expect "db2 writable" db2_writable
    WRITABLE_AT=$EPOCHREALTIME
    WAITED=$(sb_elapsed "$FAULT_AT" "$WRITABLE_AT")
}

# mon_since FROM: the monitor log after line FROM.
mon_since() { tail -n +"$(($1 + 1))" "$(sb_monitor_log)"; }

lease_wait_re="Waiting [0-9]+ ms for the writer lease of 'db1' to run out before giving role 'writer\\($WRITER_VIP\\)' to 'db2'"

sb_test_cluster_up
sb_test_ok "cluster up: all hosts ONLINE, writer on db1"
sb_rw_sampler_start rw

# --- 1. no kill_host_bin: the lease ------------------------------------------------------------------------------
restart_monitor "$(monitor_config lease "")"
sb_test_ok "(1) monitor restarted with writer_lease $LEASE s and no kill_host_bin"
from=$(sb_log_lines "$(sb_monitor_log)")
kill_agent_hang_mysqld
wait_db2_writable
SB_TIMEOUT=30 sb_expect "(1) db2 the writer in show" sb_state_is db2 ONLINE
SB_TIMEOUT=30 sb_expect "(1) show lists db2 as writer" writer_listed db2
echo "(1) db2 writable $WAITED s after the fault; the monitor log since the fault:"
mon_since "$from" | grep -E "db1|db2" | grep -vE "Check '|Status sent" | sed 's/^/    /'
sb_log_sequence "$(sb_monitor_log)" "$from" \
    "FATAL State of host 'db1' changed from ONLINE to HARD_OFFLINE" \
    "Could not kill host 'db1' - there may be some duplicate ips now! \\(There's no binary configured" >/dev/null ||
    sb_test_fail "(1) the monitor log lacks db1's state change or the failed kill (no kill_host_bin)"
mon_since "$from" | sb_in -qE "$lease_wait_re" ||
    sb_test_fail "(1) the monitor log has no line /$lease_wait_re/: it did not wait for db1's lease"
awk -v w="$WAITED" -v m="$MIN_WAIT" 'BEGIN { exit !(w >= m) }' ||
    sb_test_fail "(1) db2 writable $WAITED s after the fault, before db1's lease ($LEASE s, renewed every" \
        "$((LEASE / 3)) s) can have run out (>= $MIN_WAIT s)"
two=$(sb_sampler_count_after rw "$FAULT_AT" "$SB_TWO_WRITERS")
((two == 0)) || sb_test_fail "(1) $two samples with two writers (VIP and read_only=0) since the fault:
$(two_samples rw "$FAULT_AT" "$SB_TWO_WRITERS")"
sb_test_ok "(1) lease: db2 the writer $WAITED s after the fault (lease $LEASE s), the log says it waited for" \
    "db1's lease; never two writers"

# What the lease cannot fence: db1's agent is dead. Observed, printed, not asserted.
dup=$(sb_vip_holders "$WRITER_VIP")
cont_at=$EPOCHREALTIME
kill -CONT "$(sb_mysqld_pid db1)"
SB_TIMEOUT=5 sb_wait_for sb_mysqld_ping db1 || true
echo "(1) observed: with db1's agent dead nothing fences db1: writer VIP on '$dup' while db1 was stopped;" \
    "after SIGCONT db1 read_only=$(ro_of db1 || echo '?'), writer VIP on '$(sb_vip_holders "$WRITER_VIP")'" \
    "(kill_host_bin is for this)"
sb_agent_start db1 || sb_test_fail "db1's agent did not start again"
db1_fenced() { [[ $(ro_of db1) == 1 ]] && ! sb_has_vip db1 "$WRITER_VIP"; }
SB_TIMEOUT=30 sb_expect "(1) db1 read-only without the writer VIP once its agent is back" db1_fenced
echo "(1) db1 fenced by its restarted agent $(sb_elapsed "$cont_at" "$EPOCHREALTIME") s after SIGCONT"
sb_test_ok "(1) db1's restarted agent fences it"

# --- restore: db1 online and the writer again ----------------------------------------------------------------
SB_TIMEOUT=60 sb_wait_all_online || sb_test_fail "hosts not all ONLINE with roles placed after case 1"
SB_TIMEOUT=30 sb_expect "db1 the writer again" sb_writer_is db1

# --- 2. kill_host_bin: the fence -------------------------------------------------------------------------------
# The script runs in the monitor's namespace, as the monitor's child: it records its arguments (host, ping ok)
# and when it ran, then powers the host off as far as clients can tell: kill -9 of its mariadbd, role IPs gone.
cat >"$KILL_BIN" <<EOF
#!/usr/bin/env bash
# kill_host_bin of the test $SB_TEST_NAME (written by it): records its arguments, fences HOST in the sandbox.
echo "\$EPOCHREALTIME \$*" >>"$KILLED"
host=\$1
pid=\$(cat "$D/\$host/mysqld.pid" 2>/dev/null) && kill -9 "\$pid" 2>/dev/null
for a in \$(ip -n "${MMM_SANDBOX}-\$host" -4 -o addr show dev eth0 | awk '{ print \$4 }' | grep '/32\$'); do
    ip -n "${MMM_SANDBOX}-\$host" addr del "\$a" dev eth0
done
echo "fenced \$host"
exit 0
EOF
chmod 0755 "$KILL_BIN"
restart_monitor "$(monitor_config kill "$KILL_BIN")"
sb_test_ok "(2) monitor restarted with writer_lease $LEASE s and kill_host_bin $KILL_BIN"
from=$(sb_log_lines "$(sb_monitor_log)")
kill_agent_hang_mysqld
wait_db2_writable
SB_TIMEOUT=30 sb_expect "(2) show lists db2 as writer" writer_listed db2
echo "(2) db2 writable $WAITED s after the fault; the monitor log since the fault:"
mon_since "$from" | grep -E "db1|db2|[Kk]ill" | grep -vE "Check '|Status sent" | sed 's/^/    /'
[[ -s $KILLED ]] || sb_test_fail "(2) kill_host_bin never ran (no $KILLED)"
read -r killed_at killed_args <"$KILLED"
[[ $killed_args == "db1 1" ]] || sb_test_fail "(2) kill_host_bin ran with '$killed_args', not 'db1 1' (host, ping ok)"
sb_log_sequence "$(sb_monitor_log)" "$from" \
    "FATAL State of host 'db1' changed from ONLINE to HARD_OFFLINE" \
    "INFO Killing host using command '$KILL_BIN db1 1'" \
    "INFO kill_host_bin for 'db1' finished in [0-9]+ ms" >/dev/null ||
    sb_test_fail "(2) the monitor log does not say it killed db1 with '$KILL_BIN db1 1'"
awk -v k="$killed_at" -v w="$WRITABLE_AT" 'BEGIN { exit !(k < w) }' ||
    sb_test_fail "(2) db2 writable before kill_host_bin ran (it ran at $killed_at, db2 writable at $WRITABLE_AT)"
awk -v w="$WAITED" -v m="$MIN_WAIT" 'BEGIN { exit !(w < m) }' ||
    sb_test_fail "(2) db2 writable only $WAITED s after the fault although kill_host_bin fenced db1" \
        "$(sb_elapsed "$FAULT_AT" "$killed_at") s after it: as slow as the lease wait (>= $MIN_WAIT s)"
sb_sampler_stop rw
for p in "$SB_TWO_WRITERS" "$SB_TWO_VIP"; do
    two=$(sb_sampler_count_after rw "$FAULT_AT" "$p")
    ((two == 0)) || sb_test_fail "(2) $two samples matching /$p/ since the fault:
$(two_samples rw "$FAULT_AT" "$p")"
done
# Last, so that a failure here comes after every other finding: the log must not claim a lease wait either.
if waited=$(mon_since "$from" | grep -E "Waiting [0-9]+ ms for the writer lease of 'db1'"); then
    sb_test_fail "(2) db1 was fenced by kill_host_bin (db2 writable $WAITED s after the fault), yet the monitor" \
        "log says it waits for db1's lease: $waited"
fi
sb_test_ok "(2) kill_host_bin: db1 killed $(sb_elapsed "$FAULT_AT" "$killed_at") s and db2 writable $WAITED s after" \
    "the fault, no lease wait, the writer VIP never on two hosts"
