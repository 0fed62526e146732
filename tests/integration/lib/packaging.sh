# Helpers of the packaging tests (packaging_init_scripts.sh, packaging_deb.sh), which run the daemons through an
# installed init script inside the sandbox's namespaces. Source it after scripts/sandbox-lib.sh; needs bash.
# shellcheck shell=bash

# pkg_sandbox_config HOST RUN LOG LIB: on stdout, the sandbox's configuration for HOST (mon: mmm.yaml, the monitor's
# and mmm_control's; db1..db3: agent-HOST.yaml, which names the host and presents its certificate) with the pid files
# moved into directory RUN, the logs into LOG and the monitor's status file into LIB (the file names are kept:
# mmm_mond.pid, mmm_agentd.log, mmm_mond.status). Fails unless every one of those paths was found and moved.
pkg_sandbox_config() {
    local host=$1 run=$2 log=$3 lib=$4 dir src text
    dir=${SB_DIR}
    if [[ $host == mon ]]; then src=$dir/mmm.yaml; else src=$(sb_agent_config "$host"); fi
    text=$(sed -E -e "s#^(  pid_path: )$dir/($host/)?#\\1$run/#" -e "s#^(  log_path: )$dir/($host/)?#\\1$log/#" \
        -e "s#^(  status_path: )$dir/#\\1$lib/#" "$src") || return 1
    local want
    for want in "pid_path: $run/mmm_mond.pid" "log_path: $log/mmm_mond.log" "status_path: $lib/mmm_mond.status" \
        "pid_path: $run/mmm_agentd.pid" "log_path: $log/mmm_agentd.log"; do
        if ! grep -qxF "  $want" <<<"$text"; then
            echo "pkg_sandbox_config: no '$want' in the rewritten $src" >&2
            return 1
        fi
    done
    printf '%s\n' "$text"
}

# pkg_end_daemon PIDFILE COMM: ends the daemon named in PIDFILE if that process runs COMM (TERM, then KILL after
# 20 s). For cleanup: a daemon a test started, found by its pid file.
pkg_end_daemon() {
    local pidfile=$1 comm=$2 pid
    pid=$(cat "$pidfile" 2>/dev/null) || return 0
    [[ $pid =~ ^[0-9]+$ && $(cat "/proc/$pid/comm" 2>/dev/null) == "$comm" ]] || return 0
    kill -TERM "$pid" 2>/dev/null || true
    SB_TIMEOUT=20 sb_wait_for sb_gone "$pid" || kill -KILL "$pid" 2>/dev/null || true
}

# pkg_listening NS PORT: something listens on TCP PORT in the sandbox namespace of host NS.
pkg_listening() { ip netns exec "${SB_NSP}${1}" ss -Hltn "sport = :$2" | sb_in -q .; }

# pkg_has_vip HOST IP: IP is on HOST's eth0.
pkg_has_vip() { ip -n "${SB_NSP}${1}" -4 -o addr show dev eth0 | sb_in -q " $2/"; }
