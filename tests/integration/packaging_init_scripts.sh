#!/usr/bin/env bash
# Integration test of the packaging: `cmake --install` into a DESTDIR puts every file with its mode; the
# systemd units verify; the example kill_host fails loudly; then the installed SysV init scripts run the real
# mmm_agentd (in the sandbox's db1 namespace) and mmm_mond (in mon): start, status, start again, log rotation
# (SIGHUP makes the daemon reopen its log), stop, status, restart, with LSB exit codes. Needs root.
set -euo pipefail

if [[ $(id -u) != 0 ]]; then
    echo "SKIP: needs root (installs into a DESTDIR as root, creates network namespaces, starts mariadbd and the daemons)"
    exit 0
fi

SRC=${MMM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BIN=${MMM_BINARY_DIR:-/work/main/build}
SANDBOX="$SRC/scripts/sandbox"
export MMM_SANDBOX=it-pkg
export MMM_SANDBOX_DAEMONS=0  # the init scripts start the daemons here
unset MMM_SANDBOX_DIR
# shellcheck source=scripts/sandbox-lib.sh
source "$SRC/scripts/sandbox-lib.sh"
# shellcheck source=tests/integration/lib/packaging.sh
source "$SRC/tests/integration/lib/packaging.sh"

tmp=$(mktemp -d /tmp/mmm-it-pkg.XXXXXX)
root=$tmp/root  # the DESTDIR
sandbox_started=

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
pass() { echo "ok: $*"; }

cleanup() {
    local rc=$?
    pkg_end_daemon "$tmp/run/mmm_agentd.pid" mmm_agentd
    pkg_end_daemon "$tmp/run/mmm_mond.pid" mmm_mond
    if [[ -n $sandbox_started ]]; then
        "$SANDBOX" down >/dev/null 2>&1 || echo "cleanup: sandbox down failed" >&2
    fi
    rm -rf "$tmp"
    exit "$rc"
}
trap cleanup EXIT

for b in monitor/mmm_mond agent/mmm_agentd control/mmm_control; do
    [[ -x $BIN/$b ]] || fail "$BIN/$b is not built (build the tree first; MMM_BINARY_DIR=$BIN)"
done

# --- install into a DESTDIR -------------------------------------------------------------------------------
DESTDIR=$root cmake --install "$BIN" --prefix /usr >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log" >&2; fail "cmake --install into DESTDIR failed"; }

# mode path (relative to DESTDIR)
while read -r mode path; do
    [[ -e $root$path ]] || fail "not installed: $path"
    actual=$(stat -c %a "$root$path")
    [[ $actual == "$mode" ]] || fail "$path has mode $actual, expected $mode"
done <<'EOF'
755 /usr/sbin/mmm_mond
755 /usr/sbin/mmm_agentd
755 /usr/sbin/mmm_control
755 /usr/sbin/mmm_tls_init
640 /etc/mysql-mmm/mmm.yaml
644 /etc/default/mysql-mmm-monitor
644 /etc/default/mysql-mmm-agent
755 /etc/init.d/mysql-mmm-monitor
755 /etc/init.d/mysql-mmm-agent
644 /usr/share/mysql-mmm/init-functions.sh
644 /etc/logrotate.d/mysql-mmm
644 /usr/lib/systemd/system/mysql-mmm-monitor.service
644 /usr/lib/systemd/system/mysql-mmm-agent.service
755 /usr/libexec/mysql-mmm/kill_host
750 /var/log/mysql-mmm
750 /var/lib/mysql-mmm
EOF
pass "DESTDIR install: binaries, config (0640), defaults, init scripts, units, logrotate, kill_host, directories"

for p in monitor agent; do
    # shellcheck disable=SC2016  # literal $network, as the header holds it
    for line in '### BEGIN INIT INFO' "# Provides:          mysql-mmm-$p" '# Default-Start:     2 3 4 5' \
        '# Required-Start:    $network $remote_fs $syslog' '### END INIT INFO'; do
        grep -qxF "$line" "$root/etc/init.d/mysql-mmm-$p" || fail "init script mysql-mmm-$p lacks LSB header line '$line'"
    done
done
grep -qx 'DAEMON=/usr/sbin/mmm_agentd' "$root/etc/init.d/mysql-mmm-agent" || fail "agent init script: DAEMON path"
grep -qx 'DAEMON=/usr/sbin/mmm_mond' "$root/etc/init.d/mysql-mmm-monitor" || fail "monitor init script: DAEMON path"
# The example uses TLS: --check-config loads its certificate files, so it fails until they exist, naming the file.
if "$root/usr/sbin/mmm_mond" --check-config -c "$root/etc/mysql-mmm/mmm.yaml" >"$tmp/check.log" 2>&1 &&
    [[ ! -e /etc/mysql-mmm/tls/this-host.pem ]]; then
    fail "--check-config passed without the example's certificate files"
fi
grep -q "socket.cert_file '/etc/mysql-mmm/tls/this-host.pem'" "$tmp/check.log" || [[ -e /etc/mysql-mmm/tls/this-host.pem ]] ||
    { cat "$tmp/check.log" >&2; fail "--check-config did not name the missing certificate file"; }
# With certificates made by the installed mmm_tls_init (the paths moved into the DESTDIR), the example is valid.
"$root/usr/sbin/mmm_tls_init" "$root/etc/mysql-mmm/tls" this-host=IP:127.0.0.1 >"$tmp/tls.log" 2>&1 ||
    { cat "$tmp/tls.log" >&2; fail "the installed mmm_tls_init failed"; }
sed "s#/etc/mysql-mmm/tls/#$root/etc/mysql-mmm/tls/#" "$root/etc/mysql-mmm/mmm.yaml" >"$tmp/example.yaml"
chmod 0600 "$tmp/example.yaml"
for daemon in mmm_mond mmm_agentd; do
    "$root/usr/sbin/$daemon" --check-config -c "$tmp/example.yaml" >"$tmp/check.log" 2>&1 ||
        { cat "$tmp/check.log" >&2; fail "the installed example mmm.yaml does not pass $daemon --check-config"; }
done
pass "init scripts have their LSB headers; installed paths point at /usr/sbin; the installed mmm.yaml is valid once mmm_tls_init made its certificates"

# An administrator's configuration survives a reinstall; another prefix rewrites the paths inside the files.
echo "# edited by the administrator" >>"$root/etc/mysql-mmm/mmm.yaml"
echo "DAEMON_ARGS=--edited" >>"$root/etc/default/mysql-mmm-agent"
DESTDIR=$root cmake --install "$BIN" --prefix /usr >"$tmp/install2.log" 2>&1 || fail "second install failed"
grep -q '^# edited by the administrator' "$root/etc/mysql-mmm/mmm.yaml" || fail "reinstall overwrote mmm.yaml"
grep -q '^DAEMON_ARGS=--edited' "$root/etc/default/mysql-mmm-agent" || fail "reinstall overwrote /etc/default"
DESTDIR=$tmp/opt cmake --install "$BIN" --prefix /opt/mmm >"$tmp/install3.log" 2>&1 || fail "install --prefix /opt/mmm failed"
grep -q '^ExecStart=/opt/mmm/sbin/mmm_mond ' "$tmp/opt/opt/mmm/lib/systemd/system/mysql-mmm-monitor.service" ||
    fail "--prefix /opt/mmm: unit ExecStart not rewritten"
grep -qx 'DAEMON=/opt/mmm/sbin/mmm_agentd' "$tmp/opt/etc/init.d/mysql-mmm-agent" || fail "--prefix: init script not rewritten"
[[ -x $tmp/opt/opt/mmm/libexec/mysql-mmm/kill_host ]] || fail "--prefix: kill_host not under the prefix"
pass "reinstall keeps mmm.yaml and /etc/default; --prefix /opt/mmm rewrites the paths"

# --- systemd units ------------------------------------------------------------------------------------------
for p in monitor agent; do
    u=$root/usr/lib/systemd/system/mysql-mmm-$p.service
    # shellcheck disable=SC2016  # literal $MAINPID and ${CONFIG}, as the unit files hold them
    for line in 'Type=simple' 'Restart=on-failure' 'ExecReload=/bin/kill -HUP $MAINPID' \
        "EnvironmentFile=-/etc/default/mysql-mmm-$p" 'RuntimeDirectory=mysql-mmm' 'RuntimeDirectoryPreserve=yes' \
        'ProtectSystem=strict' 'ReadWritePaths=-/var/lib/mysql-mmm -/var/log/mysql-mmm -/run/mysql-mmm' \
        'WantedBy=multi-user.target'; do
        grep -qxF "$line" "$u" || fail "$u lacks '$line'"
    done
    # shellcheck disable=SC2016
    grep -qE '^ExecStart=/usr/sbin/mmm_(mond|agentd) --foreground -c \$\{CONFIG\} \$DAEMON_ARGS$' "$u" ||
        fail "$u: ExecStart is not the foreground daemon with -c \${CONFIG}"
done
grep -qx 'CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW' "$root/usr/lib/systemd/system/mysql-mmm-agent.service" ||
    fail "agent unit: capabilities"
grep -qx 'AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW' "$root/usr/lib/systemd/system/mysql-mmm-agent.service" ||
    fail "agent unit: ambient capabilities"
grep -qx 'CapabilityBoundingSet=CAP_NET_RAW' "$root/usr/lib/systemd/system/mysql-mmm-monitor.service" ||
    fail "monitor unit: capabilities"
pass "unit key lines (foreground, restart, reload, environment, capabilities, writable paths)"

# scripts/install-deps installs systemd for this check: a machine without it fails rather than skipping it.
command -v systemd-analyze >/dev/null || fail "systemd-analyze is missing (scripts/install-deps installs systemd)"
# verify wants the ExecStart binaries to exist: point copies of the units at the DESTDIR's.
mkdir -p "$tmp/verify"
for p in monitor agent; do
    sed "s#/usr/sbin/#$root/usr/sbin/#" "$root/usr/lib/systemd/system/mysql-mmm-$p.service" \
        >"$tmp/verify/mysql-mmm-$p.service"
done
if ! systemd-analyze verify "$tmp"/verify/*.service >"$tmp/verify.log" 2>&1 || [[ -s $tmp/verify.log ]]; then
    cat "$tmp/verify.log" >&2
    fail "systemd-analyze verify reports problems in the units"
fi
pass "systemd-analyze verify: no warnings"

# --- kill_host and logrotate files ----------------------------------------------------------------------------
if "$root/usr/libexec/mysql-mmm/kill_host" db1 0 >"$tmp/kill.out" 2>&1; then
    fail "the example kill_host exited 0 (it fences nothing, so it must fail)"
fi
grep -q "host 'db1' (ping ok: 0)" "$tmp/kill.out" || fail "kill_host did not log its arguments: $(cat "$tmp/kill.out")"
pass "example kill_host logs 'db1 0' and exits non-zero"

lr=$root/etc/logrotate.d/mysql-mmm
for line in daily 'rotate 7' compress delaycompress missingok notifempty 'create 640 root adm' postrotate; do
    grep -qE "^[[:space:]]+$line\$" "$lr" || fail "logrotate file lacks '$line'"
done
if command -v logrotate >/dev/null; then
    logrotate -d -s "$tmp/lr-debug.state" "$lr" >"$tmp/lr-debug.log" 2>&1 ||
        { cat "$tmp/lr-debug.log" >&2; fail "logrotate -d rejects the logrotate file"; }
    ! grep -qi 'error' "$tmp/lr-debug.log" || { cat "$tmp/lr-debug.log" >&2; fail "logrotate -d reports errors"; }
    pass "logrotate file: key lines, logrotate -d parses it"
else
    pass "logrotate file: key lines (logrotate not installed: rotation below is done by hand)"
fi

# --- the init scripts against the sandbox ---------------------------------------------------------------------
"$SANDBOX" down >/dev/null 2>&1 || true
sandbox_started=1
"$SANDBOX" up >"$tmp/sandbox.log" 2>&1 || { tail -n 30 "$tmp/sandbox.log" >&2; fail "sandbox up failed"; }
pass "sandbox up ($MMM_SANDBOX)"

# The sandbox's cluster, with this test's own pid, log and status paths: the monitor's (and mmm_control's) config, and
# db1's agent config (it names db1 and presents db1's certificate: with TLS the monitor accepts an agent only by its
# own certificate).
mkdir -p "$tmp/run" "$tmp/log" "$tmp/lib"
(
    umask 077
    pkg_sandbox_config mon "$tmp/run" "$tmp/log" "$tmp/lib" >"$tmp/mmm.yaml" &&
        pkg_sandbox_config db1 "$tmp/run" "$tmp/log" "$tmp/lib" >"$tmp/agent.yaml"
) || fail "could not rewrite the sandbox's configuration"

# write_defaults FILE DAEMON PIDFILE [MORE LINES]: an /etc/default file for this test.
write_defaults() {
    local f=$1 daemon=$2 pidfile=$3
    shift 3
    printf '%s\n' "ENABLED=1" "DAEMON=$daemon" "CONFIG=$tmp/mmm.yaml" "PIDFILE=$pidfile" \
        "START_TIMEOUT=20" "STOP_TIMEOUT=20" "$@" >"$f"
}
write_defaults "$tmp/default-agent" "$BIN/agent/mmm_agentd" "$tmp/run/mmm_agentd.pid" "CONFIG=$tmp/agent.yaml"
write_defaults "$tmp/default-monitor" "$BIN/monitor/mmm_mond" "$tmp/run/mmm_mond.pid"
export MMM_INIT_FUNCTIONS=$root/usr/share/mysql-mmm/init-functions.sh

# initd NS PROGRAM ACTION: runs the installed init script in namespace NS; output in $tmp/out; prints nothing,
# returns the script's exit code.
initd() {
    local ns=$1 program=$2 action=$3 rc=0
    # Output to a file, not a pipe: a daemon that kept the script's stdout would hold a pipe open.
    # INITD_WRAP: a command (setpriv ...) the script runs under inside the namespace.
    # shellcheck disable=SC2086  # INITD_WRAP is a list of words
    MMM_DEFAULTS_FILE=$tmp/default-$program ip netns exec "${SB_NSP}${ns}" ${INITD_WRAP:-} \
        "$root/etc/init.d/mysql-mmm-$program" "$action" </dev/null >"$tmp/out" 2>&1 || rc=$?
    echo "  [$program $action -> $rc] $(tr '\n' ' ' <"$tmp/out")" >&2
    return "$rc"
}
# expect_rc RC NS PROGRAM ACTION
expect_rc() {
    local want=$1 rc=0
    shift
    initd "$@" || rc=$?
    [[ $rc == "$want" ]] || fail "'$2 $3' in $1 exited $rc, expected $want: $(cat "$tmp/out")"
}
pid_of() { cat "$1" 2>/dev/null; }
alive() { ! sb_gone "$1"; }
# holds_log PID LOG: PID has LOG (the path itself, not a rotated name) open.
holds_log() { find "/proc/$1/fd" -lname "$2" 2>/dev/null | sb_in -q .; }
holds_rotated() { find "/proc/$1/fd" -lname "$2.1" 2>/dev/null | sb_in -q .; }
reopened() { holds_log "$1" "$2" && ! holds_rotated "$1" "$2"; }

# Rotates LOG (whose daemon is PID, started by PROGRAM's init script in NS) and waits until PID reopened it.
rotate_and_check() {
    local ns=$1 program=$2 pid=$3 log=$4
    SB_TIMEOUT=10 sb_wait_for holds_log "$pid" "$log" || fail "$program (pid $pid) does not hold $log open"
    if command -v logrotate >/dev/null; then
        # The installed logrotate file, pointed at this test's log and pid directories.
        sed -e "s#/var/log/mysql-mmm/#$tmp/log/#" -e "s#/run/mysql-mmm/#$tmp/run/#g" \
            -e 's/notifempty/ifempty/' "$root/etc/logrotate.d/mysql-mmm" >"$tmp/logrotate.conf"
        logrotate -f -s "$tmp/logrotate.state" "$tmp/logrotate.conf" >"$tmp/logrotate.out" 2>&1 ||
            { cat "$tmp/logrotate.out" >&2; fail "logrotate -f failed"; }
        [[ -e $log.1 && $(stat -c '%a %G' "$log") == "640 adm" ]] || fail "logrotate did not rotate $log"
    else
        mv "$log" "$log.1"
        expect_rc 0 "$ns" "$program" reload
    fi
    SB_TIMEOUT=10 sb_wait_for reopened "$pid" "$log" || fail "$program (pid $pid) did not reopen $log after SIGHUP"
    alive "$pid" || fail "$program died on SIGHUP"
}

# --- agent in db1 ---
agent_pidfile=$tmp/run/mmm_agentd.pid
expect_rc 3 db1 agent status
expect_rc 0 db1 agent start
grep -q 'Ok' "$tmp/out" || fail "agent start did not say Ok"
apid=$(pid_of "$agent_pidfile") || fail "no agent pid file after start"
alive "$apid" || fail "agent pid $apid from the pid file is not running"
[[ $(cat "/proc/$apid/comm") == mmm_agentd ]] || fail "pid $apid is not mmm_agentd"
[[ $(ip netns identify "$apid") == "${SB_NSP}db1" ]] || fail "agent pid $apid is not in namespace ${SB_NSP}db1"
SB_TIMEOUT=15 sb_wait_for pkg_listening db1 9989 || fail "the agent does not listen on port 9989 in ${SB_NSP}db1"
pass "agent: status 3 before start, start 0, daemon pid $apid in ${SB_NSP}db1 listening on 9989"

expect_rc 0 db1 agent status
expect_rc 0 db1 agent start
grep -q 'already running' "$tmp/out" || fail "second agent start did not say 'already running'"
if [[ $(pid_of "$agent_pidfile") != "$apid" ]] || ! alive "$apid"; then fail "second start replaced the agent"; fi
pass "agent: status 0 while running; start again says 'already running', exit 0, same pid"

rotate_and_check db1 agent "$apid" "$tmp/log/mmm_agentd.log"
pass "agent: log rotated, SIGHUP via the pid file, the daemon reopened its log and kept running"

expect_rc 0 db1 agent stop
sb_gone "$apid" || fail "agent pid $apid still runs after stop"
[[ ! -e $agent_pidfile ]] || fail "agent pid file left after stop"
expect_rc 3 db1 agent status
expect_rc 0 db1 agent stop
grep -q 'not running' "$tmp/out" || fail "stop of a stopped agent did not say 'not running'"
echo "$apid" >"$agent_pidfile"
expect_rc 1 db1 agent status
expect_rc 7 db1 agent reload
rm -f "$agent_pidfile"
pass "agent: stop 0, status 3, stop again 0, dead pid in the pid file -> status 1, reload 7"

# --- monitor in mon ---
mon_pidfile=$tmp/run/mmm_mond.pid
expect_rc 3 mon monitor status
expect_rc 0 mon monitor start
mpid=$(pid_of "$mon_pidfile") || fail "no monitor pid file after start"
alive "$mpid" || fail "monitor pid $mpid from the pid file is not running"
[[ $(cat "/proc/$mpid/comm") == mmm_mond ]] || fail "pid $mpid is not mmm_mond"
[[ $(ip netns identify "$mpid") == "${SB_NSP}mon" ]] || fail "monitor pid $mpid is not in namespace ${SB_NSP}mon"
SB_TIMEOUT=15 sb_wait_for pkg_listening mon 9988 || fail "the monitor does not listen on port 9988 in ${SB_NSP}mon"
expect_rc 0 mon monitor status
pass "monitor: status 3 before start, start 0, daemon pid $mpid in ${SB_NSP}mon listening on 9988, status 0"

rotate_and_check mon monitor "$mpid" "$tmp/log/mmm_mond.log"
pass "monitor: log rotated, the daemon reopened its log and kept running"

expect_rc 0 mon monitor restart
mpid2=$(pid_of "$mon_pidfile") || fail "no monitor pid file after restart"
if [[ $mpid2 == "$mpid" ]] || ! sb_gone "$mpid" || ! alive "$mpid2"; then fail "restart did not replace pid $mpid"; fi
pass "monitor: restart 0, new pid $mpid2"

expect_rc 0 mon monitor stop
sb_gone "$mpid2" || fail "monitor pid $mpid2 still runs after stop"
expect_rc 3 mon monitor status
pass "monitor: stop 0, status 3"

# ENABLED=0: start does nothing and says why.
write_defaults "$tmp/default-monitor" "$BIN/monitor/mmm_mond" "$mon_pidfile" "ENABLED=0"
expect_rc 0 mon monitor start
grep -q 'disabled' "$tmp/out" || fail "ENABLED=0: start did not say disabled"
expect_rc 3 mon monitor status
pass "monitor: ENABLED=0 -> start says disabled, exit 0, nothing runs"

# --- the units' capability sets are enough ---------------------------------------------------------------------
# Both daemons again, each under the bounding set its unit gives it (CapabilityBoundingSet, no new privileges),
# as systemd would run them: the agent must still add the writer IP and the monitor still ping over ICMP.
# unit_caps PROGRAM: the unit's CapabilityBoundingSet as setpriv's list (-all,+net_admin,...).
unit_caps() {
    local caps c list=-all
    caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$root/usr/lib/systemd/system/mysql-mmm-$1.service")
    for c in $caps; do
        c=${c#CAP_}
        list+=",+${c,,}"
    done
    echo "$list"
}
# cap_eff PID: the effective capability mask of PID (hex, as /proc shows it).
cap_eff() { awk '/^CapEff:/ { print $2 }' "/proc/$1/status"; }
control() { ip netns exec "${SB_NSP}mon" "$BIN/control/mmm_control" -c "$tmp/mmm.yaml" "$@"; }
control_ok() { [[ $(control "$@" 2>/dev/null) == OK* ]]; }

write_defaults "$tmp/default-monitor" "$BIN/monitor/mmm_mond" "$mon_pidfile"
INITD_WRAP="setpriv --bounding-set $(unit_caps agent) --no-new-privs" expect_rc 0 db1 agent start
apid=$(pid_of "$agent_pidfile") || fail "no agent pid file after start"
[[ $(cap_eff "$apid") == 0000000000003000 ]] ||
    fail "agent pid $apid has capabilities $(cap_eff "$apid"), expected only CAP_NET_ADMIN and CAP_NET_RAW (3000)"
INITD_WRAP="setpriv --bounding-set $(unit_caps monitor) --no-new-privs" expect_rc 0 mon monitor start
mpid=$(pid_of "$mon_pidfile") || fail "no monitor pid file after start"
[[ $(cap_eff "$mpid") == 0000000000002000 ]] ||
    fail "monitor pid $mpid has capabilities $(cap_eff "$mpid"), expected only CAP_NET_RAW (2000)"
SB_TIMEOUT=20 sb_wait_for control_ok ping || fail "the monitor does not answer mmm_control ping"
# A fresh cluster comes up AWAITING_RECOVERY; db1's checks pass once they have run.
SB_TIMEOUT=30 sb_wait_for control_ok set_online db1 || fail "set_online db1 failed: $(control set_online db1 2>&1)"
SB_TIMEOUT=30 sb_wait_for pkg_has_vip db1 192.0.2.50 ||
    fail "the agent with only its unit's capabilities did not add the writer IP 192.0.2.50 on db1: $(control show 2>&1)"
if grep -E "raw ICMP|CAP_NET" "$tmp/log/mmm_mond.log" "$tmp/log/mmm_agentd.log"; then
    fail "a daemon reports a missing capability"
fi
pass "under the units' capability sets: agent (3000) added 192.0.2.50 on db1, monitor (2000) pings over ICMP"
expect_rc 0 db1 agent stop
expect_rc 0 mon monitor stop
expect_rc 3 db1 agent status
expect_rc 3 mon monitor status
pass "both stopped, status 3"

echo "PASS: packaging and init scripts"
