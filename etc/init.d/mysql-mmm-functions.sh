# The body of the SysV init scripts mysql-mmm-monitor and mysql-mmm-agent (POSIX sh, sourced by them).
# Installed as /usr/share/mysql-mmm/init-functions.sh. The sourcing script sets NAME (the init
# script's name), DESC (for messages) and DAEMON (the binary), then calls `mmm_init_main "$@"`.
#
# The daemon daemonizes itself and writes its pid file (the config's monitor.pid_path or
# agent.pid_path); the script never backgrounds it and never writes the pid file. It waits until
# the pid file names a live process, so PIDFILE here must be the same path as pid_path in the config.
#
# Variables, read from /etc/default/$NAME (documented there):
#   ENABLED      1/yes/true: `start` runs the daemon; anything else: `start` says so and exits 0
#   CONFIG       passed as -c CONFIG (empty: the daemon's default, /etc/mysql-mmm/mmm.yaml or legacy)
#   CLUSTER      passed as --cluster CLUSTER (reads mmm_CLUSTER.yaml); also names the default PIDFILE
#   PIDFILE      default /run/mysql-mmm/<daemon>.pid, /run/mysql-mmm/<daemon>-CLUSTER.pid with CLUSTER
#   DAEMON       the binary (default /usr/sbin/mmm_mond or /usr/sbin/mmm_agentd)
#   DAEMON_ARGS  more arguments, split on blanks (e.g. --host db1)
#   START_TIMEOUT  seconds to wait for the pid file after the daemon returned (default 10)
#   STOP_TIMEOUT   seconds to wait after SIGTERM before SIGKILL (default 30)
# MMM_DEFAULTS_FILE in the environment replaces /etc/default/$NAME (tests, several instances).
#
# Exit codes follow LSB: status 0 running, 1 dead but pid file exists, 3 not running, 4 unknown;
# other actions 0 ok, 1 failed, 2 bad usage, 5 not installed, 6 not configured, 7 not running.
# shellcheck shell=sh disable=SC2153  # NAME, DESC and DAEMON come from the sourcing script

# On a Debian host booted with systemd, /lib/lsb/init-functions hands `/etc/init.d/mysql-mmm-* ACTION`
# over to `systemctl ACTION mysql-mmm-*.service` (one supervisor, one instance) and does not return;
# elsewhere it only defines functions that this file does not use. Sourced here, at the top level of the
# init script, because it reads the script's $0 and $1.
if [ -r /lib/lsb/init-functions ]; then
    # shellcheck disable=SC1091
    . /lib/lsb/init-functions
fi

# The process name the kernel shows for DAEMON (/proc/PID/comm keeps 15 characters).
mmm_comm() {
    basename "$DAEMON" | cut -c1-15
}

# Prints the pid in PIDFILE if it is a number; fails otherwise.
mmm_read_pid() {
    [ -r "$PIDFILE" ] || return 1
    _rp=
    read -r _rp <"$PIDFILE" 2>/dev/null  # fails on a last line without newline, but reads it
    case "$_rp" in
        '' | *[!0-9]*) return 1 ;;
    esac
    echo "$_rp"
}

# Succeeds when PID is a live process running DAEMON (not a zombie, not a reused pid).
mmm_pid_alive() {
    if [ -d /proc/self ]; then
        [ -r "/proc/$1/stat" ] || return 1
        _stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
        _state=${_stat##*) }
        [ "${_state%% *}" != Z ] || return 1
        [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$(mmm_comm)" ]
    else
        kill -0 "$1" 2>/dev/null
    fi
}

# Prints the pid of the running daemon; fails when none runs.
mmm_running_pid() {
    _rpid=$(mmm_read_pid) || return 1
    mmm_pid_alive "$_rpid" || return 1
    echo "$_rpid"
}

# A tenth of a second where sleep takes fractions, a second elsewhere.
mmm_nap() {
    sleep 0.1 2>/dev/null || sleep 1
}

mmm_enabled() {
    case "$ENABLED" in
        1 | [Yy][Ee][Ss] | [Tt][Rr][Uu][Ee]) return 0 ;;
        *) return 1 ;;
    esac
}

mmm_start() {
    if ! mmm_enabled; then
        echo "$DESC disabled (ENABLED=$ENABLED), see $DEFAULTS_FILE"
        return 0
    fi
    if _pid=$(mmm_running_pid); then
        echo "$DESC already running (pid $_pid)."
        return 0
    fi
    if [ ! -x "$DAEMON" ]; then
        echo "$DESC: $DAEMON is not installed or not executable" >&2
        return 5
    fi
    printf 'Starting %s: ' "$DESC"
    # A stale pid file would look like success until the new daemon replaces it.
    rm -f "$PIDFILE"
    mkdir -p "$(dirname "$PIDFILE")" || return 1
    set -- ${CONFIG:+-c "$CONFIG"} ${CLUSTER:+--cluster "$CLUSTER"}
    # shellcheck disable=SC2086  # DAEMON_ARGS is a list of words
    "$DAEMON" "$@" $DAEMON_ARGS
    _rc=$?
    if [ "$_rc" -ne 0 ]; then
        echo "failed ($DAEMON exited with $_rc)."
        [ "$_rc" -eq 2 ] && return 6  # 2 = invalid configuration
        return 1
    fi
    _tries=$((START_TIMEOUT * 10))
    while [ "$_tries" -gt 0 ]; do
        if _pid=$(mmm_running_pid); then
            echo "Ok (pid $_pid)."
            return 0
        fi
        _tries=$((_tries - 1))
        mmm_nap
    done
    echo "failed: no live process in $PIDFILE after ${START_TIMEOUT}s (see the daemon's log_path;" \
        "does PIDFILE in $DEFAULTS_FILE match pid_path in the config?)."
    return 1
}

# Waits up to $2 seconds for pid $1 to end; fails if it still runs.
mmm_wait_gone() {
    _tries=$(($2 * 10))
    while mmm_pid_alive "$1"; do
        [ "$_tries" -gt 0 ] || return 1
        _tries=$((_tries - 1))
        mmm_nap
    done
    return 0
}

mmm_stop() {
    printf 'Stopping %s: ' "$DESC"
    if ! _pid=$(mmm_running_pid); then
        rm -f "$PIDFILE"
        echo "not running."
        return 0
    fi
    kill -TERM "$_pid" 2>/dev/null
    if ! mmm_wait_gone "$_pid" "$STOP_TIMEOUT"; then
        printf 'still running after %ss, sending SIGKILL... ' "$STOP_TIMEOUT"
        kill -KILL "$_pid" 2>/dev/null
        if ! mmm_wait_gone "$_pid" 5; then
            echo "failed (pid $_pid survived SIGKILL)."
            return 1
        fi
    fi
    rm -f "$PIDFILE"
    echo "Ok."
    return 0
}

mmm_status() {
    if _pid=$(mmm_running_pid); then
        echo "$DESC is running (pid $_pid)."
        return 0
    fi
    if [ -e "$PIDFILE" ] && [ ! -r "$PIDFILE" ]; then
        echo "$DESC: cannot read $PIDFILE."
        return 4
    fi
    if [ -s "$PIDFILE" ]; then
        echo "$DESC is not running, but $PIDFILE exists."
        return 1
    fi
    echo "$DESC is not running."
    return 3
}

mmm_reload() {
    if ! _pid=$(mmm_running_pid); then
        echo "$DESC is not running."
        return 7
    fi
    kill -HUP "$_pid" && echo "Reloading $DESC (SIGHUP to pid $_pid)."
}

mmm_init_main() {
    DEFAULTS_FILE=${MMM_DEFAULTS_FILE:-/etc/default/$NAME}
    ENABLED=1
    CONFIG=
    CLUSTER=
    PIDFILE=
    DAEMON_ARGS=
    START_TIMEOUT=10
    STOP_TIMEOUT=30
    if [ -r "$DEFAULTS_FILE" ]; then
        # shellcheck disable=SC1090
        . "$DEFAULTS_FILE"
    fi
    [ -n "$PIDFILE" ] || PIDFILE=/run/mysql-mmm/$(basename "$DAEMON")${CLUSTER:+-$CLUSTER}.pid

    case "$1" in
        start) mmm_start ;;
        stop) mmm_stop ;;
        restart | force-reload)
            if [ "$1" = force-reload ] && mmm_running_pid >/dev/null; then
                mmm_reload
            else
                mmm_stop && mmm_start
            fi
            ;;
        try-restart | condrestart)
            if mmm_running_pid >/dev/null; then
                mmm_stop && mmm_start
            else
                echo "$DESC is not running."
            fi
            ;;
        reload) mmm_reload ;;
        status) mmm_status ;;
        *)
            echo "Usage: $NAME {start|stop|restart|try-restart|reload|force-reload|status}" >&2
            return 2
            ;;
    esac
}
