#!/usr/bin/env bash
# Integration test of mmm_agentd in the sandbox (real mariadbd, real namespaces, real ARP): the writer VIP on
# db1, moving it to db2 (read_only, killed connections, gratuitous ARP seen by the client), db3 repointed with
# GTID and from binlog coordinates (moved to GTID), a deleted VIP put back, a restart that keeps the IPs, and error replies
# (unauthorized peer, malformed and over-long lines, local mysqld down), the writer lease's self-fence and
# epochs kept across a restart. Drives the agents with the line protocol from the `mon` namespace, as the
# monitor would. Own sandbox prefix (MMM_SANDBOX=it-agent), removed at the end.
# mmm-test: cost 24
set -uo pipefail

if [[ $EUID -ne 0 ]]; then
    echo "SKIP: agent_sandbox needs root (network namespaces, mariadbd, CAP_NET_ADMIN/CAP_NET_RAW)"
    exit 0
fi

REPO=${MMM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
export MMM_SANDBOX=${MMM_SANDBOX_AGENT_TEST:-it-agent}
export MMM_BINARY_DIR=${MMM_BINARY_DIR:-$REPO/build}
export MMM_SANDBOX_DAEMONS=0
# It speaks the agent protocol by hand (bash /dev/tcp): plaintext agents.
export MMM_SANDBOX_TLS=0
# shellcheck source=scripts/sandbox-lib.sh
source "$REPO/scripts/sandbox-lib.sh"

AGENT_BIN=$(sb_bin agent)
if [[ ! -x $AGENT_BIN ]]; then
    echo "FAIL: no agent binary at $AGENT_BIN (build mmm_agentd first)"
    exit 1
fi

PASSED=0
FAILED=0
ok() { PASSED=$((PASSED + 1)); echo "ok: $*"; }
bad() { FAILED=$((FAILED + 1)); echo "FAIL: $*"; }
# check DESCRIPTION CMD...: one assertion.
check() {
    local what=$1
    shift
    if "$@"; then ok "$what"; else bad "$what"; fi
}
# eventually DESCRIPTION CMD...: bounded poll (SB_TIMEOUT seconds, default 10).
eventually() {
    local what=$1
    shift
    if SB_TIMEOUT=${SB_TIMEOUT:-10} sb_wait_for "$@"; then ok "$what"; else bad "$what"; fi
}

# The agents are this script's children: started with `ip netns exec NS mmm_agentd ... --foreground`, stopped
# by their pids.
declare -A AGENT_PID=()
agent_listening() { sb_listening "$1" 9989; }
agent_start() {
    local h=$1
    ip netns exec "${SB_NSP}${h}" "$AGENT_BIN" -c "$(sb_agent_config "$h")" --host "$h" --foreground \
        </dev/null >>"${SB_DIR}/$h/mmm_agentd.out" 2>&1 &
    AGENT_PID[$h]=$!
    SB_TIMEOUT=10 sb_wait_for agent_listening "$h" && ! sb_gone "${AGENT_PID[$h]}"
}
agent_stop() {
    local h=$1 pid=${AGENT_PID[$1]:-}
    [[ -n $pid ]] || return 0
    kill -TERM "$pid" 2>/dev/null
    SB_TIMEOUT=20 sb_wait_for sb_gone "$pid" || kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    local rc=$?
    AGENT_PID[$h]=""
    return $rc
}
agent_running() { [[ -n ${AGENT_PID[$1]:-} ]] && ! sb_gone "${AGENT_PID[$1]}"; }

cleanup() {
    local h
    for h in db1 db2 db3; do agent_stop "$h" >/dev/null 2>&1; done
    "$REPO/scripts/sandbox" down >/dev/null 2>&1
}
trap cleanup EXIT

ip_of() { sb_ip "$1"; }

# call FROM_NS HOST LINE...: sends the lines on one connection from namespace FROM_NS, prints one reply a line.
call_from() {
    local ns=$1 host=$2
    shift 2
    ip netns exec "${SB_NSP}${ns}" timeout 45 bash -c '
        exec 3<>"/dev/tcp/$0/9989" || exit 3
        ip=$0
        for line in "$@"; do
            printf "%s\n" "$line" >&3
            IFS= read -r reply <&3 || exit 4
            printf "%s\n" "$reply"
        done' "$(ip_of "$host")" "$@"
}
call() { call_from mon "$@"; }

# result HOST LINE: the reply without its |UP: suffix.
result() { call "$1" "$2" | sed -E 's/\|UP:[0-9.]+$//'; }

set_status() {  # HOST STATE ROLES MASTER
    result "$1" "SET_STATUS|1|$1|$2|$3|$4"
}

mac_of() { ip -n "${SB_NSP}${1}" link show eth0 | awk '/link\/ether/ { print $2 }'; }
client_mac_for() { ip -n "${SB_NSP}client" neigh show "$1" dev eth0 | awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }'; }
client_sees() { [[ $(client_mac_for "$1") == "$2" ]]; }
client_sql() { ip netns exec "${SB_NSP}client" mariadb --no-defaults -h "$1" -u app -papp_pw app -N -B -e "$2"; }
log_has() { grep -qF -- "$2" "$(sb_agent_log "$1")"; }
read_only_is() { [[ $(sb_read_only "$1") == "$2" ]]; }
has_vip() { sb_has_vip "$1" "$2"; }
no_vip() { ! sb_has_vip "$1" "$2"; }
slave_of() { [[ $(sb_slave_field "$1" Master_Host) == "$2" ]] && sb_slave_running "$1"; }
row_on() { [[ $(sb_sql "$1" "SELECT COUNT(*) FROM app.t WHERE v = '$2'") == 1 ]]; }
# bg_client NAME SQL: SQL through the writer VIP in the background; its output and then "rc=N" go to a temp file
# named in NAME_out, its pid is NAME_pid.
bg_client() {
    local out
    out=$(mktemp)
    (client_sql 192.0.2.50 "$2" >"$out" 2>&1; echo "rc=$?" >>"$out") &
    printf -v "$1_pid" '%s' "$!"
    printf -v "$1_out" '%s' "$out"
}
# running_on HOST LIKE: exactly one statement on HOST's processlist matches the SQL LIKE pattern (quoted for SQL).
running_on() { [[ $(sb_sql "$1" "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE '$2'") == 1 ]]; }

echo "== sandbox up ($MMM_SANDBOX)"
"$REPO/scripts/sandbox" down >/dev/null 2>&1
if ! "$REPO/scripts/sandbox" up; then
    bad "sandbox up"
    echo "$PASSED passed, $FAILED failed"
    exit 1
fi
check "--check-config accepts the sandbox config" "$AGENT_BIN" -c "$(sb_agent_config db1)" --host db1 --check-config
"$AGENT_BIN" -c "$(sb_agent_config db1)" --host db9 --check-config >/dev/null 2>&1
check "--check-config rejects an unknown host (exit 2)" [ $? -eq 2 ]
if command -v setpriv >/dev/null; then
    caps_out=$(setpriv --bounding-set -net_admin,-net_raw "$AGENT_BIN" -c "$(sb_agent_config db1)" --host db1 --foreground 2>&1)
    caps_rc=$?
    check "without CAP_NET_ADMIN/CAP_NET_RAW the agent refuses to start and says why" \
        eval '[[ $caps_rc -eq 1 && $caps_out == *"missing capability CAP_NET_ADMIN"*"CAP_NET_RAW"* ]]'
fi
for h in db1 db2 db3; do
    check "agent on $h starts and listens" agent_start "$h"
done

echo "== writer on db1"
check "SET_STATUS to db1 is applied" [ "$(set_status db1 ONLINE 'writer(192.0.2.50),reader(192.0.2.51)' db1)" == "OK: Status applied successfully!" ]
check "db2 reader" [ "$(set_status db2 ONLINE 'reader(192.0.2.52)' db1)" == "OK: Status applied successfully!" ]
check "db3 reader, master db1" [ "$(set_status db3 ONLINE 'reader(192.0.2.53)' db1)" == "OK: Status applied successfully!" ]
check "writer VIP on db1" has_vip db1 192.0.2.50
check "reader VIPs placed" eval 'has_vip db1 192.0.2.51 && has_vip db2 192.0.2.52 && has_vip db3 192.0.2.53'
check "db1 read_only=0" read_only_is db1 0
check "db2 still read_only=1" read_only_is db2 1
eventually "client's neighbour entry for the VIP shows db1's MAC" client_sees 192.0.2.50 "$(mac_of db1)"
check "INSERT through the VIP lands on db1" [ "$(client_sql 192.0.2.50 "INSERT INTO t (v) VALUES ('via-vip-1'); SELECT @@server_id")" == 1 ]
check "agent log has mysql-mmm's texts" eval 'log_has db1 "We have some new roles added or old rules deleted!" && log_has db1 "Added:   reader(192.0.2.51), writer(192.0.2.50)"'
check "GET_AGENT_STATUS reports the roles" [ "$(result db1 'GET_AGENT_STATUS|1|db1')" == "OK: Returning status!|ONLINE|reader(192.0.2.51),writer(192.0.2.50)|" ]
check "GET_SYSTEM_STATUS reports writable and the IPs" [ "$(result db1 'GET_SYSTEM_STATUS|1|db1')" == "OK: Returning status!|1|writer(192.0.2.50),reader(192.0.2.51)|192.0.2.12" ]

echo "== move the writer to db2"
# An idle client connection through the VIP that deny-write must kill.
bg_client idle "SELECT SLEEP(60)"
eventually "a client sits on db1 through the VIP" running_on db1 'SELECT SLEEP(60)%'
# A write that is still running when the writer moves: it may finish (within max_kill_retries seconds).
bg_client slow "INSERT INTO t (v) SELECT CONCAT('slow-write-', SLEEP(2))"
eventually "a slow write runs on db1 through the VIP" running_on db1 "INSERT INTO t (v) SELECT CONCAT(''slow-write-%"
# The slow write makes deny-write take ~2 s, longer than the agent waits before answering (3/4 of
# monitor.agent_timeout): the reply may say it is still applying.
check "db1 loses the writer" eval '[[ "$(set_status db1 ONLINE "reader(192.0.2.51)" db2)" == "OK: Status"* ]]'
check "db1's client connection was killed" eval "SB_TIMEOUT=5 sb_wait_for sb_gone $idle_pid && grep -q 'rc=1' '$idle_out'"
check "the running write was allowed to finish" eval "SB_TIMEOUT=5 sb_wait_for sb_gone $slow_pid && grep -q 'rc=0' '$slow_out' && row_on db1 slow-write-0"
# A repoint by GTID is answered before the pass (the monitor's plan need not wait for the replica's relay log before it
# tells the new writer); the replication checks below show it was carried out.
check "db3 told the new master db2 (answered at once)" \
    [ "$(set_status db3 ONLINE 'reader(192.0.2.53)' db2)" == "OK: Status accepted; still applying it" ]
# db2's catch-up waits until db1 takes no more writes, then for db1's final position.
check "db2 takes the writer" eval '[[ "$(set_status db2 ONLINE "writer(192.0.2.50),reader(192.0.2.52)" db2)" == "OK: Status"* ]]'
eventually "db1 read_only=1" read_only_is db1 1
eventually "writer VIP gone from db1" no_vip db1 192.0.2.50
eventually "db2 read_only=0" read_only_is db2 0
eventually "writer VIP on db2" has_vip db2 192.0.2.50
eventually "a second gratuitous ARP burst follows (garp_repeat_delay)" log_has db2 "gratuitous ARP frames for 192.0.2.50 (second burst)"
check "db2 waited for db1's final position" log_has db2 "caught up to 'db1' final binlog position"
check "db2 has the slow write" row_on db2 slow-write-0
# No `ip neigh flush` in the client: only the gratuitous ARP can have changed the entry.
eventually "client's neighbour entry now shows db2's MAC (gratuitous ARP)" client_sees 192.0.2.50 "$(mac_of db2)"
check "INSERT through the VIP lands on db2" [ "$(client_sql 192.0.2.50 "INSERT INTO t (v) VALUES ('via-vip-2'); SELECT @@server_id")" == 2 ]
check "db1 logs the deletion" log_has db1 "Deleted: writer(192.0.2.50)"
check "db3 logs the master change" log_has db3 "Changing active master to 'db2'"

echo "== db3 replicates from db2 (GTID)"
eventually "db3 replicates from db2 with both threads running" slave_of db3 192.0.2.12
check "db3 still uses GTID" [ "$(sb_slave_field db3 Using_Gtid)" == Slave_Pos ]
sb_sql db2 "INSERT INTO app.t (v) VALUES ('from-db2-gtid')"
eventually "a row written on db2 arrives on db3" row_on db3 from-db2-gtid
check "GET_AGENT_STATUS of db3 names db2 as active master" [ "$(result db3 'GET_AGENT_STATUS|1|db3')" == "OK: Returning status!|ONLINE|reader(192.0.2.53)|db2" ]

echo "== db3 repointed by binlog coordinates (GTID off)"
sb_sql db3 "STOP SLAVE; CHANGE MASTER TO MASTER_USE_GTID=no; START SLAVE"
eventually "db3 runs without GTID" eval '[ "$(sb_slave_field db3 Using_Gtid)" == No ] && sb_slave_running db3'
check "db3 told the master db1" [ "$(set_status db3 ONLINE 'reader(192.0.2.53)' db1)" == "OK: Status applied successfully!" ]
eventually "db3 replicates from db1 with both threads running" slave_of db3 192.0.2.11
# MariaDB keeps gtid_slave_pos without GTID replication too: the repoint moves db3 to GTID (issue 11 item 4: db1's
# coordinates read now could skip what db1 wrote meanwhile).
check "db3 moved from binlog coordinates to GTID" [ "$(sb_slave_field db3 Using_Gtid)" == Slave_Pos ]
check "db3's agent says so" log_has db3 "with GTID (was binlog coordinates"
# db1 is read-only now; root (SUPER) may still write, as a late transaction on the old master would.
sb_sql db1 "INSERT INTO app.t (v) VALUES ('from-db1-coords')"
eventually "a row written on db1 arrives on db3" row_on db3 from-db1-coords

echo "== a deleted VIP is put back"
ip -n "${SB_NSP}db2" addr del 192.0.2.50/32 dev eth0
SB_TIMEOUT=15 eventually "writer VIP back on db2 within the re-check period" has_vip db2 192.0.2.50
check "the correction is logged" log_has db2 "Re-check: Added IP 192.0.2.50 (writer)"

echo "== an agent restart keeps the IPs"
agent_stop db2
check "VIP stays on db2 while its agent is down" has_vip db2 192.0.2.50
check "db2 stays writable while its agent is down" read_only_is db2 0
check "agent on db2 starts again" agent_start db2
check "restarted agent knows nothing yet" [ "$(result db2 'GET_AGENT_STATUS|1|db2')" == "OK: Returning status!|UNKNOWN||" ]
check "restarted agent did not drop the VIP" has_vip db2 192.0.2.50
before=$(grep -c "Added IP 192.0.2.50" "$(sb_agent_log db2)")
check "restarted agent re-adopts the writer" [ "$(set_status db2 ONLINE 'writer(192.0.2.50),reader(192.0.2.52)' db2)" == "OK: Status applied successfully!" ]
check "re-adopted without re-adding" [ "$(grep -c "Added IP 192.0.2.50" "$(sb_agent_log db2)")" == "$before" ]
check "db2 still writable" read_only_is db2 0

echo "== SIGHUP reopens the log"
mv "$(sb_agent_log db3)" "$(sb_agent_log db3).1"
kill -HUP "${AGENT_PID[db3]}"
eventually "a new log file after SIGHUP" log_has db3 "Log reopened (SIGHUP)"
check "agent on db3 still serving after SIGHUP" [ "$(result db3 'PING|1|db3')" == "OK: Pinged!" ]

echo "== errors: the agent answers and keeps serving"
check "malformed line" [ "$(result db2 'hello')" == "ERROR: Invalid command 'hello'!" ]
check "wrong host name" [ "$(result db2 'PING|1|db1')" == "ERROR: Invalid hostname in command (db1)! My name is 'db2'" ]
check "unknown command" [ "$(result db2 'FLY|1|db2')" == "ERROR: Invalid command 'FLY'!" ]
check "several lines on one connection" [ "$(call db2 'PING|1|db2' 'nonsense' 'PING|1|db2' | sed -E 's/\|UP:[0-9.]+$//' | tr '\n' '/')" == "OK: Pinged!/ERROR: Invalid command 'nonsense'!/OK: Pinged!/" ]
long=$(head -c 70000 /dev/zero | tr '\0' 'x')
check "over-long line rejected" [ "$(result db2 "$long")" == "ERROR: Command too long (more than 65536 bytes)!" ]
denied=$(call_from client db2 'PING|1|db2' 2>/dev/null)
check "unauthorized peer gets no answer" [ -z "$denied" ]
check "unauthorized peer is logged" log_has db2 "Denied connection from 192.0.2.100"
sb_mysqld_kill db3
check "GET_SYSTEM_STATUS with mysqld down is an ERROR reply" eval '[[ "$(result db3 "GET_SYSTEM_STATUS|1|db3")" == "ERROR: Could not check if MySQL is writable: "* ]]'
check "SET_STATUS with mysqld down still answers" eval '[[ -n "$(set_status db3 ONLINE "reader(192.0.2.53)" db2)" ]]'
check "PING with mysqld down" [ "$(result db3 'PING|1|db3')" == "OK: Pinged!" ]
check "agent on db3 still running" agent_running db3
sb_mysqld_start db3
check "db3 back: SET_STATUS repoints it to db2" eval '[[ "$(set_status db3 ONLINE "reader(192.0.2.53)" db2)" == "OK: Status"* ]]'
eventually "db3 replicates from db2 again" slave_of db3 192.0.2.12

echo "== ADMIN_OFFLINE stops replication, leaving it starts it"
check "db3 ADMIN_OFFLINE" [ "$(set_status db3 ADMIN_OFFLINE '' db2)" == "OK: Status applied successfully!" ]
check "db3 replication stopped" [ "$(sb_slave_field db3 Slave_SQL_Running)" == No ]
check "db3 reader VIP removed" no_vip db3 192.0.2.53
check "db3 back ONLINE" [ "$(set_status db3 ONLINE 'reader(192.0.2.53)' db2)" == "OK: Status applied successfully!" ]
eventually "db3 replication running again" slave_of db3 192.0.2.12

echo "== the new writer stays read-only when it cannot catch up"
sb_sql db1 "STOP SLAVE SQL_THREAD"
check "db2 gives up the writer" [ "$(set_status db2 ONLINE 'reader(192.0.2.52)' db1)" == "OK: Status applied successfully!" ]
sb_sql db2 "INSERT INTO app.t (v) VALUES ('last-on-db2')"
reply=$(set_status db1 ONLINE 'writer(192.0.2.50),reader(192.0.2.51)' db1)
check "SET_STATUS reports the failed catch-up" eval '[[ "$reply" == "ERROR: CatchUp"*"SQL thread is not running"* ]]'
check "db1 stays read_only=1" read_only_is db1 1
check "db1 did not take the writer VIP" no_vip db1 192.0.2.50
check "nobody holds the writer VIP" [ -z "$(sb_vip_holders 192.0.2.50)" ]
check "db1 logs mysql-mmm's FATAL text" log_has db1 "FATAL Couldn't sync with master: "
sb_sql db1 "START SLAVE SQL_THREAD"
check "next SET_STATUS succeeds" [ "$(set_status db1 ONLINE 'writer(192.0.2.50),reader(192.0.2.51)' db1)" == "OK: Status applied successfully!" ]
check "db1 applied db2's last write before taking writes" row_on db1 last-on-db2
check "db1 read_only=0" read_only_is db1 0
check "writer VIP on db1" has_vip db1 192.0.2.50

echo "== CLEAR_BAD_ROLES removes a stray writer IP after denying writes"
ip -n "${SB_NSP}db2" addr add 192.0.2.50/32 dev eth0
sb_sql db2 "SET GLOBAL read_only=0"
# The re-check may get there first; either way the IP goes and writes are denied.
check "CLEAR_BAD_ROLES on db2" eval '[[ "$(result db2 "CLEAR_BAD_ROLES|1|db2")" =~ ^OK:\ Removed\ [01]\ roles$ ]]'
eventually "stray writer VIP gone from db2" no_vip db2 192.0.2.50
eventually "db2 read_only=1 again" read_only_is db2 1

echo "== a write that outlasts max_kill_retries is killed when the writer role leaves"
# SET GLOBAL read_only=1 waits for it lock_wait_timeout = max_kill_retries (10 s here) and fails with the server's
# error 1205; the agent then kills the client connections and sets it again.
bg_client long "INSERT INTO t (v) SELECT CONCAT('long-write-', SLEEP(40))"
eventually "a long write runs on db1 through the VIP" running_on db1 "INSERT INTO t (v) SELECT CONCAT(''long-write-%"
deny_from=$(sb_log_lines "$(sb_agent_log db1)")
check "db1 loses the writer" eval '[[ "$(set_status db1 ONLINE "reader(192.0.2.51)" db1)" == "OK: Status"* ]]'
SB_TIMEOUT=30 eventually "db1 read_only=1 after the lock wait" read_only_is db1 1
check "the long write's connection was killed" eval "SB_TIMEOUT=10 sb_wait_for sb_gone $long_pid && grep -q 'rc=1' '$long_out'"
check "the long write is not on db1" [ "$(sb_sql db1 "SELECT COUNT(*) FROM app.t WHERE v LIKE 'long-write-%'")" == 0 ]
denied_line() { tail -n +"$((deny_from + 1))" "$(sb_agent_log db1)" | grep -m1 "Denied writes"; }
eventually "db1's agent logs the denial" denied_line
denied=$(denied_line || true)
echo "    $denied"
check "the agent killed connections after waiting max_kill_retries" eval \
    '[[ $denied =~ killed\ ([1-9][0-9]*)\ connections\ in\ ([0-9]+)\ ms ]] && ((BASH_REMATCH[2] >= 9000))'
check "db1 takes the writer again" [ "$(set_status db1 ONLINE 'writer(192.0.2.50),reader(192.0.2.51)' db1)" == "OK: Status applied successfully!" ]
eventually "db1 read_only=0 again" read_only_is db1 0
eventually "writer VIP on db1 again" has_vip db1 192.0.2.50

echo "== an isolated writer gives its roles up by itself"
ip -n "${SB_NSP}db1" link set eth0 down
eventually "writer VIP leaves db1 while its link is down (ping trap period)" no_vip db1 192.0.2.50
eventually "db1 read_only=1 while isolated" read_only_is db1 1
check "db1 logs why" log_has db1 "this host is isolated and its roles have been moved"
ip -n "${SB_NSP}db1" link set eth0 up
eventually "db1's agent sees the link again" log_has db1 "Cluster interface is up again"
check "the next SET_STATUS gives db1 the writer back" [ "$(set_status db1 ONLINE 'writer(192.0.2.50),reader(192.0.2.51)' db1)" == "OK: Status applied successfully!" ]
check "db1 writable again with the VIP" eval 'read_only_is db1 0 && has_vip db1 192.0.2.50'

echo "== writer lease and epochs (issue 10)"
W='writer(192.0.2.50),reader(192.0.2.51)'
now_ms() { echo $(($(date +%s%N) / 1000000)); }
t_sent=$(now_ms)
check "db1 takes the writer with epoch 5 and a 1500 ms lease" [ "$(set_status db1 ONLINE "$W" 'db1|epoch=5|lease=1500')" == "OK: Status applied successfully!" ]
SB_TIMEOUT=8 eventually "without renewal db1 fences itself: read_only=1" read_only_is db1 1
t_fenced=$(now_ms)
eventually "the writer VIP leaves db1" no_vip db1 192.0.2.50
check "not before the lease ran out ($((t_fenced - t_sent)) ms)" [ $((t_fenced - t_sent)) -ge 1500 ]
check "the agent log says why" log_has db1 "FATAL Writer lease of 1500 ms expired: no renewal from the monitor for"
check "the reader VIP stays (readers are not leased)" has_vip db1 192.0.2.51
check "GET_AGENT_STATUS shows the writer role dropped" [ "$(result db1 'GET_AGENT_STATUS|1|db1')" == "OK: Returning status!|ONLINE|reader(192.0.2.51)|" ]
check "a stale epoch is refused" [ "$(set_status db1 ONLINE "$W" 'db1|epoch=4|lease=1500')" == "ERROR: Stale epoch 4: this agent has accepted epoch 5" ]
check "a malformed lease is refused" [ "$(set_status db1 ONLINE "$W" 'db1|epoch=5|lease=abc')" == "ERROR: Invalid lease 'abc' in SET_STATUS: expected milliseconds from 1 to 3600000" ]
check "neither gave db1 the writer back" eval 'read_only_is db1 1 && no_vip db1 192.0.2.50'
# A SET_STATUS whose sender has already closed its side: the agent sees the FIN with the line and applies nothing.
# TCP_CORK holds the line back until shutdown() sends it with the FIN in one segment, so the FIN is there when
# the agent reads the line (two segments would race the agent's read).
closed_reply=$(ip netns exec "${SB_NSP}mon" python3 -c '
import socket, sys
s = socket.create_connection((sys.argv[1], 9989), timeout=10)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
s.sendall(sys.argv[2].encode() + b"\n")
s.shutdown(socket.SHUT_WR)
print(s.makefile().readline().split("|UP:")[0])' "$(ip_of db1)" "SET_STATUS|1|db1|ONLINE|$W|db1|epoch=5|lease=1500")
check "a request the monitor gave up on is refused whole" [ "$closed_reply" == "ERROR: The monitor closed the connection before this request was handled; nothing applied" ]
check "nothing was applied from it" eval 'read_only_is db1 1 && no_vip db1 192.0.2.50'
check "epoch 6 without a lease gives the writer back (held as in mysql-mmm)" [ "$(set_status db1 ONLINE "$W" 'db1|epoch=6|unknown=1')" == "OK: Status applied successfully!" ]
check "db1 writable again with the VIP" eval 'read_only_is db1 0 && has_vip db1 192.0.2.50'
check "the unknown field is named once in the log" log_has db1 "Ignoring unknown SET_STATUS field 'unknown'"
check "the epoch is kept in the state file" [ "$(cat "${SB_DIR}/db1/mmm_agentd.epoch")" == "epoch=6" ]
check "agent on db1 restarts" eval 'agent_stop db1 && agent_start db1'
check "the restarted agent read its epoch back" log_has db1 "Highest accepted epoch 6"
check "after the restart the older epoch 5 is still refused" [ "$(set_status db1 ONLINE "$W" 'db1|epoch=5')" == "ERROR: Stale epoch 5: this agent has accepted epoch 6" ]
check "epoch 6 re-adopts the writer" [ "$(set_status db1 ONLINE "$W" 'db1|epoch=6')" == "OK: Status applied successfully!" ]
check "db1 still writable with the VIP" eval 'read_only_is db1 0 && has_vip db1 192.0.2.50'

for h in db1 db2 db3; do
    check "agent on $h exits 0 on SIGTERM" agent_stop "$h"
    check "agent on $h logged END" eval "tail -n 1 '$(sb_agent_log "$h")' | sb_in -q ' END$'"
done
check "VIPs stay after the agents stopped" has_vip db1 192.0.2.50

echo "$PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
