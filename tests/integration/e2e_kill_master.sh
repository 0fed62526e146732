#!/usr/bin/env bash
# Failover scenario 1 (issue 6): kill -9 of the active master's mariadbd. Real servers, agents and monitor in
# the sandbox; a client in the client namespace writes through the writer VIP the whole time.
# Expected: db1's agent tells the monitor that mariadbd has exited, so the mysql check fails without waiting for
# its trap period; the writer moves to db2; db3 replicates from db2 (threads running, a new row arrives); client
# writes through the VIP succeed again; db1 holds no VIP; the audit logs tell the story in order.
set -euo pipefail
SRC=${MMM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source=scripts/sandbox-lib.sh
source "$SRC/scripts/sandbox-lib.sh"
sb_test_begin kill-master

sb_master_fault_scenario kill
SB_TIMEOUT=30 sb_expect "every role placed on db2/db3 and configured there only" sb_roles_placed
sb_test_ok "readers on db2/db3"

SB_TIMEOUT=60 sb_expect "db3 replicating from db2 with both threads running" sb_replicates_from db3 db2
mark="after-failover-$$-$RANDOM"
sb_vip_insert "$mark" || sb_test_fail "INSERT through the writer VIP failed after the failover"
sb_has_row db2 "$mark" || sb_test_fail "row written through the VIP is not on db2"
SB_TIMEOUT=30 sb_expect "row written through the VIP arrives on db3" sb_has_row db3 "$mark"
sb_test_ok "db3 follows db2; a new row arrives"

sb_client_stop w
acked=$(sb_client_acked w)
missing=$(sb_client_missing w db2 | wc -l)
echo "client: $acked acknowledged writes, $missing of them missing on db2 (asynchronous replication)"

# The audit logs, in order. Monitor: check failure, state change, roles removed, writer assigned to db2.
mon=$(sb_monitor_log)
sb_log_sequence "$mon" "$SB_MON_FROM" \
    "WARN Agent on 'db1' says its server process has exited, no other runs \\(.*\\): its mysql check fails now, without the trap period" \
    "ERROR Check 'mysql' on 'db1' has failed for [0-9.]+ seconds! Message: " \
    "FATAL State of host 'db1' changed from ONLINE to HARD_OFFLINE \\(ping: OK, mysql: not OK\\)" \
    "INFO Removing all roles from host 'db1':" \
    "INFO +Removed role 'writer\\(192\\.0\\.2\\.50\\)' from host 'db1'" \
    "INFO Orphaned role 'writer\\(192\\.0\\.2\\.50\\)' has been assigned to 'db2'" ||
    sb_test_fail "monitor audit log lacks the failover sequence"
# fail_fast_on_exit: db1's agent saw mariadbd's process gone, so the check failed before its 2 s trap period ended.
failed_for=$(sed -n "$((SB_MON_FROM + 1)),\$p" "$mon" |
    sed -n -E "s/.*ERROR Check 'mysql' on 'db1' has failed for ([0-9.]+) seconds!.*/\1/p" | sed -n 1p)
awk -v s="$failed_for" 'BEGIN { exit !(s != "" && s < 2) }' ||
    sb_test_fail "db1's mysql check was reported failed after ${failed_for:-?} s, not before its 2 s trap period"
sb_test_ok "mysql check of db1 failed after $failed_for s (its agent: process exited; trap period 2 s)"
# The new master's agent: catch up, writable, writer IP added, gratuitous ARP.
sb_log_sequence "$(sb_agent_log db2)" "${SB_AGENT_FROM[db2]}" \
    "Sync with master: " \
    "Allowed writes \\(read_only=0\\)" \
    "Added IP 192\\.0\\.2\\.50 \\(writer\\) to eth0" \
    "Sent [0-9]+ gratuitous ARP frames for 192\\.0\\.2\\.50" \
    "Writer role taken: writable [0-9]+ ms" ||
    sb_test_fail "db2's agent log lacks the writer takeover sequence"
# The replica's agent: repointed to db2 and verified.
sb_log_sequence "$(sb_agent_log db3)" "${SB_AGENT_FROM[db3]}" \
    "Changed master to 'db2'" \
    "Replication from 'db2' is running" ||
    sb_test_fail "db3's agent log lacks the repoint sequence"
sb_test_ok "audit logs: check failure, state change, role moves, agent actions in order"
