# shellcheck shell=bash
# Helpers of the agent tests that speak the line protocol by hand (agent_guards.sh, agent_fd_exhaustion.sh).
# Sourced before the sandbox comes up: agents only (no monitor), plaintext (the tests speak the agent protocol over
# bash's /dev/tcp).
export MMM_BINARY_DIR=${MMM_BINARY_DIR:-$SRC/build}
export MMM_SANDBOX_DAEMONS=0
export MMM_SANDBOX_TLS=0

# result HOST LINE: the agent's reply to LINE without its |UP: suffix.
result() {
    ip netns exec "${SB_NSP}mon" timeout 45 bash -c '
        exec 3<>"/dev/tcp/$0/9989" || exit 3
        printf "%s\n" "$1" >&3
        IFS= read -r reply <&3 || exit 4
        printf "%s\n" "${reply%|UP:*}"' "$(sb_ip "$1")" "$2"
}
# flood_db3 N: N connections to db3's agent from the monitor's namespace, opened and held in the background until
# flood_end (at most 30 s).
flood_ctl=${SB_DIR}/flood.ctl
flood_db3() {
    rm -f "$flood_ctl"
    mkfifo "$flood_ctl" || sb_test_fail "could not make the fifo $flood_ctl"
    ip netns exec "${SB_NSP}mon" timeout 60 bash -c '
        exec 4<>"$2"
        for i in $(seq 1 "$1"); do exec {fd}<>"/dev/tcp/$0/9989" || exit 3; done
        read -r -t 30 -u 4 _' "$(sb_ip db3)" "$1" "$flood_ctl" &
    flood=$!
}
# flood_end: closes the flood's connections; fails when they could not all be opened (or were held 30 s).
flood_end() {
    local w rc=0
    exec {w}<>"$flood_ctl" && echo >&"$w" && exec {w}>&-
    wait "$flood" || rc=$?
    rm -f "$flood_ctl"
    return "$rc"
}
# The connections db3's agent has closed (refused) while the flood still holds them open.
closed_by_db3() { ip netns exec "${SB_NSP}mon" ss -Htn state close-wait dst "$(sb_ip db3)" dport = :9989 | wc -l; }
log_count() { grep -c -- "$2" "$(sb_agent_log "$1")"; }
