#!/usr/bin/env bash
# Failover scenario 2 (issue 6): the active master's mariadbd hangs (SIGSTOP).
# Expected: the writer moves to db2 and client writes succeed again; after SIGCONT the old master ends
# read-only with no VIP, in AWAITING_RECOVERY; the writer VIP is never on two hosts.
# mmm-test: cost 15
set -euo pipefail
SRC=${MMM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source=scripts/sandbox-lib.sh
source "$SRC/scripts/sandbox-lib.sh"
sb_test_begin hung-master

sb_master_fault_scenario stop

cont_at=$EPOCHREALTIME
sb_sandbox heal db1 >/dev/null
sb_old_master_back "$cont_at" "SIGCONT"
sb_sampler_stop writer
sb_client_stop w
echo "client: $(sb_client_acked w) acknowledged writes, $(sb_client_missing w db2 | wc -l) missing on db2;" \
    "db1 resumed $(sb_elapsed "$SB_FAULT_AT" "$cont_at") s after the fault"
sb_test_ok "after SIGCONT: writer VIP never on two hosts, db1 read-only, no VIP, AWAITING_RECOVERY; writes land on db2; db3 follows db2"
