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

# sb_wait_for CMD...: run CMD until it succeeds or SB_TIMEOUT seconds (default 30) pass.
sb_wait_for() {
    local timeout=${SB_TIMEOUT:-30} start=$SECONDS
    local deadline=$((start + timeout))
    until "$@" >/dev/null 2>&1; do
        if ((SECONDS >= deadline)); then
            echo "sb_wait_for: timed out after ${timeout}s: $*" >&2
            return 1
        fi
        sleep 0.05
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
