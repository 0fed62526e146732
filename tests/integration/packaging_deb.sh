#!/usr/bin/env bash
# Integration test of the Debian packages: cpack makes mysql-mmm-{common,monitor,agent,tools} from this build;
# lintian reports no error; each package holds what it should (binaries, units, init scripts, defaults, man pages,
# conffiles, modes, dependencies); dpkg installs them on this machine and nothing is enabled or started; the
# installed init scripts start db1's agent (in the sandbox's db1 namespace) and the monitor (in mon) with the
# packaged paths (/etc/mysql-mmm, /run, /var/lib and /var/log/mysql-mmm); the installed mmm_control gets answers to
# ping, show and set_online, and the agent adds the writer IP; removing the agent's package stops it (where the local
# invoke-rc.d policy lets prerm act); purging the packages leaves nothing behind (files, directories, init links,
# dpkg records, users). Needs root; leaves the machine as it was, also when it fails.
# The packages are made from the normal build only (a sanitizer build's would need libasan): it skips there.
# mmm-test: normal build only
# mmm-test: cost 60
set -euo pipefail
trap 'echo "FAIL: line $LINENO: \"$BASH_COMMAND\" exited $?" >&2' ERR

if [[ $(id -u) != 0 ]]; then
    echo "SKIP: needs root (installs the packages with dpkg, creates network namespaces, starts mariadbd)"
    exit 0
fi

SRC=${MMM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BIN=${MMM_BINARY_DIR:-/work/main/build}
SANDBOX="$SRC/scripts/sandbox"
export MMM_BINARY_DIR=$BIN  # the sandbox's own programs come from this build too
export MMM_SANDBOX=it-deb
export MMM_SANDBOX_DAEMONS=0  # the installed init scripts start the daemons here
unset MMM_SANDBOX_DIR
# shellcheck source=scripts/sandbox-lib.sh
source "$SRC/scripts/sandbox-lib.sh"
# shellcheck source=tests/integration/lib/packaging.sh
source "$SRC/tests/integration/lib/packaging.sh"

PACKAGES=(mysql-mmm-common mysql-mmm-monitor mysql-mmm-agent mysql-mmm-tools)
# What the packages create outside directories every system has; none may exist before, none may be left after.
OWN_PATHS=(/etc/mysql-mmm /var/lib/mysql-mmm /var/log/mysql-mmm /run/mysql-mmm /usr/share/mysql-mmm
    /usr/libexec/mysql-mmm /etc/default/mysql-mmm-monitor /etc/default/mysql-mmm-agent /etc/init.d/mysql-mmm-monitor
    /etc/init.d/mysql-mmm-agent /etc/logrotate.d/mysql-mmm /usr/sbin/mmm_mond /usr/sbin/mmm_agentd /usr/sbin/mmm_control
    /usr/sbin/mmm_tls_init)

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
pass() { echo "ok: $*"; }

tmp=$(mktemp -d /tmp/mmm-it-deb.XXXXXX)
started=$SECONDS
installed=
sandbox_started=

# installed_state PACKAGE: dpkg's two-letter state (ii, rc, ...), empty when dpkg does not know it.
installed_state() { dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null | tr -d ' ' || true; }

cleanup() {
    local rc=$? p left=()
    if [[ -n $installed ]]; then
        pkg_end_daemon /run/mysql-mmm/mmm_agentd.pid mmm_agentd
        pkg_end_daemon /run/mysql-mmm/mmm_mond.pid mmm_mond
        for p in "${PACKAGES[@]}"; do [[ -n $(installed_state "$p") ]] && left+=("$p"); done
        if ((${#left[@]})) && ! timeout 60 dpkg --purge "${left[@]}" >"$tmp/cleanup-purge.log" 2>&1; then
            cat "$tmp/cleanup-purge.log" >&2
            echo "cleanup: dpkg --purge ${left[*]} failed: remove them by hand" >&2
            rc=1
        fi
    fi
    if [[ -n $sandbox_started ]]; then
        "$SANDBOX" down >/dev/null 2>&1 || echo "cleanup: sandbox down failed" >&2
    fi
    rm -rf "$tmp"
    exit "$rc"
}
trap cleanup EXIT

if grep -qE '^MMM_SANITIZE:STRING=.+' "$BIN/CMakeCache.txt" 2>/dev/null; then
    echo "SKIP: $BIN is a sanitizer build; the packages are tested from the normal build"
    exit 0
fi
for tool in cpack dpkg-deb dpkg-shlibdeps lintian; do
    command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/install-deps installs it)"
done
for b in monitor/mmm_mond agent/mmm_agentd control/mmm_control; do
    [[ -x $BIN/$b ]] || fail "$BIN/$b is not built (build the tree first; MMM_BINARY_DIR=$BIN)"
done
[[ -f $BIN/CPackConfig.cmake ]] || fail "$BIN has no CPackConfig.cmake (configure it with this tree's CMakeLists.txt)"
for page in mmm_mond.8 mmm_agentd.8 mmm_control.1 mmm_tls_init.8 mmm.yaml.5; do
    [[ -f $BIN/man/$page.gz ]] || fail "$BIN/man/$page.gz is not built (scdoc missing? scripts/install-deps, re-run cmake)"
done
# This machine must not have mmm installed: the test installs and purges the packages and must not take an
# administrator's files with them.
for p in "${PACKAGES[@]}"; do
    [[ -z $(installed_state "$p") ]] || fail "package $p is known to dpkg here ($(installed_state "$p")): not touching it"
done
for path in "${OWN_PATHS[@]}"; do
    [[ ! -e $path ]] || fail "$path exists on this machine: the test would install over it (and purge it)"
done
sha_before=$(cat /etc/passwd /etc/group /etc/shadow | sha256sum)

# --- build the packages ----------------------------------------------------------------------------------------
version=$("$BIN/monitor/mmm_mond" --version | awk '{ print $2 }')
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "mmm_mond --version printed '$version'"
debver=$version-1
# Niced: the integration tests beside this one time failovers.
timeout 180 nice -n 10 cpack --config "$BIN/CPackConfig.cmake" -B "$tmp/pkg" >"$tmp/cpack.log" 2>&1 ||
    { tail -n 30 "$tmp/cpack.log" >&2; fail "cpack failed"; }
declare -A deb
for p in "${PACKAGES[@]}"; do
    arch=$(dpkg --print-architecture)
    [[ $p != mysql-mmm-common ]] || arch=all
    deb[$p]=$tmp/pkg/${p}_${debver}_$arch.deb
    [[ -f ${deb[$p]} ]] || fail "cpack made no ${deb[$p]##*/} (made: $(ls "$tmp/pkg"))"
done
sizes=$(for p in "${PACKAGES[@]}"; do printf '%s %s KiB, ' "$p" $(($(stat -c %s "${deb[$p]}") / 1024)); done)
pass "cpack made the four packages of version $debver in $((SECONDS - started)) s: ${sizes%, }"

# --- lintian ---------------------------------------------------------------------------------------------------
timeout 180 nice -n 10 lintian --pedantic "${deb[@]}" >"$tmp/lintian.log" 2>&1 || true
grep -v '^running with root privileges' "$tmp/lintian.log" >"$tmp/lintian.tags" || true
if grep -q '^E: ' "$tmp/lintian.tags"; then
    cat "$tmp/lintian.tags" >&2
    fail "lintian reports errors"
fi
if [[ -s $tmp/lintian.tags ]]; then
    echo "lintian (warnings, pedantic tags):"
    sed 's/^/  /' "$tmp/lintian.tags"
fi
pass "lintian --pedantic: no error ($(grep -c '^[WIP]: ' "$tmp/lintian.tags" || true) other tags; overrides in packaging/lintian)"

# --- contents --------------------------------------------------------------------------------------------------
# package mode path: every file and directory that must be in that package, with its mode.
while read -r p mode path; do
    line=$(dpkg-deb -c "${deb[$p]}" | awk -v f="./$path" '$6 == f { print $1 }')
    [[ -n $line ]] || fail "$p lacks $path"
    [[ $line == "$mode" ]] || fail "$p: $path has mode $line, expected $mode"
done <<'EOF'
mysql-mmm-common -rw-r----- etc/mysql-mmm/mmm.yaml
mysql-mmm-common -rw-r--r-- etc/logrotate.d/mysql-mmm
mysql-mmm-common -rw-r--r-- usr/share/mysql-mmm/init-functions.sh
mysql-mmm-common drwxr-x--- var/lib/mysql-mmm/
mysql-mmm-common drwxr-x--- var/log/mysql-mmm/
mysql-mmm-common -rw-r--r-- usr/share/man/man5/mmm.yaml.5.gz
mysql-mmm-monitor -rwxr-xr-x usr/sbin/mmm_mond
mysql-mmm-monitor -rw-r--r-- usr/lib/systemd/system/mysql-mmm-monitor.service
mysql-mmm-monitor -rwxr-xr-x etc/init.d/mysql-mmm-monitor
mysql-mmm-monitor -rw-r--r-- etc/default/mysql-mmm-monitor
mysql-mmm-monitor -rwxr-xr-x usr/libexec/mysql-mmm/kill_host
mysql-mmm-monitor -rw-r--r-- usr/share/man/man8/mmm_mond.8.gz
mysql-mmm-agent -rwxr-xr-x usr/sbin/mmm_agentd
mysql-mmm-agent -rw-r--r-- usr/lib/systemd/system/mysql-mmm-agent.service
mysql-mmm-agent -rwxr-xr-x etc/init.d/mysql-mmm-agent
mysql-mmm-agent -rw-r--r-- etc/default/mysql-mmm-agent
mysql-mmm-agent -rw-r--r-- usr/share/man/man8/mmm_agentd.8.gz
mysql-mmm-tools -rwxr-xr-x usr/sbin/mmm_control
mysql-mmm-tools -rwxr-xr-x usr/sbin/mmm_tls_init
mysql-mmm-tools -rw-r--r-- usr/share/man/man1/mmm_control.1.gz
mysql-mmm-tools -rw-r--r-- usr/share/man/man8/mmm_tls_init.8.gz
EOF
for p in "${PACKAGES[@]}"; do
    dpkg-deb -c "${deb[$p]}" | awk '$1 !~ /^d/ { print $6 }' >"$tmp/files-$p"
    for f in copyright changelog.Debian.gz; do
        grep -qxF "./usr/share/doc/$p/$f" "$tmp/files-$p" || fail "$p lacks /usr/share/doc/$p/$f"
    done
    ! grep -E '^\./(run|var/run|tmp)/' "$tmp/files-$p" || fail "$p ships files in /run or /tmp"
    # Each man page is gzip -9n: valid, and without the name and time of its source.
    while read -r page; do
        dpkg-deb --fsys-tarfile "${deb[$p]}" | tar -xOf - "$page" >"$tmp/page.gz"
        gzip -t "$tmp/page.gz" || fail "$p: $page is not valid gzip"
        kind=$(file -b "$tmp/page.gz")
        [[ $kind == *'max compression'* && $kind != *'was "'* ]] || fail "$p: $page is not gzip -9n: $kind"
    done < <(grep '^\./usr/share/man/' "$tmp/files-$p")
done
# Every file is in one package only.
dups=$(cat "$tmp"/files-* | sort | uniq -d)
[[ -z $dups ]] || fail "files in two packages: $dups"
pass "contents: binaries, units, init scripts, defaults, kill_host, man pages (gzip -9n), docs, directories and modes"

# package conffile...: the conffiles each package declares, exactly.
while read -r p want; do
    got=$( (dpkg-deb -I "${deb[$p]}" conffiles 2>/dev/null || true) | sort | tr '\n' ' ')
    [[ ${got% } == "$want" ]] || fail "$p declares conffiles '${got% }', expected '$want'"
done <<'EOF'
mysql-mmm-common /etc/logrotate.d/mysql-mmm /etc/mysql-mmm/mmm.yaml
mysql-mmm-monitor /etc/default/mysql-mmm-monitor /etc/init.d/mysql-mmm-monitor
mysql-mmm-agent /etc/default/mysql-mmm-agent /etc/init.d/mysql-mmm-agent
mysql-mmm-tools
EOF
# Every file under /etc is a conffile.
for p in "${PACKAGES[@]}"; do
    while read -r f; do
        dpkg-deb -I "${deb[$p]}" conffiles | sb_in -qxF "${f#.}" || fail "$p: ${f#.} is not a conffile"
    done < <(grep '^\./etc/' "$tmp/files-$p")
done
for p in mysql-mmm-monitor mysql-mmm-agent mysql-mmm-tools; do
    depends=$(dpkg-deb -f "${deb[$p]}" Depends)
    [[ $depends == *"mysql-mmm-common (= $debver)"* ]] || fail "$p Depends '$depends' lacks mysql-mmm-common (= $debver)"
    [[ $depends == *libc6* && $depends == *libstdc++6* ]] || fail "$p Depends '$depends': no shared-library dependencies"
done
for p in mysql-mmm-monitor mysql-mmm-agent; do
    [[ $(dpkg-deb -f "${deb[$p]}" Depends) == *libmariadb3* ]] || fail "$p does not depend on libmariadb3"
    for script in postinst prerm postrm; do
        dpkg-deb -I "${deb[$p]}" "$script" >/dev/null 2>&1 || fail "$p has no $script"
    done
done
[[ $(dpkg-deb -f "${deb[mysql-mmm-agent]}" Depends) == *libnet1* ]] || fail "mysql-mmm-agent does not depend on libnet1"
[[ $(dpkg-deb -f "${deb[mysql-mmm-tools]}" Depends) == *openssl* ]] || fail "mysql-mmm-tools does not depend on openssl"
[[ $(dpkg-deb -f "${deb[mysql-mmm-common]}" Architecture) == all ]] || fail "mysql-mmm-common is not Architecture: all"
pass "conffiles (every /etc file), maintainer scripts, Depends (common = $debver, shared libraries, openssl)"

# --- install ---------------------------------------------------------------------------------------------------
installed=1
if ! timeout 120 dpkg -i "${deb[@]}" >"$tmp/install.log" 2>&1; then
    cat "$tmp/install.log" >&2
    fail "dpkg -i failed (missing dependencies? scripts/install-deps installs them)"
fi
for p in "${PACKAGES[@]}"; do
    [[ $(installed_state "$p") == ii ]] || fail "$p is '$(installed_state "$p")' after dpkg -i, not ii"
done
[[ $(stat -c '%a %U' /etc/mysql-mmm/mmm.yaml) == "640 root" ]] || fail "installed mmm.yaml: $(stat -c '%a %U' /etc/mysql-mmm/mmm.yaml)"
[[ $(stat -c %a /var/log/mysql-mmm) == 750 && $(stat -c %a /var/lib/mysql-mmm) == 750 ]] || fail "log or state directory mode"
[[ $(/usr/sbin/mmm_control --version) == "mmm_control $version" ]] || fail "installed mmm_control --version"
# Nothing runs and nothing is enabled: SysV links are stop links only, and no daemon runs the installed binaries.
for p in monitor agent; do
    [[ -z $(find /etc/rc[0-6S].d -name "S*mysql-mmm-$p" 2>/dev/null || true) ]] || fail "mysql-mmm-$p has start links"
    [[ -n $(find /etc/rc[0-6].d -name "K*mysql-mmm-$p" 2>/dev/null || true) ]] ||
        fail "mysql-mmm-$p is not registered (no rc links)"
    if [[ -d /run/systemd/system ]] && systemctl -q is-enabled "mysql-mmm-$p.service" 2>/dev/null; then
        fail "mysql-mmm-$p.service is enabled after install"
    fi
done
# running_installed: pids of processes that run the installed daemons (the build's own daemons of other tests aside).
running_installed() {
    local exe
    for exe in /proc/[0-9]*/exe; do
        case $(readlink "$exe" 2>/dev/null) in
            /usr/sbin/mmm_mond | /usr/sbin/mmm_agentd) exe=${exe#/proc/} && echo "${exe%/exe}" ;;
        esac
    done
}
[[ -z $(running_installed) && ! -e /run/mysql-mmm/mmm_mond.pid ]] || fail "a daemon runs after install"
pass "dpkg -i: installed, mmm.yaml 0640, nothing enabled (stop links only) and nothing started"

# --- run the installed daemons -----------------------------------------------------------------------------------
"$SANDBOX" down >/dev/null 2>&1 || true
sandbox_started=1
"$SANDBOX" up >"$tmp/sandbox.log" 2>&1 || { tail -n 30 "$tmp/sandbox.log" >&2; fail "sandbox up failed"; }
# What an administrator does: the cluster's configuration in /etc/mysql-mmm/mmm.yaml (the monitor's and
# mmm_control's) with the packaged default paths; db1's agent gets its own copy (its certificate) through CONFIG
# in /etc/default/mysql-mmm-agent. Both conffiles are edited, so purge must remove edited conffiles.
(
    umask 027
    pkg_sandbox_config mon /run/mysql-mmm /var/log/mysql-mmm /var/lib/mysql-mmm >/etc/mysql-mmm/mmm.yaml &&
        pkg_sandbox_config db1 /run/mysql-mmm /var/log/mysql-mmm /var/lib/mysql-mmm >"$tmp/agent-db1.yaml"
) || fail "could not write the configuration"
chmod 0600 "$tmp/agent-db1.yaml"
printf '%s\n' "CONFIG=$tmp/agent-db1.yaml" START_TIMEOUT=20 >>/etc/default/mysql-mmm-agent

# initd NS PROGRAM ACTION: the installed init script in namespace NS (output in $tmp/out). _SYSTEMCTL_SKIP_REDIRECT:
# on a host booted with systemd, /lib/lsb/init-functions would hand the action to systemctl, outside the namespace.
initd() {
    local rc=0
    ip netns exec "${SB_NSP}${1}" env _SYSTEMCTL_SKIP_REDIRECT=1 "/etc/init.d/mysql-mmm-$2" "$3" \
        </dev/null >"$tmp/out" 2>&1 || rc=$?
    echo "  [$2 $3 in $1 -> $rc] $(tr '\n' ' ' <"$tmp/out")" >&2
    return "$rc"
}
initd db1 agent start || fail "the installed agent's init script did not start it: $(cat "$tmp/out")"
initd mon monitor start || fail "the installed monitor's init script did not start it: $(cat "$tmp/out")"
apid=$(cat /run/mysql-mmm/mmm_agentd.pid) || fail "no agent pid file"
mpid=$(cat /run/mysql-mmm/mmm_mond.pid) || fail "no monitor pid file"
[[ $(readlink "/proc/$apid/exe") == /usr/sbin/mmm_agentd ]] || fail "pid $apid does not run /usr/sbin/mmm_agentd"
[[ $(readlink "/proc/$mpid/exe") == /usr/sbin/mmm_mond ]] || fail "pid $mpid does not run /usr/sbin/mmm_mond"
[[ $(ip netns identify "$apid") == "${SB_NSP}db1" && $(ip netns identify "$mpid") == "${SB_NSP}mon" ]] ||
    fail "the daemons are not in their namespaces"
initd db1 agent status || fail "agent status"
initd mon monitor status || fail "monitor status"
pass "the installed init scripts started the agent (pid $apid, ${SB_NSP}db1) and the monitor (pid $mpid, ${SB_NSP}mon)"

control() { ip netns exec "${SB_NSP}mon" /usr/sbin/mmm_control "$@"; }  # the packaged default config
control_ok() { [[ $(control "$@" 2>/dev/null) == OK* ]]; }
SB_TIMEOUT=20 sb_wait_for control_ok ping || fail "mmm_control ping: $(control ping 2>&1)"
show=$(control show) || fail "mmm_control show exited $?: $show"
for host in db1 db2 db3; do
    grep -qE "^  $host\\($(sb_ip "$host")\\) (master|slave)/" <<<"$show" || fail "show lacks $host: $show"
done
SB_TIMEOUT=30 sb_wait_for control_ok set_online db1 || fail "set_online db1: $(control set_online db1 2>&1)"
SB_TIMEOUT=30 sb_wait_for pkg_has_vip db1 192.0.2.50 || fail "the agent did not add the writer IP: $(control show 2>&1)"
grep -q 'STARTING' /var/log/mysql-mmm/mmm_mond.log || fail "no monitor log in /var/log/mysql-mmm"
[[ -s /var/lib/mysql-mmm/mmm_mond.status ]] || fail "no status file in /var/lib/mysql-mmm"
pass "mmm_control (packaged config): ping OK, show lists db1-db3, set_online db1; the agent added 192.0.2.50 on db1"

# --- stop, remove, purge -----------------------------------------------------------------------------------------
initd mon monitor stop || fail "monitor stop"
sb_gone "$mpid" || fail "the monitor still runs after stop"
# prerm stops the agent through invoke-rc.d, which asks the local policy first: a container's policy-rc.d (exit 101)
# or a host without a runlevel and init denies it, and on a systemd host it would stop the unit, not this process.
prerm_stops=1
rc=0
invoke-rc.d --quiet --query mysql-mmm-agent stop >/dev/null 2>&1 || rc=$?
[[ ! -d /run/systemd/system && ($rc == 104 || $rc == 105) ]] || prerm_stops=
if [[ -z $prerm_stops ]]; then
    initd db1 agent stop || fail "agent stop"
fi
timeout 60 dpkg --remove mysql-mmm-agent >"$tmp/remove.log" 2>&1 || { cat "$tmp/remove.log" >&2; fail "dpkg --remove failed"; }
SB_TIMEOUT=10 sb_wait_for sb_gone "$apid" || fail "removing mysql-mmm-agent did not stop the agent"
[[ $(installed_state mysql-mmm-agent) == rc ]] || fail "mysql-mmm-agent is '$(installed_state mysql-mmm-agent)' after remove"
[[ -f /etc/default/mysql-mmm-agent && ! -e /usr/sbin/mmm_agentd ]] || fail "remove: conffiles must stay, the binary go"
if [[ -n $prerm_stops ]]; then
    pass "dpkg --remove mysql-mmm-agent stopped the running agent (prerm) and kept its conffiles"
else
    pass "dpkg --remove mysql-mmm-agent kept its conffiles (the local policy denies invoke-rc.d (query: $rc): stopped by the script)"
fi

timeout 60 dpkg --purge "${PACKAGES[@]}" >"$tmp/purge.log" 2>&1 || { cat "$tmp/purge.log" >&2; fail "dpkg --purge failed"; }
for p in "${PACKAGES[@]}"; do
    [[ -z $(installed_state "$p") || $(installed_state "$p") == un || $(installed_state "$p") == pn ]] ||
        fail "$p is '$(installed_state "$p")' after purge"
done
for path in "${OWN_PATHS[@]}" /usr/share/doc/mysql-mmm-{common,monitor,agent,tools} \
    /usr/lib/systemd/system/mysql-mmm-{monitor,agent}.service /usr/share/man/man8/mmm_mond.8.gz \
    /usr/share/man/man5/mmm.yaml.5.gz /usr/share/lintian/overrides/mysql-mmm-common; do
    [[ ! -e $path ]] || fail "$path is left after purge"
done
leftovers=$(find /etc/rc[0-6S].d /etc/systemd/system /var/lib/systemd/deb-systemd-helper-enabled /var/lib/dpkg/info \
    -name '*mysql-mmm*' 2>/dev/null || true)
[[ -z $leftovers ]] || fail "left after purge: $leftovers"
[[ -z $(running_installed) ]] || fail "an installed daemon still runs after purge"
[[ $(cat /etc/passwd /etc/group /etc/shadow | sha256sum) == "$sha_before" ]] || fail "users or groups changed"
installed=
pass "dpkg --purge: no file, directory, init link, dpkg record, process or user left"

echo "PASS: Debian packages ($((SECONDS - started)) s)"
