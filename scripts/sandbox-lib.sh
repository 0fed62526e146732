# Helpers shared by scripts/sandbox and the bash integration tests (source it; needs bash).
# shellcheck shell=bash
# Names and paths follow the sandbox contract: MMM_SANDBOX=<prefix> prefixes every namespace and
# changes the state directory; MMM_SANDBOX_DIR overrides the state directory.

# Debian's loadable `sleep` (bash-builtins, installed by install-deps): the polling loops below sleep without
# starting a process each time. Without it the external sleep is used.
enable -f /usr/lib/bash/sleep sleep 2>/dev/null || true

# SB_DB_HOSTS (the db hosts in use: db1 db2 db3, and db4 in the galera topology), SB_ALL_HOSTS (every host namespace
# but sw: the db hosts, mon [mon2 mon3], client) and SB_MONS (the monitor hosts in use) are set by sb_topology, from
# the number of monitors (MMM_SANDBOX_MONITORS) and the topology (MMM_SANDBOX_TOPOLOGY).
# shellcheck disable=SC2034  # used by the scripts that source this file
SB_DB_HOSTS=(db1 db2 db3)
# shellcheck disable=SC2034
SB_ALL_HOSTS=(db1 db2 db3 mon client)
# Every monitor host and every db host the sandbox knows (whether in use or not): what `down` and the test cleanup
# look for.
# shellcheck disable=SC2034
SB_MON_NAMES=(mon mon2 mon3)
# shellcheck disable=SC2034
SB_DB_NAMES=(db1 db2 db3 db4)
# The Galera nodes of the galera topology (db4 is an asynchronous replica of them, not a node).
# shellcheck disable=SC2034
SB_GALERA_NODES=(db1 db2 db3)

# sb_in GREP-ARGS...: grep over all of stdin. A pipeline into `grep -q` (or `head`) ends before its writer
# has written everything; the writer then dies of SIGPIPE and, under `set -o pipefail`, a line that was found
# reads as "not found" (or a printout aborts a `set -e` script). These two read their whole input first.
sb_in() {
    local text
    text=$(cat)
    grep "$@" <<<"$text"
}
# sb_head N: the first N lines of stdin, reading all of it (see sb_in).
sb_head() { awk -v n="$1" 'NR <= n'; }

# SB_NSP (the namespace names' prefix: "${SB_NSP}db1" is db1's namespace) and SB_DIR (the state directory), set by
# sb_paths from MMM_SANDBOX and MMM_SANDBOX_DIR when this file is sourced and again by sb_test_begin. Scripts use
# the variables rather than $(sb_ns HOST) or $(sb_dir): a command substitution forks, and the polled helpers ran
# dozens of them per poll (a fork costs ~1 ms of CPU here; three tests polling used most of both cores).
# sb_paths also sets the monitor topology (sb_topology).
sb_paths() {
    SB_NSP=${MMM_SANDBOX:+$MMM_SANDBOX-}
    SB_DIR=${MMM_SANDBOX_DIR:-/var/tmp/mmm-sandbox${MMM_SANDBOX:+-$MMM_SANDBOX}}
    sb_topology
}

# sb_ns HOST: the namespace name of HOST (db1 db2 db3 mon [mon2 mon3] client sw); sb_dir: the state directory.
sb_ns() { sb_paths; printf '%s%s\n' "$SB_NSP" "$1"; }
sb_dir() { sb_paths; printf '%s\n' "$SB_DIR"; }

# sb_ip HOST: the cluster address of HOST (without prefix length); SB_IPS[HOST] is the same without a fork.
# mon2 (192.0.2.20) and mon3 (192.0.2.30) are in it only when in use (sb_topology).
declare -gA SB_IPS=([sw]=192.0.2.1 [mon]=192.0.2.10 [db1]=192.0.2.11 [db2]=192.0.2.12 [db3]=192.0.2.13
    [client]=192.0.2.100)

# The etcd key prefix of the sandbox's monitors (monitor.coordination.prefix) when they run on etcd.
# shellcheck disable=SC2034
SB_ETCD_PREFIX=/mmm/sandbox

# sb_topology: the monitors in use: their number from <state dir>/monitors (written by `up`), else from
# MMM_SANDBOX_MONITORS (1, 2 or 3; anything else counts as 1, which `up` refuses), default 1; and the db topology
# from <state dir>/topology (written by `up` for galera only; a sandbox that was brought up without one is master),
# else from MMM_SANDBOX_TOPOLOGY (master or galera; anything else counts as master, which `up` refuses), default
# master. Sets SB_MONITORS (the number), SB_MONS (mon, or mon mon2 [mon3]),
# SB_TOPOLOGY, SB_DB_HOSTS (db1 db2 db3; with galera also db4), SB_ALL_HOSTS and SB_IPS (mon2 and mon3 only when in
# use, db4 only with galera), and with more than one monitor SB_ETCD_ENDPOINTS (the etcd members' client URLs, comma
# separated) and SB_ETCD_CLUSTER (the --initial-cluster list); both are empty with one monitor. Without a fork
# (sb_paths runs it).
sb_topology() {
    local n=${MMM_SANDBOX_MONITORS:-1} m topology=${MMM_SANDBOX_TOPOLOGY:-master}
    local -A ips=([mon]=192.0.2.10 [mon2]=192.0.2.20 [mon3]=192.0.2.30)
    if [[ -r $SB_DIR/monitors ]]; then
        read -r n <"$SB_DIR/monitors" || true
    fi
    if [[ -r $SB_DIR/topology ]]; then
        read -r topology <"$SB_DIR/topology" || true
    elif [[ -r $SB_DIR/monitors ]]; then
        topology=master  # brought up without a topology record: the default topology, whatever the variable says
    fi
    [[ $n == [123] ]] || n=1
    [[ $topology == galera ]] || topology=master
    SB_MONITORS=$n
    SB_MONS=("${SB_MON_NAMES[@]:0:n}")
    SB_TOPOLOGY=$topology
    unset 'SB_IPS[db4]'
    if [[ $topology == galera ]]; then
        SB_DB_HOSTS=(db1 db2 db3 db4)
        SB_IPS[db4]=192.0.2.14
    else
        SB_DB_HOSTS=(db1 db2 db3)
    fi
    # shellcheck disable=SC2034
    SB_ALL_HOSTS=("${SB_DB_HOSTS[@]}" "${SB_MONS[@]}" client)
    SB_ETCD_ENDPOINTS=
    SB_ETCD_CLUSTER=
    unset 'SB_IPS[mon2]' 'SB_IPS[mon3]'
    for m in "${SB_MONS[@]}"; do
        SB_IPS[$m]=${ips[$m]}
        ((n > 1)) || continue
        SB_ETCD_ENDPOINTS+=${SB_ETCD_ENDPOINTS:+,}http://${ips[$m]}:2379
        SB_ETCD_CLUSTER+=${SB_ETCD_CLUSTER:+,}$m=http://${ips[$m]}:2380
    done
}
sb_paths
sb_ip() {
    [[ -n ${SB_IPS[$1]:-} ]] || { echo "sb_ip: unknown host '$1'" >&2; return 1; }
    echo "${SB_IPS[$1]}"
}

# sb_sql HOST "SQL": run SQL as root on HOST's server over its socket; prints rows (-N -B).
sb_sql() {
    local host=$1
    shift
    mariadb --no-defaults --protocol=socket -S "${SB_DIR}/$host/mysqld.sock" -u root -N -B -e "$*"
}

# sb_read_only_bounded HOST [SECONDS]: @@global.read_only of HOST, bounded (default 3 s): a dead server fails at
# once, a stopped or hung one (it accepts the connection and never answers) when the time is up.
sb_read_only_bounded() {
    timeout -s KILL "${2:-3}" mariadb --no-defaults --protocol=socket -S "${SB_DIR}/$1/mysqld.sock" -u root \
        --connect-timeout=1 -N -B -e 'SELECT @@global.read_only' 2>/dev/null
}

# sb_mysqld_pid HOST: prints the pid of HOST's mariadbd and succeeds if that process is alive.
sb_mysqld_pid() {
    local f pid
    f="${SB_DIR}/$1/mysqld.pid"
    [[ -r $f ]] || return 1
    pid=$(<"$f")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [[ -r /proc/$pid/comm && $(</proc/"$pid"/comm) == mariadbd ]] || return 1
    sb_gone "$pid" && return 1
    echo "$pid"
}

# sb_wait_for CMD...: run CMD until it succeeds or SB_TIMEOUT seconds (default 30) pass; polls every SB_POLL
# seconds (default 0.1; a poll of a condition that reads `show`, the interfaces and the servers takes longer).
sb_wait_for() {
    local timeout=${SB_TIMEOUT:-30} start=$SECONDS
    local deadline=$((start + timeout))
    until "$@" >/dev/null 2>&1; do
        if ((SECONDS >= deadline)); then
            echo "sb_wait_for: timed out after ${timeout}s: $*" >&2
            return 1
        fi
        sleep "${SB_POLL:-0.1}"
    done
}

# sb_mysqld_ping HOST: succeeds when HOST's server answers over its socket.
sb_mysqld_ping() {
    # timeout: a stopped (SIGSTOP) server accepts the connection but never answers.
    timeout -s KILL 3 mariadb-admin --no-defaults --protocol=socket -S "${SB_DIR}/$1/mysqld.sock" -u root \
        --connect-timeout=1 ping >/dev/null 2>&1
}

# sb_mysqld_start HOST [ARGS...]: start HOST's mariadbd in its namespace (if not running) and wait until it answers
# (ARGS: more mariadbd options, e.g. --wsrep-new-cluster). A server that dies while starting (mariadbd's own crash
# recovery after a kill -9 under heavy write load crashed once in CI, and did not on the next starts) is started once
# more; what it logged is shown either way.
sb_mysqld_start() {
    local host=$1 d launched attempt
    shift
    d="${SB_DIR}/$host"
    if sb_mysqld_pid "$host" >/dev/null && sb_mysqld_ping "$host"; then
        return 0
    fi
    rm -f "$d/mysqld.crashed"
    for attempt in 1 2; do
        launched=
        if ! sb_mysqld_pid "$host" >/dev/null; then
            # mariadbd switches to user mysql itself (user=mysql in my.cnf); no mysqld_safe, so a killed
            # server stays dead, as fault tests want.
            # Launched from a subshell that exits at once, so the server is nobody's child here (no zombie).
            (
                ip netns exec "${SB_NSP}${host}" setsid mariadbd --defaults-file="$d/my.cnf" "$@" \
                    </dev/null >>"$d/mysqld.out" 2>&1 &
                echo $! >"$d/mysqld.launch.pid"
            )
            launched=$(<"$d/mysqld.launch.pid")
        fi
        if SB_TIMEOUT=${SB_TIMEOUT:-30} sb_wait_for sb_mysqld_answers_or_died "$host" "$launched" &&
            sb_mysqld_ping "$host"; then
            # mariadbd writes its pid file before it opens the socket.
            sb_mysqld_pid "$host" >/dev/null
            return 0
        fi
        echo "sb_mysqld_start: $host did not answer (start $attempt); what it logged (errors, assertions, signal):" >&2
        sb_mysqld_logged "$host" 'ERROR|Assertion|Failing assertion|signal|InnoDB: (Fatal|Corrupt|Assert)|Trying' |
            sb_head 30 >&2
        tail -n 8 "$d/mysqld.err" >&2 2>/dev/null
        # A server that died of an assertion of its own (InnoDB's crash recovery) is recorded in mysqld.crashed, so a
        # test can tell MariaDB's crash from mmm's failure (sb_test_restart_server). MMM_KEEP_CRASHED=DIR: a copy
        # of that datadir, for a MariaDB bug report.
        if [[ -n $launched ]] && ! kill -0 "$launched" 2>/dev/null; then
            sb_mysqld_logged "$host" 'Assertion failure|Failing assertion' | sb_head 4 >"$d/mysqld.crashed"
            [[ -s $d/mysqld.crashed ]] || rm -f "$d/mysqld.crashed"
            if [[ -n ${MMM_KEEP_CRASHED:-} ]]; then
                mkdir -p "$MMM_KEEP_CRASHED" && cp -a "$d" "$MMM_KEEP_CRASHED/$host-$(date +%s)-$attempt" || true
            fi
        fi
        [[ -n $launched ]] && kill -0 "$launched" 2>/dev/null && { kill -9 "$launched" 2>/dev/null; return 1; }
        [[ -n $launched ]] || return 1  # not started by us: nothing to retry
    done
    return 1
}

# sb_mysqld_logged HOST REGEX: the lines of HOST's error log since its server's last start that match REGEX.
sb_mysqld_logged() {
    awk -v re="$2" '/starting as process/ { n = NR } { line[NR] = $0 } END {
        for (i = n; i <= NR; i++) if (line[i] ~ re) print line[i] }' "${SB_DIR}/$1/mysqld.err" 2>/dev/null
}

# sb_mysqld_answers_or_died HOST PID: HOST's server answers, or the server started as PID is gone.
sb_mysqld_answers_or_died() { sb_mysqld_ping "$1" || { [[ -n $2 ]] && ! kill -0 "$2" 2>/dev/null; }; }

# sb_mysqld_kill HOST: kill -9 HOST's mariadbd (by its pid file) and wait until it is gone.
sb_mysqld_kill() {
    local pid
    pid=$(sb_mysqld_pid "$1") || return 0
    kill -9 "$pid" 2>/dev/null || true
    SB_TIMEOUT=${SB_TIMEOUT:-30} sb_wait_for sb_gone "$pid"
}

# sb_proc_state PID: the state letter of PID (R, S, T, Z, ...); fails if there is no such process.
sb_proc_state() { sb_proc_state_v "$1" && echo "$SB_PROC_STATE"; }

# sb_proc_state_v PID: sets SB_PROC_STATE to that letter without a fork; fails if there is no such process.
sb_proc_state_v() {
    local stat
    { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
    stat=${stat##*) }
    SB_PROC_STATE=${stat%% *}
}

# sb_gone PID: succeeds when PID is no longer a running process (a zombie counts as gone).
sb_gone() { ! sb_proc_state_v "$1" || [[ $SB_PROC_STATE == Z ]]; }

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
    local status
    status=$(sb_slave_status "$1") || return 0
    sb_field "$status" "$2"
}

# sb_slave_status HOST: SHOW SLAVE STATUS of HOST, vertical ("  Field: value" lines).
sb_slave_status() {
    mariadb --no-defaults --protocol=socket -S "${SB_DIR}/$1/mysqld.sock" -u root -E -e 'SHOW SLAVE STATUS' 2>/dev/null
}

# sb_field TEXT NAME: the value of "NAME: value" in TEXT (vertical output), without a fork.
sb_field() {
    local line
    while IFS= read -r line; do
        if [[ $line =~ ^[[:space:]]*([A-Za-z_]+):\ ?(.*)$ && ${BASH_REMATCH[1]} == "$2" ]]; then
            printf '%s\n' "${BASH_REMATCH[2]}"
            return 0
        fi
    done <<<"$1"
}

# sb_slave_running HOST: succeeds when both replication threads on HOST run.
sb_slave_running() {
    local status
    status=$(sb_slave_status "$1") || return 1
    [[ $(sb_field "$status" Slave_IO_Running) == Yes && $(sb_field "$status" Slave_SQL_Running) == Yes ]]
}

# --- the mmm daemons -------------------------------------------------------------------------------
# Binaries come from ${MMM_BINARY_DIR:-<repo>/build}. Each daemon runs in the foreground inside its namespace,
# started by `ip netns exec NS setsid BIN ... --foreground` from a subshell (so it is nobody's child here);
# its pid is kept in <file>.sandbox.pid beside the pid file the daemon may write itself, its stdout/stderr
# go to <name>.out, its audit log is the log_path of its config.

SB_REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# sb_bin agent|monitor|control|control_read|load|rw_sampler: the path of that program's binary (load and rw_sampler:
# the test tools mmm_write_load and mmm_rw_sampler of tests/tools).
sb_bin() { sb_bin_v "$1" && echo "$SB_BIN"; }

# sb_bin_v PROGRAM: sets SB_BIN to that path without a fork.
# MMM_PLAIN_BINARY_DIR (optional): a build of the same tree without sanitizers; scripts/test sets it to its normal
# build when it runs the sanitizer build's tests. The harness's own load there comes from it: the write load, the
# never-two-writers sampler and the polled `show` (control_read). A sanitizer build's mmm_control costs ~92 ms of
# CPU a call (its runtime's start and exit), the normal build's ~27 ms, and perf over three integration tests at
# once had mmm_control at 19 % of the machine's CPU, more than the daemons under test. What is tested stays in
# MMM_BINARY_DIR: agents, monitors and every other mmm_control call.
sb_bin_v() {
    local b=${MMM_BINARY_DIR:-$SB_REPO_DIR/build}
    case "$1" in
        control_read | load | rw_sampler) b=${MMM_PLAIN_BINARY_DIR:-$b} ;;
    esac
    case "$1" in
        agent) SB_BIN=$b/agent/mmm_agentd ;;
        monitor) SB_BIN=$b/monitor/mmm_mond ;;
        control | control_read) SB_BIN=$b/control/mmm_control ;;
        load) SB_BIN=$b/tests/tools/mmm_write_load ;;
        rw_sampler) SB_BIN=$b/tests/tools/mmm_rw_sampler ;;
        *) echo "sb_bin: unknown program '$1'" >&2; return 1 ;;
    esac
}

# sb_agent_config HOST: the agent config file of HOST (mmm.yaml with HOST's own agent section).
sb_agent_config() { printf '%s/agent-%s.yaml\n' "${SB_DIR}" "$1"; }

# sb_monitor_dir_v [MON]: sets SB_MON_DIR to the directory of monitor MON's (default mon) files (its pid, status and
# log files, mmm_mond.sandbox.pid and mmm_mond.out): the state directory for mon (as with one monitor),
# <state dir>/MON for mon2 and mon3. Without a fork.
sb_monitor_dir_v() {
    SB_MON_DIR=$SB_DIR
    [[ ${1:-mon} == mon ]] || SB_MON_DIR+=/$1
}

# sb_monitor_config [MON]: the config file of monitor MON (default mon): <state dir>/mmm.yaml for mon (also
# mmm_control's), <state dir>/monitor-MON.yaml for mon2 and mon3 (the same text with that monitor's own paths).
sb_monitor_config() {
    if [[ ${1:-mon} == mon ]]; then
        printf '%s/mmm.yaml\n' "${SB_DIR}"
    else
        printf '%s/monitor-%s.yaml\n' "${SB_DIR}" "$1"
    fi
}

# sb_agent_log HOST / sb_monitor_log [MON]: the audit logs (MON: default mon).
sb_agent_log() { printf '%s/%s/mmm_agentd.log\n' "${SB_DIR}" "$1"; }
sb_monitor_log() { sb_monitor_dir_v "${1:-}" && printf '%s/mmm_mond.log\n' "$SB_MON_DIR"; }

# sb_monitor_what [MON]: sets SB_MON_WHAT to how messages name monitor MON: "mmm_mond" with one monitor (as ever),
# "mmm_mond in MON" with more.
sb_monitor_what() {
    SB_MON_WHAT=mmm_mond
    ((SB_MONITORS == 1)) || SB_MON_WHAT+=" in ${1:-mon}"
}

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

sb_agent_pid() { sb_proc_pid "${SB_DIR}/$1/mmm_agentd.sandbox.pid" mmm_agentd; }
# sb_monitor_pid [MON]: the pid of monitor MON's (default mon) mmm_mond; fails if it is not running.
sb_monitor_pid() { sb_monitor_dir_v "${1:-}" && sb_proc_pid "$SB_MON_DIR/mmm_mond.sandbox.pid" mmm_mond; }

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
    [[ -n $(ip netns exec "${SB_NSP}${1}" ss -Hltn "sport = :$2" 2>/dev/null) ]]
}

# sb_ready_or_gone PID READY_CMD...: succeeds when READY_CMD succeeds or PID has ended.
sb_ready_or_gone() {
    local pid=$1
    shift
    sb_gone "$pid" && return 0
    "$@"
}

# sb_daemon_wait_ready WHAT PIDFILE COMM OUTFILE READY_CMD...: bounded wait (SB_DAEMON_TIMEOUT, default 20 s)
# until the daemon just launched is ready; fails with the end of its output if it exited or never got ready.
# (Right after the launch the process may still be `ip` or `setsid` on its way to exec the daemon.)
sb_daemon_wait_ready() {
    local what=$1 pidfile=$2 comm=$3 out=$4 pid
    shift 4
    pid=$(<"$pidfile")
    if ! SB_TIMEOUT=${SB_DAEMON_TIMEOUT:-20} sb_wait_for sb_ready_or_gone "$pid" "$@"; then
        echo "sandbox: $what is running but not ready after ${SB_DAEMON_TIMEOUT:-20} s; last lines of $out:" >&2
        tail -n 20 "$out" >&2 2>/dev/null
        return 1
    fi
    if ! sb_proc_pid "$pidfile" "$comm" >/dev/null; then
        echo "sandbox: $what (pid $pid) exited right after it started; last lines of $out:" >&2
        tail -n 20 "$out" >&2 2>/dev/null
        return 1
    fi
}

# sb_agent_start HOST: start HOST's mmm_agentd (if not running) and wait until it listens on the agent port.
sb_agent_start() {
    local host=$1 d bin
    d="${SB_DIR}/$host"
    bin=$(sb_bin agent)
    [[ -x $bin ]] || { echo "sandbox: no agent binary $bin" >&2; return 1; }
    if ! sb_agent_pid "$host" >/dev/null; then
        sb_launch "$d/mmm_agentd.sandbox.pid" "$d/mmm_agentd.out" "${SB_NSP}${host}" \
            "$bin" -c "$(sb_agent_config "$host")" --host "$host" --foreground
    fi
    sb_daemon_wait_ready "mmm_agentd on $host" "$d/mmm_agentd.sandbox.pid" mmm_agentd "$d/mmm_agentd.out" \
        sb_listening "$host" 9989
}

# sb_monitor_start [MON]: start mmm_mond in monitor MON's namespace (default mon; if not running) with its config
# (sb_monitor_config) and wait until it is ready: with one monitor until it answers `ping`, with several (etcd) until
# it listens on TCP 9988 in its namespace (followers listen too). SB_MONITOR_CONFIG chooses mon's config file
# (default <state dir>/mmm.yaml; it must listen where mmm.yaml says); it does not apply to mon2 and mon3.
# shellcheck disable=SC2120  # MON is optional
sb_monitor_start() {
    local mon=${1:-mon} d bin config ready=(sb_control_ping)
    sb_monitor_dir_v "$mon"
    d=$SB_MON_DIR
    sb_monitor_what "$mon"
    bin=$(sb_bin monitor)
    [[ -x $bin ]] || { echo "sandbox: no monitor binary $bin" >&2; return 1; }
    config=$(sb_monitor_config "$mon")
    [[ $mon != mon ]] || config=${SB_MONITOR_CONFIG:-$config}
    ((SB_MONITORS == 1)) || ready=(sb_listening "$mon" 9988)
    if ! sb_monitor_pid "$mon" >/dev/null; then
        mkdir -p "$d"
        sb_launch "$d/mmm_mond.sandbox.pid" "$d/mmm_mond.out" "${SB_NSP}${mon}" "$bin" -c "$config" --foreground
    fi
    sb_daemon_wait_ready "$SB_MON_WHAT" "$d/mmm_mond.sandbox.pid" mmm_mond "$d/mmm_mond.out" "${ready[@]}"
}

# sb_monitor_restart [CONFIG]: mmm_mond stopped (SIGTERM) and started again (with CONFIG when given), then every
# host back ONLINE with its roles and the writer on db1 (bounded waits; the test fails otherwise). For tests that
# restart the monitor only to change its config: a restart that outlasts the writer lease (1 s with the fast profile;
# a loaded machine takes longer) fences the writer by design, and the restarted monitor may then hold it as a failed
# active master in AWAITING_RECOVERY (the fence's kill round also ends the monitor's check connections).
sb_monitor_restart() {
    sb_monitor_stop
    SB_MONITOR_CONFIG=${1:-${SB_MONITOR_CONFIG:-}} sb_monitor_start ||
        sb_test_fail "mmm_mond did not start again${1:+ with $1}"
    SB_TIMEOUT=60 sb_wait_all_online || sb_test_fail "hosts not all ONLINE with roles placed after the monitor restart"
    if [[ $(sb_role_holder writer) != db1 ]]; then
        sb_control move_role writer db1 >/dev/null || sb_test_fail "move_role writer db1 after the monitor restart failed"
    fi
    SB_TIMEOUT=30 sb_expect "db1 the writer under the restarted monitor" sb_writer_is db1
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

# sb_monitor_stop [MON]: stops monitor MON's (default mon) mmm_mond (sb_stop_pid).
# shellcheck disable=SC2120  # MON is optional
sb_monitor_stop() {
    local pid
    pid=$(sb_monitor_pid "${1:-}") || return 0
    sb_monitor_what "${1:-}"
    sb_stop_pid "$SB_MON_WHAT" "$pid"
}

# --- etcd: one member per monitor namespace when the sandbox has more than one monitor --------------------
# Each member is a plain process (no system service) started like the daemons (sb_launch), named after its host
# (mon, mon2, mon3), with its data in <state dir>/MON/etcd, its output in MON/etcd.out and its pid in
# MON/etcd.sandbox.pid. Clients: http://<host address>:2379 (and 127.0.0.1:2379 inside its namespace); peers: :2380.

# sb_etcd_pid MON: the pid of MON's etcd member; fails if it is not running.
sb_etcd_pid() { sb_proc_pid "${SB_DIR}/$1/etcd.sandbox.pid" etcd; }

# sb_etcd_start MON: start MON's etcd member (if not running) and wait (bounded, SB_DAEMON_TIMEOUT) until it
# listens on its client port. A new member joins the initial cluster (--initial-cluster-state new); one with data
# comes back as itself (existing). Quorum and health: sb_etcd_wait_healthy.
sb_etcd_start() {
    local mon=$1 d ip state=new
    d=${SB_DIR}/$mon
    ip=${SB_IPS[$mon]:-}
    if [[ -z $ip || -z $SB_ETCD_CLUSTER ]]; then
        echo "sandbox: no etcd member '$mon' (etcd runs in the monitor namespaces with MMM_SANDBOX_MONITORS > 1;" \
            "monitors in use: ${SB_MONS[*]})" >&2
        return 1
    fi
    if ! sb_etcd_pid "$mon" >/dev/null; then
        mkdir -p "$d"
        [[ -d $d/etcd/member ]] && state=existing
        sb_launch "$d/etcd.sandbox.pid" "$d/etcd.out" "${SB_NSP}${mon}" etcd --name "$mon" --data-dir "$d/etcd" \
            --listen-client-urls "http://$ip:2379,http://127.0.0.1:2379" --advertise-client-urls "http://$ip:2379" \
            --listen-peer-urls "http://$ip:2380" --initial-advertise-peer-urls "http://$ip:2380" \
            --initial-cluster "$SB_ETCD_CLUSTER" --initial-cluster-state "$state" --initial-cluster-token mmm-sandbox \
            --heartbeat-interval 100 --election-timeout 1000 --logger zap --log-outputs stderr
    fi
    sb_daemon_wait_ready "etcd member $mon" "$d/etcd.sandbox.pid" etcd "$d/etcd.out" sb_listening "$mon" 2379
}

# sb_etcd_stop MON: SIGTERM to MON's etcd member (and SIGCONT), bounded wait (SB_STOP_TIMEOUT, default 10 s), kill -9.
sb_etcd_stop() {
    local pid
    pid=$(sb_etcd_pid "$1") || return 0
    SB_STOP_TIMEOUT=${SB_STOP_TIMEOUT:-10} sb_stop_pid "etcd member $1" "$pid"
}

# sb_etcd_kill MON: kill -9 MON's etcd member and wait until it is gone.
sb_etcd_kill() {
    local pid
    pid=$(sb_etcd_pid "$1") || return 0
    kill -9 "$pid" 2>/dev/null || true
    SB_TIMEOUT=${SB_TIMEOUT:-30} sb_wait_for sb_gone "$pid"
}

# sb_etcdctl ARGS...: etcdctl (API 3) against every member (--endpoints, 2 s command timeout). It runs in the
# switch namespace (sw, 192.0.2.1 on the bridge), which no fault touches: from a monitor namespace it would lose
# the cluster whenever that monitor's link is down (`fail MON netdown`).
sb_etcdctl() {
    [[ -n $SB_ETCD_ENDPOINTS ]] || { echo "sb_etcdctl: no etcd in this sandbox (one monitor)" >&2; return 1; }
    ETCDCTL_API=3 ip netns exec "${SB_NSP}sw" etcdctl --endpoints="$SB_ETCD_ENDPOINTS" --command-timeout=2s "$@"
}

# sb_etcd_healthy [MON...]: succeeds when the etcd members of MON... (default: all) all report healthy (each
# commits a proposal; a member without quorum does not).
sb_etcd_healthy() {
    local m eps=
    (($# > 0)) || set -- "${SB_MONS[@]}"
    [[ -n $SB_ETCD_ENDPOINTS ]] || return 1
    for m; do eps+=${eps:+,}http://${SB_IPS[$m]:-?}:2379; done
    ETCDCTL_API=3 ip netns exec "${SB_NSP}sw" etcdctl --endpoints="$eps" --command-timeout=2s endpoint health \
        >/dev/null 2>&1
}

# sb_etcd_wait_healthy [MON...]: bounded wait (SB_TIMEOUT, default 30 s) for sb_etcd_healthy MON...
sb_etcd_wait_healthy() { SB_TIMEOUT=${SB_TIMEOUT:-30} SB_POLL=0.2 sb_wait_for sb_etcd_healthy "$@"; }

# sb_leader: the monitor host (mon, mon2 or mon3) that leads: the "ip" of the JSON value of the etcd key
# <prefix>/leader ({"ip":"192.0.2.20","port":9988,"pid":1234,"since":"..."}), mapped back to its host. Prints
# nothing and fails when there is no such key (or etcd does not answer, or the address is no monitor's).
sb_leader() {
    local value ip m
    value=$(sb_etcdctl get "$SB_ETCD_PREFIX/leader" --print-value-only 2>/dev/null) || return 1
    [[ $value =~ \"ip\"[[:space:]]*:[[:space:]]*\"([0-9.]+)\" ]] || return 1
    ip=${BASH_REMATCH[1]}
    for m in "${SB_MONS[@]}"; do
        if [[ ${SB_IPS[$m]} == "$ip" ]]; then
            printf '%s\n' "$m"
            return 0
        fi
    done
    return 1
}

# sb_monitors: the monitor hosts in use, space separated ("mon", or "mon mon2 mon3"), as recorded by `up` (read
# again from the state directory; SB_MONS is the same without a fork, as of the last sb_paths or sb_sandbox).
sb_monitors() {
    sb_topology
    echo "${SB_MONS[*]}"
}

# sb_pid_fault PID kill|stop: kill -9 (and wait until it is gone, bounded) or SIGSTOP; sb_link_fault NS: eth0 of
# namespace NS (without prefix) down. Both set SB_FAULT_AT (epoch seconds) to the moment the fault took effect.
sb_pid_fault() {
    if [[ $2 == kill ]]; then kill -9 "$1"; else kill -STOP "$1"; fi
    SB_FAULT_AT=$EPOCHREALTIME
    [[ $2 == stop ]] || SB_TIMEOUT=30 sb_wait_for sb_gone "$1"
}
sb_link_fault() {
    ip -n "${SB_NSP}${1}" link set eth0 down
    SB_FAULT_AT=$EPOCHREALTIME
}

# sb_monitor_fault MON kill|stop|netdown|etcd: kill -9 / SIGSTOP monitor MON's mmm_mond, its namespace's eth0 down
# (which cuts its etcd member off too), or kill -9 its etcd member. Sets SB_FAULT_AT like sb_fault.
sb_monitor_fault() {
    local mon=$1 pid
    sb_monitor_what "$mon"
    case "$2" in
        kill | stop)
            pid=$(sb_monitor_pid "$mon") || { echo "$SB_MON_WHAT is not running" >&2; return 1; }
            sb_pid_fault "$pid" "$2"
            ;;
        netdown) sb_link_fault "$mon" ;;
        etcd)
            pid=$(sb_etcd_pid "$mon") || { echo "no etcd member runs in $mon" >&2; return 1; }
            kill -9 "$pid"
            SB_FAULT_AT=$EPOCHREALTIME
            SB_TIMEOUT=30 sb_wait_for sb_gone "$pid"
            ;;
        *) echo "sb_monitor_fault: unknown fault '$2' (kill, stop, netdown, etcd)" >&2; return 1 ;;
    esac
}

# sb_control ARGS...: mmm_control against the sandbox's monitor (from the mon namespace).
sb_control() { sb_control_as control "$@"; }

# sb_control_as control|control_read ARGS...: that mmm_control binary (see sb_bin_v) against the sandbox's monitor.
sb_control_as() {
    sb_bin_v "$1" && ip netns exec "${SB_NSP}mon" "$SB_BIN" -c "${SB_DIR}/mmm.yaml" "${@:2}"
}

# sb_control_read ARGS...: sb_control for the polled reads of `show` below: the helpers poll it several times a
# second in every test, so it runs from MMM_PLAIN_BINARY_DIR when that is set (see sb_bin_v), and else, in a
# sanitizer build, without LeakSanitizer's exit-time scan (116 ms of CPU a call with it, 84 ms without). Every
# other mmm_control call is the tested build's, scanned.
sb_control_read() { ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 sb_control_as control_read "$@"; }

sb_control_ping() { [[ $(sb_control_read ping 2>/dev/null) == OK* ]]; }

# The helpers below are polled by the tests (every SB_POLL s): they run one `show`, one `ip` per host and one
# client per server at most, and parse in bash (each process started here costs ~1 ms of CPU or more).

# sb_show_host_line SHOW HOST: HOST's line of the `show` text SHOW ("  db1(192.0.2.11) master/ONLINE. Roles: ...").
sb_show_host_line() {
    local line
    while IFS= read -r line; do
        [[ $line =~ ^[[:space:]]*"$2(" ]] && { printf '%s\n' "$line"; return 0; }
    done <<<"$1"
    return 0
}

# sb_show_line HOST: HOST's line of `mmm_control show`.
sb_show_line() {
    local show
    show=$(sb_control_read show) || return
    sb_show_host_line "$show" "$1"
}

# sb_line_state LINE: the state in a `show` line (ONLINE, HARD_OFFLINE, ...), empty if it has none.
sb_line_state() {
    [[ $1 =~ ^[[:space:]]*[^[:space:]]+\ [a-z]+/([A-Z_]+)\.\ Roles: ]] && printf '%s\n' "${BASH_REMATCH[1]}"
    return 0
}

# sb_state HOST: HOST's state as `show` reports it (ONLINE, HARD_OFFLINE, ...).
sb_state() {
    local line
    line=$(sb_show_line "$1") || return
    sb_line_state "$line"
}

# sb_roles HOST: HOST's roles as `show` reports them ("reader(192.0.2.51), writer(192.0.2.50)" or empty).
sb_roles() {
    local line
    line=$(sb_show_line "$1") || return
    [[ $line =~ \.\ Roles:\ ?(.*)$ ]] && printf '%s\n' "${BASH_REMATCH[1]}"
    return 0
}

# sb_state_is HOST STATE: succeeds when `show` reports HOST in STATE.
sb_state_is() { [[ $(sb_state "$1") == "$2" ]]; }

# sb_show_holder SHOW TEXT: the host whose line of the `show` text SHOW contains TEXT ("writer(" or
# "reader(192.0.2.51)"; the first one; empty if none).
sb_show_holder() {
    local line re='^[[:space:]]*([^[:space:](]+)[(]'
    while IFS= read -r line; do
        if [[ $line == *"$2"* && $line =~ $re ]]; then
            printf '%s\n' "${BASH_REMATCH[1]}"
            return 0
        fi
    done <<<"$1"
    return 0
}

# sb_role_holder ROLE: the host that `show` lists with ROLE (the first one; empty if none).
sb_role_holder() {
    local show
    show=$(sb_control_read show) || return
    sb_show_holder "$show" "$1("
}

# sb_eth0 HOST: `ip -4 addr show dev eth0` in HOST's namespace (link state and IPv4 addresses); empty if none.
sb_eth0() { ip -n "${SB_NSP}${1}" -4 addr show dev eth0 2>/dev/null || true; }

# sb_eth0_vips ETH0 HOST: the addresses in sb_eth0's text ETH0 other than HOST's own, one a line.
sb_eth0_vips() {
    local line
    while IFS= read -r line; do
        [[ $line =~ ^[[:space:]]*inet\ ([0-9.]+)/ && ${BASH_REMATCH[1]} != "${SB_IPS[$2]}" ]] &&
            printf '%s\n' "${BASH_REMATCH[1]}"
    done <<<"$1"
    return 0
}

# sb_eth0_has ETH0 IP: sb_eth0's text ETH0 lists IP.
sb_eth0_has() { [[ $1 == *" inet $2/"* ]]; }

# sb_eth0_up ETH0: sb_eth0's text ETH0 says the link is up.
sb_eth0_up() { [[ $1 == *" state UP "* ]]; }

# sb_vips HOST: the addresses on HOST's eth0 other than its own, one a line (no prefix length).
sb_vips() { sb_eth0_vips "$(sb_eth0 "$1")" "$1"; }

# sb_no_vips HOST: HOST's eth0 carries no role IP.
sb_no_vips() { [[ -z $(sb_vips "$1") ]]; }

# sb_has_vip HOST IP: succeeds when IP is configured on HOST's eth0.
sb_has_vip() { sb_eth0_has "$(sb_eth0 "$1")" "$2"; }

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
    local show host ok=0
    show=$(sb_control_read show 2>/dev/null) || return 1
    for host in "${SB_DB_HOSTS[@]}"; do
        case "$(sb_line_state "$(sb_show_host_line "$show" "$host")")" in
            ONLINE) ;;
            AWAITING_RECOVERY) sb_control set_online "$host" >/dev/null 2>&1 || true; ok=1 ;;
            *) ok=1 ;;
        esac
    done
    ((ok == 0)) || return 1
    sb_roles_placed "$show"
}

# sb_roles_placed [SHOW_OUTPUT]: succeeds when writer 192.0.2.50 and readers .51-.53 (galera topology: .51-.54) are
# each listed on exactly one host and configured on that host's eth0 only.
sb_roles_placed() {
    local show=${1:-} ip role holder h holders rest role_ips=(192.0.2.50 192.0.2.51 192.0.2.52 192.0.2.53)
    local -A eth0=()
    [[ $SB_TOPOLOGY != galera ]] || role_ips+=(192.0.2.54)
    [[ -n $show ]] || show=$(sb_control_read show 2>/dev/null) || return 1
    for h in "${SB_DB_HOSTS[@]}"; do eth0[$h]=$(sb_eth0 "$h"); done
    for ip in "${role_ips[@]}"; do
        role=reader
        [[ $ip == 192.0.2.50 ]] && role=writer
        rest=${show#*"$role($ip)"}  # listed exactly once
        [[ $rest != "$show" && $rest != *"$role($ip)"* ]] || return 1
        holder=$(sb_show_holder "$show" "$role($ip)")
        holders=()
        for h in "${SB_DB_HOSTS[@]}"; do
            sb_eth0_has "${eth0[$h]}" "$ip" && holders+=("$h")
        done
        [[ ${holders[*]} == "$holder" ]] || return 1
    done
}

# sb_wait_all_online: bounded wait (SB_TIMEOUT, default 60 s) until every host is ONLINE with all roles
# placed, running `set_online` for hosts in AWAITING_RECOVERY (the state mysql-mmm gives a fresh cluster).
sb_wait_all_online() {
    SB_TIMEOUT=${SB_TIMEOUT:-60} SB_POLL=0.2 sb_wait_for sb_all_online_once
}

# sb_stopped PID: succeeds when PID is stopped (SIGSTOP).
sb_stopped() { [[ $(sb_proc_state "$1") == T ]]; }

# --- end-to-end test helpers -----------------------------------------------------------------------
# A test script: `sb_test_begin NAME` (root check, its own MMM_SANDBOX prefix it-e2e-NAME, cleanup on EXIT),
# `sb_test_cluster_up` (fresh cluster, agents, monitor, every host ONLINE), then faults, bounded waits
# (sb_wait_for / sb_expect) and sb_test_fail / sb_test_ok. A daemon that is missing or not functional makes
# the test fail, never skip.

# sb_test_skip TEXT: the test cannot go on for a reason outside mmm (exit 77: ctest counts it as skipped, and
# scripts/test names it in its summary).
sb_test_skip() {
    echo "SKIP: $1"
    SB_TEST_SKIPPED=1
    exit 77
}

# sb_test_restart_server HOST: starts HOST's mariadbd again after a fault (scripts/sandbox heal). When the server
# itself dies of an InnoDB assertion in its crash recovery, twice (a MariaDB bug after kill -9 under heavy write
# load: seen twice in CI, on 10.11), the rest of the test needs a server MariaDB cannot give: it is skipped, with
# what the server logged; any other failure to start fails the test.
sb_test_restart_server() {
    local host=$1
    sb_sandbox heal "$host" >/dev/null && return 0
    if [[ -s ${SB_DIR}/$host/mysqld.crashed ]]; then
        sb_test_skip "$host's mariadbd crashed in its own crash recovery (a MariaDB bug, not mmm's), so the rest of
this test cannot run; it logged:
$(<"${SB_DIR}/$host/mysqld.crashed")"
    fi
    sb_test_fail "could not restart $host's mariadbd"
}

sb_test_begin() {
    if [[ $(id -u) != 0 ]]; then
        echo "SKIP: needs root (creates network namespaces, starts mariadbd, agents and a monitor)"
        exit 0
    fi
    export MMM_SANDBOX="it-e2e-$1"
    unset MMM_SANDBOX_DIR
    sb_paths
    SB_TEST_NAME=$1
    SB_TEST_START=$SECONDS
    trap sb_test_cleanup EXIT
}

# sb_sandbox ARGS...: scripts/sandbox ARGS, then the topology read again (sb_topology): `up` records the number of
# monitors (a test may give MMM_SANDBOX_MONITORS to that call only), `down` removes the record.
sb_sandbox() {
    local rc=0
    "$SB_REPO_DIR/scripts/sandbox" "$@" || rc=$?
    sb_topology
    return "$rc"
}

# On EXIT: stops the client, takes the sandbox down and checks that nothing was left behind (no process it
# started, no namespace); a leftover fails the test.
sb_test_cleanup() {
    local rc=$? procs=() pid host left
    trap - EXIT
    sb_stop_background
    for host in "${SB_DB_HOSTS[@]}"; do
        pid=$(sb_mysqld_pid "$host") && procs+=("$pid")
        pid=$(sb_agent_pid "$host") && procs+=("$pid")
    done
    for host in "${SB_MON_NAMES[@]}"; do
        pid=$(sb_monitor_pid "$host") && procs+=("$pid")
        pid=$(sb_etcd_pid "$host") && procs+=("$pid")
    done
    sb_sandbox down >/dev/null 2>&1 || { echo "cleanup: sandbox down failed" >&2; rc=1; }
    for pid in "${procs[@]}"; do
        sb_gone "$pid" || { echo "FAIL: process $pid survived sandbox down" >&2; rc=1; }
    done
    # This sandbox's own namespaces only: another test's prefix may start with this one's (it-e2e-monitor-restart
    # and it-e2e-monitor-restart-midplan run side by side).
    left=
    for host in "${SB_DB_NAMES[@]}" "${SB_MON_NAMES[@]}" client sw; do
        [[ -e /run/netns/${SB_NSP}${host} ]] && left+="${SB_NSP}${host} "
    done
    [[ -z $left ]] || { echo "FAIL: namespaces left behind: $left" >&2; rc=1; }
    [[ ! -e ${SB_DIR} ]] || { echo "FAIL: state directory ${SB_DIR} left behind" >&2; rc=1; }
    # 77 means "skipped" to ctest: only sb_test_skip may end a test so.
    ((rc == 77)) && [[ -z ${SB_TEST_SKIPPED:-} ]] && rc=1
    local verdict="FAIL (exit $rc)"
    ((rc == 0)) && verdict=PASS
    ((rc == 77)) && [[ -n ${SB_TEST_SKIPPED:-} ]] && verdict=SKIP
    echo "${SB_TEST_NAME:-test}: $((SECONDS - ${SB_TEST_START:-0})) s, $verdict"
    exit "$rc"
}

# sb_test_diagnostics: what a failing test prints: show, checks, sandbox status, the end of the logs.
sb_test_diagnostics() {
    local host
    {
        echo "--- mmm_control show"
        sb_control show 2>&1 || true
        echo "--- mmm_control checks"
        sb_control checks 2>&1 || true
        echo "--- sandbox status"
        sb_sandbox status 2>&1 || true
        echo "--- monitor log (last 60 lines)"
        tail -n 60 "$(sb_monitor_log)" 2>/dev/null || true
        tail -n 20 "${SB_DIR}/mmm_mond.out" 2>/dev/null || true
        for host in "${SB_MONS[@]:1}"; do
            echo "--- monitor log $host (last 60 lines)"
            tail -n 60 "$(sb_monitor_log "$host")" 2>/dev/null || true
            tail -n 20 "${SB_DIR}/$host/mmm_mond.out" 2>/dev/null || true
        done
        if ((SB_MONITORS > 1)); then
            echo "--- etcd: endpoint status, leader key"
            sb_etcdctl endpoint status -w table 2>&1 || true
            sb_etcdctl get "$SB_ETCD_PREFIX/leader" 2>&1 || true
        fi
        for host in "${SB_DB_HOSTS[@]}"; do
            echo "--- agent log $host (last 25 lines)"
            tail -n 25 "$(sb_agent_log "$host")" 2>/dev/null || true
            tail -n 40 "${SB_DIR}/$host/mmm_agentd.out" 2>/dev/null || true
        done
    } >&2
}

sb_test_fail() {
    echo "FAIL: $*" >&2
    sb_test_diagnostics
    exit 1
}

sb_test_ok() { echo "ok: $* ($((SECONDS - SB_TEST_START)) s)"; }

# sb_expect WHAT CMD...: bounded wait (SB_TIMEOUT, default 30 s) for CMD, else the test fails with WHAT.
sb_expect() {
    local what=$1
    shift
    sb_wait_for "$@" || sb_test_fail "timed out after ${SB_TIMEOUT:-30} s waiting for: $what"
}

# sb_holds WHAT CMD...: CMD keeps succeeding for SB_TIMEOUT seconds (polled); else the test fails with WHAT.
# For asserting that something does not change, which can only be observed over a window.
sb_holds() {
    local what=$1 deadline=$((SECONDS + ${SB_TIMEOUT:-5}))
    shift
    while ((SECONDS < deadline)); do
        "$@" >/dev/null 2>&1 || sb_test_fail "no longer true: $what"
        sleep "${SB_POLL:-0.1}"
    done
}

# sb_test_sandbox_up: a fresh sandbox (of the topology MMM_SANDBOX_TOPOLOGY says) with agents and monitor, every
# host ONLINE, roles placed, the writer role on db1.
sb_test_sandbox_up() {
    local p
    for p in agent monitor control; do
        [[ -x $(sb_bin "$p") ]] || sb_test_fail "no $p binary $(sb_bin "$p") (build it or set MMM_BINARY_DIR)"
    done
    sb_sandbox down >/dev/null 2>&1 || true
    sb_sandbox up || sb_test_fail "sandbox up with agents and monitor failed"
    # `up` returns once every host is ONLINE with its roles; a check that times out on a loaded machine right after
    # can move a reader for a moment (REPLICATION_FAIL and back), so placement is waited for, bounded.
    SB_TIMEOUT=30 sb_expect "roles placed after sandbox up" sb_roles_placed
    [[ $(sb_role_holder writer) == db1 ]] || sb_test_fail "writer not on its preferred host db1 after up"
}

# sb_test_cluster_up: sb_test_sandbox_up, and db1 the only writable server (master/slave topology).
sb_test_cluster_up() {
    sb_test_sandbox_up
    sb_expect "db1 writable, db2 and db3 read-only" sb_writer_is db1
}

# sb_writer_is HOST: HOST holds the writer role and the writer VIP, is the only one with that VIP and the only
# writable server among those clients can reach (a server that does not answer, or whose link is down, is
# not asked).
sb_writer_is() {
    local host=$1 h eth0 ro
    [[ $(sb_role_holder writer) == "$host" ]] || return 1
    eth0=$(sb_eth0 "$host")
    sb_eth0_up "$eth0" && sb_eth0_has "$eth0" 192.0.2.50 || return 1
    [[ $(sb_read_only "$host") == 0 ]] || return 1
    for h in "${SB_DB_HOSTS[@]}"; do
        [[ $h == "$host" ]] && continue
        eth0=$(sb_eth0 "$h")
        sb_eth0_up "$eth0" || continue
        sb_eth0_has "$eth0" 192.0.2.50 && return 1
        ro=$(sb_read_only_bounded "$h") || continue  # a server that does not answer is not asked
        [[ $ro == 1 ]] || return 1
    done
}

# sb_link_up HOST: HOST's eth0 is up.
sb_link_up() { sb_eth0_up "$(sb_eth0 "$1")"; }

# sb_fail_active_master HOW TAG: with the client loop TAG writing, notes where the logs end (SB_MON_FROM,
# SB_AGENT_FROM[host]), injects fault HOW (kill|stop|netdown) on the active master db1 at SB_FAULT_AT, then
# waits (bounded by SB_FAILOVER_TIMEOUT, default 60 s) for the first client write acknowledged after the
# fault (SB_FIRST_ACK) and for db2 to be the only writer.
sb_fail_active_master() {
    local how=$1 tag=$2 host
    SB_MON_FROM=$(sb_log_lines "$(sb_monitor_log)")
    declare -gA SB_AGENT_FROM=()
    for host in "${SB_DB_HOSTS[@]}"; do SB_AGENT_FROM[$host]=$(sb_log_lines "$(sb_agent_log "$host")"); done
    sb_fault db1 "$how" || sb_test_fail "could not inject fault '$how' on db1"
    SB_TIMEOUT=${SB_FAILOVER_TIMEOUT:-60} sb_expect "a client write through the writer VIP acknowledged after the fault" \
        sb_client_acked_after "$tag" "$SB_FAULT_AT"
    SB_FIRST_ACK=$(sb_client_first_ack_after "$tag" "$SB_FAULT_AT")
    SB_TIMEOUT=30 sb_expect "db2 the only writer (role, VIP, read_only=0; other reachable servers read-only)" \
        sb_writer_is db2
}

# sb_fault HOST kill|stop|netdown|replication|partition: kill -9 / SIGSTOP HOST's mariadbd, its eth0 down, STOP
# SLAVE, or a partition with the link up (sb_partition; in the galera topology sb_galera_partition).
# Sets SB_FAULT_AT (epoch seconds) to the moment the fault took effect.
sb_fault() {
    local host=$1 pid
    case "$2" in
        kill | stop)
            pid=$(sb_mysqld_pid "$host") || { echo "mariadbd on $host is not running" >&2; return 1; }
            sb_pid_fault "$pid" "$2"
            ;;
        netdown) sb_link_fault "$host" ;;
        replication)
            sb_sql "$host" "STOP SLAVE"
            SB_FAULT_AT=$EPOCHREALTIME
            ;;
        partition)
            # The galera topology: cut off from the other Galera nodes only (sb_galera_partition).
            if [[ $SB_TOPOLOGY == galera ]]; then sb_galera_partition "$host"; else sb_partition "$host"; fi
            SB_FAULT_AT=$EPOCHREALTIME
            ;;
        *) echo "sb_fault: unknown fault '$2' (kill, stop, netdown, replication, partition)" >&2; return 1 ;;
    esac
}

# sb_master_fault_scenario HOW: scenarios 1-3 up to the failover: a fresh cluster, the sampler 'writer'
# (sb_rw_sampler_start) and the client loop 'w' running, fault HOW on db1, writer on db2, client writes
# through the VIP again, db1 HARD_OFFLINE without roles.
sb_master_fault_scenario() {
    sb_test_cluster_up
    sb_test_ok "cluster up: all hosts ONLINE, writer on db1"
    sb_rw_sampler_start writer
    sb_client_start w
    SB_TIMEOUT=20 sb_expect "5 client writes through the writer VIP" sb_client_has_acked w 5
    sb_test_ok "client writes through the writer VIP"
    sb_fail_active_master "$1" w
    echo "timing: fault -> first acknowledged write through the VIP $(sb_elapsed "$SB_FAULT_AT" "$SB_FIRST_ACK") s"
    SB_TIMEOUT=30 sb_expect "db1 HARD_OFFLINE" sb_state_is db1 HARD_OFFLINE
    [[ -z $(sb_roles db1) ]] || sb_test_fail "db1 still listed with roles: $(sb_roles db1)"
    # A host cut off by its link keeps what it has where nobody sees it; the others must drop every VIP.
    [[ $1 == netdown ]] || SB_TIMEOUT=30 sb_expect "db1 holds no VIP" sb_no_vips db1
    local two
    two=$(sb_sampler_count_after writer "$SB_FAULT_AT" 'vip:db1,db2')
    ((two == 0)) || sb_test_fail "after the fault ($1) the writer VIP was on db1 and db2 at once in $two samples" \
        "over $(sb_sampler_span writer "$SB_FAULT_AT" 'vip:db1,db2') s"
    sb_test_ok "writer moved to db2 ($1 on db1), client writes succeed again, db1 HARD_OFFLINE without roles," \
        "the writer VIP never on two connected hosts"
}

# sb_old_master_back SINCE WHAT: the checks of scenarios 2 and 3 once db1 was healed at SINCE (epoch), with the
# sampler 'writer' (sb_rw_sampler_start) running: db1 seen again by the monitor; the writer VIP never on db1
# and db2 at once since SINCE; db1 read-only without VIP in AWAITING_RECOVERY; db2 still the only writer;
# the client's neighbour entry for the VIP is db2's MAC; a write through the VIP lands on db2 and reaches db3.
sb_old_master_back() {
    local since=$1 what=$2 two state mark
    SB_TIMEOUT=60 sb_expect "the monitor sees db1 again after $what" sb_not_state db1 HARD_OFFLINE
    SB_TIMEOUT=30 sb_expect "roles placed after $what" sb_roles_placed
    two=$(sb_sampler_count_after writer "$since" 'vip:db1,db2')
    ((two == 0)) || sb_test_fail "after $what the writer VIP was on db1 and db2 at once in $two samples" \
        "over $(sb_sampler_span writer "$since" 'vip:db1,db2') s"
    if ! SB_TIMEOUT=60 sb_wait_for sb_old_master_fenced; then
        state=$(sb_state db1)
        [[ $state == ONLINE ]] && state="ONLINE ('down for only N seconds' rule, then the writer moved back to its preferred host: $(sb_role_holder writer))"
        sb_test_fail "after $what db1 is not read-only without VIP in AWAITING_RECOVERY: state $state," \
            "read_only=$(sb_read_only db1), VIPs '$(sb_vips db1 | paste -sd' ' -)'"
    fi
    [[ -z $(sb_roles db1) ]] || sb_test_fail "db1 listed with roles: $(sb_roles db1)"
    sb_writer_is db2 || sb_test_fail "db2 no longer the only writer after $what"
    [[ $(sb_client_neigh 192.0.2.50) == "$(sb_mac db2)" ]] ||
        sb_test_fail "client's neighbour entry for the writer VIP is '$(sb_client_neigh 192.0.2.50)', not db2's $(sb_mac db2)"
    mark="after-$RANDOM$RANDOM"
    sb_vip_insert "$mark" || sb_test_fail "INSERT through the writer VIP failed after $what"
    sb_has_row db2 "$mark" || sb_test_fail "a write through the VIP after $what did not land on db2"
    SB_TIMEOUT=60 sb_expect "db3 replicating from db2" sb_replicates_from db3 db2
    SB_TIMEOUT=30 sb_expect "the row arrives on db3" sb_has_row db3 "$mark"
}

sb_not_state() { local s; s=$(sb_state "$1") && [[ -n $s && $s != "$2" ]]; }
sb_old_master_fenced() { [[ $(sb_read_only db1) == 1 ]] && sb_no_vips db1 && sb_state_is db1 AWAITING_RECOVERY; }

# sb_stats "v1 v2 ...": "min / median / max" of the numbers (benchmarks).
sb_stats() {
    tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{ v[NR] = $1 } END {
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%s / %s / %s", v[1], m, v[NR] }'
}

# sb_elapsed FROM TO: TO - FROM in seconds with 3 decimals.
sb_elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# sb_replicates_from HOST MASTER: HOST's replication points at MASTER and both threads run.
sb_replicates_from() {
    [[ $(sb_slave_field "$1" Master_Host) == "$(sb_ip "$2")" ]] && sb_slave_running "$1"
}

# sb_has_row HOST V: the row with v = V is in app.t on HOST.
sb_has_row() { [[ $(sb_sql "$1" "SELECT COUNT(*) FROM app.t WHERE v = '$2'" 2>/dev/null) == 1 ]]; }

# sb_vip_sql SQL: SQL as the application user through the writer VIP from the client namespace.
sb_vip_sql() {
    ip netns exec "${SB_NSP}client" timeout -s KILL "${SB_CLIENT_TIMEOUT:-2}" mariadb --no-defaults --protocol=tcp \
        -h 192.0.2.50 -P 3306 -u app -papp_pw --connect-timeout=1 -N -B -e "$1"
}

# sb_vip_insert V: one acknowledged INSERT of V through the writer VIP.
sb_vip_insert() { sb_vip_sql "INSERT INTO app.t (v) VALUES ('$1')" >/dev/null 2>&1; }

# sb_log_lines FILE: the number of lines in FILE (0 if absent), to look only at what follows.
sb_log_lines() { if [[ -r $1 ]]; then wc -l <"$1"; else echo 0; fi; }

# sb_log_sequence FILE FROM_LINE REGEX...: each extended REGEX matches a line of FILE after line FROM_LINE and
# after the previous REGEX's line; prints the matching lines. Fails naming the first REGEX not found.
sb_log_sequence() {
    local file=$1 at=$2 re n
    shift 2
    for re in "$@"; do
        # The regex goes through the environment: awk -v would eat its backslashes.
        n=$(SB_RE=$re awk -v from="$at" 'NR > from && $0 ~ ENVIRON["SB_RE"] { print NR; exit }' "$file" 2>/dev/null)
        if [[ -z $n ]]; then
            echo "no line matching /$re/ after line $at of $file" >&2
            return 1
        fi
        sed -n "${n}p" "$file"
        at=$n
    done
}

# --- the client: writes through the writer VIP -----------------------------------------------------
# sb_client_start TAG: the paced client in the client namespace (mmm_write_load --every-ms, tests/tools): one
# INSERT of v = 'TAG-<n>' at a time through the writer VIP, each on a new connection and bounded by
# SB_CLIENT_TIMEOUT s (default 0.5; recorded as failed then), SB_CLIENT_INTERVAL s apart (default 0.02).
# Acknowledged writes go to <state dir>/client-TAG.acked as "<n> <start epoch> <end epoch>", failed attempts to
# client-TAG.failed. (It was a shell loop running `timeout mariadb` per attempt: 150 processes a second.)
sb_client_start() {
    local tag=$1 d every limit
    [[ -x $(sb_bin load) ]] || { echo "sb_client_start: no $(sb_bin load) (build the tests)" >&2; return 1; }
    d=${SB_DIR}
    : >"$d/client-$tag.acked"
    : >"$d/client-$tag.failed"
    rm -f "$d/client-$tag.stop"
    every=$(awk -v s="${SB_CLIENT_INTERVAL:-0.02}" 'BEGIN { printf "%d", s * 1000 + 0.5 }')
    limit=$(awk -v s="${SB_CLIENT_TIMEOUT:-0.5}" 'BEGIN { printf "%d", s * 1000 + 0.5 }')
    ip netns exec "${SB_NSP}client" "$(sb_bin load)" --host 192.0.2.50 --port 3306 --user app --password app_pw \
        --tag "$tag" --dir "$d" --every-ms "$every" --limit-ms "$limit" </dev/null >>"$d/client-$tag.out" 2>&1 &
    echo $! >"$d/client-$tag.pid"
}

# sb_bg_stop NAME: stops the background loop whose pid is in <state dir>/NAME.pid: asks it to end (NAME.stop)
# after its current round, bounded wait, then kill -9.
sb_bg_stop() {
    local d pid
    d=${SB_DIR}
    [[ -e $d/$1.pid ]] || return 0
    touch "$d/$1.stop"
    pid=$(<"$d/$1.pid")
    if ! SB_TIMEOUT=10 sb_wait_for sb_gone "$pid"; then
        kill -9 "$pid" 2>/dev/null || true
        SB_TIMEOUT=5 sb_wait_for sb_gone "$pid" || true
    fi
    rm -f "$d/$1.pid"
}

sb_client_stop() { sb_bg_stop "client-$1"; }

# sb_client_acked TAG: the number of acknowledged writes so far.
sb_client_acked() { sb_log_lines "${SB_DIR}/client-$1.acked"; }

# sb_client_has_acked TAG N: succeeds when at least N writes were acknowledged.
sb_client_has_acked() { (($(sb_client_acked "$1") >= $2)); }

# Acknowledged-write logs ("<id> <start epoch> <end epoch>" lines) of the shell client and of mmm_write_load:
# sb_acked_after FILE EPOCH: succeeds when a write started after EPOCH (seconds, fractional) was acknowledged.
sb_acked_after() { awk -v t="$2" '$2 > t { found = 1; exit } END { exit !found }' "$1"; }
# sb_first_ack_after FILE EPOCH: prints when the earliest-finishing acknowledged write started after EPOCH ended.
sb_first_ack_after() { awk -v t="$2" '$2 > t && (min == "" || $3 < min) { min = $3 } END { print min }' "$1"; }
# sb_acked_missing FILE TAG HOST: prints the acknowledged writes (TAG-<id>) that are not in app.t on HOST.
sb_acked_missing() {
    LC_ALL=C comm -23 <(awk -v t="$2" '{ print t "-" $1 }' "$1" | LC_ALL=C sort) \
        <(sb_sql "$3" "SELECT v FROM app.t WHERE v LIKE '$2-%'" | LC_ALL=C sort)
}

# sb_client_acked_after TAG EPOCH, sb_client_first_ack_after TAG EPOCH, sb_client_missing TAG HOST: the above for
# the shell client TAG.
sb_client_acked_after() { sb_acked_after "${SB_DIR}/client-$1.acked" "$2"; }
sb_client_first_ack_after() { sb_first_ack_after "${SB_DIR}/client-$1.acked" "$2"; }
sb_client_missing() { sb_acked_missing "${SB_DIR}/client-$1.acked" "$1" "$2"; }

# --- write load: mmm_write_load through the writer VIP ----------------------------------------------
# sb_load_start TAG [CONNECTIONS]: mmm_write_load in the client namespace, CONNECTIONS (default 4) connections
# inserting v = 'TAG-<conn>-<seq>' through the writer VIP as fast as it answers (1 s timeouts). Each attempt is
# recorded in <state dir>/load-TAG.acked (COMMIT acknowledged) or load-TAG.failed (outcome unknown) as
# "<conn>-<seq> <start epoch> <end epoch>"; its summary line and connection errors go to load-TAG.out.
sb_load_start() {
    local tag=$1 d bin
    d=${SB_DIR}
    bin=$(sb_bin load)
    [[ -x $bin ]] || { echo "sandbox: no write-load binary $bin (build the tests or set MMM_BINARY_DIR)" >&2; return 1; }
    : >"$d/load-$tag.acked"
    : >"$d/load-$tag.failed"
    rm -f "$d/load-$tag.stop"
    sb_launch "$d/load-$tag.pid" "$d/load-$tag.out" "${SB_NSP}client" "$bin" --host 192.0.2.50 --port 3306 \
        --user app --password app_pw --connections "${2:-4}" --tag "$tag" --dir "$d"
}

# sb_load_stop TAG: creates load-TAG.stop (the tool ends after its current attempts), bounded wait (10 s), kill -9.
sb_load_stop() { sb_bg_stop "load-$1"; }

# sb_load_acked TAG: the number of acknowledged writes so far.
sb_load_acked() { sb_log_lines "${SB_DIR}/load-$1.acked"; }

# sb_load_has_acked TAG N: succeeds when at least N writes were acknowledged.
sb_load_has_acked() { (($(sb_load_acked "$1") >= $2)); }

# sb_load_acked_after TAG EPOCH, sb_load_first_ack_after TAG EPOCH, sb_load_missing TAG HOST (TAG-<conn>-<seq>):
# the acknowledged-write helpers above for the write load TAG.
sb_load_acked_after() { sb_acked_after "${SB_DIR}/load-$1.acked" "$2"; }
sb_load_first_ack_after() { sb_first_ack_after "${SB_DIR}/load-$1.acked" "$2"; }
sb_load_missing() { sb_acked_missing "${SB_DIR}/load-$1.acked" "$1" "$2"; }

# sb_rows_not_on HOST_A HOST_B: the values of app.t on HOST_A that are not on HOST_B, one a line (divergence).
sb_rows_not_on() {
    LC_ALL=C comm -23 <(sb_sql "$1" "SELECT v FROM app.t" | LC_ALL=C sort) \
        <(sb_sql "$2" "SELECT v FROM app.t" | LC_ALL=C sort)
}

# sb_gtid_of HOST: prints "binlog=<@@gtid_binlog_pos> slave=<@@gtid_slave_pos> current=<@@gtid_current_pos>".
sb_gtid_of() {
    sb_sql "$1" "SELECT CONCAT('binlog=', @@global.gtid_binlog_pos, ' slave=', @@global.gtid_slave_pos,
        ' current=', @@global.gtid_current_pos)"
}

# --- samplers: watch something change while a test acts ---------------------------------------------
# sb_vip_snapshot: the role IPs on each db host's eth0, e.g. "db1:192.0.2.50,192.0.2.51 db2:192.0.2.52 db3:".
sb_vip_snapshot() {
    local h
    for h in "${SB_DB_HOSTS[@]}"; do
        printf '%s:%s ' "$h" "$(sb_vips "$h" | sort | paste -sd, -)"
    done
    echo
}

# sb_sampler_start NAME FUNCTION: runs FUNCTION (a function of this file) about every 50 ms in the background
# and appends "<epoch> <its output>" to <state dir>/sampler-NAME.log until sb_sampler_stop NAME.
sb_sampler_start() {
    local name=$1 fn=$2 d
    d=${SB_DIR}
    : >"$d/sampler-$name.log"
    rm -f "$d/sampler-$name.stop"
    (
        while [[ ! -e $d/sampler-$name.stop ]]; do
            echo "$EPOCHREALTIME $("$fn" 2>/dev/null)" >>"$d/sampler-$name.log"
            sleep 0.05
        done
    ) </dev/null >/dev/null 2>&1 &
    echo $! >"$d/sampler-$name.pid"
}

sb_sampler_stop() { sb_bg_stop "sampler-$1"; }

# sb_sampler_values NAME: the distinct outputs the sampler saw, in order of first appearance.
sb_sampler_values() {
    cut -d' ' -f2- "${SB_DIR}/sampler-$1.log" | awk '!seen[$0]++'
}

# sb_stop_background: stops every client loop, write load and sampler of the sandbox.
sb_stop_background() {
    local f
    for f in "${SB_DIR}"/client-*.pid "${SB_DIR}"/load-*.pid "${SB_DIR}"/sampler-*.pid; do
        [[ -e $f ]] || continue
        f=${f##*/}
        sb_bg_stop "${f%.pid}"
    done
}

# sb_partition HOST: nftables in HOST's namespace drops all IP traffic to and from the monitors (every one in use)
# and the other db hosts; the link stays up and the client still reaches HOST (a switch, VLAN or firewall partition).
sb_partition() {
    local host=$1 h peers=()
    for h in "${SB_MONS[@]}" "${SB_DB_HOSTS[@]}"; do
        [[ $h == "$host" ]] || peers+=("$(sb_ip "$h")")
    done
    sb_nft_cut "$host" mmm_partition "${peers[@]}"
}

# sb_nft_cut HOST TABLE ADDR...: an nftables table TABLE in HOST's namespace that drops all traffic to and from
# ADDR... (delete the table to heal).
sb_nft_cut() {
    local host=$1 table=$2 addrs
    shift 2
    addrs=$(IFS=,; echo "$*")
    printf '%s\n' "table inet $table {" \
        "    chain input { type filter hook input priority 0; policy accept; ip saddr { $addrs } drop; }" \
        "    chain output { type filter hook output priority 0; policy accept; ip daddr { $addrs } drop; }" "}" |
        ip netns exec "${SB_NSP}${host}" nft -f -
}

# sb_partitioned HOST: HOST is cut off by sb_partition. sb_unpartition HOST: heals it.
sb_partitioned() { ip netns exec "${SB_NSP}${1}" nft list table inet mmm_partition >/dev/null 2>&1; }
sb_unpartition() { ! sb_partitioned "$1" || ip netns exec "${SB_NSP}${1}" nft delete table inet mmm_partition; }

# sb_writers: the db hosts clients can write to: the writer VIP on an eth0 that is up and read_only=0 (sampler
# function; two names in one sample are a split brain).
sb_writers() {
    local h writers=()
    for h in "${SB_DB_HOSTS[@]}"; do
        sb_has_vip "$h" 192.0.2.50 && sb_link_up "$h" && [[ $(sb_read_only "$h" 2>/dev/null) == 0 ]] && writers+=("$h")
    done
    echo "${writers[*]}"
}

# sb_writer_vip_holders: the db hosts with the writer VIP on an eth0 that is up (sampler function; a host cut
# off by its link down holds it where nobody can reach it).
sb_writer_vip_holders() {
    local h holders=()
    for h in "${SB_DB_HOSTS[@]}"; do
        sb_has_vip "$h" 192.0.2.50 && sb_link_up "$h" && holders+=("$h")
    done
    echo "${holders[*]}"
}

# sb_rw_sampler_start NAME: the never-two-writers sampler, sampler NAME of sb_sampler_* (sampler-NAME.log, stopped
# by sb_sampler_stop NAME): mmm_rw_sampler (tests/tools) appends every 50 ms "<epoch> ro0:<hosts answering
# read_only=0> vip:<holders of the writer VIP on an up link> writers:<hosts in both> stopped:<SIGSTOPped servers>",
# each list comma separated in host order. The VIPs are read one host after the other (two holders are confirmed by
# reading the earlier ones again), the servers in parallel (two at read_only=0 are asked again at once, and only
# those still at 0 count); the tool's head comment says why. The test fails if the sampler does not start.
sb_rw_sampler_start() {
    local name=$1 d h args=()
    d=${SB_DIR}
    : >"$d/sampler-$name.log"
    rm -f "$d/sampler-$name.stop"
    for h in "${SB_DB_HOSTS[@]}"; do args+=(--host "$h,${SB_NSP}${h},$d/$h/mysqld.sock,$d/$h/mysqld.pid"); done
    "$(sb_bin rw_sampler)" --out "$d/sampler-$name.log" --stop "$d/sampler-$name.stop" --vip 192.0.2.50 \
        "${args[@]}" </dev/null >"$d/sampler-$name.out" 2>&1 &
    echo $! >"$d/sampler-$name.pid"
    SB_TIMEOUT=10 sb_wait_for test -s "$d/sampler-$name.log" ||
        sb_test_fail "mmm_rw_sampler did not start: $(cat "$d/sampler-$name.out")"
}

# Sample patterns (extended regexes over the sampler's lines) for sb_sampler_count_after.
SB_TWO_RO='ro0:[^ ]*,'
SB_TWO_VIP='vip:[^ ]*,'
SB_TWO_WRITERS='writers:[^ ]*,'

# sb_sampler_count_after NAME EPOCH PATTERN: how many samples taken after EPOCH match the extended PATTERN.
sb_sampler_count_after() {
    SB_RE=$3 awk -v t="$2" '$1 > t { v = $0; sub(/^[^ ]+ /, "", v); if (v ~ ENVIRON["SB_RE"]) n++ } END { print n + 0 }' \
        "${SB_DIR}/sampler-$1.log"
}

# sb_sampler_span NAME EPOCH PATTERN: seconds from the first to the last sample after EPOCH matching PATTERN.
sb_sampler_span() {
    SB_RE=$3 awk -v t="$2" '$1 > t { v = $0; sub(/^[^ ]+ /, "", v); if (v ~ ENVIRON["SB_RE"]) { if (a == "") a = $1; b = $1 } }
        END { printf "%.2f", (a == "") ? 0 : b - a }' "${SB_DIR}/sampler-$1.log"
}

# sb_mac HOST: the MAC address of HOST's eth0.
sb_mac() { ip -n "${SB_NSP}${1}" -o link show dev eth0 | sed -nE 's/.* link\/ether ([0-9a-f:]+) .*/\1/p'; }

# sb_client_neigh IP: the MAC the client namespace has for IP (empty if none).
sb_client_neigh() { ip -n "${SB_NSP}client" neigh show "$1" | sed -nE 's/.* lladdr ([0-9a-f:]+).*/\1/p'; }

# sb_cutmon HOST [PORT]: nftables in HOST's namespace (table inet mmm_cutmon) drops all IP traffic (with PORT: only the
# monitor's TCP connections to that port) to and from the monitor's
# address only: the other db hosts and the client still reach HOST, the monitor neither pings it, nor reaches its
# mysqld nor its agent (the monitor cut off from one host; the case for the monitor's second opinion). With several
# monitors, from every one of them.
sb_cutmon() {
    local mon in out m
    mon=$(sb_ip mon)
    if ((SB_MONITORS > 1)); then
        mon=
        for m in "${SB_MONS[@]}"; do mon+=${mon:+, }${SB_IPS[$m]}; done
        mon="{ $mon }"
    fi
    in="ip saddr $mon" out="ip daddr $mon"
    if [[ -n ${2:-} ]]; then  # only the monitor's connections to that TCP port (e.g. 3306: its MySQL checks)
        in+=" tcp dport $2" out+=" tcp sport $2"
    fi
    printf '%s\n' "table inet mmm_cutmon {" \
        "    chain input { type filter hook input priority 0; policy accept; $in drop; }" \
        "    chain output { type filter hook output priority 0; policy accept; $out drop; }" "}" |
        ip netns exec "${SB_NSP}${1}" nft -f -
}

# sb_cutmon_active HOST: HOST is cut off from the monitor by sb_cutmon. sb_uncutmon HOST: heals it.
sb_cutmon_active() { ip netns exec "${SB_NSP}${1}" nft list table inet mmm_cutmon >/dev/null 2>&1; }
sb_uncutmon() { ! sb_cutmon_active "$1" || ip netns exec "${SB_NSP}${1}" nft delete table inet mmm_cutmon; }

# --- the galera topology (MMM_SANDBOX_TOPOLOGY=galera: db1..db3 a Galera cluster, db4 its asynchronous replica) ----

# sb_wsrep HOST VAR: the value of HOST's wsrep status variable VAR (wsrep_local_state, wsrep_cluster_status, ...;
# the wsrep_ prefix may be left out); empty if the server does not answer (bounded: 3 s).
sb_wsrep() {
    local var=${2#wsrep_}
    timeout -s KILL 3 mariadb --no-defaults --protocol=socket -S "${SB_DIR}/$1/mysqld.sock" -u root \
        --connect-timeout=1 -N -B -e "SHOW GLOBAL STATUS LIKE 'wsrep\\_$var'" 2>/dev/null | {
        IFS=$'\t' read -r _ value || true
        printf '%s\n' "${value:-}"
    }
}

# sb_wsrep_status_v HOST: reads HOST's wsrep status variables in one client call into the associative array
# SB_WSREP (keys without the wsrep_ prefix: local_state, cluster_status, cluster_size, ready, ...); fails (SB_WSREP
# empty) if the server does not answer within 3 s.
sb_wsrep_status_v() {
    local name value text
    declare -gA SB_WSREP=()
    text=$(timeout -s KILL 3 mariadb --no-defaults --protocol=socket -S "${SB_DIR}/$1/mysqld.sock" -u root \
        --connect-timeout=1 -N -B -e "SHOW GLOBAL STATUS LIKE 'wsrep\\_%'" 2>/dev/null) || return 1
    while IFS=$'\t' read -r name value; do
        [[ -n $name ]] && SB_WSREP[${name#wsrep_}]=$value
    done <<<"$text"
    [[ -n ${SB_WSREP[local_state]:-} ]]
}

# sb_galera_synced HOST: HOST's node is Synced (wsrep_local_state 4), in the Primary component and ready.
sb_galera_synced() {
    sb_wsrep_status_v "$1" || return 1
    [[ ${SB_WSREP[local_state]} == 4 && ${SB_WSREP[cluster_status]:-} == Primary && ${SB_WSREP[ready]:-} == ON ]]
}

# sb_galera_all_synced [SIZE]: every Galera node (db1..db3) synced and reporting a cluster of SIZE (default 3).
sb_galera_all_synced() {
    local h
    for h in "${SB_GALERA_NODES[@]}"; do
        sb_galera_synced "$h" && [[ ${SB_WSREP[cluster_size]:-} == "${1:-3}" ]] || return 1
    done
}

# sb_galera_primary HOST: HOST's node answers and is in the Primary component (whatever its local state).
sb_galera_primary() { sb_wsrep_status_v "$1" && [[ ${SB_WSREP[cluster_status]:-} == Primary ]]; }

# sb_galera_non_primary HOST: HOST's server answers and is not in the Primary component (a partitioned node).
sb_galera_non_primary() { sb_wsrep_status_v "$1" && [[ ${SB_WSREP[cluster_status]:-} != Primary ]]; }

# sb_galera_size_is HOST N: HOST's node is in the Primary component with a cluster of N nodes.
sb_galera_size_is() { sb_galera_primary "$1" && [[ ${SB_WSREP[cluster_size]:-} == "$2" ]]; }

# sb_galera_partition HOST: nftables in HOST's namespace (table inet mmm_sandbox_partition) drops all IP traffic to
# and from the other Galera nodes (192.0.2.11-13 but HOST's own address), both directions. The link stays up; the
# monitors, the client and db4 (unless HOST is db4, which is then cut off from the whole cluster) still reach HOST.
sb_galera_partition() {
    local host=$1 h peers=()
    for h in "${SB_GALERA_NODES[@]}"; do
        [[ $h == "$host" ]] || peers+=("${SB_IPS[$h]}")
    done
    sb_nft_cut "$host" mmm_sandbox_partition "${peers[@]}"
}

# sb_galera_partitioned HOST: HOST is cut off by sb_galera_partition. sb_galera_unpartition HOST: removes exactly that
# table (nothing else of HOST's rules).
sb_galera_partitioned() { ip netns exec "${SB_NSP}${1}" nft list table inet mmm_sandbox_partition >/dev/null 2>&1; }
sb_galera_unpartition() {
    ! sb_galera_partitioned "$1" || ip netns exec "${SB_NSP}${1}" nft delete table inet mmm_sandbox_partition
}
