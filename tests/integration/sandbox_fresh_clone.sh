#!/usr/bin/env bash
# A newcomer's first command on a fresh clone: `scripts/sandbox up` alone (packages present, nothing built)
# configures and builds the binaries, starts servers, agents and monitor, and ends with three ONLINE hosts and
# one writer that really holds the writer VIP and is writable. A second `up` builds nothing; a changed source
# is rebuilt. Clones the committed HEAD of the source tree (uncommitted changes are not in the clone).
# mmm-test: uses no binaries of this build
# mmm-test: cost 120
# Not run serial: its `up` (the build above all) runs at nice 19, so the tests beside it keep the CPU they need.
set -euo pipefail

if [[ $(id -u) != 0 ]]; then
    echo "SKIP: needs root (creates network namespaces and starts mariadbd as user mysql)"
    exit 0
fi

SRC=${MMM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
export MMM_SANDBOX=it-clone
unset MMM_SANDBOX_DIR MMM_BINARY_DIR MMM_SANDBOX_DAEMONS MMM_SANDBOX_PROFILE MMM_SANDBOX_CACHE MMM_PLAIN_BINARY_DIR
# shellcheck source=scripts/sandbox-lib.sh
source "$SRC/scripts/sandbox-lib.sh"

clone=$(mktemp -d /tmp/mmm-fresh-clone.XXXXXX)
fail() {
    echo "FAIL: $*" >&2
    # What the daemons said, so a failure in CI can be understood from its output alone.
    local log
    for log in "$(sb_monitor_log)" "${SB_DIR}"/db*/mmm_agentd.log; do
        [[ -f $log ]] || continue
        echo "--- last lines of $log (without DEBUG)" >&2
        grep -v ' DEBUG ' "$log" | tail -n 25 >&2
    done
    exit 1
}
pass() { echo "ok: $*"; }
cleanup() {
    local rc=$?
    if [[ -x $clone/scripts/sandbox ]]; then
        "$clone/scripts/sandbox" down >/dev/null 2>&1 || echo "cleanup: sandbox down failed" >&2
    fi
    rm -rf -- "$clone"
    exit "$rc"
}
trap cleanup EXIT

git clone --quiet "$SRC" "$clone" || fail "git clone $SRC failed"
[[ ! -e $clone/build ]] || fail "the clone already has a build directory"
"$clone/scripts/sandbox" down >/dev/null  # a sandbox left by an interrupted run goes first

start=$SECONDS
nice -n 19 "$clone/scripts/sandbox" up >"$clone.up.log" 2>&1 || { tail -n 40 "$clone.up.log" >&2; rm -f "$clone.up.log"; fail "up failed"; }
echo "timing: fresh clone -> all hosts ONLINE $((SECONDS - start)) s (build included)"
grep -q '^sandbox: building ' "$clone.up.log" || fail "up did not say that it builds"
grep -E '^sandbox: built in' "$clone.up.log" || true
rm -f "$clone.up.log"
for program in agent/mmm_agentd monitor/mmm_mond control/mmm_control; do
    [[ -x $clone/build/$program ]] || fail "no $clone/build/$program after up"
done
pass "up configured and built the binaries into the clone's build/"

show=$(ip netns exec "${SB_NSP}mon" "$clone/build/control/mmm_control" -c "${SB_DIR}/mmm.yaml" show)
echo "$show"
for host in "${SB_DB_HOSTS[@]}"; do
    grep -Eq "^  $host\(.*/ONLINE\. " <<<"$show" || fail "$host is not ONLINE"
done
writers=$(grep -c 'writer(192.0.2.50)' <<<"$show" || true)
[[ $writers == 1 ]] || fail "$writers hosts list the writer role"
writer=$(grep 'writer(192.0.2.50)' <<<"$show" | sed -E 's/^  (db[0-9])\(.*/\1/')
ip -n "${SB_NSP}${writer}" -4 -o addr show dev eth0 | sb_in -q 'inet 192.0.2.50/' ||
    fail "the writer VIP is not on $writer's eth0"
[[ $(sb_sql "$writer" "SELECT @@global.read_only") == 0 ]] || fail "writer $writer is read-only"
for host in "${SB_DB_HOSTS[@]}"; do
    [[ $host == "$writer" ]] && continue
    if ip -n "${SB_NSP}${host}" -4 -o addr show dev eth0 | sb_in -q 'inet 192.0.2.50/'; then
        fail "the writer VIP is also on $host"
    fi
done
pass "three hosts ONLINE, one writer ($writer) holding the VIP with read_only=0"

out=$(nice -n 19 "$clone/scripts/sandbox" up 2>&1) || fail "a second up failed: $out"
grep -q '^sandbox: building ' <<<"$out" && fail "a second up rebuilt with nothing changed"
pass "a second up builds nothing"

touch "$clone/control/main.cpp"
out=$(nice -n 19 "$clone/scripts/sandbox" up 2>&1) || fail "up after a source change failed: $out"
grep -q '^sandbox: building ' <<<"$out" || fail "up did not rebuild after control/main.cpp changed"
[[ $clone/build/control/mmm_control -nt $clone/control/main.cpp ]] || fail "mmm_control is still older than its source"
pass "a changed source is rebuilt by up"
echo "PASS"
