#!/usr/bin/env bash
# Failover scenario 2 (issue 6): the active master's mariadbd hangs (SIGSTOP).
# Expected: the writer moves to db2 and client writes succeed again; after SIGCONT the old master ends
# read-only with no VIP, in AWAITING_RECOVERY; the writer VIP is never on two hosts.
set -euo pipefail
SRC=${MMM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source=scripts/sandbox-lib.sh
source "$SRC/scripts/sandbox-lib.sh"
sb_test_begin hung-master

sb_test_cluster_up
sb_test_ok "cluster up: all hosts ONLINE, writer on db1"
sb_sampler_start writer sb_writer_vip_holders
sb_client_start w
SB_TIMEOUT=20 sb_expect "5 client writes through the writer VIP" sb_client_has_acked w 5

sb_fail_active_master stop w
echo "timing: fault -> first acknowledged write through the VIP $(sb_elapsed "$SB_FAULT_AT" "$SB_FIRST_ACK") s"
SB_TIMEOUT=30 sb_expect "db1 HARD_OFFLINE" sb_state_is db1 HARD_OFFLINE
SB_TIMEOUT=30 sb_expect "db1 holds no VIP" sb_no_vips db1
sb_test_ok "writer moved to db2 while db1's server hangs; client writes succeed again"
two=$(sb_sampler_count_after writer "$SB_FAULT_AT" 'db1 db2')
((two == 0)) || sb_test_fail "while db1's server hung the writer VIP was on db1 and db2 at once in $two samples ($(sb_sampler_span writer "$SB_FAULT_AT" 'db1 db2') s)"

cont_at=$EPOCHREALTIME
sb_sandbox heal db1 >/dev/null
sb_old_master_back "$cont_at" "SIGCONT"
sb_sampler_stop writer
sb_client_stop w
echo "client: $(sb_client_acked w) acknowledged writes, $(sb_client_missing w db2 | wc -l) missing on db2;" \
    "db1 resumed $(sb_elapsed "$SB_FAULT_AT" "$cont_at") s after the fault"
sb_test_ok "after SIGCONT: writer VIP never on two hosts, db1 read-only, no VIP, AWAITING_RECOVERY; writes land on db2; db3 follows db2"
