#!/usr/bin/env bash
# Lossless promotion (issue 11), seed 004's setup: lossless semi-sync (AFTER_SYNC) on every server, 4 client
# connections inserting through the writer VIP as fast as the server answers, every acknowledged id logged.
# db2 (the master candidate) stops receiving from db1 for a while (nftables drops db1's replication stream on db2),
# so the acknowledgements come from db3 alone and thousands of acknowledged rows exist on db3 only; then db1's
# mariadbd is killed (-9). Expected: db2 becomes the writer only after it took from db3 everything db3 received
# (its agent says so), 0 acknowledged rows missing on db2 and on db3, no row on db3 that db2 lacks, db3 replicating
# from db2 with GTID. Then db1's mariadbd comes back: db2 does not replicate from it (db1's tail must not flow
# into the writer). Before issue 11, db2 was promoted from its own stale relay log: every row written during the
# cut was missing on it, and db3 broke with error 1236 when repointed.
# mmm-test: run serial
set -euo pipefail
SRC=${MMM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
export MMM_SANDBOX_PROFILE=${MMM_SANDBOX_PROFILE:-fast}
export SB_SEMISYNC=1
# shellcheck source=scripts/sandbox-lib.sh
source "$SRC/scripts/sandbox-lib.sh"
sb_test_begin lossless-semisync
# shellcheck source=tests/integration/lib/lossless.sh
source "$SRC/tests/integration/lib/lossless.sh"

sb_test_cluster_up
sb_test_ok "cluster up with semi-sync: all hosts ONLINE, writer on db1"
SB_TIMEOUT=20 sb_expect "db1 has two semi-sync replicas" semisync_clients_are db1 2
# The monitor's /metrics says the same, from its rep_threads checks (issue 13).
monitor_metrics_have() {
    local body
    body=$(ip netns exec "${SB_NSP}mon" curl -sfS --max-time 5 http://127.0.0.1:9990/metrics) || return 1
    for line in "$@"; do grep -qxF "$line" <<<"$body" || return 1; done
}
SB_TIMEOUT=20 sb_expect "the monitor's /metrics: db1's semi-sync master on with 2 replicas, replica side on db2, db3" \
    monitor_metrics_have 'mmm_semisync_master_on{host="db1"} 1' 'mmm_semisync_master_clients{host="db1"} 2' \
    'mmm_semisync_fell_back{host="db1"} 0' 'mmm_semisync_replica_on{host="db2"} 1' \
    'mmm_semisync_replica_on{host="db3"} 1'

sb_load_start w 4
SB_TIMEOUT=20 sb_expect "writes acknowledged through the writer VIP" sb_load_has_acked w 200
cut_replication db2 db1
cut_at=$EPOCHREALTIME
acked_at_cut=$(sb_load_acked w)
sleep 2
acked_before_kill=$(sb_load_acked w)
((acked_before_kill > acked_at_cut + 200)) ||
    sb_test_fail "only $((acked_before_kill - acked_at_cut)) writes acknowledged in 2 s of the cut (semi-sync should get db3's acks)"
echo "cut db1 -> db2 for $(sb_elapsed "$cut_at" "$EPOCHREALTIME") s: $((acked_before_kill - acked_at_cut)) writes acknowledged meanwhile (by db3's semi-sync acks)"
echo "db2 before the kill: $(sb_gtid_of db2); db3: $(sb_gtid_of db3)"

db2_log_from=$(sb_log_lines "$(sb_agent_log db2)")
sb_fault db1 kill || sb_test_fail "could not kill db1's mariadbd"
# db1's binary log is taken away (as if its disk failed): no binlog salvage (e2e_binlog_salvage shows it), so the
# transactions db3 acknowledged reach db2 by the catch-up from db3 this test is about.
mv "${SB_DIR}/db1/data/mysql-bin.index" "${SB_DIR}/db1/data/mysql-bin.index.away"
fault_at=$SB_FAULT_AT
uncut_replication db2
SB_TIMEOUT=60 sb_expect "db2 the writer" sb_writer_is db2
SB_TIMEOUT=30 sb_expect "writes acknowledged again after the fault" sb_load_acked_after w "$fault_at"
first=$(sb_load_first_ack_after w "$fault_at")
echo "fault -> first acknowledged write through the VIP: $(sb_elapsed "$fault_at" "$first") s"
sleep 1
sb_load_stop w
sb_log_sequence "$(sb_agent_log db2)" "$db2_log_from" "Sync with master: OK: caught up to GTID [-0-9,]+ from 'db3'" \
    "Allowed writes \\(read_only=0\\)" || sb_test_fail "db2's agent did not catch up from db3 before allowing writes"
sb_test_ok "db2 caught up from db3 (the most advanced replica) before it took writes"

check_no_loss w db2 db3
SB_TIMEOUT=30 sb_expect "db3 replicating from db2 with GTID" replicates_with_gtid db3 db2

mv "${SB_DIR}/db1/data/mysql-bin.index.away" "${SB_DIR}/db1/data/mysql-bin.index"
old_master_back_not_merged
