#!/usr/bin/env bash
# Mutual TLS in the sandbox (issue 12): the sandbox runs with TLS (its own throw-away CA). A client without a valid
# certificate gets no effect on an agent or on the monitor (refused at the handshake, with a log line); the
# monitor's own certificate works on an agent, an operator's on the control port, which logs who sent each
# changing command. An agent's certificate commands neither another agent nor the monitor.
# mmm-test: cost 20
set -euo pipefail
SRC=${MMM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source=scripts/sandbox-lib.sh
source "$SRC/scripts/sandbox-lib.sh"
sb_test_begin tls

sb_test_cluster_up
D=${SB_DIR}
T=$D/tls
[[ -f $T/ca.pem && -f $T/monitor.pem ]] || sb_test_fail "the sandbox made no certificates in $T"
grep -q '^socket: {type: tls, ' "$D/mmm.yaml" || sb_test_fail "the sandbox's config is not TLS"
sb_test_ok "cluster up with mutual TLS, writer on db1"

# agent_call HOST LINE [openssl s_client options...]: LINE sent to HOST's agent over TLS from the monitor's
# namespace; prints the reply line (nothing when the handshake was refused). s_client quits at the end of its input,
# so its input stays open until the reply line has arrived or it has quit (at most 10 s). A subshell: its own traps.
agent_call() (
    host=$1 line=$2
    shift 2
    coproc CALL {
        ip netns exec "${SB_NSP}mon" timeout 10 openssl s_client -quiet -no_ign_eof -connect "$(sb_ip "$host"):9989" \
            -CAfile "$T/ca.pem" -verify_return_error "$@" 2>/dev/null
    }
    to=${CALL[1]:-} from=${CALL[0]:-} pid=${CALL_PID:-}  # (unset if it has quit already)
    trap '' PIPE  # s_client gone already (a refused handshake): the write fails, the reply is empty
    printf '%s\n' "$line" 1>&"$to" 2>/dev/null || true
    # (Once s_client has quit, bash closes these descriptors: the read then fails at once, as at end of input.)
    IFS= read -r -t 10 -u "$from" reply 2>/dev/null && printf '%s\n' "$reply"
    [[ -z $to ]] || exec {to}>&-
    [[ -z $pid ]] || wait "$pid" || true
)
# plain_call HOST LINE: the same in plaintext.
plain_call() {
    ip netns exec "${SB_NSP}mon" timeout 10 bash -c '
        exec 3<>"/dev/tcp/$0/9989" || exit 0
        printf "%s\n" "$1" >&3
        IFS= read -r -t 3 reply <&3 && printf "%s\n" "$reply"' "$(sb_ip "$1")" "$2" || true
}
agent_log_from() { tail -n +"$(($2 + 1))" "$(sb_agent_log "$1")"; }

# --- the agent port --------------------------------------------------------------------------------------------
reply=$(agent_call db3 'PING|1|db3' -cert "$T/monitor.pem" -key "$T/monitor.key")
[[ $reply == "OK: Pinged!|UP:"* ]] || sb_test_fail "the monitor's certificate: PING got '$reply'"
sb_test_ok "the monitor's certificate: db3 answers PING"

# db2 is read-only and holds no writer: a client that could command it would make it writable.
writer_line='SET_STATUS|99|db2|ONLINE|writer(192.0.2.50)|db2'
from=$(sb_log_lines "$(sb_agent_log db2)")
reply=$(agent_call db2 "$writer_line")
[[ -z $reply ]] || sb_test_fail "no client certificate: db2 replied '$reply'"
SB_TIMEOUT=5 sb_expect "db2 logs the refused handshake" \
    eval "agent_log_from db2 $from | sb_in -qE 'Refused connection from 192.0.2.10: TLS handshake failed'"
reply=$(agent_call db2 "$writer_line" -cert "$T/db1.pem" -key "$T/db1.key")
[[ -z $reply ]] || sb_test_fail "db1's certificate (an agent's) on db2: replied '$reply'"
reply=$(plain_call db2 "$writer_line")
[[ $reply != OK* ]] || sb_test_fail "plaintext on db2: replied '$reply'"
[[ $(sb_sql db2 "SELECT @@global.read_only") == 1 ]] || sb_test_fail "db2 became writable"
! sb_has_vip db2 192.0.2.50 || sb_test_fail "db2 took the writer VIP"
agent_log_from db2 "$from" | grep -F 'writer(192.0.2.50)' && sb_test_fail "db2's agent processed the writer line"
agent_log_from db2 "$from" | grep -E 'Refused connection' | sed 's/^/  db2: /'
sb_test_ok "no certificate, an agent's certificate and plaintext: refused at the handshake, db2 unchanged"

# --- the control port ------------------------------------------------------------------------------------------
# control_as NAME ARGS...: mmm_control with NAME's certificate (the sandbox config otherwise).
control_as() {
    local name=$1
    shift
    sed -E "s|^socket: .*|socket: {type: tls, cert_file: $T/$name.pem, key_file: $T/$name.key, ca_file: $T/ca.pem}|" \
        "$D/mmm.yaml" >"$D/control-$name.yaml"
    chmod 0600 "$D/control-$name.yaml"
    ip netns exec "${SB_NSP}mon" "$(sb_bin control)" -c "$D/control-$name.yaml" "$@"
}
mon_from=$(sb_log_lines "$(sb_monitor_log)")
out=$(control_as db1 set_offline db3 2>&1) && sb_test_fail "db1's certificate commanded the monitor: $out"
echo "  mmm_control with db1's certificate: $(tr '\n' ' ' <<<"$out")"
[[ $out == *"TLS handshake with the monitor failed"* || $out == *"Can't connect"* ]] ||
    sb_test_fail "mmm_control with db1's certificate did not say why: $out"
sb_state_is db3 ONLINE || sb_test_fail "db3 left ONLINE on a refused command"
out=$(sed 's/type: tls.*/type: plain}/' "$D/mmm.yaml" >"$D/control-plain.yaml" && chmod 0600 "$D/control-plain.yaml" &&
    ip netns exec "${SB_NSP}mon" "$(sb_bin control)" -c "$D/control-plain.yaml" set_offline db3 2>&1) &&
    sb_test_fail "a plaintext mmm_control commanded the monitor: $out"
sb_state_is db3 ONLINE || sb_test_fail "db3 left ONLINE on a plaintext command"
SB_TIMEOUT=5 sb_expect "the monitor logs the refused control connection" \
    eval "tail -n +$((mon_from + 1)) '$(sb_monitor_log)' | sb_in -qE 'Refused control connection from 127.0.0.1:[0-9]+: TLS handshake failed'"
sb_test_ok "an agent's certificate and plaintext get no effect on the control port"

out=$(control_as ops set_offline db3) || sb_test_fail "the operator's certificate: $out"
[[ $out == OK* ]] || sb_test_fail "set_offline db3 with the operator's certificate: $out"
sb_state_is db3 ADMIN_OFFLINE || sb_test_fail "db3 is not ADMIN_OFFLINE"
tail -n +"$((mon_from + 1))" "$(sb_monitor_log)" | sb_in -qF "Command 'set_offline db3' from CN=ops (127.0.0.1:" ||
    sb_test_fail "the monitor did not log who sent set_offline"
control_as ops set_online db3 >/dev/null || sb_test_fail "set_online db3 with the operator's certificate"
SB_TIMEOUT=20 sb_expect "db3 ONLINE again" sb_state_is db3 ONLINE
tail -n +"$((mon_from + 1))" "$(sb_monitor_log)" | grep -E "Command|Refused" | sed 's/^/  monitor: /'
sb_test_ok "the operator's certificate commands the monitor, and the log names it"

# --- renewed certificates without a restart (SIGHUP) -------------------------------------------------------------
# serial_of HOST PORT: the serial of the certificate the server at HOST's address:PORT presents now (from mon).
serial_of() {
    local ip=127.0.0.1
    [[ $1 == mon ]] || ip=$(sb_ip "$1")
    ip netns exec "${SB_NSP}mon" timeout 10 openssl s_client -connect "$ip:$2" -CAfile "$T/ca.pem" \
        -cert "$T/monitor.pem" -key "$T/monitor.key" </dev/null 2>/dev/null | openssl x509 -noout -serial 2>/dev/null
}
renew() {  # renew NAME SANS: a new certificate (new serial) in place of NAME's, same CA
    rm -f "$T/$1.pem" "$T/$1.key"
    "$SRC/scripts/mmm-tls-init" "$T" "$1=$2" >/dev/null || sb_test_fail "could not renew $1's certificate"
    openssl x509 -in "$T/$1.pem" -noout -serial
}
old_db3=$(serial_of db3 9989)
new_db3=$(renew db3 "IP:$(sb_ip db3),DNS:db3")
[[ -n $old_db3 && $old_db3 != "$new_db3" ]] || sb_test_fail "no new serial for db3 ($old_db3 / $new_db3)"
from=$(sb_log_lines "$(sb_agent_log db3)")
kill -HUP "$(sb_agent_pid db3)"
SB_TIMEOUT=5 sb_expect "db3's agent re-read its certificate" \
    eval "agent_log_from db3 $from | sb_in -qF 'TLS: certificate, key and CA re-read'"
[[ $(serial_of db3 9989) == "$new_db3" ]] || sb_test_fail "db3's agent still presents $old_db3 after SIGHUP"
old_mon=$(serial_of mon 9988)
new_mon=$(renew monitor "IP:127.0.0.1,IP:$(sb_ip mon),DNS:mmm-monitor")
mon_from=$(sb_log_lines "$(sb_monitor_log)")
kill -HUP "$(sb_monitor_pid)"
SB_TIMEOUT=5 sb_expect "the monitor re-read its certificate" \
    eval "tail -n +$((mon_from + 1)) '$(sb_monitor_log)' | sb_in -qF 'TLS: certificate, key and CA re-read'"
[[ $(serial_of mon 9988) == "$new_mon" ]] || sb_test_fail "the monitor still presents $old_mon after SIGHUP"
# The monitor's calls to the agents now present its new certificate, and db3's agent its new one.
from=$(sb_log_lines "$(sb_agent_log db3)")
control_as ops set_offline db3 >/dev/null || sb_test_fail "set_offline db3 after the renewal"
SB_TIMEOUT=20 sb_expect "db3 ADMIN_OFFLINE through the renewed certificates" sb_state_is db3 ADMIN_OFFLINE
control_as ops set_online db3 >/dev/null || sb_test_fail "set_online db3 after the renewal"
SB_TIMEOUT=20 sb_expect "db3 ONLINE again" sb_state_is db3 ONLINE
! agent_log_from db3 "$from" | grep -E 'Refused connection' || sb_test_fail "db3 refused the monitor after the renewal"
sb_test_ok "renewed certificates (db3's agent: $old_db3 -> $new_db3; the monitor: $old_mon -> $new_mon) taken at SIGHUP, no restart"
