#!/usr/bin/env bash
# Failover scenario 3 (issue 6): the active master's link goes down (`ip link set eth0 down` in db1).
# Expected: the writer moves to db2 and client writes succeed again. When the link returns the old master
# must not keep or re-announce the writer VIP (mysql-mmm left it on two hosts for seconds here): it holds
# no VIP from the moment its link is up, the client keeps db2's MAC for the VIP, db1 ends read-only in
# AWAITING_RECOVERY, and writes keep landing on db2.
# mmm-test: cost 16
set -euo pipefail
SRC=${MMM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source=scripts/sandbox-lib.sh
source "$SRC/scripts/sandbox-lib.sh"
sb_test_begin link-down

sb_master_fault_scenario netdown
[[ $(sb_client_neigh 192.0.2.50) == "$(sb_mac db2)" ]] ||
    sb_test_fail "client's neighbour entry for the writer VIP is '$(sb_client_neigh 192.0.2.50)', not db2's $(sb_mac db2)"
echo "db1 while isolated: VIPs '$(sb_vips db1 | paste -sd' ' -)', read_only=$(sb_read_only db1)"

up_at=$EPOCHREALTIME
sb_sandbox heal db1 >/dev/null
sb_old_master_back "$up_at" "the link returned"
sb_sampler_stop writer
sb_client_stop w
echo "client: $(sb_client_acked w) acknowledged writes, $(sb_client_missing w db2 | wc -l) missing on db2"
sb_test_ok "after link up: writer VIP never on two hosts, db1 read-only, no VIP, AWAITING_RECOVERY; client still uses db2; db3 follows db2"
