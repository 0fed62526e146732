#!/usr/bin/env bash
# Failover scenario 9 (issue 6): replication broken on db3 (STOP SLAVE).
# Expected: db3 goes REPLICATION_FAIL and its reader IP moves to another host; once replication runs again
# db3 is ONLINE and holds a reader IP again.
# Note: mysql-mmm ignores replication problems during the first 60 s after the peer (for a replica: the
# active master) came ONLINE (monitor.peer_grace; 5 s in this test), so the change waits for that grace.
set -euo pipefail
SRC=${MMM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source=scripts/sandbox-lib.sh
export MMM_SANDBOX_PEER_GRACE=5  # monitor.peer_grace: 5 s rather than mysql-mmm's 60 (MASTER_CONNECT_RETRY is 1 s)
source "$SRC/scripts/sandbox-lib.sh"
sb_test_begin replication-fail

sb_test_cluster_up
ip=$(sb_roles db3 | sed -nE 's/^reader\(([0-9.]+)\)$/\1/p')
[[ -n $ip ]] || sb_test_fail "db3 does not hold exactly one reader role: '$(sb_roles db3)'"
sb_test_ok "cluster up; db3 holds reader $ip"

mon_from=$(sb_log_lines "$(sb_monitor_log)")
sb_sandbox fail db3 replication >/dev/null
SB_TIMEOUT=120 sb_expect "db3 REPLICATION_FAIL" sb_state_is db3 REPLICATION_FAIL
[[ -z $(sb_roles db3) ]] || sb_test_fail "db3 listed with roles in REPLICATION_FAIL: $(sb_roles db3)"
SB_TIMEOUT=30 sb_expect "db3 holds no VIP" sb_no_vips db3
moved_off() { [[ -n $(sb_vip_holders "$ip") && $(sb_vip_holders "$ip") != *db3* ]] && sb_roles_placed; }
SB_TIMEOUT=30 sb_expect "reader IP $ip moved to db1 or db2, every role placed once" moved_off
checks=$(sb_control checks db3 rep_threads)
[[ $checks == *"db3  rep_threads"* && $checks != *"]  OK"* ]] || sb_test_fail "checks db3 rep_threads: $checks"
sb_log_sequence "$(sb_monitor_log)" "$mon_from" \
    "ERROR Check 'rep_threads' on 'db3' has failed for [0-9.]+ seconds!" \
    "FATAL State of host 'db3' changed from ONLINE to REPLICATION_FAIL" ||
    sb_test_fail "monitor log lacks the rep_threads failure and the state change"
sb_writer_is db1 || sb_test_fail "the writer moved because of a replica's replication"
sb_test_ok "db3 REPLICATION_FAIL, reader $ip now on $(sb_vip_holders "$ip") ($checks)"

sb_sandbox heal db3 >/dev/null
SB_TIMEOUT=30 sb_expect "db3 replication running" sb_slave_running db3
SB_TIMEOUT=60 sb_expect "db3 ONLINE" sb_state_is db3 ONLINE
db3_has_reader() { [[ $(sb_roles db3) == reader\(*\) ]] && sb_roles_placed; }
SB_TIMEOUT=30 sb_expect "a reader IP back on db3, every role placed once" db3_has_reader
mark="after-fix-$$-$RANDOM"
sb_vip_insert "$mark" || sb_test_fail "INSERT through the writer VIP failed"
SB_TIMEOUT=30 sb_expect "a new row arrives on db3" sb_has_row db3 "$mark"
sb_test_ok "replication fixed: db3 ONLINE with $(sb_roles db3)"
