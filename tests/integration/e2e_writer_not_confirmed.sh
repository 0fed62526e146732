#!/usr/bin/env bash
# Never two writers, agent replies count (issue 10): the chosen new writer cannot take the role, and the monitor
# neither lists it as writer nor waits for it forever. `move_role writer db2` while db1's agent is stopped (SIGSTOP):
# db1 stays writable with the writer VIP (nothing that could fence it runs: kill_host_bin's case), so db2's catch-up
# waits for db1 to turn read-only, and db2's agent answers every status "OK: Status accepted; still applying it".
# The monitor's config has agent.writer_sync_timeout 4 s, so the writer move's budget (writer_sync_timeout + 2 x
# agent_timeout = 8 s) ends while the catch-up still waits.
# Expected: `show` never lists db2 as writer; at the budget's end the monitor takes the role from db2 (ERROR line
# "... not confirmed within 8 s, the writer move's budget ..."), db2 is no candidate for 60 s and, db1's agent being
# unreachable, the role stays orphaned with both reasons in `show`; db2 never becomes writable and never holds the
# writer VIP; no sample ever shows two hosts at read_only=0 or two holders of the writer VIP. After db1's agent
# continues (SIGCONT), exactly one writer again.
# mmm-test: cost 17
set -euo pipefail
SRC=${MMM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
export MMM_SANDBOX_PROFILE=${MMM_SANDBOX_PROFILE:-fast}
# shellcheck source=scripts/sandbox-lib.sh
source "$SRC/scripts/sandbox-lib.sh"
sb_test_begin writer-not-confirmed
# shellcheck source=tests/integration/lib/writers.sh
source "$SRC/tests/integration/lib/writers.sh"

# A failure while db1's agent is stopped needs no trap of its own: sb_test_cleanup stops every daemon with SIGCONT
# before SIGTERM.
sb_test_cluster_up >/dev/null
D=${SB_DIR}
CONFIG=$D/mmm-budget.yaml
(umask 077 && sed -e 's|^agent:$|agent:\n  writer_sync_timeout: 4|' "$D/mmm.yaml" >"$CONFIG")
grep -q "^  writer_sync_timeout: 4$" "$CONFIG" || sb_test_fail "could not write $CONFIG from mmm.yaml"
sb_monitor_restart "$CONFIG"
out=$(sb_control set_manual)
[[ $out == "OK: Switched into manual mode."* ]] || sb_test_fail "set_manual replied: $out"
sb_rw_sampler_start rw
sb_test_ok "cluster up, monitor with agent.writer_sync_timeout 4 s, MANUAL mode"

from=$(sb_log_lines "$(sb_monitor_log)")
apid=$(sb_agent_pid db1) || sb_test_fail "db1's agent is not running"
kill -STOP "$apid"
stop_at=$EPOCHREALTIME
out=$(sb_control move_role writer db2) || true  # an ERROR reply exits non-zero
[[ $out == "OK: Role 'writer' has been moved from 'db1' to 'db2'."* ]] || sb_test_fail "move_role writer db2 replied: $out"

# db2 is never listed as the writer while it has not confirmed it; the budget ends, the role is orphaned.
orphaned() {
    local show
    show=$(sb_control_read show) || return 1
    [[ $show == *"# Warning: host db2 is no candidate for role writer for "*" s more: it did not confirm it within 8 s (last answer: '"* ]] &&
        [[ $show == *"# Warning: role writer has no holder: no other candidate is ONLINE"* ]]
}
db2_never_writer() {
    [[ $(sb_role_holder writer) != db2 ]] || { echo "show lists db2 as writer" >&2; return 1; }
    [[ $(ro_of db2) != 0 ]] || { echo "db2 is writable" >&2; return 1; }
    ! sb_has_vip db2 "$WRITER_VIP" || { echo "db2 holds the writer VIP" >&2; return 1; }
}
deadline=$((SECONDS + 40))
until orphaned; do
    db2_never_writer || sb_test_fail "db2 took the writer role it never confirmed"
    ((SECONDS < deadline)) || sb_test_fail "the writer role was not taken from db2 within 40 s of the move"
    sleep 0.2
done
orphaned_at=$EPOCHREALTIME
db2_never_writer || sb_test_fail "db2 took the writer role it never confirmed"
line="ERROR Agent on host 'db2' could not take role 'writer\\(192\\.0\\.2\\.50\\)': not confirmed within 8 s, the writer move's budget"
sb_log_sequence "$(sb_monitor_log)" "$from" "$line" >/dev/null ||
    sb_test_fail "the monitor log lacks /$line/"
echo "the monitor took the role from db2 $(sb_elapsed "$stop_at" "$orphaned_at") s after the move; its log since:"
tail -n +"$((from + 1))" "$(sb_monitor_log)" | grep -vE "Check '|Status sent" | sed 's/^/    /' | sb_head 30
echo "show:"
sb_control show | sed 's/^/    /'
sb_test_ok "db2 never listed or writable, the role taken from it at the budget's end and orphaned with the reasons"

kill -CONT "$apid"
one_writer() {
    local w
    w=$(sb_role_holder writer)
    [[ -n $w ]] && sb_writer_is "$w"
}
SB_TIMEOUT=30 sb_expect "exactly one writer after db1's agent continued" one_writer
sb_sampler_stop rw
for p in "$SB_TWO_RO" "$SB_TWO_VIP"; do
    two=$(sb_sampler_count_after rw "$stop_at" "$p")
    ((two == 0)) || sb_test_fail "$two samples match /$p/ since the move: $(grep -E "$p" "$D/sampler-rw.log" | sb_head 3 | paste -sd';' -)"
done
sb_test_ok "after db1's agent continued: $(sb_role_holder writer) the only writer; never two writers or VIP holders" \
    "in $(awk -v t="$stop_at" '$1 > t { n++ } END { print n + 0 }' "$D/sampler-rw.log") samples"
