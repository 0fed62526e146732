#!/usr/bin/env bash
# Failover scenario 7 (issue 6): restart of the agent on the active master (SIGTERM, start again).
# Expected: the writer VIP stays on db1 the whole time, db1 stays writable, client writes keep succeeding,
# no role moves.
set -euo pipefail
SRC=${MMM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source=scripts/sandbox-lib.sh
source "$SRC/scripts/sandbox-lib.sh"
sb_test_begin agent-restart

sb_test_cluster_up
before=$(sb_control show)
sb_test_ok "cluster up: all hosts ONLINE, writer on db1"

db1_writer_state() { echo "vip=$(sb_has_vip db1 192.0.2.50 && echo yes || echo no) ro=$(sb_read_only db1)"; }
sb_sampler_start db1 db1_writer_state
# A generous limit per write: this test counts failed writes, and a loaded machine must not fake one.
SB_CLIENT_TIMEOUT=2 sb_client_start w
SB_TIMEOUT=20 sb_expect "5 client writes through the writer VIP" sb_client_has_acked w 5
mon_from=$(sb_log_lines "$(sb_monitor_log)")

pid=$(sb_agent_pid db1) || sb_test_fail "agent on db1 not running"
sb_agent_stop db1
sb_gone "$pid" || sb_test_fail "agent pid $pid still running after SIGTERM"
sb_has_vip db1 192.0.2.50 || sb_test_fail "the writer VIP left db1 when its agent stopped"
n=$(sb_client_acked w)
SB_TIMEOUT=20 sb_expect "client writes while db1's agent is down" sb_client_has_acked w $((n + 5))
agent_from=$(sb_log_lines "$(sb_agent_log db1)")
sb_agent_start db1 || sb_test_fail "agent on db1 did not start again"
sb_test_ok "agent on db1 stopped and started again"

# Settled: the monitor has given the new agent its roles (a fresh agent logs them as added) and show is as
# before.
got_roles() {
    sb_log_sequence "$(sb_agent_log db1)" "$agent_from" "Added: .*writer\\(192\\.0\\.2\\.50\\)" >/dev/null 2>&1
}
SB_TIMEOUT=30 sb_expect "the restarted agent on db1 received its roles from the monitor" got_roles
same_show() { [[ $(sb_control_read show) == "$before" ]]; }
SB_TIMEOUT=30 sb_expect "show identical to before the restart" same_show
n=$(sb_client_acked w)
SB_TIMEOUT=20 sb_expect "client writes after the restart" sb_client_has_acked w $((n + 10))
sb_sampler_stop db1
sb_client_stop w

seen=$(sb_sampler_values db1)
[[ $seen == "vip=yes ro=0" ]] || sb_test_fail "db1's writer VIP or read_only changed during the agent restart:
$seen"
failed=$(sb_log_lines "${SB_DIR}/client-w.failed")
((failed == 0)) || sb_test_fail "$failed client writes through the writer VIP failed during the agent restart"
if moves=$(tail -n +"$((mon_from + 1))" "$(sb_monitor_log)" | grep -E "Moving role|Orphaned role|Removing all roles|changed from"); then
    sb_test_fail "the monitor moved roles or changed states:
$moves"
fi
if changes=$(tail -n +"$((agent_from + 1))" "$(sb_agent_log db1)" | grep -E "Denied writes|Removed IP"); then
    sb_test_fail "the restarted agent took the writer down:
$changes"
fi
sb_writer_is db1 || sb_test_fail "db1 no longer the only writer"
echo "client: $(sb_client_acked w) writes acknowledged, none failed"
sb_test_ok "writer VIP stayed on db1 and db1 stayed writable throughout; no role moved"
