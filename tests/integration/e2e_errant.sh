#!/usr/bin/env bash
# Errant transactions keep a host out (issue 11 item 5, seed 003). db1 (the writer) is killed (-9) and db2 takes
# over; db1's mariadbd comes back and a transaction is written on it directly (as root, which read_only does not
# stop: the old master's unreplicated tail looks exactly like this). Expected: the monitor reads every server's
# GTID binlog state, names the errant GTID in its log and in `show`, gives db1 no role, refuses `set_online db1`
# with the reason, and db2 (the writer) never replicates from db1, so the errant row never reaches it. Before
# issue 11, `set_online db1` gave db1 back the writer (prefer) and db2 imported db1's transactions.
# mmm-test: cost 15
set -euo pipefail
SRC=${MMM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
export MMM_SANDBOX_PROFILE=${MMM_SANDBOX_PROFILE:-fast}
# shellcheck source=scripts/sandbox-lib.sh
source "$SRC/scripts/sandbox-lib.sh"
sb_test_begin errant

sb_test_cluster_up
sb_test_ok "cluster up: all hosts ONLINE, writer on db1"
sb_fault db1 kill || sb_test_fail "could not kill db1's mariadbd"
SB_TIMEOUT=30 sb_expect "db2 the writer" sb_writer_is db2
sb_test_restart_server db1
SB_TIMEOUT=30 sb_expect "db1 AWAITING_RECOVERY" sb_state_is db1 AWAITING_RECOVERY
mon_from=$(sb_log_lines "$(sb_monitor_log)")
sb_sql db1 "INSERT INTO app.t (v) VALUES ('errant-$$')" || sb_test_fail "could not write on db1"
errant_gtid=$(sb_sql db1 "SELECT @@global.gtid_binlog_pos")
echo "db1 wrote 'errant-$$' as $errant_gtid; db2: $(sb_sql db2 'SELECT @@global.gtid_binlog_state')"
SB_TIMEOUT=20 sb_expect "the monitor names db1's errant GTID" sb_log_sequence "$(sb_monitor_log)" "$mon_from" \
    "WARN Host 'db1' stays out of every role: it has transactions the active master 'db2' lacks \\(errant GTIDs: .*up to ${errant_gtid}"
reply=$(sb_control set_online db1 2>&1 || true)
echo "set_online db1: $reply"
[[ $reply == "ERROR: Host 'db1' can't be switched to ONLINE: it has transactions the active master 'db2' lacks (errant GTIDs: "*"up to $errant_gtid"* ]] ||
    sb_test_fail "set_online db1 did not refuse with the errant GTID"
sb_control show | sb_in -qF "# Warning: host db1 gets no role: it has transactions the active master 'db2' lacks" ||
    sb_test_fail "show does not say why db1 gets no role: $(sb_control show)"
sb_test_ok "set_online refused, show and the log name the errant GTID"
sleep 2
[[ $(sb_state db1) == AWAITING_RECOVERY && -z $(sb_roles db1) ]] ||
    sb_test_fail "db1 is $(sb_state db1) with roles '$(sb_roles db1)'"
[[ $(sb_writer_vip_holders) == db2 ]] || sb_test_fail "writer VIP holders: '$(sb_writer_vip_holders)'"
sb_has_row db2 "errant-$$" && sb_test_fail "the errant row reached the writer db2"
[[ $(sb_slave_field db2 Slave_IO_Running) != Yes ]] || sb_test_fail "db2 (the writer) replicates from db1"
sb_test_ok "db1 stays AWAITING_RECOVERY without roles; db2 keeps the writer and never got the errant row"

# Resolved as the README says: db1 re-cloned from the active master (scripts/sandbox reclone: consistent dump of db2,
# db1's binlog reset to db2's GTID position), then set_online. The errant row is gone from db1, db2's rows are there,
# the writer returns to db1 (prefer) and what is written through the VIP reaches every host.
mon_from=$(sb_log_lines "$(sb_monitor_log)")
sb_vip_insert "before-reclone-$$" || sb_test_fail "INSERT through the writer VIP failed before the re-clone"
sb_sandbox reclone db1 || sb_test_fail "sandbox reclone db1 failed"
SB_TIMEOUT=20 sb_expect "the monitor says db1 has no errant transactions any more" sb_log_sequence \
    "$(sb_monitor_log)" "$mon_from" "INFO Host 'db1' has no errant transactions any more\\."
reply=$(sb_control set_online db1 2>&1 || true)
[[ $reply == "OK: State of 'db1' changed to ONLINE"* ]] || sb_test_fail "set_online db1 after the re-clone: $reply"
SB_TIMEOUT=30 sb_expect "the writer back on db1 (prefer)" sb_writer_is db1
sb_has_row db1 "errant-$$" && sb_test_fail "the errant row is still on db1 after the re-clone"
sb_has_row db1 "before-reclone-$$" || sb_test_fail "the row written on db2 before the re-clone is not on db1"
mark="after-reclone-$$-$RANDOM"
SB_TIMEOUT=10 sb_expect "a write through the writer VIP" sb_vip_insert "$mark"
SB_TIMEOUT=30 sb_expect "the row on every host" eval 'sb_has_row db1 "$mark" && sb_has_row db2 "$mark" && sb_has_row db3 "$mark"'
for h in db2 db3; do
    [[ $(sb_slave_field "$h" Slave_IO_Running) == Yes && $(sb_slave_field "$h" Slave_SQL_Running) == Yes ]] ||
        sb_test_fail "$h does not replicate with both threads after the writer returned to db1"
done
sb_test_ok "re-cloned from db2 and set online: no errant row, db2's rows there, writer back on db1, writes reach every host"
