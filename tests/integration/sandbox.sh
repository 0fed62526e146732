#!/usr/bin/env bash
# Integration test of scripts/sandbox: up builds a replicating cluster with the right users, up again
# keeps or repairs it, down leaves nothing behind. Real mariadbd in real network namespaces; needs root.
# mmm-test: uses no binaries of this build
set -euo pipefail

if [[ $(id -u) != 0 ]]; then
    echo "SKIP: needs root (creates network namespaces and starts mariadbd as user mysql)"
    exit 0
fi

SRC=${MMM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
SANDBOX="$SRC/scripts/sandbox"
export MMM_SANDBOX=it-sandbox
# Only the cluster itself: with agents and a monitor db1 would hold the writer role and be writable.
export MMM_SANDBOX_DAEMONS=0
unset MMM_SANDBOX_DIR
# shellcheck source=scripts/sandbox-lib.sh
source "$SRC/scripts/sandbox-lib.sh"

fail() {
    echo "FAIL: $*" >&2
    "$SANDBOX" status >&2 || true
    exit 1
}
pass() { echo "ok: $*"; }

cleanup() {
    local rc=$?
    "$SANDBOX" down >/dev/null 2>&1 || echo "cleanup: sandbox down failed" >&2
    exit "$rc"
}
trap cleanup EXIT

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# SQL over TCP from inside a namespace, as a given user: tcp_sql NS_HOST HOST USER PASSWORD "SQL".
tcp_sql() {
    ip netns exec "${SB_NSP}${1}" mariadb --no-defaults --protocol=tcp -h "$(sb_ip "$2")" -P 3306 \
        -u "$3" -p"$4" --connect-timeout=5 -N -B -e "$5"
}

has_row() { [[ $(sb_sql "$1" "SELECT COUNT(*) FROM app.t WHERE v = '$2'") == 1 ]]; }

root_links_before=$(ip -o link show | awk -F': ' '{print $2}' | sort)

# A sandbox left by an interrupted run goes first.
"$SANDBOX" down >/dev/null

# --- up, fresh -------------------------------------------------------------------------------------
t0=$(now)
"$SANDBOX" up
t1=$(now)
echo "timing: sandbox up (fresh) $(elapsed "$t0" "$t1") s"
awk -v s="$(elapsed "$t0" "$t1")" 'BEGIN { exit !(s < 60) }' || fail "fresh up took more than 60 s"

dir=${SB_DIR}
[[ -f $dir/mmm.yaml ]] || fail "no $dir/mmm.yaml"
[[ $(stat -c %a "$dir/mmm.yaml") == 600 ]] || fail "mmm.yaml mode is $(stat -c %a "$dir/mmm.yaml"), not 600"
grep -q 'allowed_monitors: \[192.0.2.10\]' "$dir/mmm.yaml" || fail "mmm.yaml lacks agent.allowed_monitors"
pass "mmm.yaml written, mode 0600"

[[ $(ip -o link show | awk -F': ' '{print $2}' | sort) == "$root_links_before" ]] ||
    fail "links in the root namespace changed"
pass "root namespace links untouched"

for host in "${SB_ALL_HOSTS[@]}"; do
    ip -n "${SB_NSP}${host}" -4 -o addr show dev eth0 | sb_in -q "inet $(sb_ip "$host")/24" ||
        fail "$host has no $(sb_ip "$host")/24 on eth0"
done
ip netns exec "${SB_NSP}client" ping -c1 -W2 192.0.2.11 >/dev/null || fail "client cannot reach db1"
[[ $(ip netns exec "${SB_NSP}client" sysctl -n net.ipv4.conf.eth0.arp_accept) == 1 ]] || fail "client arp_accept"
pass "addresses and bridge"

# --- replication -----------------------------------------------------------------------------------
export SB_TIMEOUT=20
for host in "${SB_DB_HOSTS[@]}"; do
    sb_slave_running "$host" || fail "replication threads not running on $host"
    [[ $(sb_sql "$host" "SELECT @@global.server_id") == "${host#db}" ]] || fail "server_id of $host"
done
[[ $(sb_slave_field db1 Master_Host) == 192.0.2.12 ]] || fail "db1 does not replicate from db2"
[[ $(sb_slave_field db2 Master_Host) == 192.0.2.11 ]] || fail "db2 does not replicate from db1"
[[ $(sb_slave_field db3 Master_Host) == 192.0.2.11 ]] || fail "db3 does not replicate from db1"
for host in "${SB_DB_HOSTS[@]}"; do
    [[ $(sb_slave_field "$host" Using_Gtid) == Slave_Pos ]] || fail "$host does not use GTID (slave_pos)"
done
pass "topology db1<->db2, db1->db3 with GTID"

mark1="from-db1-$$-$RANDOM"
sb_sql db1 "INSERT INTO app.t (v) VALUES ('$mark1')"
sb_wait_for has_row db2 "$mark1" || fail "row written on db1 did not arrive on db2"
sb_wait_for has_row db3 "$mark1" || fail "row written on db1 did not arrive on db3"
pass "row written on db1 arrives on db2 and db3"

mark2="from-db2-$$-$RANDOM"
sb_sql db2 "INSERT INTO app.t (v) VALUES ('$mark2')"
sb_wait_for has_row db1 "$mark2" || fail "row written on db2 did not arrive on db1"
sb_wait_for has_row db3 "$mark2" || fail "row written on db2 did not arrive on db3 (via db1)"
pass "row written on db2 arrives on db1 and db3"

# --- read_only and users ---------------------------------------------------------------------------
for host in "${SB_DB_HOSTS[@]}"; do
    [[ $(sb_sql "$host" "SELECT @@global.read_only") == 1 ]] || fail "read_only is not 1 on $host"
done
pass "read_only=1 on every server"

[[ $(tcp_sql client db1 app app_pw "SELECT COUNT(*) FROM app.t WHERE v = '$mark1'") == 1 ]] ||
    fail "app cannot read app.t over TCP"
if out=$(tcp_sql client db1 app app_pw "INSERT INTO app.t (v) VALUES ('app-write')" 2>&1); then
    fail "app could write while read_only=1"
fi
[[ $out == *read-only* || $out == *1290* ]] || fail "app write failed for another reason: $out"
if tcp_sql client db1 app app_pw "SELECT COUNT(*) FROM mysql.user" >/dev/null 2>&1; then
    fail "app can read mysql.user"
fi
pass "app reads app.t, cannot write under read_only=1, cannot read other databases"

io=$(ip netns exec "${SB_NSP}mon" mariadb --no-defaults --protocol=tcp -h 192.0.2.13 -u mmm_monitor -pmonitor_pw \
    --connect-timeout=5 -E -e 'SHOW SLAVE STATUS' | awk -F': ' '$1 ~ /^ *Slave_IO_Running$/ {print $2}') ||
    fail "mmm_monitor cannot run SHOW SLAVE STATUS"
[[ $io == Yes ]] || fail "mmm_monitor saw Slave_IO_Running='$io' on db3"
tcp_sql mon db1 mmm_monitor monitor_pw "SHOW MASTER STATUS" >/dev/null || fail "mmm_monitor cannot SHOW MASTER STATUS"
if tcp_sql mon db1 mmm_monitor monitor_pw "SET GLOBAL read_only = 0" >/dev/null 2>&1; then
    fail "mmm_monitor can change read_only"
fi
pass "mmm_monitor: SHOW SLAVE/MASTER STATUS yes, SET GLOBAL read_only no"

tcp_sql db3 db3 mmm_agent agent_pw "SET GLOBAL read_only = 0" || fail "mmm_agent cannot clear read_only"
[[ $(sb_sql db3 "SELECT @@global.read_only") == 0 ]] || fail "read_only still 1 after mmm_agent cleared it"
tcp_sql db3 db3 mmm_agent agent_pw "SET GLOBAL read_only = 1" || fail "mmm_agent cannot set read_only"
tcp_sql db3 db3 mmm_agent agent_pw "STOP SLAVE; START SLAVE" || fail "mmm_agent cannot stop/start the replica"
sb_wait_for sb_slave_running db3 || fail "db3 replication did not restart"
if tcp_sql db3 db3 mmm_agent agent_pw "SELECT COUNT(*) FROM app.t" >/dev/null 2>&1; then
    fail "mmm_agent can read app data"
fi
pass "mmm_agent: read_only and replica control yes, application data no"

# --- up again: keeps a running sandbox, repairs a dead server --------------------------------------
pids_before=$(for h in "${SB_DB_HOSTS[@]}"; do sb_mysqld_pid "$h"; done)
gtid_before=$(sb_sql db1 "SELECT @@global.gtid_binlog_pos")
t0=$(now)
"$SANDBOX" up
t1=$(now)
echo "timing: sandbox up (repeated, all running) $(elapsed "$t0" "$t1") s"
[[ $(for h in "${SB_DB_HOSTS[@]}"; do sb_mysqld_pid "$h"; done) == "$pids_before" ]] ||
    fail "up on a running sandbox restarted a server"
[[ $(sb_sql db1 "SELECT @@global.gtid_binlog_pos") == "$gtid_before" ]] ||
    fail "up on a running sandbox wrote transactions"
has_row db3 "$mark2" || fail "data lost by a repeated up"
pass "up again keeps servers, data and binary logs"

old_db2=$(sb_mysqld_pid db2)
sb_mysqld_kill db2
sb_mysqld_pid db2 >/dev/null && fail "db2 still alive after sb_mysqld_kill"
t0=$(now)
"$SANDBOX" up
t1=$(now)
echo "timing: sandbox up (repairing killed db2) $(elapsed "$t0" "$t1") s"
new_db2=$(sb_mysqld_pid db2) || fail "up did not restart db2"
[[ $new_db2 != "$old_db2" ]] || fail "db2 pid unchanged"
sb_wait_for sb_slave_running db2 || fail "db2 replication not running after restart"
sb_wait_for sb_slave_running db1 || fail "db1 did not reconnect to restarted db2"
[[ $(sb_sql db2 "SELECT @@global.read_only") == 1 ]] || fail "restarted db2 is not read_only"
mark3="after-restart-$$-$RANDOM"
sb_sql db2 "INSERT INTO app.t (v) VALUES ('$mark3')"
sb_wait_for has_row db1 "$mark3" || fail "row written on restarted db2 did not arrive on db1"
pass "up repairs a killed server and replication resumes"

sb_mysqld_kill db3
sb_mysqld_pid db3 >/dev/null && fail "db3 still alive after sb_mysqld_kill"
t0=$(now)
sb_mysqld_start db3 || fail "sb_mysqld_start db3 failed"
t1=$(now)
echo "timing: sb_mysqld_start after kill -9 $(elapsed "$t0" "$t1") s"
sb_wait_for sb_slave_running db3 || fail "db3 replication not running after sb_mysqld_start"
sb_wait_for has_row db3 "$mark3" || fail "restarted db3 did not catch up"
pass "sb_mysqld_kill / sb_mysqld_start"

for host in "${SB_DB_HOSTS[@]}"; do
    pid=$(sb_mysqld_pid "$host")
    echo "rss: $host mariadbd pid $pid $(awk '/^VmRSS/ {print $2, $3}' "/proc/$pid/status")"
done

# --- down ------------------------------------------------------------------------------------------
pids=$(for h in "${SB_DB_HOSTS[@]}"; do sb_mysqld_pid "$h"; done)
"$SANDBOX" down
for pid in $pids; do
    sb_gone "$pid" || fail "mariadbd pid $pid survived down"
done
if ip netns list | awk '{print $1}' | sb_in -q "^$MMM_SANDBOX-"; then
    fail "namespaces left: $(ip netns list | grep "^$MMM_SANDBOX-" | tr '\n' ' ')"
fi
[[ ! -e $dir ]] || fail "state directory $dir left"
[[ $(ip -o link show | awk -F': ' '{print $2}' | sort) == "$root_links_before" ]] ||
    fail "links in the root namespace changed after down"
"$SANDBOX" down >/dev/null || fail "down with nothing to remove failed"
pass "down leaves no namespace, process, link or file; down again succeeds"
echo "PASS"
