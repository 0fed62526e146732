#!/usr/bin/env bash
# Integration test of the agent's writer guard and CHECK_MASTER against real mariadbd (issue 10): a candidate with
# no replication configured, read-only or already writable, does not take the writer beside a writable old master
# (catch-up fails, no writer IP) and does once the old master is read-only; CHECK_MASTER answers reachable,
# unreachable (hung and stopped server, answered while a SET_STATUS is handled) and ERROR for an unknown host.
# Agents only (no monitor), driven with the line protocol from the `mon` namespace.
set -uo pipefail
SRC=${MMM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source=scripts/sandbox-lib.sh
source "$SRC/scripts/sandbox-lib.sh"
sb_test_begin agent-guards

# shellcheck source=tests/integration/lib/agent_line.sh
source "$SRC/tests/integration/lib/agent_line.sh"
log_has() { grep -qF -- "$2" "$(sb_agent_log "$1")"; }
no_vip() { ! sb_has_vip "$1" "$2"; }
expect_reply() {  # WHAT REPLY PATTERN (bash glob)
    # shellcheck disable=SC2053
    [[ $2 == $3 ]] || sb_test_fail "$1: replied '$2', expected '$3'"
    sb_test_ok "$1: $2"
}

sb_sandbox down >/dev/null 2>&1
sb_sandbox up >/dev/null || sb_test_fail "sandbox up"
# db2's catch-up gives up after 0.5 s, so its SET_STATUS answers with the outcome (within 3/4 of agent_timeout).
sed -i 's/^  allowed_monitors: \[192.0.2.10\]$/&\n  writer_sync_timeout: 0.5/' "$(sb_agent_config db2)"
for h in "${SB_DB_HOSTS[@]}"; do sb_agent_start "$h" || sb_test_fail "agent on $h does not start"; done
W='writer(192.0.2.50)'

echo "== a candidate with no replication does not become a writer beside a writable peer (issue 10 item 6)"
sb_sql db2 "STOP SLAVE; RESET SLAVE ALL"
sb_sql db1 "SET GLOBAL read_only=0"
[[ -z $(sb_slave_field db2 Master_Host) ]] || sb_test_fail "db2 still has a replication source"
expect_reply "db2 (read-only, no replication) refuses the writer" "$(result db2 "SET_STATUS|1|db2|ONLINE|$W|db2")" \
    "ERROR: CatchUp*'db1' still takes writes (read_only=0) after 0.5 s: not taking writes beside it"
[[ $(sb_read_only db2) == 1 ]] || sb_test_fail "db2 became writable beside a writable db1"
no_vip db2 192.0.2.50 || sb_test_fail "db2 took the writer IP beside a writable db1"
log_has db2 "FATAL Couldn't sync with master: 'db1' still takes writes" || sb_test_fail "no FATAL line on db2"
sb_test_ok "db2 stays read-only without the writer IP, FATAL logged"

sb_sql db2 "SET GLOBAL read_only=0"
expect_reply "db2 already at read_only=0 still checks the peer" "$(result db2 "SET_STATUS|1|db2|ONLINE|$W|db2")" \
    "ERROR: CatchUp*'db1' still takes writes (read_only=0)*"
SB_TIMEOUT=2 sb_holds "db2 has no writer IP while db1 is writable" no_vip db2 192.0.2.50

sb_sql db1 "SET GLOBAL read_only=1"
sb_sql db2 "SET GLOBAL read_only=1"
expect_reply "db2 takes the writer once db1 is read-only" "$(result db2 "SET_STATUS|1|db2|ONLINE|$W|db2")" \
    "OK: Status applied successfully!"
[[ $(sb_read_only db2) == 0 ]] && sb_has_vip db2 192.0.2.50 || sb_test_fail "db2 is not the writer"
log_has db2 "no replication source, nothing to catch up; 'db1' is read-only" || sb_test_fail "no catch-up line on db2"
sb_test_ok "db2 writable with the writer IP; the log names db1 read-only"
expect_reply "db2 gives the writer up" "$(result db2 "SET_STATUS|1|db2|ONLINE||db1")" "OK: Status applied successfully!"

echo "== CHECK_MASTER: the second opinion"
expect_reply "db3 sees db1 and replicates from it" "$(result db3 'CHECK_MASTER|1|db3|db1')" \
    "OK: reachable: connect+SELECT 1 in +([0-9]) ms; IO thread Yes from db1"
expect_reply "db3 reaches db2 but replicates from db1" "$(result db3 'CHECK_MASTER|1|db3|db2')" \
    "OK: reachable: connect+SELECT 1 in +([0-9]) ms; IO thread Yes from db1"
expect_reply "db2 without replication" "$(result db2 'CHECK_MASTER|1|db2|db1')" \
    "OK: reachable: connect+SELECT 1 in +([0-9]) ms; no replication"
expect_reply "unknown host" "$(result db3 'CHECK_MASTER|1|db3|db9')" "ERROR: Unknown host db9"
expect_reply "missing host" "$(result db3 'CHECK_MASTER|1|db3')" "ERROR: Invalid command 'CHECK_MASTER|1|db3'!"

# A hung master (SIGSTOP: the kernel still accepts the connection, the server never greets): the check runs on
# the agent's pool, so a SET_STATUS sent meanwhile is answered before it.
db1_pid=$(sb_mysqld_pid db1) || sb_test_fail "no mariadbd pid for db1"
kill -STOP "$db1_pid"
hung_out=$(mktemp)
(result db3 'CHECK_MASTER|1|db3|db1' >"$hung_out") &
check_pid=$!
# The agent is connected to db1 (beside db3's replication connection) before the SET_STATUS goes out.
to_db1() { ip netns exec "${SB_NSP}db3" ss -Htn state established dst 192.0.2.11 dport = :3306 | wc -l; }
SB_TIMEOUT=5 sb_expect "db3's agent connects to the hung db1" eval '(($(to_db1) >= 2))'
expect_reply "SET_STATUS answered while CHECK_MASTER waits on the hung db1" \
    "$(result db3 'SET_STATUS|1|db3|ONLINE||')" "OK: Status applied successfully!"
sb_gone "$check_pid" && sb_test_fail "CHECK_MASTER on a hung db1 answered before the SET_STATUS sent after it"
SB_TIMEOUT=10 sb_expect "CHECK_MASTER on the hung db1 answers" sb_gone "$check_pid"
wait "$check_pid"
expect_reply "db3 calls the hung db1 unreachable" "$(cat "$hung_out")" "OK: unreachable: *; IO thread * from db1"
rm -f "$hung_out"
kill -CONT "$db1_pid"

sb_mysqld_stop db1
expect_reply "db3 calls the stopped db1 unreachable" "$(result db3 'CHECK_MASTER|1|db3|db1')" \
    "OK: unreachable: Connect error (host = 192.0.2.11:3306*; IO thread * from db1"

echo "== the agent obeys only its configuration (issue 12 item 1)"
# An address an agent before issue 12 added when told to (it carries the agent's label), never removed since.
ip -n "${SB_NSP}db3" addr add 198.18.0.77/32 dev eth0 label eth0:mmm || sb_test_fail "could not add the stray address"
refused_before=$(grep -c 'Refused SET_STATUS' "$(sb_agent_log db3)")
expect_reply "SET_STATUS naming an address no role of db3 has" \
    "$(result db3 'SET_STATUS|1|db3|ONLINE|reader(198.18.0.78)|db2')" \
    "ERROR: Role 'reader(198.18.0.78)' is not configured for host 'db3'"
expect_reply "SET_STATUS giving the writer to db3 (a slave; the writer's hosts are db1 and db2)" \
    "$(result db3 'SET_STATUS|1|db3|ONLINE|writer(192.0.2.50),reader(192.0.2.51)|db2')" \
    "ERROR: Role 'writer(192.0.2.50)' is not configured for host 'db3'"
expect_reply "SET_STATUS with 2,900 roles" \
    "$(result db3 "SET_STATUS|1|db3|ONLINE|$(for i in $(seq 1 2900); do printf 'reader(198.18.%d.%d),' $((i / 250)) $((i % 250 + 1)); done | sed 's/,$//')|db2")" \
    "ERROR: 2900 roles for host 'db3', which has 3 configured"
# Refused at dispatch, before anything is recorded: nothing to wait for.
for ip in 198.18.0.78 192.0.2.50 192.0.2.51; do
    sb_has_vip db3 "$ip" && sb_test_fail "db3 added $ip after a refused SET_STATUS"
done
[[ $(sb_read_only db3) == 1 ]] || sb_test_fail "db3 became writable after a refused SET_STATUS"
SB_TIMEOUT=15 sb_expect "the stray labelled address 198.18.0.77 removed from db3 by the agent's re-check" \
    no_vip db3 198.18.0.77
log_has db3 "Removed IP 198.18.0.77 from eth0" || sb_test_fail "db3's agent did not log the stray's removal"
refused=$(($(grep -c 'Refused SET_STATUS' "$(sb_agent_log db3)") - refused_before))
((refused == 1)) || sb_test_fail "three refused requests within 10 s logged $refused times, not once"
sb_test_ok "refused whole, nothing added, one log line for three refusals; the stray labelled address removed"

echo "== a connection flood is capped (issue 12 item 5)"
# 40 idle connections from the monitor's address: the agent keeps at most 16 from one source (it used to keep all
# until its descriptors ran out, then spun on accept), says so once, and serves again when they are gone.
pid=$(sb_agent_pid db3) || sb_test_fail "no agent pid on db3"
fds_before=$(find "/proc/$pid/fd" -mindepth 1 | wc -l)
denied_before=$(grep -c 'sessions open from this address' "$(sb_agent_log db3)" || true)
flood_db3 40
# Until the agent has served 16 and closed the other 24, and said so.
SB_TIMEOUT=10 sb_wait_for eval '(($(closed_by_db3) == 24))' ||
    sb_test_fail "after 10 s of a flood of 40 connections db3's agent has closed $(closed_by_db3), not 24 (16 served)"
SB_TIMEOUT=10 sb_expect "db3's agent logs the refused connections" \
    eval '(($(log_count db3 "sessions open from this address") > denied_before))'
fds_during=$(find "/proc/$pid/fd" -mindepth 1 | wc -l)
# Every socket of the agent is close-on-exec (O_CLOEXEC, 02000000 in fdinfo's octal flags), the listening and the
# accepted ones included (issue 12 item 9). (Its stdio and what the shell that started it left open are not its own.)
inheritable=()
for fd in "/proc/$pid/fd/"*; do
    [[ $(readlink "$fd") == socket:* ]] || continue
    flags=$(awk '/^flags:/ { print $2 }' "/proc/$pid/fdinfo/${fd##*/}" 2>/dev/null) || continue
    [[ -z $flags || $(( 8#$flags & 8#2000000 )) -ne 0 ]] || inheritable+=("${fd##*/}:$(readlink "$fd")")
done
((${#inheritable[@]} == 0)) || sb_test_fail "db3's agent has descriptors without close-on-exec: ${inheritable[*]}"
denied=$(($(log_count db3 'sessions open from this address') - denied_before))
flood_end || sb_test_fail "the flood's connections failed to open"
echo "  db3's agent: $fds_before descriptors before, $fds_during with 40 connections open; $denied log line(s)"
((fds_during <= fds_before + 16)) || sb_test_fail "db3's agent holds $fds_during descriptors (before: $fds_before)"
((denied == 1)) || sb_test_fail "the refused connections were logged $denied times, not once"
SB_TIMEOUT=10 sb_expect "db3's agent answers PING after the flood" eval '[[ $(result db3 "PING|1|db3") == "OK: Pinged!" ]]'
sb_test_ok "40 connections from one address: 16 served, the rest refused with one log line, PING answered after"

# Out of descriptors (accept errors logged once, no spinning): agent_fd_exhaustion.sh, in the normal build only.
sb_test_ok "done"
