#!/usr/bin/env bash
# Failover scenario 4 (issue 6): set_offline / set_online of a reader host (db3, the replica).
# Expected: set_offline moves db3's reader IP to another host and stops its replication; set_online brings a
# reader IP back to db3 and restarts replication (a new row arrives).
set -euo pipefail
SRC=${MMM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source=scripts/sandbox-lib.sh
source "$SRC/scripts/sandbox-lib.sh"
sb_test_begin reader-offline

sb_test_cluster_up
[[ $(sb_roles db3) == reader\(*\) ]] || sb_test_fail "db3 does not hold exactly one reader role: '$(sb_roles db3)'"
sb_slave_running db3 || sb_test_fail "db3 replication not running at start"
sb_test_ok "cluster up; db3 holds $(sb_roles db3)"

# --- set_offline -------------------------------------------------------------------------------------
out=$(sb_control set_offline db3) || sb_test_fail "mmm_control set_offline db3 failed: $out"
[[ $out == "OK: State of 'db3' changed to ADMIN_OFFLINE."* ]] || sb_test_fail "set_offline db3 replied: $out"
SB_TIMEOUT=30 sb_expect "db3 ADMIN_OFFLINE" sb_state_is db3 ADMIN_OFFLINE
[[ -z $(sb_roles db3) ]] || sb_test_fail "db3 listed with roles while ADMIN_OFFLINE: $(sb_roles db3)"
SB_TIMEOUT=30 sb_expect "db3 holds no VIP" sb_no_vips db3
SB_TIMEOUT=30 sb_expect "every reader IP placed on db1/db2 and configured there only" sb_roles_placed
sb_slave_stopped() { [[ $(sb_slave_field db3 Slave_IO_Running) == No && $(sb_slave_field db3 Slave_SQL_Running) == No ]]; }
SB_TIMEOUT=30 sb_expect "db3 replication stopped (both threads)" sb_slave_stopped
sb_writer_is db1 || sb_test_fail "the writer moved during set_offline of a reader"
sb_test_ok "set_offline: db3 ADMIN_OFFLINE, no roles, no VIPs, replication stopped; readers on db1/db2"

# --- set_online --------------------------------------------------------------------------------------
out=$(sb_control set_online db3) || sb_test_fail "mmm_control set_online db3 failed: $out"
[[ $out == "OK: State of 'db3' changed to ONLINE."* ]] || sb_test_fail "set_online db3 replied: $out"
SB_TIMEOUT=30 sb_expect "db3 replication running again" sb_slave_running db3
SB_TIMEOUT=60 sb_expect "db3 ONLINE" sb_state_is db3 ONLINE
db3_has_reader() { [[ $(sb_roles db3) == reader\(*\) ]] && sb_roles_placed; }
SB_TIMEOUT=30 sb_expect "a reader IP back on db3, every role placed once" db3_has_reader
ip=$(sb_roles db3 | sed -nE 's/^reader\(([0-9.]+)\)$/\1/p')
[[ $(sb_vip_holders "$ip") == db3 ]] || sb_test_fail "reader IP $ip is on '$(sb_vip_holders "$ip")', not db3 only"
mark="after-online-$$-$RANDOM"
sb_vip_insert "$mark" || sb_test_fail "INSERT through the writer VIP failed"
SB_TIMEOUT=30 sb_expect "a new row arrives on db3" sb_has_row db3 "$mark"
sb_writer_is db1 || sb_test_fail "the writer moved during set_online of a reader"
sb_test_ok "set_online: db3 ONLINE with reader $ip, replication running, rows arrive"
