#!/usr/bin/env bash
# Integration test of an agent out of file descriptors (issue 12 item 5): with its RLIMIT_NOFILE lowered and a flood
# of connections, the agent logs the accept error once and retries without spinning, and serves again once
# descriptors are free. Agents only (no monitor), driven with the line protocol from the `mon` namespace.
# Normal build only: UBSan's vptr check opens a pipe of its own on a type-cache miss (to test that a vtable is
# readable); out of descriptors it calls such a virtual call invalid and ends the agent (CI saw it once, in a
# re-check pass during this test; 2 of 4 runs beside 3 busy loops here), and a UBSan suppression file (vptr:*) did
# not stop it. The sanitizer build's runtime needs descriptors of its own.
# mmm-test: normal build only
set -uo pipefail
SRC=${MMM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source=scripts/sandbox-lib.sh
source "$SRC/scripts/sandbox-lib.sh"
sb_test_begin agent-fds
# shellcheck source=tests/integration/lib/agent_line.sh
source "$SRC/tests/integration/lib/agent_line.sh"

if [[ $(ldd "$(sb_bin agent)" 2>/dev/null) == *libubsan* ]]; then
    sb_test_fail "$(sb_bin agent) is a sanitizer build: this test runs against the normal build"
fi
sb_sandbox down >/dev/null 2>&1
sb_sandbox up >/dev/null || sb_test_fail "sandbox up"
for h in "${SB_DB_HOSTS[@]}"; do sb_agent_start "$h" || sb_test_fail "agent on $h does not start"; done
SB_TIMEOUT=10 sb_expect "db3's agent answers PING" eval '[[ $(result db3 "PING|1|db3") == "OK: Pinged!" ]]'
pid=$(sb_agent_pid db3) || sb_test_fail "no agent pid on db3"
fds_before=$(find "/proc/$pid/fd" -mindepth 1 | wc -l)

echo "== out of descriptors: accept errors are logged once and retried, no spinning"
soft=$(prlimit --pid "$pid" --nofile --output SOFT --noheadings | tr -d ' ')
prlimit --pid "$pid" --nofile=$((fds_before + 4)): || sb_test_fail "prlimit on db3's agent failed"
ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
errors_before=$(grep -c 'Could not accept a connection' "$(sb_agent_log db3)" || true)
flood_db3 12
SB_TIMEOUT=10 sb_expect "db3's agent, out of descriptors, logs an accept error" \
    eval '(($(log_count db3 "Could not accept a connection") > errors_before))'
t0=$(ticks)
sleep 2
t1=$(ticks)
flood_end || true
errors=$(($(log_count db3 'Could not accept a connection') - errors_before))
echo "  db3's agent at $((fds_before + 4)) descriptors: $((t1 - t0)) CPU ticks in 2 s; $errors accept-error line(s)"
grep 'Could not accept a connection' "$(sb_agent_log db3)" | tail -n 1 | sed 's/^/  /'
((errors == 1)) || sb_test_fail "accept errors logged $errors times while out of descriptors, not once"
((t1 - t0 < 50)) || sb_test_fail "db3's agent used $((t1 - t0)) ticks in 2 s while out of descriptors (spinning?)"
prlimit --pid "$pid" --nofile="$soft": || sb_test_fail "could not give db3's agent its descriptors back"
SB_TIMEOUT=10 sb_expect "db3's agent answers PING once descriptors are free" eval '[[ $(result db3 "PING|1|db3") == "OK: Pinged!" ]]'
sb_test_ok "out of descriptors: one log line, no spinning, served again after"
sb_test_ok "done"
