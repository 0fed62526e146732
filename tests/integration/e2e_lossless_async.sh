#!/usr/bin/env bash
# Lossless promotion (issue 11) with asynchronous replication: 4 client connections insert through the writer VIP
# as fast as the server answers, every acknowledged id logged; db1's mariadbd is killed (-9). db2 and db3 received
# db1's stream unevenly (the replicas apply serially and lag seconds behind at this rate). Expected: db2 becomes the
# writer holding everything any surviving host received from db1 (no row on db3 that db2 lacks), db3 replicates
# from db2 with GTID, both threads running (before issue 11 it could stop with error 1236 "requested to start from
# GTID 0-1-N, which is not in the master's binlog"); db3 starts out replicating by binlog coordinates and is moved to
# GTID by the repoint (issue 11 item 4: the new master's coordinates would be read at the wrong time). Acknowledged writes that reached no surviving host (db1's
# unsent tail, if any) are replayed from db1's binary log by its agent (binlog salvage): 0 acknowledged writes
# missing on db2 and db3. Then db1's mariadbd comes back: db2 does not replicate from it.
# mmm-test: run serial
set -euo pipefail
SRC=${MMM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
export MMM_SANDBOX_PROFILE=${MMM_SANDBOX_PROFILE:-fast}
# shellcheck source=scripts/sandbox-lib.sh
source "$SRC/scripts/sandbox-lib.sh"
sb_test_begin lossless-async
# shellcheck source=tests/integration/lib/lossless.sh
source "$SRC/tests/integration/lib/lossless.sh"

sb_test_cluster_up
sb_test_ok "cluster up: all hosts ONLINE, writer on db1"
# db3 replicates by binlog coordinates (as a mysql-mmm installation may): its repoint must not read db2's coordinates
# at the wrong time (issue 11 item 4); on MariaDB it moves to GTID, which is exact.
sb_sql db3 "STOP SLAVE; CHANGE MASTER TO MASTER_USE_GTID=no; START SLAVE"
[[ $(sb_slave_field db3 Using_Gtid) == No ]] || sb_test_fail "db3 still replicates by GTID"
sb_load_start w 4
SB_TIMEOUT=20 sb_expect "writes acknowledged through the writer VIP" sb_load_has_acked w 2000
echo "before the kill: db2 $(sb_gtid_of db2) io=$(sb_slave_field db2 Gtid_IO_Pos); db3 $(sb_gtid_of db3) io=$(sb_slave_field db3 Gtid_IO_Pos)"
db2_log_from=$(sb_log_lines "$(sb_agent_log db2)")
sb_fault db1 kill || sb_test_fail "could not kill db1's mariadbd"
fault_at=$SB_FAULT_AT
acked_at_kill=$(sb_load_acked w)
SB_TIMEOUT=60 sb_expect "db2 the writer" sb_writer_is db2
SB_TIMEOUT=30 sb_expect "writes acknowledged again after the fault" sb_load_acked_after w "$fault_at"
echo "fault -> first acknowledged write through the VIP: $(sb_elapsed "$fault_at" "$(sb_load_first_ack_after w "$fault_at")") s"
sleep 1
sb_load_stop w
sb_log_sequence "$(sb_agent_log db2)" "$db2_log_from" "Sync with master: OK: caught up to GTID " \
    "Allowed writes \\(read_only=0\\)" || sb_test_fail "db2's agent did not catch up by GTID before allowing writes"
grep "Sync with master" "$(sb_agent_log db2)" | tail -1 | sed 's/^/  db2: /'

SB_TIMEOUT=60 sb_expect "db3 replicating from db2 with GTID, both threads running" replicates_with_gtid db3 db2
echo "$acked_at_kill writes acknowledged at the kill"
grep -E "Binlog salvage|No binlog salvage" "$(sb_agent_log db1)" | tail -1 | sed 's/^/  db1: /'
check_no_loss w db2 db3
grep -q "with GTID (was binlog coordinates" "$(sb_agent_log db3)" ||
    sb_test_fail "db3's agent did not say it moved db3 from binlog coordinates to GTID"

# Never silently: the monitor says what the failed writer was last seen with that db2 lacks (or that it lacks nothing).
report=$(grep -E "Failover from 'db1': " "$(sb_monitor_log)" | tail -1)
[[ -n $report ]] || sb_test_fail "the monitor did not report what the failover may have lost"
echo "monitor: ${report#* * }"
old_master_back_not_merged
