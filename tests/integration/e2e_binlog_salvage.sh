#!/usr/bin/env bash
# Binlog salvage (issue 11): asynchronous replication, 4 client connections writing through the writer VIP; db1's
# replication stream to db2 and db3 is cut (nftables on db1 drops what its mariadbd sends them), so db1 acknowledges
# writes no replica receives; then db1's mariadbd is killed (-9) while its host and agent live. Its binary log on
# disk holds that tail. Expected: db1's agent replays it into db2 before db2 takes writes, so 0 acknowledged writes
# are missing on db2 and on db3, no replica has a row db2 lacks, db3 replicates from db2 with GTID; db1 back has no
# errant transaction (db2 has its whole binlog), rejoins with set_online and ends with every acknowledged write.
# mmm-test: run serial
set -euo pipefail
SRC=${MMM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
export MMM_SANDBOX_PROFILE=${MMM_SANDBOX_PROFILE:-fast}
# shellcheck source=scripts/sandbox-lib.sh
source "$SRC/scripts/sandbox-lib.sh"
sb_test_begin binlog-salvage
# shellcheck source=tests/integration/lib/lossless.sh
source "$SRC/tests/integration/lib/lossless.sh"

unsent_tail_up
db1_log_from=$(sb_log_lines "$(sb_agent_log db1)")
mon_from=$(sb_log_lines "$(sb_monitor_log)")
sb_fault db1 kill || sb_test_fail "could not kill db1's mariadbd"
fault_at=$SB_FAULT_AT
uncut_stream_from db1
tail_lost=$(sb_load_missing w db2 | wc -l)
SB_TIMEOUT=60 sb_expect "db2 the writer" sb_writer_is db2
SB_TIMEOUT=30 sb_expect "writes acknowledged again after the fault" sb_load_acked_after w "$fault_at"
echo "fault -> first acknowledged write through the VIP: $(sb_elapsed "$fault_at" "$(sb_load_first_ack_after w "$fault_at")") s"
sb_load_stop w

SB_TIMEOUT=20 sb_expect "db1's agent salvaged its binlog tail into db2" sb_log_sequence "$(sb_agent_log db1)" \
    "$db1_log_from" "Binlog salvage: gave 'db2' [0-9]+ transactions it lacked"
said=$(grep -E "Binlog salvage: gave 'db2'" "$(sb_agent_log db1)" | tail -1)
echo "db1's agent: ${said#* * }; before the failover db2 lacked $tail_lost acknowledged writes"
((tail_lost > 0)) || sb_test_fail "db2 lacked no acknowledged write at the kill: the cut did not leave an unsent tail"
SB_TIMEOUT=60 sb_expect "db3 replicating from db2 with GTID, both threads running" replicates_with_gtid db3 db2
check_no_loss w db2 db3
report=$(grep -E "Failover from 'db1': " "$(sb_monitor_log)" | tail -1)
grep -E "Sync with master" "$(sb_agent_log db2)" | tail -1 | sed 's/^/db2: /'
echo "monitor: ${report#* * }"
if sb_log_sequence "$(sb_monitor_log)" "$mon_from" "Failover from 'db1': at least" >/dev/null 2>&1; then
    sb_test_fail "the monitor says the failover lost transactions after the salvage: ${report#* * }"
fi

# db1 back: it has nothing db2 lacks (no errant transaction), so it may rejoin as a replica of db2.
sb_test_restart_server db1
SB_TIMEOUT=60 sb_expect "db1 AWAITING_RECOVERY" sb_state_is db1 AWAITING_RECOVERY
if sb_log_sequence "$(sb_monitor_log)" "$mon_from" "Host 'db1' stays out of every role: it has transactions" \
    >/dev/null 2>&1; then
    sb_test_fail "db1 is held out with errant transactions although db2 got its whole binlog"
fi
reply=$(sb_control set_online db1 2>&1 || true)
[[ $reply == OK* ]] || sb_test_fail "set_online db1 refused: $reply"
SB_TIMEOUT=60 sb_expect "db1 replicating from db2 with GTID" replicates_with_gtid db1 db2
check_no_loss w db2 db1 db3
sb_test_ok "db1 rejoined: no errant transaction, replicating from db2, every acknowledged write on all three hosts"
