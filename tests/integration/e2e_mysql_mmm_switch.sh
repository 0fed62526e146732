#!/usr/bin/env bash
# A mysql-mmm operator's in-place switch (issue 9): the running cluster's monitor is replaced by mmm_mond reading
# unmodified mysql-mmm files: mmm_common.conf + mmm_mon.conf (with the common "aggressive" check_period 1,
# timeout 2), mmm_mon_log.conf (Log4perl: a file appender and a mail appender), and mysql-mmm's status file
# (host|STATE|roles lines, no header) at the same status_path.
# Expected: the monitor starts in ACTIVE mode with every role where it was; mmm_control with the legacy file
# works (ping, mode) and exits 0 on an ERROR reply as mysql-mmm's does (1 with the YAML file); the audit log
# goes where the Log4perl file says and names the mail appender it does not honour; the status file is
# rewritten in mmm's format; a kill -9 of the active master then fails over to db2.
# mmm-test: cost 16
set -euo pipefail
SRC=${MMM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# mysql-mmm's files have no socket section (plaintext, as mysql-mmm): the sandbox's agents run plain too.
export MMM_SANDBOX_TLS=0
# shellcheck source=scripts/sandbox-lib.sh
source "$SRC/scripts/sandbox-lib.sh"
sb_test_begin mysql-mmm-switch

sb_test_cluster_up
before=$(sb_control show)
sb_test_ok "cluster up under the YAML config, writer on db1"

dir=${SB_DIR}
status=$dir/mmm_mond.status
legacy=$dir/legacy
mkdir -p "$legacy"
sb_monitor_stop

# mysql-mmm's status file: the same host lines, without mmm's header line and host flags.
grep -v '^#' "$status" | sed -E 's/^([^|]*\|[^|]*\|[^|]*)\|.*$/\1/' >"$status.mysql-mmm"
mv "$status.mysql-mmm" "$status"
[[ $(head -c1 "$status") != '#' ]] || sb_test_fail "status file still has a header"
grep -q '^db1|ONLINE|.*writer(192.0.2.50)' "$status" || sb_test_fail "status file lacks db1's writer line: $(cat "$status")"

(
    umask 077
    cat >"$legacy/mmm_common.conf" <<'EOF'
active_master_role	writer

<host default>
	cluster_interface		eth0
	agent_port				9989
	mysql_port				3306
	replication_user		repl
	replication_password	repl_pw
	agent_user				mmm_agent
	agent_password			agent_pw
</host>

<host db1>
	ip		192.0.2.11
	mode	master
	peer	db2
</host>

<host db2>
	ip		192.0.2.12
	mode	master
	peer	db1
</host>

<host db3>
	ip		192.0.2.13
	mode	slave
</host>

<role writer>
	hosts	db1, db2
	ips		192.0.2.50
	mode	exclusive
	prefer	db1
</role>

<role reader>
	hosts	db1, db2, db3
	ips		192.0.2.51, 192.0.2.52, 192.0.2.53
	mode	balanced
</role>
EOF
    cat >"$legacy/mmm_mon.conf" <<EOF
include mmm_common.conf

<monitor>
	ip					127.0.0.1
	port				9988
	pid_path			$dir/mmm_mond.pid
	status_path			$status
	ping_interval		1
	ping_ips			192.0.2.1
	auto_set_online		0
	careful_startup		1
</monitor>

<check default>
	check_period	1
	trap_period		2
	timeout			2
</check>

<host default>
	monitor_user		mmm_monitor
	monitor_password	monitor_pw
</host>

debug 0
EOF
    cat >"$legacy/mmm_mon_log.conf" <<EOF
log4perl.logger = INFO, LogFile, MailFatal

log4perl.appender.LogFile = Log::Log4perl::Appender::File
log4perl.appender.LogFile.Threshold = INFO
log4perl.appender.LogFile.filename = $(sb_monitor_log)
log4perl.appender.LogFile.recreate = 1
log4perl.appender.LogFile.layout = PatternLayout
log4perl.appender.LogFile.layout.ConversionPattern = %d %5p %m%n

log4perl.appender.MailFatal = Log::Dispatch::Email::MailSend
log4perl.appender.MailFatal.Threshold = FATAL
log4perl.appender.MailFatal.to = root
log4perl.appender.MailFatal.buffered = 0
log4perl.appender.MailFatal.subject = FATAL error in mysql-mmm-monitor
log4perl.appender.MailFatal.layout = PatternLayout
log4perl.appender.MailFatal.layout.ConversionPattern = %d %m%n
EOF
)

legacy_control() { ip netns exec "${SB_NSP}mon" "$(sb_bin control)" -c "$legacy/mmm_mon.conf" "$@"; }
mon_from=$(sb_log_lines "$(sb_monitor_log)")
SB_MONITOR_CONFIG=$legacy/mmm_mon.conf sb_monitor_start || sb_test_fail "mmm_mond did not start with mysql-mmm's files"
sb_test_ok "mmm_mond started with mmm_mon.conf (check_period 1, timeout 2) and mysql-mmm's status file"

[[ $(legacy_control ping) == OK* ]] || sb_test_fail "mmm_control -c mmm_mon.conf ping: $(legacy_control ping 2>&1)"
mode=$(legacy_control mode) || sb_test_fail "mmm_control -c mmm_mon.conf mode failed"
[[ $mode == ACTIVE ]] || sb_test_fail "mode after the switch is '$mode', not ACTIVE"
same_show() { [[ $(sb_control_read show) == "$before" ]]; }
SB_TIMEOUT=30 sb_expect "show identical to before the switch (roles where mysql-mmm's status file had them)" same_show
sb_test_ok "ACTIVE, show identical to before the switch"

log=$(sb_monitor_log)
sb_log_sequence "$log" "$mon_from" "INFO Read mysql-mmm's status file '$status'" ||
    sb_test_fail "the audit log does not say that mysql-mmm's status file was read"
tail -n +"$((mon_from + 1))" "$log" | sb_in -q "WARN .*MailFatal.*not honoured" ||
    sb_test_fail "the audit log (the Log4perl file's path) does not name the mail appender it does not honour"
! tail -n +"$((mon_from + 1))" "$log" | grep -E "WARN .*LogFile" ||
    sb_test_fail "the honoured file appender was warned about"
sb_test_ok "the audit log goes to the Log4perl file's path and names the unhonoured mail appender"

rc=0
out=$(legacy_control set_online db9) || rc=$?
[[ $out == ERROR:* ]] || sb_test_fail "set_online of an unknown host did not answer ERROR: $out"
((rc == 0)) || sb_test_fail "mmm_control with mysql-mmm's file exited $rc on an ERROR reply (mysql-mmm: 0)"
rc=0
sb_control set_online db9 >/dev/null || rc=$?
((rc == 1)) || sb_test_fail "mmm_control with the YAML file exited $rc on an ERROR reply (expected 1)"
sb_test_ok "exit code on an ERROR reply: 0 with mmm_mon.conf (as mysql-mmm), 1 with mmm.yaml"

# Plaintext (mysql-mmm's socket): a local user other than root may read but not change (issue 12 item 4).
D=${SB_DIR}
cp "$D/mmm.yaml" "$D/control-nobody.yaml"
sed -i 's/^socket: .*/socket: {type: plain}/' "$D/control-nobody.yaml"
chgrp nogroup "$D/control-nobody.yaml" && chmod 0640 "$D/control-nobody.yaml"
as_nobody() {
    ip netns exec "${SB_NSP}mon" setpriv --reuid=nobody --regid=nogroup --clear-groups \
        "$(sb_bin control)" -c "$D/control-nobody.yaml" "$@"
}
[[ $(as_nobody mode) == ACTIVE ]] || sb_test_fail "user nobody could not read the mode: $(as_nobody mode 2>&1)"
out=$(as_nobody set_offline db3 2>&1) && sb_test_fail "user nobody changed db3: $out"
[[ $out == "ERROR: Only root or the monitor's user may change the cluster"* ]] || sb_test_fail "nobody: $out"
sb_state_is db3 ONLINE || sb_test_fail "db3 left ONLINE on user nobody's command"
tail -n +"$((mon_from + 1))" "$log" | sb_in -qE "WARN Refused command 'set_offline db3' from uid [0-9]+ \(nobody\) at 127.0.0.1:" ||
    sb_test_fail "the refusal is not in the audit log"
tail -n +"$((mon_from + 1))" "$log" | sb_in -qE "INFO Command 'set_online db9' from uid 0 \(root\) at 127.0.0.1:" ||
    sb_test_fail "root's set_online db9 is not in the audit log with its user"
sb_test_ok "plaintext control port: user nobody reads (mode) but may not set_offline; the log names root and nobody"

sb_client_start w
SB_TIMEOUT=20 sb_expect "5 client writes through the writer VIP" sb_client_has_acked w 5
sb_fail_active_master kill w
echo "timing: fault -> first acknowledged write through the VIP $(sb_elapsed "$SB_FAULT_AT" "$SB_FIRST_ACK") s"
SB_TIMEOUT=30 sb_expect "db1 HARD_OFFLINE" sb_state_is db1 HARD_OFFLINE
sb_client_stop w
sb_test_ok "kill -9 of db1 after the switch: writer on db2, client writes acknowledged again"

[[ $(head -n1 "$status") == "# mmm-status "* ]] || sb_test_fail "status file not rewritten in mmm's format: $(head -n1 "$status")"
grep -q '^db2|ONLINE|.*writer(192.0.2.50)' "$status" || sb_test_fail "status file lacks db2's writer: $(cat "$status")"
sb_test_ok "status file rewritten in mmm's format with the writer on db2"
