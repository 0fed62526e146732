#!/usr/bin/env bash
# A failover that loses writes says so (issue 11: "where it is not possible, say so clearly"). Asynchronous
# replication, 4 client connections writing through the writer VIP; db1's replication stream to db2 and db3 is cut
# (nftables on db1 drops what its mariadbd sends them), so db1 acknowledges writes no replica receives; then db1's
# mariadbd is killed (-9) and its binary log index taken away (as if its disk failed), so db1's agent cannot salvage
# the tail (e2e_binlog_salvage shows the salvage). No surviving host has those writes: they are lost from the new
# writer. Expected: the failover happens (db2), db1's agent says the salvage failed, the monitor's log says how many
# of db1's transactions it was last seen with reached no surviving host (a lower bound of what the client lost);
# with the index back, db1 back is held out with those transactions named as errant, and db2 never gets them.
# mmm-test: run serial
set -euo pipefail
SRC=${MMM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
export MMM_SANDBOX_PROFILE=${MMM_SANDBOX_PROFILE:-fast}
# shellcheck source=scripts/sandbox-lib.sh
source "$SRC/scripts/sandbox-lib.sh"
sb_test_begin unsent-tail
# shellcheck source=tests/integration/lib/lossless.sh
source "$SRC/tests/integration/lib/lossless.sh"

unsent_tail_up
sleep 1  # the monitor reads db1's binlog state again (every check period)
mon_from=$(sb_log_lines "$(sb_monitor_log)")
db1_log_from=$(sb_log_lines "$(sb_agent_log db1)")
sb_fault db1 kill || sb_test_fail "could not kill db1's mariadbd"
index="${SB_DIR}/db1/data/mysql-bin.index"
mv "$index" "$index.away"
uncut_stream_from db1
SB_TIMEOUT=60 sb_expect "db2 the writer" sb_writer_is db2
SB_TIMEOUT=30 sb_expect "writes acknowledged again after the fault" sb_load_acked_after w "$SB_FAULT_AT"
sb_load_stop w
lost=$(sb_load_missing w db2 | wc -l)
((lost > 0)) || sb_test_fail "no acknowledged write is missing on db2: the cut did not leave an unsent tail"
SB_TIMEOUT=20 sb_expect "the monitor says the failover lost transactions" sb_log_sequence "$(sb_monitor_log)" "$mon_from" \
    "WARN Failover from 'db1': at least [0-9]+ transactions written on 'db1' reached no surviving host"
report=$(grep -E "Failover from 'db1': at least" "$(sb_monitor_log)" | tail -1)
said=$(sed -nE "s/.*at least ([0-9]+) transactions.*/\1/p" <<<"$report")
echo "client: $lost acknowledged writes missing on db2; monitor: ${report#* * }"
((said > 0 && said <= lost)) || sb_test_fail "the monitor said at least $said transactions, the client lost $lost"
sb_test_ok "the loss is said: at least $said of the $lost acknowledged writes the client lost"

sb_log_sequence "$(sb_agent_log db1)" "$db1_log_from" \
    "FATAL Couldn't give 'db2' the binlog transactions it lacks \\(they may be lost\\): cannot read the binary log index" ||
    sb_test_fail "db1's agent did not say that its salvage failed"
mv "$index.away" "$index"
sb_test_restart_server db1
SB_TIMEOUT=30 sb_expect "db1 held out with its unsent tail named as errant" sb_log_sequence "$(sb_monitor_log)" "$mon_from" \
    "WARN Host 'db1' stays out of every role: it has transactions the active master 'db2' lacks \\(errant GTIDs: after 0-1-[0-9]+ up to 0-1-[0-9]+"
SB_TIMEOUT=30 sb_expect "db1 AWAITING_RECOVERY" sb_state_is db1 AWAITING_RECOVERY  # the GTID read can come first
reply=$(sb_control set_online db1 2>&1 || true)
[[ $reply == "ERROR: Host 'db1' can't be switched to ONLINE: it has transactions"* ]] ||
    sb_test_fail "set_online db1 did not refuse: $reply"
[[ $(sb_load_missing w db2 | wc -l) == "$lost" ]] || sb_test_fail "db2 got some of db1's tail"
sb_test_ok "db1 back: its tail is named errant, set_online refused, db2 never got it"
