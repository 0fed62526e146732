#!/usr/bin/env bash
# Galera (issue 15): three Galera nodes db1-db3 (writer on db1) and db4, an asynchronous replica of the cluster
# with sources db3, db2 (it replicates from db3 while db3 is ONLINE, else from db2, else from the writer node).
#   (a) db3 desynced (wsrep_desync=ON): db4 is repointed to db2 by GTID; then db1's mysqld killed under write load:
#       the writer goes to db2, the only Synced node (never to the desynced db3); writes resume through the VIP.
#   (b) db3 synced again and db1 back (SST): both ONLINE by themselves; the writer returns to db1 (prefer); db4 goes
#       back to db3.
#   (c) the writer node db1 cut off from the other two nodes (nftables; its link, the monitor and the client still
#       reach it): it leaves the Primary component, holds no role address, and the majority takes the writer.
#   (d) maintenance: set_offline, desync, set_online refused until Synced.
#   (e) the writer node cut off from the other nodes AND from the monitor: nobody can tell it to give its roles up;
#       its agent sees it out of the Primary component and removes every role address by itself.
#   (f) db4's source db3 killed under write load: db4 is repointed by GTID to db2; db3 back: db4 returns to it.
# At the end every acknowledged write is on db1, db2, db3 and db4, none twice, and the four hold the same GTIDs.
# With agent.galera_read_only (single-writer discipline) throughout: after every move only the writer node is
# writable, and a node out of the Primary component is read-only.
# mmm-test: cost 40
set -euo pipefail
SRC=${MMM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
export MMM_SANDBOX_TOPOLOGY=galera MMM_SANDBOX_PROFILE=fast MMM_SANDBOX_GALERA_READ_ONLY=1
export MMM_SANDBOX_GALERA_SOURCES=db3,db2
# shellcheck source=scripts/sandbox-lib.sh
source "$SRC/scripts/sandbox-lib.sh"
sb_test_begin galera

sb_test_sandbox_up
show=$(sb_control show)
# No warning: neither mysql-mmm's limit of two writer candidates nor the Galera settings check (the sandbox's my.cnf
# has what a replica of the cluster needs).
[[ $show != *"# Warning"* ]] || sb_test_fail "show warns on a well-configured Galera cluster:
$show"
# ... because the settings check read every node, not because it did not run.
sb_in -q "Galera settings check: 3 of 3 nodes read, 0 problem(s)" <"$(sb_monitor_log)" ||
    sb_test_fail "the monitor did not log that its Galera settings check read all 3 nodes without a problem"
checks=$(sb_control checks all)
for h in db1 db2 db3; do
    grep -q "^$h  wsrep .*OK: Synced in the Primary component of 3 nodes" <<<"$checks" ||
        sb_test_fail "checks lacks $h's wsrep line:
$checks"
done
if grep -q "^db[123]  rep_" <<<"$checks" || grep -q "^db4  wsrep" <<<"$checks"; then
    sb_test_fail "checks shows a check that does not run on that host:
$checks"
fi
# Single-writer discipline: W writable, every other Galera node whose server answers read-only.
ro_is() { [[ $(sb_sql "$1" "SELECT @@global.read_only") == "$2" ]]; }
single_writer() {
    local h
    for h in db1 db2 db3; do
        if [[ $h == "$1" ]]; then ro_is "$h" 0 || return 1; elif sb_mysqld_ping "$h"; then ro_is "$h" 1 || return 1; fi
    done
}
SB_TIMEOUT=20 sb_expect "only db1 writable (agent.galera_read_only)" single_writer db1
# db4_source HOST: db4 replicates from HOST by GTID, both threads running.
db4_source() {
    [[ $(sb_slave_field db4 Master_Host) == "${SB_IPS[$1]}" ]] && sb_slave_running db4 &&
        [[ $(sb_slave_field db4 Using_Gtid) == Slave_Pos ]]
}
SB_TIMEOUT=30 sb_expect "db4 replicating from its first source db3" db4_source db3
sb_test_ok "galera cluster up: writer on db1, wsrep checks OK on db1-db3, db4 replicating, db2 and db3 read-only"

# The writer VIP's holder, and that it alone has it on its interface.
writer_on() { [[ $(sb_role_holder writer) == "$1" ]] && sb_has_vip "$1" 192.0.2.50 && [[ $(sb_vip_holders 192.0.2.50) == "$1" ]]; }
mon_from=$(sb_log_lines "$(sb_monitor_log)")
# The paced client (a write every 20 ms, each on a new connection): a desynced node catches up with that; under
# writes at full speed it stayed Joined for minutes on a loaded machine (desync turns flow control off for it).
SB_CLIENT_TIMEOUT=1 sb_client_start g
SB_TIMEOUT=20 sb_expect "writes acknowledged through the writer VIP" sb_client_has_acked g 20

# (a) A desynced node is no writer candidate.
sb_sql db3 "SET GLOBAL wsrep_desync = ON"
SB_TIMEOUT=20 sb_expect "db3 desynced: REPLICATION_FAIL, no role" sb_state_is db3 REPLICATION_FAIL
[[ -z $(sb_roles db3) ]] || sb_test_fail "desynced db3 still has roles: $(sb_roles db3)"
SB_TIMEOUT=30 sb_expect "db4 repointed from the desynced db3 to its next source db2" db4_source db2
sb_fault db1 kill
fault_at=$SB_FAULT_AT
SB_TIMEOUT=30 sb_expect "writer on db2 after db1's mysqld was killed" writer_on db2
SB_TIMEOUT=30 sb_expect "writes acknowledged after the fault" sb_client_acked_after g "$fault_at"
first=$(sb_client_first_ack_after g "$fault_at")
if tail -n +"$((mon_from + 1))" "$(sb_monitor_log)" | grep -E "(assigned to|to host) 'db3'" | grep -q "writer"; then
    sb_test_fail "the writer was given to the desynced db3:
$(tail -n +"$((mon_from + 1))" "$(sb_monitor_log)" | grep writer)"
fi
SB_TIMEOUT=30 sb_expect "db4 still on db2, both threads running" db4_source db2
SB_TIMEOUT=20 sb_expect "only db2 writable" single_writer db2
sb_test_ok "(a) db3 desynced: db4 moved to db2 by GTID; db1 killed: writer on db2 (never db3); first write $(sb_elapsed "$fault_at" "$first") s after the fault"

# (b) Back: db3 synced, db1 rejoins. Both ONLINE by themselves, and the writer returns to db1.
sb_sql db3 "SET GLOBAL wsrep_desync = OFF"
SB_TIMEOUT=90 sb_expect "db3 ONLINE again once Synced" sb_state_is db3 ONLINE
SB_TIMEOUT=120 sb_test_restart_server db1
SB_TIMEOUT=60 sb_expect "db1 ONLINE again once Synced" sb_state_is db1 ONLINE
SB_TIMEOUT=30 sb_expect "writer back on its preferred node db1" writer_on db1
SB_TIMEOUT=30 sb_expect "writes go on through the VIP" sb_client_acked_after g "$EPOCHREALTIME"
SB_TIMEOUT=20 sb_expect "only db1 writable again" single_writer db1
SB_TIMEOUT=30 sb_expect "db4 back on db3" db4_source db3
sb_test_ok "(b) db3 resynced and db1 rejoined: both ONLINE without set_online, writer back on db1, db4 back on db3"

# (c) The writer node partitioned from the other two: the majority keeps a writer, the minority node no address.
sb_fault db1 partition
part_at=$SB_FAULT_AT
SB_TIMEOUT=30 sb_expect "db1 out of the Primary component" sb_galera_non_primary db1
SB_TIMEOUT=30 sb_expect "db1 REPLICATION_FAIL" sb_state_is db1 REPLICATION_FAIL
writer_on_majority() { writer_on db2 || writer_on db3; }
SB_TIMEOUT=30 sb_expect "writer on db2 or db3" writer_on_majority
SB_TIMEOUT=30 sb_expect "db1 holds no role address" sb_no_vips db1
SB_TIMEOUT=20 sb_expect "partitioned db1 read-only, only the new writer writable" single_writer "$(sb_role_holder writer)"
SB_TIMEOUT=30 sb_expect "writes acknowledged after the partition" sb_client_acked_after g "$part_at"
sb_test_ok "(c) db1 partitioned: no address on db1, writer on $(sb_role_holder writer), writes go on"
sb_galera_unpartition db1
SB_TIMEOUT=60 sb_expect "db1 Synced again after the partition" sb_galera_synced db1
SB_TIMEOUT=60 sb_expect "db1 ONLINE again" sb_state_is db1 ONLINE

# (d) Maintenance as for a backup: set_offline moves the node's roles away, the operator desyncs it; set_online
# waits until it is Synced again.
sb_control set_offline db2 >/dev/null || sb_test_fail "set_offline db2 failed"
SB_TIMEOUT=30 sb_expect "db2 ADMIN_OFFLINE without addresses" eval 'sb_state_is db2 ADMIN_OFFLINE && sb_no_vips db2'
sb_sql db2 "SET GLOBAL wsrep_desync = ON"
desynced() { sb_control_read checks db2 wsrep | sb_in -q "Donor/Desynced"; }
SB_TIMEOUT=30 sb_expect "the wsrep check sees db2 desynced" desynced
reply=$(sb_control set_online db2 || true)
[[ $reply == "ERROR: Host 'db2' is not a Synced node of the Primary component"* ]] ||
    sb_test_fail "set_online of a desynced node was not refused: $reply"
sb_sql db2 "SET GLOBAL wsrep_desync = OFF"
synced_check() { sb_control_read checks db2 wsrep | sb_in -q "OK: Synced"; }
SB_TIMEOUT=90 sb_expect "the wsrep check sees db2 Synced" synced_check
reply=$(sb_control set_online db2) || sb_test_fail "set_online db2 failed: $reply"
SB_TIMEOUT=30 sb_expect "db2 ONLINE with roles" eval 'sb_state_is db2 ONLINE && [[ -n $(sb_roles db2) ]]'
sb_test_ok "(d) set_offline db2, desynced: set_online refused until Synced, then ONLINE with roles"

# (e) The writer node cut off from the other nodes and from the monitor: its agent alone sees that it left the
# Primary component, and gives its addresses up by itself. (The writer address may go first by the writer lease,
# which the cut monitor no longer renews; a reader address has no lease: only the agent's wsrep view removes it.)
w=$(sb_role_holder writer)
[[ $w == db[123] ]] || sb_test_fail "no writer node before (e): '$w'"
[[ $(sb_roles "$w") == *reader* ]] || sb_test_fail "$w holds no reader role before (e): $(sb_roles "$w")"
agent_from=$(sb_log_lines "$(sb_agent_log "$w")")
sb_cutmon "$w"
sb_fault "$w" partition
cut_at=$SB_FAULT_AT
SB_TIMEOUT=30 sb_expect "$w holds no role address" sb_no_vips "$w"
dropped_at=$EPOCHREALTIME
removed=$(tail -n +"$((agent_from + 1))" "$(sb_agent_log "$w")" | grep "Removed IP" || true)
grep -q "Removed IP 192.0.2.5[1-9] (reader).*: this Galera node is not in the Primary component" <<<"$removed" ||
    sb_test_fail "$w's agent did not remove its reader address because its node left the Primary component:
$removed"
writer_elsewhere() { local h; h=$(sb_role_holder writer); [[ $h == db[123] && $h != "$w" ]] && writer_on "$h"; }
SB_TIMEOUT=30 sb_expect "writer on a node of the majority" writer_elsewhere
SB_TIMEOUT=30 sb_expect "writes acknowledged after the cut" sb_client_acked_after g "$cut_at"
SB_TIMEOUT=20 sb_expect "$w read-only by its own agent, only the new writer writable" single_writer "$(sb_role_holder writer)"
sb_test_ok "(e) $w cut off from the nodes and the monitor: its agent removed its addresses by itself $(sb_elapsed "$cut_at" "$dropped_at") s after the cut; writer on $(sb_role_holder writer)"
sb_uncutmon "$w"
sb_galera_unpartition "$w"
SB_TIMEOUT=60 sb_expect "$w Synced again" sb_galera_synced "$w"
# When $w is db1, this is its third fault (killed in (a), partitioned in (c), now): it may be flapping (flap_count
# 3; a fault can take it from ONLINE more than once, e.g. HARD_OFFLINE and then REPLICATION_FAIL while the partition
# heals), and a flapping node waits in AWAITING_RECOVERY for set_online, Galera node or not. The monitor says
# "Host db1 is flapping!" when it counts the failure too many; the return itself says why only when it comes from
# REPLICATION_* ("(because it's flapping)"), not from HARD_OFFLINE, as in mysql-mmm. Anything else must end ONLINE
# by itself.
flapping_logged() { tail -n +"$((mon_from + 1))" "$(sb_monitor_log)" | sb_in -q "FATAL Host $w is flapping!"; }
back_or_flapping() { sb_state_is "$w" ONLINE || { sb_state_is "$w" AWAITING_RECOVERY && flapping_logged; }; }
SB_TIMEOUT=60 sb_expect "$w ONLINE again, or AWAITING_RECOVERY as flapping" back_or_flapping
if ! sb_state_is "$w" ONLINE; then
    reply=$(sb_control set_online "$w") || sb_test_fail "set_online $w failed: $reply"
    SB_TIMEOUT=30 sb_expect "$w ONLINE after set_online" sb_state_is "$w" ONLINE
fi

# (f) db4's source killed under write load: db4 goes to its next source by GTID; back to db3 once db3 is ONLINE.
SB_TIMEOUT=30 sb_expect "db4 on db3 before (f)" db4_source db3
sb_fault db3 kill
src_at=$SB_FAULT_AT
SB_TIMEOUT=30 sb_expect "db4 repointed from the killed db3 to db2" db4_source db2
moved_at=$EPOCHREALTIME
SB_TIMEOUT=30 sb_expect "writes acknowledged after db3 was killed" sb_client_acked_after g "$src_at"
SB_TIMEOUT=120 sb_test_restart_server db3
SB_TIMEOUT=60 sb_expect "db3 ONLINE again once Synced" sb_state_is db3 ONLINE
SB_TIMEOUT=30 sb_expect "db4 back on db3" db4_source db3
sb_test_ok "(f) db4's source db3 killed: db4 on db2 by GTID $(sb_elapsed "$src_at" "$moved_at") s after the kill; back on db3 once it rejoined"
sb_client_stop g

# Every acknowledged write everywhere, once; the same GTIDs on every server.
acked=$(sb_client_acked g)
gtid() { sb_sql "$1" "SELECT @@global.gtid_binlog_pos"; }
same_gtids() { local g1; g1=$(gtid db1); [[ -n $g1 && $(gtid db2) == "$g1" && $(gtid db3) == "$g1" && $(gtid db4) == "$g1" ]]; }
SB_TIMEOUT=30 sb_expect "db1-db4 at the same GTID position" same_gtids
for h in db1 db2 db3 db4; do
    missing=$(sb_client_missing g "$h" | wc -l)
    ((missing == 0)) || sb_test_fail "$missing of $acked acknowledged writes are missing on $h: $(sb_client_missing g "$h" | head -5 | tr '\n' ' ')"
    twice=$(sb_sql "$h" "SELECT COUNT(*) - COUNT(DISTINCT v) FROM app.t WHERE v LIKE 'g-%'")
    [[ $twice == 0 ]] || sb_test_fail "$twice writes are on $h twice"
done
sb_test_ok "$acked acknowledged writes on db1, db2, db3 and db4, none missing, none twice; GTID $(gtid db1) everywhere"
