#!/usr/bin/env bash
# The status page (GET /, issue 13) in a real browser: headless Chromium runs inside the monitor's namespace against
# http://127.0.0.1:9990/ (the monitor's default listener), with a throw-away profile. Its rendered DOM (--dump-dom
# after a virtual-time budget: the page's fetches and first render happen within it) must show db1..db3 ONLINE, the
# writer on db1 and the replication arrows db2 -> db1, db3 -> db1, db1 -> db2. The time to the first render is
# measured in real time (tests/tools/first_render.py drives Chromium over the DevTools pipe) and printed.
# Screenshots: the healthy cluster, right after db1's mariadbd is killed (as soon as a browser starts: about 1 s, in
# the failover), and after it, when the DOM must show db1 HARD_OFFLINE, the writer on db2, db1's FATAL state
# change in the timeline and the failover db1 -> db2 among the writer moves with its phase times. The three PNGs
# and the two DOMs stay in ${MMM_TEST_ARTIFACTS:-/tmp/mmm-test-artifacts}/status_page/. Chromium loads both cores
# while it starts: the test runs alone under ctest -j.
# mmm-test: cost 30
# mmm-test: run serial
set -euo pipefail
SRC=${MMM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source=scripts/sandbox-lib.sh
source "$SRC/scripts/sandbox-lib.sh"
sb_test_begin status-page

command -v chromium >/dev/null || sb_test_fail "no chromium (scripts/install-deps installs it)"
ARTIFACTS=${MMM_TEST_ARTIFACTS:-/tmp/mmm-test-artifacts}/status_page
WORK=$(mktemp -d /tmp/mmm-status-page.XXXXXX)
PROFILE=$WORK/profile
URL=http://127.0.0.1:9990/
# The browser's processes (found by the profile directory, which only this test's browser uses) and the scratch
# directory go before the sandbox's own cleanup; its exit status is this script's.
cleanup_browser() {
    local rc=$? pids
    set +e
    pids=$(pgrep -f -- "--user-data-dir=$PROFILE" || true)
    if [[ -n $pids ]]; then
        echo "FAIL: chromium processes left running: $pids" >&2
        # shellcheck disable=SC2086  # one pid a word
        kill -9 $pids 2>/dev/null || true
        rc=1
    fi
    rm -rf "$WORK"
    (exit "$rc")
    sb_test_cleanup
}
trap cleanup_browser EXIT
mkdir -p "$ARTIFACTS"
rm -f "$ARTIFACTS"/*.png "$ARTIFACTS"/*.html

# browser ARGS...: headless Chromium in the monitor's namespace, at most 60 s (timeout signals its whole process
# group), stderr kept for a failure's diagnostics. Root needs --no-sandbox.
browser() {
    timeout -k 5 60 ip netns exec "${SB_NSP}mon" chromium --headless=new --no-sandbox --disable-gpu \
        --user-data-dir="$PROFILE" --no-first-run --no-default-browser-check --hide-scrollbars \
        --window-size=1400,1000 "$@" 2>>"$WORK/chromium.err"
}
# dom BUDGET_MS: the page's DOM after BUDGET_MS of virtual time (timers run fast; network waits are real).
dom() { browser --virtual-time-budget="$1" --dump-dom "$URL"; }
# shot NAME: a PNG of the page after its first refresh, kept as an artefact.
shot() {
    browser --virtual-time-budget=1500 --screenshot="$ARTIFACTS/$1.png" "$URL" >/dev/null ||
        sb_test_fail "chromium could not take the screenshot $1: $(tail -n 5 "$WORK/chromium.err")"
    [[ $(file -b "$ARTIFACTS/$1.png") == "PNG image data, 1400 x 1000"* ]] ||
        sb_test_fail "$1.png is not a 1400x1000 PNG: $(file -b "$ARTIFACTS/$1.png")"
    local size
    size=$(stat -c %s "$ARTIFACTS/$1.png")
    ((size > 20000)) || sb_test_fail "$1.png has only $size bytes: nothing rendered?"
    echo "$1.png: $size bytes"
}
# attr NAME FILE: the value of the first attribute NAME in FILE.
attr() { grep -o "$1=\"[^\"]*\"" "$2" | sb_head 1 | cut -d'"' -f2; }
now() { date +%s.%N; }

sb_test_cluster_up
sb_test_ok "cluster up: all hosts ONLINE, writer on db1"

t0=$(now)
dom 3000 >"$ARTIFACTS/before.html" || sb_test_fail "chromium could not load $URL: $(tail -n 5 "$WORK/chromium.err")"
loaded=$(sb_elapsed "$t0" "$(now)")
[[ -n $(attr data-first-render-ms "$ARTIFACTS/before.html") ]] ||
    sb_test_fail "the page did not render: $(head -c 2000 "$ARTIFACTS/before.html")"
for host in db1 db2 db3; do
    grep -qF "<tr data-host=\"$host\" data-state=\"ONLINE\">" "$ARTIFACTS/before.html" ||
        sb_test_fail "the page does not show $host ONLINE"
done
[[ $(attr data-writer "$ARTIFACTS/before.html") == db1 ]] || sb_test_fail "the page does not show the writer on db1"
for edge in 'data-from="db2" data-to="db1"' 'data-from="db3" data-to="db1"' 'data-from="db1" data-to="db2"'; do
    grep -qF "$edge" "$ARTIFACTS/before.html" || sb_test_fail "the topology lacks the arrow $edge"
done
grep -qE '<li class="[A-Z]+ state" data-seq="[0-9]+">' "$ARTIFACTS/before.html" ||
    sb_test_fail "the timeline shows no state change"
grep -q 'id="banner" role="alert"></div>' "$ARTIFACTS/before.html" || sb_test_fail "the page shows a failed refresh"
sb_test_ok "the page shows db1..db3 ONLINE, writer db1, arrows db2->db1, db3->db1, db1->db2, events"
# Time to first render in real time (the DOM dumps above run on Chromium's virtual clock, which stands still while
# a fetch is pending): from navigation start to the page's first render of /api/status, three runs.
renders=()
for _ in 1 2 3; do
    ms=$(timeout -k 5 60 ip netns exec "${SB_NSP}mon" python3 "$SRC/tests/tools/first_render.py" "$URL" "$PROFILE" 20 \
        2>>"$WORK/chromium.err") || sb_test_fail "no first render in real time: $(tail -n 5 "$WORK/chromium.err")"
    renders+=("$ms")
done
echo "time to first render: ${renders[*]} ms after navigation start (headless Chromium, real time, warm profile" \
    "after the first); one --dump-dom with a 3 s virtual-time budget took ${loaded} s in all"

shot before
sb_mysqld_kill db1
shot during
SB_TIMEOUT=30 sb_expect "the writer moved to db2" sb_writer_is db2
shot after
dom 3000 >"$ARTIFACTS/after.html" || sb_test_fail "chromium could not load $URL after the failover"
grep -qF '<tr data-host="db1" data-state="HARD_OFFLINE">' "$ARTIFACTS/after.html" ||
    sb_test_fail "the page does not show db1 HARD_OFFLINE after the failover"
[[ $(attr data-writer "$ARTIFACTS/after.html") == db2 ]] || sb_test_fail "the page does not show the writer on db2"
grep -qE '<li class="FATAL state" data-seq="[0-9]+">.*State of host .db1. changed from ONLINE to HARD_OFFLINE' \
    "$ARTIFACTS/after.html" || sb_test_fail "the timeline does not highlight db1's FATAL state change"
# The writer moves table: the failover, db1 -> db2, with both phases timed.
row='<tr data-move-type="failover" data-move-result="ok" data-from="db1" data-to="db2">(<td[^>]*>[^<]*</td>){8}</tr>'
move=$(sb_in -oE "$row" <"$ARTIFACTS/after.html" | sb_head 1) || true
[[ -n $move ]] || sb_test_fail "the page lists no failover db1 -> db2 among the writer moves"
times=$(sb_in -oE '>[0-9]+\.[0-9]{3} s<' <<<"$move" | tr -d '<>' | paste -sd ' ') || true
[[ $(wc -w <<<"$times") == 6 ]] || sb_test_fail "the failover's row lacks its phase times: $move"
echo "writer move on the page (detect and fence, promote, total): $times"
sb_test_ok "after kill -9 of db1 the page shows db1 HARD_OFFLINE, the writer on db2 and the failover's" \
    "phases; PNGs in $ARTIFACTS"
