#!/usr/bin/env bash
# Failover scenario 3 (issue 6): the active master's link goes down (`ip link set eth0 down` in db1).
# Expected: the writer moves to db2 and client writes succeed again. When the link returns the old master
# must not keep or re-announce the writer VIP (mysql-mmm left it on two hosts for seconds here): it holds
# no VIP from the moment its link is up, the client keeps db2's MAC for the VIP, db1 ends read-only in
# AWAITING_RECOVERY, and writes keep landing on db2.
set -euo pipefail
SRC=${MMM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source=scripts/sandbox-lib.sh
source "$SRC/scripts/sandbox-lib.sh"
sb_test_begin link-down

sb_test_cluster_up
sb_test_ok "cluster up: all hosts ONLINE, writer on db1"
sb_sampler_start writer sb_writer_vip_holders
sb_client_start w
SB_TIMEOUT=20 sb_expect "5 client writes through the writer VIP" sb_client_has_acked w 5

sb_fail_active_master netdown w
echo "timing: fault -> first acknowledged write through the VIP $(sb_elapsed "$SB_FAULT_AT" "$SB_FIRST_ACK") s"
SB_TIMEOUT=30 sb_expect "db1 HARD_OFFLINE" sb_state_is db1 HARD_OFFLINE
[[ -z $(sb_roles db1) ]] || sb_test_fail "db1 listed with roles: $(sb_roles db1)"
[[ $(sb_client_neigh 192.0.2.50) == "$(sb_mac db2)" ]] ||
    sb_test_fail "client's neighbour entry for the writer VIP is '$(sb_client_neigh 192.0.2.50)', not db2's $(sb_mac db2)"
echo "db1 while isolated: VIPs '$(sb_vips db1 | paste -sd' ' -)', read_only=$(sb_read_only db1)"
sb_test_ok "writer moved to db2 while db1 is cut off; client writes succeed again"

up_at=$EPOCHREALTIME
sb_sandbox heal db1 >/dev/null
sb_old_master_back "$up_at" "the link returned"
sb_sampler_stop writer
sb_client_stop w
echo "client: $(sb_client_acked w) acknowledged writes, $(sb_client_missing w db2 | wc -l) missing on db2"
sb_test_ok "after link up: writer VIP never on two hosts, db1 read-only, no VIP, AWAITING_RECOVERY; client still uses db2; db3 follows db2"
