#!/usr/bin/env bash
# Never two writers (issue 10): a partition with the link up (nftables in db1 drops traffic to and from the monitor,
# db2 and db3; the client still reaches db1) for 8 s under client write load. Expected: no sample (every ~50 ms) with
# two hosts holding the writer VIP at read_only=0; db1's agent fences itself when its writer lease runs out unrenewed
# (read_only=1, no writer VIP) while still partitioned; the monitor gives db2 the writer only after db1's lease ran
# out; after the heal still exactly one writer, db2.
# mmm-test: cost 21
set -euo pipefail
SRC=${MMM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
export MMM_SANDBOX_PROFILE=${MMM_SANDBOX_PROFILE:-fast}
# shellcheck source=scripts/sandbox-lib.sh
source "$SRC/scripts/sandbox-lib.sh"
sb_test_begin partition

db1_fenced() { [[ $(sb_read_only db1) == 1 ]] && ! sb_has_vip db1 192.0.2.50; }

sb_test_cluster_up
sb_test_ok "cluster up: all hosts ONLINE, writer on db1"
sb_rw_sampler_start writers
sb_client_start w
SB_TIMEOUT=20 sb_expect "5 client writes through the writer VIP" sb_client_has_acked w 5
agent_from=$(sb_log_lines "$(sb_agent_log db1)")
mon_from=$(sb_log_lines "$(sb_monitor_log)")

sb_fault db1 partition || sb_test_fail "could not partition db1"
part_at=$SB_FAULT_AT
SB_TIMEOUT=10 sb_expect "db1 fences itself while partitioned (read_only=1, no writer VIP)" db1_fenced
fenced_at=$EPOCHREALTIME
SB_TIMEOUT=30 sb_expect "db2 the only writer while db1 is partitioned" sb_writer_is db2
writer_at=$EPOCHREALTIME
sb_partitioned db1 || sb_test_fail "the partition was gone before db1 fenced itself and db2 took over"
echo "timing: partition -> db1 fenced $(sb_elapsed "$part_at" "$fenced_at") s, -> db2 the writer $(sb_elapsed "$part_at" "$writer_at") s"
tail -n +"$((agent_from + 1))" "$(sb_agent_log db1)" | sb_in -q 'Writer lease of .* expired' ||
    sb_test_fail "db1's agent log has no 'Writer lease ... expired' line"
tail -n +"$((mon_from + 1))" "$(sb_monitor_log)" | grep -E "Waiting [0-9]+ ms for the writer lease of 'db1'|Writer lease" | sb_head 3 || true
sb_test_ok "db1 fenced itself by its lease, db2 is the writer, db1 still partitioned"

# The partition lasts 8 s in all (a scenario length, not a wait for an event).
rest=$(awk -v a="$part_at" -v b="$EPOCHREALTIME" 'BEGIN { r = 8 - (b - a); print (r > 0) ? r : 0 }')
sleep "$rest"
db1_fenced || sb_test_fail "db1 is writable or holds the writer VIP again while partitioned"
heal_at=$EPOCHREALTIME
sb_unpartition db1
SB_TIMEOUT=60 sb_expect "the monitor sees db1 again after the heal" sb_not_state db1 HARD_OFFLINE
SB_TIMEOUT=3 sb_holds "db2 the only writer after the heal" sb_writer_is db2
sb_sampler_stop writers
sb_client_stop w

two=$(sb_sampler_count_after writers "$part_at" "$SB_TWO_WRITERS")
((two == 0)) || sb_test_fail "$two samples with two writers (VIP and read_only=0) since the partition," \
    "over $(sb_sampler_span writers "$part_at" "$SB_TWO_WRITERS") s"
echo "client: $(sb_client_acked w) acknowledged writes; samples since the partition: $(sb_sampler_count_after writers "$part_at" '.*')"
echo "heal at +$(sb_elapsed "$part_at" "$heal_at") s"
sb_test_ok "8 s partition with the link up: never two writers, db1 fenced by its lease, db2 the writer, one writer after the heal"
