#!/usr/bin/env bash
# The monitor's HTTP endpoint (issue 13), against the real sandbox: the monitor listens on its default
# 127.0.0.1:9990 inside the monitor's namespace. Checked with curl there: /health/live, /health/ready and
# /health/leader answer 200; /metrics is Prometheus text naming every host's state and exactly one writer holder;
# /api/status is JSON with db1..db3, their checks and db1 as the active master; /api/why and `mmm_control why` say
# the same; a changing command over HTTP is refused (no token configured) and changes nothing. Then db1's mariadbd is
# killed: /metrics follows (db1 HARD_OFFLINE, writer on db2, still one holder), /api/audit?since=<seq before>
# returns the failover's lines and nothing older, and /api/why names db2.
# The agents' own /metrics (agent.http.listen, 127.0.0.1:9991 in each host's namespace in the sandbox): every role IP
# the interface really has is 1 and the others 0, read_only as the server says, a recent SET_STATUS; after the kill
# db2's agent counts the writer IP, its gratuitous ARP bursts and read_only 0, db1's no longer the writer IP.
# mmm-test: cost 12
set -euo pipefail
SRC=${MMM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source=scripts/sandbox-lib.sh
source "$SRC/scripts/sandbox-lib.sh"
sb_test_begin http

# curl in the monitor's namespace, bounded: http PATH [curl args...] sets BODY and HTTP_CODE (not in a subshell).
http() {
    local path=$1 out
    shift
    out=$(ip netns exec "${SB_NSP}mon" curl -sS --max-time 5 -w '\n%{http_code}' "$@" "http://127.0.0.1:9990$path") ||
        return 1
    HTTP_CODE=${out##*$'\n'}
    BODY=${out%$'\n'*}
}
# agent_metrics HOST: the agent's /metrics from inside HOST's namespace into BODY (not in a subshell).
agent_metrics() {
    BODY=$(ip netns exec "${SB_NSP}${1}" curl -sfS --max-time 5 http://127.0.0.1:9991/metrics) || return 1
}
# metric NAME_WITH_LABELS: its value in BODY ('' when absent).
metric() { awk -v n="$1" '$1 == n { print $2 }' <<<"$BODY"; }
# agent_matches_host HOST: every role IP's mmm_agent_role_ip is 1 exactly when HOST's interface has it.
agent_matches_host() {
    local host=$1 ip role want
    agent_metrics "$host" || return 1
    for ip in 192.0.2.50 192.0.2.51 192.0.2.52 192.0.2.53; do
        role=reader
        [[ $ip == 192.0.2.50 ]] && role=writer
        [[ $host == db3 && $role == writer ]] && continue  # not a role db3 may have: not listed
        want=0
        sb_has_vip "$host" "$ip" && want=1
        [[ $(metric "mmm_agent_role_ip{ip=\"$ip\",role=\"$role\"}") == "$want" ]] || return 1
    done
    [[ $(metric mmm_agent_vips_held) == "$(sb_vips "$host" | grep -c . || true)" ]]
}
# json FILTER: jq on stdin, one raw value.
json() { jq -r "$1"; }

sb_test_cluster_up
sb_test_ok "cluster up: all hosts ONLINE, writer on db1"

for p in /health/live /health/ready /health/leader; do
    http "$p" || sb_test_fail "GET $p: no answer"
    [[ $HTTP_CODE == 200 ]] || sb_test_fail "GET $p answered $HTTP_CODE, not 200"
done
sb_test_ok "/health/live, /health/ready, /health/leader: 200"

http /metrics || sb_test_fail "GET /metrics: no answer"
metrics=$BODY
[[ $HTTP_CODE == 200 ]] || sb_test_fail "GET /metrics answered $HTTP_CODE"
for line in 'mmm_writer_holders 1' 'mmm_writable_hosts 1' 'mmm_mode{mode="ACTIVE"} 1' 'mmm_network_ok 1' \
    'mmm_host_state{host="db1",state="ONLINE"} 1' 'mmm_host_state{host="db2",state="ONLINE"} 1' \
    'mmm_host_state{host="db3",state="ONLINE"} 1' 'mmm_role_holder{role="writer",ip="192.0.2.50",host="db1"} 1' \
    'mmm_check_ok{host="db2",check="rep_threads"} 1' 'mmm_host_read_only{host="db1"} 0' \
    'mmm_host_read_only{host="db2"} 1' 'mmm_agent_up{host="db3"} 1'; do
    grep -qxF "$line" <<<"$metrics" || sb_test_fail "/metrics lacks the line '$line'"
done
grep -qE '^mmm_check_duration_seconds_count\{check="mysql"\} [1-9][0-9]*$' <<<"$metrics" ||
    sb_test_fail "/metrics: no mysql check durations counted"
grep -qE '^mmm_replication_lag_seconds\{host="db3"\} [0-9.]+$' <<<"$metrics" ||
    sb_test_fail "/metrics: no replication lag for db3"
sb_test_ok "/metrics: $(wc -l <<<"$metrics") lines, every host ONLINE, one writer holder (db1)"

http /api/status || sb_test_fail "GET /api/status: no answer"
status=$BODY
[[ $(json '[.hosts[].name] | join(",")' <<<"$status") == db1,db2,db3 ]] || sb_test_fail "/api/status hosts: $status"
[[ $(json .active_master <<<"$status") == db1 ]] || sb_test_fail "/api/status: active master is not db1"
[[ $(json '.hosts[0].checks.mysql.ok' <<<"$status") == true ]] || sb_test_fail "/api/status: db1's mysql check"
[[ $(json '.hosts[1].read_only' <<<"$status") == true ]] || sb_test_fail "/api/status: db2 not read-only"
sb_test_ok "/api/status: JSON with db1..db3, db1 the active master"

http /api/why || sb_test_fail "GET /api/why: no answer"
why=$BODY
[[ $(json '.[0].holder' <<<"$why") == db1 ]] || sb_test_fail "/api/why: $why"
text=$(sb_control why) || sb_test_fail "mmm_control why failed"
[[ $text == "writer: $(json '.[0].text' <<<"$why")" ]] || sb_test_fail "mmm_control why says '$text', /api/why '$why'"
sb_test_ok "mmm_control why: $text"

http /api/set_offline/db3 -X POST -d "" || sb_test_fail "POST /api/set_offline/db3: no answer"
[[ $HTTP_CODE == 403 ]] || sb_test_fail "POST without a configured token answered $HTTP_CODE: $BODY"
[[ $(sb_state db3) == ONLINE ]] || sb_test_fail "db3 left ONLINE after a refused HTTP command"
http /api/nonsense -X POST -d "" || sb_test_fail "POST /api/nonsense: no answer"
[[ $HTTP_CODE == 404 ]] || sb_test_fail "POST /api/nonsense answered $HTTP_CODE"
sb_test_ok "changing commands over HTTP refused without a token (403), db3 still ONLINE"

for host in db1 db2 db3; do
    # A re-check pass reconciles within agent.recheck_interval; the role IPs were settled when the cluster came up.
    SB_TIMEOUT=10 sb_expect "$host's agent /metrics lists the role IPs its interface has" agent_matches_host "$host"
    age=$(metric mmm_agent_last_set_status_seconds)
    [[ -n $age ]] && (($(bc <<<"$age < 10"))) ||
        sb_test_fail "$host's agent: last SET_STATUS '$age' s ago (the monitor sends one every 3 s or less)"
    [[ $(metric mmm_agent_read_only) == "$(sb_read_only "$host")" ]] ||
        sb_test_fail "$host's agent says read_only $(metric mmm_agent_read_only), the server $(sb_read_only "$host")"
    [[ $(metric 'mmm_agent_reconcile_failures_total') == 0 ]] || sb_test_fail "$host's agent counts failed passes"
done
agent_metrics db2 || sb_test_fail "db2's agent /metrics: no answer"
db2_bursts=$(metric mmm_agent_garp_bursts_total)
db2_passes=$(metric 'mmm_agent_reconcile_passes_total{trigger="monitor"}')
sb_test_ok "agents' /metrics: role IPs as on the interfaces, read_only as the servers say, SET_STATUS within 10 s"

http /api/audit || sb_test_fail "GET /api/audit: no answer"
seq_before=$(json .last_seq <<<"$BODY")
sb_mysqld_kill db1
SB_TIMEOUT=30 sb_expect "the writer moved to db2" sb_writer_is db2
# read_only comes from each server's last mysql check: db2's next one sees it writable, db1's failing ones forget it.
metrics_line() { http /metrics && grep -qxF "$1" <<<"$BODY"; }
SB_TIMEOUT=10 sb_expect "/metrics: one writable server (db2)" metrics_line 'mmm_writable_hosts 1'
http /metrics || sb_test_fail "GET /metrics after the failover: no answer"
metrics=$BODY
for line in 'mmm_writer_holders 1' 'mmm_host_state{host="db1",state="HARD_OFFLINE"} 1' \
    'mmm_role_holder{role="writer",ip="192.0.2.50",host="db2"} 1' 'mmm_check_ok{host="db1",check="mysql"} 0'; do
    grep -qxF "$line" <<<"$metrics" || sb_test_fail "/metrics after the failover lacks '$line'"
done
http "/api/audit?since=$seq_before" || sb_test_fail "GET /api/audit?since=$seq_before: no answer"
audit=$BODY
[[ $(json "[.lines[] | select(.seq <= $seq_before)] | length" <<<"$audit") == 0 ]] ||
    sb_test_fail "/api/audit?since=$seq_before returned older lines"
json '.lines[].text' <<<"$audit" | sb_in -q "^State of host 'db1' changed from ONLINE to HARD_OFFLINE" ||
    sb_test_fail "/api/audit lacks db1's state change: $audit"
json '.lines[].text' <<<"$audit" | sb_in -q "^Orphaned role 'writer(192.0.2.50)' has been assigned to 'db2'" ||
    sb_test_fail "/api/audit lacks the writer's move"
http /api/why || sb_test_fail "GET /api/why: no answer"
[[ $(json '.[0].holder' <<<"$BODY") == db2 ]] || sb_test_fail "/api/why after the failover does not name db2: $BODY"
http "/api/audit?since=x" || sb_test_fail "GET /api/audit?since=x: no answer"
[[ $HTTP_CODE == 400 ]] || sb_test_fail "GET /api/audit?since=x answered $HTTP_CODE, not 400"
sb_test_ok "after kill -9 of db1: /metrics, /api/audit (since=$seq_before) and /api/why follow the failover"

SB_TIMEOUT=10 sb_expect "db2's agent /metrics lists the writer IP" agent_matches_host db2
[[ $(metric 'mmm_agent_role_ip{ip="192.0.2.50",role="writer"}') == 1 ]] || sb_test_fail "db2's agent: writer IP not 1"
[[ $(metric mmm_agent_read_only) == 0 ]] || sb_test_fail "db2's agent: read_only is not 0 on the new writer"
(($(metric mmm_agent_garp_bursts_total) > db2_bursts)) || sb_test_fail "db2's agent counted no gratuitous ARP burst"
(($(metric 'mmm_agent_reconcile_passes_total{trigger="monitor"}') > db2_passes)) ||
    sb_test_fail "db2's agent counted no pass for the monitor"
# Its phase timings: the takeover as its log says it (whole ms there), the catch-up step counted.
logged_ms=$(sb_in -oE 'Writer role taken: writable [0-9]+ ms' <"$(sb_agent_log db2)" | tail -n 1 | sb_in -oE '[0-9]+')
writable_s=$(metric 'mmm_agent_writer_takeover_seconds{phase="writable"}')
[[ -n $logged_ms && -n $writable_s ]] && (($(bc <<<"($writable_s * 1000 - $logged_ms) < 1.5 && \
    ($logged_ms - $writable_s * 1000) < 1.5"))) ||
    sb_test_fail "db2's agent: takeover writable after '$writable_s' s in /metrics, '$logged_ms' ms in its log"
(($(metric 'mmm_agent_step_seconds_count{step="CatchUp"}') >= 1)) || sb_test_fail "db2's agent counted no catch-up"
SB_TIMEOUT=10 sb_expect "db1's agent /metrics no longer lists the writer IP" agent_matches_host db1
[[ $(metric 'mmm_agent_role_ip{ip="192.0.2.50",role="writer"}') == 0 ]] || sb_test_fail "db1's agent: writer IP not 0"
agent_metrics db2 || sb_test_fail "db2's agent /metrics: no answer"
sb_test_ok "agents' /metrics after the failover: db2 holds the writer IP (GARP bursts $db2_bursts ->" \
    "$(metric mmm_agent_garp_bursts_total), writable $writable_s s after SET_STATUS), db1 not"
