#!/usr/bin/env bash
# A stale passive master is no failover candidate (issue 11 item 3). db2 stops receiving db1's replication stream
# (nftables on db2 drops what db1's mariadbd sends; the monitor still reaches both): its IO thread goes
# 'Connecting' after slave_net_timeout (10 s) and its Seconds_Behind_Master is NULL. mysql-mmm calls that "OK:
# Backlog is null" and db2 stays ONLINE, so when db1 dies db2 "catches up" from a stale relay log and takes
# writes. Expected here (max_backlog 3 s for the test): rep_backlog on db2 fails with "Backlog is unknown", db2 goes
# REPLICATION_DELAY and drops its roles; when db1's mariadbd is then killed, nobody becomes writable and nobody
# holds the writer VIP, and the monitor says why (db2's data may be stale; move_role --force to accept that). Then
# `move_role --force writer db2`: db2 first takes from db3 what it missed, nothing acknowledged is lost. db1's binary
# log index is taken away at the kill, so its agent cannot salvage (with it, db2 gets the tail from db1's disk and
# stays out all the same: the salvage leaves its replication as it found it).
# mmm-test: cost 24
set -euo pipefail
SRC=${MMM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
export MMM_SANDBOX_PROFILE=${MMM_SANDBOX_PROFILE:-fast}
export MMM_SANDBOX_MAX_BACKLOG=3
export MMM_SANDBOX_PEER_GRACE=5  # monitor.peer_grace (mysql-mmm: 60 s; MASTER_CONNECT_RETRY is 1 s here)
# shellcheck source=scripts/sandbox-lib.sh
source "$SRC/scripts/sandbox-lib.sh"
sb_test_begin stale-candidate
# shellcheck source=tests/integration/lib/lossless.sh
source "$SRC/tests/integration/lib/lossless.sh"

sb_test_cluster_up
sb_test_ok "cluster up: all hosts ONLINE, writer on db1"
cut_replication db2 db1
cut_at=$EPOCHREALTIME
sb_vip_insert "during-cut-$$" || sb_test_fail "INSERT through the writer VIP failed"
# Not before the peer's grace (5 s) after db1 went ONLINE, then max_backlog without anything received.
SB_TIMEOUT=100 sb_expect "db2 REPLICATION_DELAY (nothing received from db1 for max_backlog)" \
    sb_state_is db2 REPLICATION_DELAY
echo "db2 REPLICATION_DELAY $(sb_elapsed "$cut_at" "$EPOCHREALTIME") s after the cut;" \
    "IO thread: $(sb_slave_field db2 Slave_IO_Running); $(sb_control checks db2 rep_backlog)"
sb_control checks db2 rep_backlog | sb_in -q "ERROR: Backlog is unknown: nothing received from the master" ||
    sb_test_fail "rep_backlog on db2 does not say why: $(sb_control checks db2 rep_backlog)"
sb_has_row db2 "during-cut-$$" && sb_test_fail "db2 has the row written during the cut: the cut did not work"
sb_test_ok "stale db2 is REPLICATION_DELAY, rep_backlog says why"

mon_from=$(sb_log_lines "$(sb_monitor_log)")
sb_fault db1 kill || sb_test_fail "could not kill db1's mariadbd"
# db1's binary log is taken away (as if its disk failed): no binlog salvage (e2e_binlog_salvage), so db3 is the only
# host with what db2 missed.
mv "${SB_DIR}/db1/data/mysql-bin.index" "${SB_DIR}/db1/data/mysql-bin.index.away"
SB_TIMEOUT=30 sb_expect "db1 HARD_OFFLINE" sb_state_is db1 HARD_OFFLINE
why="WARN Host 'db2' stays in state REPLICATION_DELAY although its peer 'db1' is HARD_OFFLINE: its replication"
why+=" is not OK, so its data may be stale. Use 'move_role --force writer db2'"
SB_TIMEOUT=20 sb_expect "the monitor says why db2 does not take over" \
    sb_log_sequence "$(sb_monitor_log)" "$mon_from" "$why"
sleep 3
[[ $(sb_read_only db2) == 1 ]] || sb_test_fail "stale db2 became writable"
[[ -z $(sb_vip_holders 192.0.2.50) ]] || sb_test_fail "the writer VIP is on $(sb_vip_holders 192.0.2.50)"
[[ -z $(sb_role_holder writer 2>/dev/null) ]] || sb_test_fail "show lists a writer: $(sb_role_holder writer)"
sb_test_ok "db1 dead: stale db2 stays read-only without the writer VIP; the monitor says why"

# The operator accepts it: move_role --force. db2's catch-up takes what db3 received from db1 (db3 was never cut), so
# the row written during the cut is on the new writer, and the monitor says the failover lost nothing it saw.
reply=$(sb_control move_role --force writer db2 2>&1 || true)
echo "move_role --force writer db2: $reply"
SB_TIMEOUT=30 sb_expect "db2 the writer after move_role --force" sb_writer_is db2
sb_has_row db2 "during-cut-$$" || sb_test_fail "the row written during the cut is not on db2 (db3 had it)"
sb_log_sequence "$(sb_agent_log db2)" 0 "Sync with master: OK: caught up to GTID [-0-9,]+ from 'db3'" ||
    sb_test_fail "db2 did not catch up from db3"
SB_TIMEOUT=20 sb_expect "the monitor's loss report" sb_log_sequence "$(sb_monitor_log)" "$mon_from" \
    "Failover from 'db1': the new active master 'db2' has every transaction 'db1' was last seen with"
sb_test_ok "forced: db2 caught up from db3, the row written during the cut is on it, the monitor says nothing was lost"
uncut_replication db2
