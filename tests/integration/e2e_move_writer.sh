#!/usr/bin/env bash
# Failover scenario 5 (issue 6): planned `move_role writer db2` under continuous client writes.
# Expected: every write the client saw acknowledged is on db2 afterwards (counted), db1 read-only, db3
# follows db2. The sandbox prefers db1 for the writer and ACTIVE mode refuses to move a role off its
# preferred host (mysql-mmm semantics), so the test switches to MANUAL mode first and checks that refusal.
set -euo pipefail
SRC=${MMM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source=scripts/sandbox-lib.sh
source "$SRC/scripts/sandbox-lib.sh"
sb_test_begin move-writer

sb_test_cluster_up
out=$(sb_control move_role writer db2) || true  # an ERROR reply exits non-zero
[[ $out == "ERROR: Role 'writer' is assigned to preferred host 'db1'. Can't move it!"* ]] ||
    sb_test_fail "move_role off the preferred host in ACTIVE mode replied: $out"
sb_writer_is db1 || sb_test_fail "writer not on db1 after a refused move"
out=$(sb_control set_manual)
[[ $out == "OK: Switched into manual mode."* ]] || sb_test_fail "set_manual replied: $out"
sb_test_ok "cluster up; move off the preferred host refused in ACTIVE mode; now MANUAL"

sb_client_start w
SB_TIMEOUT=20 sb_expect "20 client writes through the writer VIP" sb_client_has_acked w 20
declare -A from
for h in "${SB_DB_HOSTS[@]}"; do from[$h]=$(sb_log_lines "$(sb_agent_log "$h")"); done
move_at=$EPOCHREALTIME
out=$(sb_control move_role writer db2) || true  # an ERROR reply exits non-zero
[[ $out == "OK: Role 'writer' has been moved from 'db1' to 'db2'."* ]] || sb_test_fail "move_role writer db2 replied: $out"
SB_TIMEOUT=30 sb_expect "db2 the only writer, db1 read-only" sb_writer_is db2
[[ $(sb_read_only db1) == 1 ]] || sb_test_fail "db1 is not read-only after the move"
SB_TIMEOUT=30 sb_expect "a client write acknowledged after the move" sb_client_acked_after w "$move_at"
first=$(sb_client_first_ack_after w "$move_at")
n=$(sb_client_acked w)
SB_TIMEOUT=20 sb_expect "20 more client writes after the move" sb_client_has_acked w $((n + 20))
SB_TIMEOUT=60 sb_expect "db3 replicating from db2" sb_replicates_from db3 db2
sb_client_stop w
sb_test_ok "writer on db2, first write acknowledged $(sb_elapsed "$move_at" "$first") s after the command"

acked=$(sb_client_acked w)
missing=$(sb_client_missing w db2)
[[ -z $missing ]] || sb_test_fail "$(wc -l <<<"$missing") of $acked acknowledged writes missing on db2: $(head -5 <<<"$missing" | paste -sd' ' -)"
no_missing_on_db3() { [[ -z $(sb_client_missing w db3) ]]; }
SB_TIMEOUT=30 sb_expect "every acknowledged write on db3 too" no_missing_on_db3
gap=$(awk 'NR > 1 && $3 - prev > max { max = $3 - prev } { prev = $3 } END { printf "%.3f", max }' "${SB_DIR}/client-w.acked")
echo "client: $acked writes acknowledged, 0 missing on db2 and db3; longest gap between acknowledgements $gap s"
sb_log_sequence "$(sb_agent_log db1)" "${from[db1]}" "Denied writes" "Removed IP 192\\.0\\.2\\.50" >/dev/null ||
    sb_test_fail "db1's agent log lacks deny-write then IP removal"
sb_log_sequence "$(sb_agent_log db2)" "${from[db2]}" "Sync with master" "Allowed writes" "Added IP 192\\.0\\.2\\.50" >/dev/null ||
    sb_test_fail "db2's agent log lacks sync, allow-write, IP add"
sb_test_ok "every acknowledged write is on db2 and db3; agents logged the switch in order"
