#!/usr/bin/env bash
# Failover scenario 8 (issue 6): flapping. The sandbox has flap_count 3 and flap_duration 3600 s: a host that
# leaves ONLINE more than 3 times within the hour is flapping. db3 fails and heals 4 times through its
# replication (STOP SLAVE / START SLAVE: ONLINE -> REPLICATION_FAIL -> ONLINE by itself, no set_online,
# which would clear the flag). Expected: after the 4th failure "Host db3 is flapping!", and when healed db3
# ends in AWAITING_RECOVERY (not ONLINE), with no roles, and stays there until `set_online`.
# mmm-test: cost 28
set -euo pipefail
SRC=${MMM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source=scripts/sandbox-lib.sh
# Replication problems are ignored during the peer's first peer_grace ONLINE (mysql-mmm: 60 s); 5 s here, so the
# first failure does not wait a minute (the sandbox's MASTER_CONNECT_RETRY is 1 s).
export MMM_SANDBOX_PEER_GRACE=5
source "$SRC/scripts/sandbox-lib.sh"
sb_test_begin flapping

sb_test_cluster_up
sb_test_ok "cluster up"
mon_from=$(sb_log_lines "$(sb_monitor_log)")

for i in 1 2 3 4; do
    sb_sandbox fail db3 replication >/dev/null
    # The first failure waits for the peer's grace (5 s here).
    SB_TIMEOUT=120 sb_expect "db3 REPLICATION_FAIL (failure $i)" sb_state_is db3 REPLICATION_FAIL
    sb_sandbox heal db3 >/dev/null
    if ((i < 4)); then
        SB_TIMEOUT=60 sb_expect "db3 ONLINE again by itself (heal $i)" sb_state_is db3 ONLINE
        sb_test_ok "failure and recovery $i"
    fi
done
db3_waiting() { sb_state_is db3 AWAITING_RECOVERY && [[ -z $(sb_roles db3) ]] && sb_no_vips db3; }
SB_TIMEOUT=60 sb_expect "db3 AWAITING_RECOVERY after the 4th failure" sb_state_is db3 AWAITING_RECOVERY
sb_log_sequence "$(sb_monitor_log)" "$mon_from" \
    "FATAL Host '?db3'? is flapping!" \
    "FATAL State of host 'db3' changed from REPLICATION_FAIL to AWAITING_RECOVERY \\(because it's flapping\\)" ||
    sb_test_fail "monitor log lacks the flapping lines"
sb_test_ok "4th failure: db3 flapping, AWAITING_RECOVERY"

# It stays there: once every check of db3 is OK again, it keeps AWAITING_RECOVERY while the monitor goes on
# checking (absence of a change can only be observed over a window: 5 check periods, polled).
db3_checks_ok() { [[ $(sb_control_read checks db3 | grep -c '  OK') == 4 ]]; }
SB_TIMEOUT=30 sb_expect "all checks of db3 OK" db3_checks_ok
at=$(sb_log_lines "$(sb_monitor_log)")
SB_TIMEOUT=5 sb_holds "db3 stays AWAITING_RECOVERY without roles" db3_waiting
sb_state_is db3 AWAITING_RECOVERY || sb_test_fail "db3 left AWAITING_RECOVERY by itself: $(sb_state db3)"
[[ -z $(sb_roles db3) ]] || sb_test_fail "db3 has roles while AWAITING_RECOVERY: $(sb_roles db3)"
sb_no_vips db3 || sb_test_fail "db3 holds VIPs while AWAITING_RECOVERY: $(sb_vips db3)"
if ch=$(tail -n +"$((at + 1))" "$(sb_monitor_log)" | grep "changed from AWAITING_RECOVERY"); then
    sb_test_fail "db3 left AWAITING_RECOVERY by itself: $ch"
fi
sb_test_ok "db3 stays AWAITING_RECOVERY with all checks OK"

out=$(sb_control set_online db3)
[[ $out == "OK: State of 'db3' changed to ONLINE."* ]] || sb_test_fail "set_online db3 replied: $out"
SB_TIMEOUT=30 sb_expect "db3 ONLINE" sb_state_is db3 ONLINE
db3_has_reader() { [[ $(sb_roles db3) == reader\(*\) ]] && sb_roles_placed; }
SB_TIMEOUT=30 sb_expect "a reader IP back on db3" db3_has_reader
sb_test_ok "set_online: db3 ONLINE with $(sb_roles db3)"
