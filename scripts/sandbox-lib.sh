# Helpers shared by scripts/sandbox and the bash integration tests (source it; needs bash).
# shellcheck shell=bash
# Names and paths follow the sandbox contract: MMM_SANDBOX=<prefix> prefixes every namespace and
# changes the state directory; MMM_SANDBOX_DIR overrides the state directory.

# shellcheck disable=SC2034  # used by the scripts that source this file
SB_DB_HOSTS=(db1 db2 db3)
# shellcheck disable=SC2034
SB_ALL_HOSTS=(db1 db2 db3 mon client)

# sb_ns HOST: the namespace name of HOST (db1 db2 db3 mon client sw).
sb_ns() {
    printf '%s%s\n' "${MMM_SANDBOX:+$MMM_SANDBOX-}" "$1"
}

# sb_dir: the state directory.
sb_dir() {
    printf '%s\n' "${MMM_SANDBOX_DIR:-/var/tmp/mmm-sandbox${MMM_SANDBOX:+-$MMM_SANDBOX}}"
}

# sb_ip HOST: the cluster address of HOST (without prefix length).
sb_ip() {
    case "$1" in
        sw) echo 192.0.2.1 ;;
        mon) echo 192.0.2.10 ;;
        db1) echo 192.0.2.11 ;;
        db2) echo 192.0.2.12 ;;
        db3) echo 192.0.2.13 ;;
        client) echo 192.0.2.100 ;;
        *) echo "sb_ip: unknown host '$1'" >&2; return 1 ;;
    esac
}

# sb_sql HOST "SQL": run SQL as root on HOST's server over its socket; prints rows (-N -B).
sb_sql() {
    local host=$1
    shift
    mariadb --no-defaults --protocol=socket -S "$(sb_dir)/$host/mysqld.sock" -u root -N -B -e "$*"
}

# sb_mysqld_pid HOST: prints the pid of HOST's mariadbd and succeeds if that process is alive.
sb_mysqld_pid() {
    local f pid
    f="$(sb_dir)/$1/mysqld.pid"
    [[ -r $f ]] || return 1
    pid=$(<"$f")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [[ -r /proc/$pid/comm && $(</proc/"$pid"/comm) == mariadbd ]] || return 1
    sb_gone "$pid" && return 1
    echo "$pid"
}

# sb_wait_for CMD...: run CMD until it succeeds or SB_TIMEOUT seconds (default 30) pass; polls every SB_POLL
# seconds (default 0.05).
sb_wait_for() {
    local timeout=${SB_TIMEOUT:-30} start=$SECONDS
    local deadline=$((start + timeout))
    until "$@" >/dev/null 2>&1; do
        if ((SECONDS >= deadline)); then
            echo "sb_wait_for: timed out after ${timeout}s: $*" >&2
            return 1
        fi
        sleep "${SB_POLL:-0.05}"
    done
}

# sb_mysqld_ping HOST: succeeds when HOST's server answers over its socket.
sb_mysqld_ping() {
    mariadb-admin --no-defaults --protocol=socket -S "$(sb_dir)/$1/mysqld.sock" -u root \
        --connect-timeout=1 ping >/dev/null 2>&1
}

# sb_mysqld_start HOST: start HOST's mariadbd in its namespace (if not running) and wait until it answers.
sb_mysqld_start() {
    local host=$1 d launched
    d="$(sb_dir)/$host"
    if sb_mysqld_pid "$host" >/dev/null && sb_mysqld_ping "$host"; then
        return 0
    fi
    if ! sb_mysqld_pid "$host" >/dev/null; then
        # mariadbd switches to user mysql itself (user=mysql in my.cnf); no mysqld_safe, so a killed
        # server stays dead, as fault tests want.
        # Launched from a subshell that exits at once, so the server is nobody's child here (no zombie).
        (
            ip netns exec "$(sb_ns "$host")" setsid mariadbd --defaults-file="$d/my.cnf" \
                </dev/null >>"$d/mysqld.out" 2>&1 &
            echo $! >"$d/mysqld.launch.pid"
        )
        launched=$(<"$d/mysqld.launch.pid")
    fi
    if ! SB_TIMEOUT=${SB_TIMEOUT:-30} sb_wait_for sb_mysqld_ping "$host"; then
        echo "sb_mysqld_start: $host did not answer; last lines of $d/mysqld.err:" >&2
        tail -n 20 "$d/mysqld.err" >&2 2>/dev/null
        [[ -n ${launched:-} ]] && kill -9 "$launched" 2>/dev/null
        return 1
    fi
    # mariadbd writes its pid file before it opens the socket.
    sb_mysqld_pid "$host" >/dev/null
}

# sb_mysqld_kill HOST: kill -9 HOST's mariadbd (by its pid file) and wait until it is gone.
sb_mysqld_kill() {
    local pid
    pid=$(sb_mysqld_pid "$1") || return 0
    kill -9 "$pid" 2>/dev/null || true
    SB_TIMEOUT=${SB_TIMEOUT:-30} sb_wait_for sb_gone "$pid"
}

# sb_gone PID: succeeds when PID is no longer a running process (a zombie counts as gone).
sb_gone() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
    stat=${stat##*) }
    [[ ${stat%% *} == Z ]]
}

# sb_mysqld_stop HOST: SIGTERM, bounded wait (SB_STOP_TIMEOUT, default 20 s), then kill -9.
sb_mysqld_stop() {
    local pid
    pid=$(sb_mysqld_pid "$1") || return 0
    kill -TERM "$pid" 2>/dev/null || true
    kill -CONT "$pid" 2>/dev/null || true  # a server a test stopped with SIGSTOP must see the SIGTERM
    if ! SB_TIMEOUT=${SB_STOP_TIMEOUT:-20} sb_wait_for sb_gone "$pid"; then
        echo "sb_mysqld_stop: $1 (pid $pid) ignored SIGTERM; kill -9" >&2
        kill -9 "$pid" 2>/dev/null || true
        SB_TIMEOUT=10 sb_wait_for sb_gone "$pid"
    fi
}

# sb_slave_field HOST FIELD: prints FIELD (e.g. Slave_IO_Running, Master_Host) of SHOW SLAVE STATUS on HOST.
sb_slave_field() {
    mariadb --no-defaults --protocol=socket -S "$(sb_dir)/$1/mysqld.sock" -u root -E \
        -e 'SHOW SLAVE STATUS' 2>/dev/null | awk -v f="$2" -F': ' '$1 ~ ("^ *" f "$") { print $2; exit }'
}

# sb_slave_running HOST: succeeds when both replication threads on HOST run.
sb_slave_running() {
    [[ $(sb_slave_field "$1" Slave_IO_Running) == Yes && $(sb_slave_field "$1" Slave_SQL_Running) == Yes ]]
}

# --- the mmm daemons -------------------------------------------------------------------------------
# Binaries come from ${MMM_BINARY_DIR:-<repo>/build}. Each daemon runs in the foreground inside its namespace,
# started by `ip netns exec NS setsid BIN ... --foreground` from a subshell (so it is nobody's child here);
# its pid is kept in <file>.sandbox.pid beside the pid file the daemon may write itself, its stdout/stderr
# go to <name>.out, its audit log is the log_path of its config.

SB_REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# sb_bin agent|monitor|control: the path of that program's binary.
sb_bin() {
    local b=${MMM_BINARY_DIR:-$SB_REPO_DIR/build}
    case "$1" in
        agent) echo "$b/agent/mmm_agentd" ;;
        monitor) echo "$b/monitor/mmm_mond" ;;
        control) echo "$b/control/mmm_control" ;;
        *) echo "sb_bin: unknown program '$1'" >&2; return 1 ;;
    esac
}

# sb_agent_config HOST: the agent config file of HOST (mmm.yaml with HOST's own agent section).
sb_agent_config() { printf '%s/agent-%s.yaml\n' "$(sb_dir)" "$1"; }

# sb_agent_log HOST / sb_monitor_log: the audit logs.
sb_agent_log() { printf '%s/%s/mmm_agentd.log\n' "$(sb_dir)" "$1"; }
sb_monitor_log() { printf '%s/mmm_mond.log\n' "$(sb_dir)"; }

# sb_proc_pid FILE COMM: prints the pid in FILE and succeeds if that process is alive and named COMM.
sb_proc_pid() {
    local pid
    [[ -r $1 ]] || return 1
    pid=$(<"$1")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [[ -r /proc/$pid/comm && $(<"/proc/$pid/comm") == "$2" ]] || return 1
    sb_gone "$pid" && return 1
    echo "$pid"
}

sb_agent_pid() { sb_proc_pid "$(sb_dir)/$1/mmm_agentd.sandbox.pid" mmm_agentd; }
sb_monitor_pid() { sb_proc_pid "$(sb_dir)/mmm_mond.sandbox.pid" mmm_mond; }

# sb_launch PIDFILE OUTFILE NS BIN ARGS...: start BIN in namespace NS in its own session, in the background.
sb_launch() {
    local pidfile=$1 out=$2 ns=$3
    shift 3
    (
        ip netns exec "$ns" setsid "$@" </dev/null >>"$out" 2>&1 &
        echo $! >"$pidfile"
    )
}

# sb_listening HOST PORT: succeeds when something listens on TCP PORT in HOST's namespace.
sb_listening() {
    [[ -n $(ip netns exec "$(sb_ns "$1")" ss -Hltn "sport = :$2" 2>/dev/null) ]]
}

# sb_started_or_dead PIDFILE COMM READY_CMD...: succeeds when READY_CMD succeeds, or the process is gone
# (the caller then looks at the pid again).
sb_started_or_dead() {
    local pidfile=$1 comm=$2
    shift 2
    sb_proc_pid "$pidfile" "$comm" >/dev/null || return 0
    "$@"
}

# sb_daemon_wait_ready WHAT PIDFILE COMM OUTFILE READY_CMD...: bounded wait (SB_DAEMON_TIMEOUT, default 20 s)
# until the daemon is ready; fails with the end of its output if it exited or never got ready.
sb_daemon_wait_ready() {
    local what=$1 pidfile=$2 comm=$3 out=$4
    shift 4
    if ! SB_TIMEOUT=${SB_DAEMON_TIMEOUT:-20} sb_wait_for sb_started_or_dead "$pidfile" "$comm" "$@"; then
        echo "sandbox: $what is running but not ready after ${SB_DAEMON_TIMEOUT:-20} s; last lines of $out:" >&2
        tail -n 20 "$out" >&2 2>/dev/null
        return 1
    fi
    if ! sb_proc_pid "$pidfile" "$comm" >/dev/null; then
        echo "sandbox: $what exited right after it started; last lines of $out:" >&2
        tail -n 20 "$out" >&2 2>/dev/null
        return 1
    fi
}

# sb_agent_start HOST: start HOST's mmm_agentd (if not running) and wait until it listens on the agent port.
sb_agent_start() {
    local host=$1 d bin
    d="$(sb_dir)/$host"
    bin=$(sb_bin agent)
    [[ -x $bin ]] || { echo "sandbox: no agent binary $bin" >&2; return 1; }
    if ! sb_agent_pid "$host" >/dev/null; then
        sb_launch "$d/mmm_agentd.sandbox.pid" "$d/mmm_agentd.out" "$(sb_ns "$host")" \
            "$bin" -c "$(sb_agent_config "$host")" --host "$host" --foreground
    fi
    sb_daemon_wait_ready "mmm_agentd on $host" "$d/mmm_agentd.sandbox.pid" mmm_agentd "$d/mmm_agentd.out" \
        sb_listening "$host" 9989
}

# sb_monitor_start: start mmm_mond in the mon namespace (if not running) and wait until it answers `ping`.
sb_monitor_start() {
    local d bin
    d=$(sb_dir)
    bin=$(sb_bin monitor)
    [[ -x $bin ]] || { echo "sandbox: no monitor binary $bin" >&2; return 1; }
    if ! sb_monitor_pid >/dev/null; then
        sb_launch "$d/mmm_mond.sandbox.pid" "$d/mmm_mond.out" "$(sb_ns mon)" "$bin" -c "$d/mmm.yaml" --foreground
    fi
    sb_daemon_wait_ready "mmm_mond" "$d/mmm_mond.sandbox.pid" mmm_mond "$d/mmm_mond.out" sb_control_ping
}

# sb_stop_pid WHAT PID: SIGTERM (and SIGCONT), bounded wait (SB_STOP_TIMEOUT, default 20 s), then kill -9.
sb_stop_pid() {
    local what=$1 pid=$2
    kill -TERM "$pid" 2>/dev/null || true
    kill -CONT "$pid" 2>/dev/null || true
    if ! SB_TIMEOUT=${SB_STOP_TIMEOUT:-20} sb_wait_for sb_gone "$pid"; then
        echo "sandbox: $what (pid $pid) ignored SIGTERM; kill -9" >&2
        kill -9 "$pid" 2>/dev/null || true
        SB_TIMEOUT=10 sb_wait_for sb_gone "$pid"
    fi
}

sb_agent_stop() {
    local pid
    pid=$(sb_agent_pid "$1") || return 0
    sb_stop_pid "mmm_agentd on $1" "$pid"
}

sb_monitor_stop() {
    local pid
    pid=$(sb_monitor_pid) || return 0
    sb_stop_pid mmm_mond "$pid"
}

# sb_control ARGS...: mmm_control against the sandbox's monitor (from the mon namespace).
sb_control() {
    ip netns exec "$(sb_ns mon)" "$(sb_bin control)" -c "$(sb_dir)/mmm.yaml" "$@"
}

sb_control_ping() { [[ $(sb_control ping 2>/dev/null) == OK* ]]; }

# sb_show_line HOST: HOST's line of `mmm_control show` ("  db1(192.0.2.11) master/ONLINE. Roles: ...").
sb_show_line() {
    sb_control show | awk -v h="$1(" 'index($1, h) == 1 { print; exit }'
}

# sb_state HOST: HOST's state as `show` reports it (ONLINE, HARD_OFFLINE, ...).
sb_state() {
    sb_show_line "$1" | sed -nE 's/^ *[^ ]+ [a-z]+\/([A-Z_]+)\. Roles:.*/\1/p'
}

# sb_roles HOST: HOST's roles as `show` reports them ("reader(192.0.2.51), writer(192.0.2.50)" or empty).
sb_roles() {
    sb_show_line "$1" | sed -nE 's/.*\. Roles: ?//p'
}

# sb_state_is HOST STATE: succeeds when `show` reports HOST in STATE.
sb_state_is() { [[ $(sb_state "$1") == "$2" ]]; }

# sb_role_holder ROLE: the host that `show` lists with ROLE (the first one; empty if none).
sb_role_holder() {
    sb_control show | awk -v r="$1(" '$1 ~ /\(/ && index($0, r) { sub(/\(.*/, "", $1); print $1; exit }'
}

# sb_vips HOST: the addresses on HOST's eth0 other than its own, one a line (no prefix length).
sb_vips() {
    ip -n "$(sb_ns "$1")" -4 -o addr show dev eth0 2>/dev/null |
        awk -v own="$(sb_ip "$1")" '{ split($4, a, "/"); if (a[1] != own) print a[1] }'
}

# sb_has_vip HOST IP: succeeds when IP is configured on HOST's eth0.
sb_has_vip() { sb_vips "$1" | grep -qxF "$2"; }

# sb_vip_holders IP: the db hosts that have IP on eth0, space separated.
sb_vip_holders() {
    local h holders=()
    for h in "${SB_DB_HOSTS[@]}"; do
        sb_has_vip "$h" "$1" && holders+=("$h")
    done
    echo "${holders[*]}"
}

# sb_read_only HOST: @@global.read_only of HOST (1 or 0).
sb_read_only() { sb_sql "$1" "SELECT @@global.read_only"; }

# sb_all_online_once: one round: `set_online` every AWAITING_RECOVERY host; succeeds when every host is
# ONLINE, the writer and all readers are placed, and each placed role IP is on its holder's eth0.
sb_all_online_once() {
    local show host state ok=0
    show=$(sb_control show 2>/dev/null) || return 1
    for host in "${SB_DB_HOSTS[@]}"; do
        state=$(awk -v h="$host(" 'index($1, h) == 1' <<<"$show" | sed -nE 's/^ *[^ ]+ [a-z]+\/([A-Z_]+)\..*/\1/p')
        case "$state" in
            ONLINE) ;;
            AWAITING_RECOVERY) sb_control set_online "$host" >/dev/null 2>&1 || true; ok=1 ;;
            *) ok=1 ;;
        esac
    done
    ((ok == 0)) || return 1
    sb_roles_placed "$show"
}

# sb_roles_placed [SHOW_OUTPUT]: succeeds when writer 192.0.2.50 and readers .51-.53 are each listed on
# exactly one host and configured on that host's eth0 only.
sb_roles_placed() {
    local show=${1:-} ip role n holder
    [[ -n $show ]] || show=$(sb_control show 2>/dev/null) || return 1
    for ip in 192.0.2.50 192.0.2.51 192.0.2.52 192.0.2.53; do
        role=reader
        [[ $ip == 192.0.2.50 ]] && role=writer
        n=$(grep -cF "$role($ip)" <<<"$show" || true)
        ((n == 1)) || return 1
        holder=$(awk -v r="$role($ip)" 'index($0, r) { sub(/\(.*/, "", $1); print $1; exit }' <<<"$show")
        [[ $(sb_vip_holders "$ip") == "$holder" ]] || return 1
    done
}

# sb_wait_all_online: bounded wait (SB_TIMEOUT, default 60 s) until every host is ONLINE with all roles
# placed, running `set_online` for hosts in AWAITING_RECOVERY (the state mysql-mmm gives a fresh cluster).
sb_wait_all_online() {
    SB_TIMEOUT=${SB_TIMEOUT:-60} SB_POLL=0.2 sb_wait_for sb_all_online_once
}

# sb_stopped PID: succeeds when PID is stopped (SIGSTOP).
sb_stopped() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat%% *} == T ]]
}
