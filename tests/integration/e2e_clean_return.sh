#!/usr/bin/env bash
# A failed active master with nothing errant returns by mysql-mmm's rules (issue 9 item 12). With the default
# monitor.hold_failed_active_master (true), db1 (the writer, preferred) is killed (-9) with no write load, db2
# takes over and takes a write; db1's mariadbd comes back: its GTID state holds nothing db2 lacks, so the monitor
# says so and db1 returns ONLINE by itself ("down for only N seconds"), then gets the writer back (prefer: db1) by
# a planned switch: the row written on db2 is on db1, db2 is read-only, writes through the VIP land on db1, and
# the writer VIP is never on both. Before: db1 stayed AWAITING_RECOVERY until set_online in every run.
set -euo pipefail
SRC=${MMM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
export MMM_SANDBOX_PROFILE=${MMM_SANDBOX_PROFILE:-fast}
export MMM_SANDBOX_HOLD=true
# shellcheck source=scripts/sandbox-lib.sh
source "$SRC/scripts/sandbox-lib.sh"
sb_test_begin clean-return

sb_test_cluster_up
sb_test_ok "cluster up: all hosts ONLINE, writer on db1"
sb_fault db1 kill || sb_test_fail "could not kill db1's mariadbd"
SB_TIMEOUT=30 sb_expect "db2 the writer" sb_writer_is db2
mark="on-db2-$$-$RANDOM"
SB_TIMEOUT=10 sb_expect "a write through the writer VIP lands on db2" sb_vip_insert "$mark"
sb_has_row db2 "$mark" || sb_test_fail "the write through the VIP is not on db2"
mon_from=$(sb_log_lines "$(sb_monitor_log)")
sb_rw_sampler_start writer
healed_at=$EPOCHREALTIME
sb_test_restart_server db1
SB_TIMEOUT=60 sb_expect "the monitor says db1 has nothing errant and lets it return" sb_log_sequence \
    "$(sb_monitor_log)" "$mon_from" \
    "INFO Host 'db1' failed as the active master, but its binlog holds nothing the active master 'db2' lacks: it returns by mysql-mmm's rules" \
    "FATAL State of host 'db1' changed from AWAITING_RECOVERY to ONLINE because it was down for only [0-9]+ seconds"
sb_test_ok "db1 ONLINE by itself $(sb_elapsed "$healed_at" "$EPOCHREALTIME") s after its mariadbd was restarted"
SB_TIMEOUT=30 sb_expect "the writer back on db1 (prefer)" sb_writer_is db1
sb_has_row db1 "$mark" || sb_test_fail "the row written on db2 during db1's outage is not on db1"
[[ $(sb_read_only db2) == 1 ]] || sb_test_fail "db2 is not read-only after the writer moved back"
mark2="back-on-db1-$$-$RANDOM"
SB_TIMEOUT=10 sb_expect "a write through the writer VIP" sb_vip_insert "$mark2"
sb_has_row db1 "$mark2" || sb_test_fail "the write through the VIP did not land on db1"
SB_TIMEOUT=30 sb_expect "the row reaches db2 and db3" eval 'sb_has_row db2 "$mark2" && sb_has_row db3 "$mark2"'
two=$(sb_sampler_count_after writer "$healed_at" 'vip:db1,db2')
((two == 0)) || sb_test_fail "the writer VIP was on db1 and db2 at once in $two samples"
sb_test_ok "writer back on db1 by a planned switch: db2's row there, db2 read-only, writes land on db1 and replicate"
