#!/usr/bin/env bash
# The monitor's second opinion (issue 10): the monitor cut off from db1 only (nftables in db1's namespace; db2, db3
# and the client still reach db1), under client write load, with the never-two-writers probe (lib/writers.sh)
# sampling every host all along.
# a) cutmonsql (only the monitor's MySQL connections to db1 dropped: its checks fail, its agent still gets the writer
#    lease renewals): for 3 x the mysql trap period + 2 s db1 stays ONLINE and the only writer (read_only=0 and the
#    writer VIP on db1 only, in every sample), `show` lists db1 as writer with a "# Warning: monitor cannot reach db1"
#    line, the monitor logs the WARN "Second opinion: monitor cannot reach db1 ... but db2 (...) and db3 (...) reach
#    it" exactly once, and writes through the VIP keep succeeding (no 1.5 s without an acknowledged write).
# b) heal: the warning leaves `show`, INFO "Second opinion: the monitor reaches 'db1' again", no failover.
# c) cutmon (all traffic between db1 and the monitor, its agent too): db2 and db3 still reach db1, but the monitor
#    cannot renew db1's writer lease, so db1's agent fences db1 when it runs out; the monitor fails over to db2 (WARN
#    "... but the monitor could not renew its writer lease, which has run out ... failing over"), since holding would
#    leave no writer at all; never two writers sampled. If the trap period ends before the lease's end is certain, the
#    hold's WARN line comes first (with the fast profile both end about together: a renewal that cannot connect is
#    given up by the next one, so the lease's end is known ~1.2 s after the cut).
# d) monitor.second_opinion: false (monitor restarted with a copy of mmm.yaml), cutmon: the monitor fails db1 over as
#    mysql-mmm would; db1's agent, without renewals, fences db1 by its writer lease (read_only=1, no writer VIP)
#    within the lease + 3 s; never two writers sampled.
# Findings in one case do not stop the next: every failed check is collected and the test fails at the end with all.
# mmm-test: cost 20
set -euo pipefail
SRC=${MMM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
export MMM_SANDBOX_PROFILE=${MMM_SANDBOX_PROFILE:-fast}
# shellcheck source=scripts/sandbox-lib.sh
source "$SRC/scripts/sandbox-lib.sh"
sb_test_begin second-opinion
# shellcheck source=tests/integration/lib/writers.sh
source "$SRC/tests/integration/lib/writers.sh"

# On exit: db1 no longer cut off from the monitor before the sandbox's own cleanup (which removes the namespaces).
cleanup() {
    local rc=$?
    set +e
    sb_uncutmon db1 2>/dev/null
    (exit "$rc")
    sb_test_cleanup
}
trap cleanup EXIT

D=${SB_DIR}
FINDINGS=()
# finding WHAT: a failed check, reported at the end (the cases that follow still run).
finding() {
    echo "FINDING: $*" >&2
    FINDINGS+=("$*")
}

# mon_since FROM: the monitor log after line FROM.
mon_since() { tail -n +"$(($1 + 1))" "$(sb_monitor_log)"; }
# mon_count FROM REGEX: how many monitor log lines after FROM match REGEX.
mon_count() { mon_since "$1" | grep -cE "$2" || true; }
mon_has() { (($(mon_count "$1" "$2") > 0)); }

# The WARN line gives the checks as they were when it was written: the ping check may fail first ("mysql: OK"). It
# names the peers that said they reach db1 once every answer is in or the round's time is up: both here, or one
# whose answer came in time on a loaded machine ("db2 (...) reaches it").
warn_re="WARN Second opinion: monitor cannot reach db1 \\(ping: [^,]*, mysql: (not )?OK\\) but db[23] \\(.*\\)( and db[23] \\(.*\\))? reach(es)? it: no failover while they do\\. This monitor may be cut off from 'db1'\\."
info_re="INFO Second opinion: the monitor reaches 'db1' again"
# The lease line is written as soon as one peer has answered that it reaches db1 ("db2 (...) reaches"), or both
# ("db2 (...) and db3 (...) reach"): a fenced writer is not held while the last answer is on its way.
lease_re="WARN Second opinion: db[23] .* reach(es)? 'db1', but the monitor could not renew its writer lease, which has run out: its agent has fenced it; failing over"
failover_re="State of host 'db1' changed from ONLINE to (HARD_OFFLINE|REPLICATION_FAIL|REPLICATION_DELAY)"
show_warning() { sb_control_read show 2>/dev/null | grep -E '^# Warning: monitor cannot reach db1'; }
no_show_warning() { ! show_warning >/dev/null; }
writer_listed() { [[ $(sb_role_holder writer) == "$1" ]]; }
db1_fenced() { [[ $(ro_of db1) == 1 ]] && ! sb_has_vip db1 "$WRITER_VIP"; }
only_db1='^ro0:db1 vip:db1 writers:db1 stopped:$'

sb_test_cluster_up
# The mysql check's trap period of this profile (mmm.yaml's checks.default).
TRAP=$(sed -nE 's/^  default: \{.*trap_period: ([0-9.]+).*/\1/p' "$D/mmm.yaml")
[[ -n $TRAP ]] || sb_test_fail "no trap_period in $D/mmm.yaml's checks.default"
HOLD=$(awk -v t="$TRAP" 'BEGIN { print 3 * t + 2 }')
sb_test_ok "cluster up: all hosts ONLINE, writer on db1 (profile $MMM_SANDBOX_PROFILE, mysql trap period $TRAP s," \
    "hold $HOLD s)"
sb_rw_sampler_start rw
sb_client_start w
SB_TIMEOUT=20 sb_expect "5 client writes through the writer VIP" sb_client_has_acked w 5

# --- a) the monitor cut off from db1: no failover -------------------------------------------------------------
from_a=$(sb_log_lines "$(sb_monitor_log)")
sb_sandbox fail db1 cutmonsql >/dev/null || sb_test_fail "scripts/sandbox fail db1 cutmonsql failed"
cut_at=$EPOCHREALTIME
sb_cutmon_active db1 || sb_test_fail "no table inet mmm_cutmon in db1's namespace after fail db1 cutmonsql"
ip netns exec "${SB_NSP}client" ping -c1 -W1 "$(sb_ip db1)" >/dev/null || finding "(a) the client does not reach db1"
ip netns exec "${SB_NSP}db2" ping -c1 -W1 "$(sb_ip db1)" >/dev/null || finding "(a) db2 does not reach db1"
# During the hold (HOLD s from the cut): what `show` says, polled; the sampler watches the servers and the VIP.
polls=0 not_online=0 not_writer=0 no_warning=0 first_bad='' warn_at=''
end=$(awk -v a="$cut_at" -v h="$HOLD" 'BEGIN { printf "%.3f", a + h }')
while awk -v e="$end" -v n="$EPOCHREALTIME" 'BEGIN { exit !(n < e) }'; do
    show=$(sb_control_read show 2>/dev/null) || show=
    at=$(sb_elapsed "$cut_at" "$EPOCHREALTIME")
    polls=$((polls + 1))
    line=$(awk 'index($1, "db1(") == 1' <<<"$show")
    [[ $line == *"/ONLINE."* ]] || { not_online=$((not_online + 1)); first_bad=${first_bad:-"+$at s: $line"}; }
    [[ $line == *"writer($WRITER_VIP)"* ]] || not_writer=$((not_writer + 1))
    # The warning comes with the round's answers; once there, it stays while the cut lasts.
    if grep -qE '^# Warning: monitor cannot reach db1' <<<"$show"; then
        warn_at=${warn_at:-$at}
    elif [[ -n ${warn_at:-} ]]; then
        no_warning=$((no_warning + 1))
    fi
    sleep 0.2
done
show_a=$(sb_control show 2>/dev/null || true)
echo "(a) after $HOLD s cut off: show says:"
printf '    %s\n' "$show_a"
echo "(a) the monitor log since the cut:"
mon_since "$from_a" | grep -vE "Check '|Status sent" | sed 's/^/    /' | sb_head 30
((not_online == 0)) || finding "(a) db1 not ONLINE in $not_online of $polls polls of show during the hold (first: $first_bad)"
((not_writer == 0)) || finding "(a) show did not list db1 with writer($WRITER_VIP) in $not_writer of $polls polls"
[[ -n ${warn_at:-} ]] || finding "(a) show never had a '# Warning: monitor cannot reach db1' line during the hold"
((no_warning == 0)) || finding "(a) the '# Warning: monitor cannot reach db1' line left show in $no_warning polls" \
    "after it first appeared (+${warn_at:-?} s) while the cut lasted"
[[ -z ${warn_at:-} ]] || echo "(a) the warning appeared in show +$warn_at s after the cut"
n=$(mon_count "$from_a" "$warn_re")
((n == 1)) || finding "(a) the monitor log has the second-opinion WARN line $n times, not once: $(mon_since "$from_a" |
    grep -E 'Second opinion' | sb_head 5)"
mon_has "$from_a" "$failover_re" && finding "(a) db1 failed over while db2 and db3 reach it: $(mon_since "$from_a" |
    grep -E "$failover_re" | sb_head 1)"
bad=$(awk -v a="$cut_at" -v e="$end" '$1 > a && $1 <= e' "$D/sampler-rw.log" | cut -d' ' -f2- | grep -cvE "$only_db1" || true)
total=$(awk -v a="$cut_at" -v e="$end" '$1 > a && $1 <= e' "$D/sampler-rw.log" | wc -l)
((bad == 0)) || finding "(a) $bad of $total samples during the hold not 'db1 the only read_only=0 and VIP holder':" \
    "$(awk -v a="$cut_at" -v e="$end" '$1 > a && $1 <= e' "$D/sampler-rw.log" | grep -vE " ro0:db1 vip:db1 writers:db1 stopped:$" |
        awk -v a="$cut_at" '{ $1 = sprintf("+%.2fs", $1 - a); print }' | awk '!seen[$2 $3 $4]++' | sb_head 6 | paste -sd';' -)"
acked=$(awk -v a="$cut_at" -v e="$end" '$2 > a && $2 <= e' "$D/client-w.acked" | wc -l)
failed=$(awk -v a="$cut_at" -v e="$end" '$2 > a && $2 <= e' "$D/client-w.failed" | wc -l)
last_ok=$(awk -v e="$end" '$2 > e - 1 && $2 <= e' "$D/client-w.acked" | wc -l)
# The longest time without an acknowledged write during the hold (acknowledgement times, in order). One attempt that
# ran into its 0.5 s bound on a loaded machine is no finding; db1 losing the VIP or read_only=0 would stop the writes
# for the rest of the hold (and the sampler above would show it).
gap=$(awk -v a="$cut_at" -v e="$end" '$3 > a && $3 <= e { print $3 }' "$D/client-w.acked" | sort -g |
    awk -v a="$cut_at" 'NR == 1 { p = a } { if ($1 - p > m) m = $1 - p; p = $1 } END { printf "%.2f", m }')
echo "(a) client during the hold: $acked acknowledged, $failed failed writes (longest gap between acknowledgements" \
    "$gap s); $total samples, $bad not db1-only"
((last_ok > 0)) && awk -v g="$gap" 'BEGIN { exit !(g <= 1.5) }' || finding "(a) writes through the VIP did not keep" \
    "succeeding: longest gap between acknowledgements $gap s, $failed failed during the hold (first at" \
    "+$(awk -v a="$cut_at" '$2 > a { printf "%.2f", $2 - a; exit }' "$D/client-w.failed") s), $last_ok acknowledged in its last second"
((${#FINDINGS[@]} == 0)) && sb_test_ok "(a) cut off for $HOLD s: db1 ONLINE and the only writer, warning in show," \
    "one WARN line, $acked writes acknowledged"

# --- b) heal: the monitor reaches db1 again -------------------------------------------------------------------
nf=${#FINDINGS[@]}
from_b=$(sb_log_lines "$(sb_monitor_log)")
sb_sandbox heal db1 >/dev/null || sb_test_fail "scripts/sandbox heal db1 failed"
heal_at=$EPOCHREALTIME
! sb_cutmon_active db1 || sb_test_fail "table inet mmm_cutmon still in db1's namespace after heal db1"
SB_TIMEOUT=10 sb_wait_for no_show_warning || finding "(b) the warning is still in show 10 s after the heal: $(show_warning)"
left_at=$EPOCHREALTIME
SB_TIMEOUT=10 sb_wait_for mon_has "$from_a" "$info_re" || finding "(b) no line /$info_re/ within 10 s of the heal"
mon_has "$from_a" "$failover_re" && finding "(b) db1 failed over: $(mon_since "$from_a" | grep -E "$failover_re" | sb_head 1)"
SB_TIMEOUT=15 sb_wait_for sb_writer_is db1 || finding "(b) db1 not the only writer 15 s after the heal: state" \
    "$(sb_state db1), writer listed on '$(sb_role_holder writer)', db1 read_only=$(ro_of db1), VIP on '$(sb_vip_holders "$WRITER_VIP")'"
echo "(b) warning gone from show $(sb_elapsed "$heal_at" "$left_at") s after the heal; log:"
mon_since "$from_b" | grep -E "Second opinion|db1" | grep -vE "Check '|Status sent" | sed 's/^/    /' | sb_head 10
((${#FINDINGS[@]} == nf)) && sb_test_ok "(b) healed: warning gone from show, INFO logged, no failover, db1 the writer"

# --- c) all traffic cut: held, then failed over once db1's unrenewed lease ran out ------------------------------
nf=${#FINDINGS[@]}
if ! SB_TIMEOUT=30 sb_wait_for sb_writer_is db1; then
    finding "(c) db1 is not the writer before case c; skipped"
else
    from_c=$(sb_log_lines "$(sb_monitor_log)")
    sb_sandbox fail db1 cutmon >/dev/null || sb_test_fail "scripts/sandbox fail db1 cutmon failed (c)"
    cut2_at=$EPOCHREALTIME
    SB_TIMEOUT=60 sb_wait_for sb_writer_is db2 || finding "(c) db2 not the only writer 60 s after the cut:" \
        "writer listed on '$(sb_role_holder writer)', db2 read_only=$(ro_of db2), VIP on '$(sb_vip_holders "$WRITER_VIP")'"
    writer_at=$EPOCHREALTIME
    echo "(c) db2 the writer $(sb_elapsed "$cut2_at" "$writer_at") s after the cut; log:"
    mon_since "$from_c" | grep -E "Second opinion|db1|db2" | grep -vE "Check '|Status sent" | sed 's/^/    /' | sb_head 25
    sb_log_sequence "$(sb_monitor_log)" "$from_c" "$lease_re" "$failover_re" >/dev/null ||
        finding "(c) the log lacks the sequence '$lease_re' / db1's state change"
    db1_fenced || finding "(c) db1 not fenced (read_only=$(ro_of db1), VIP on '$(sb_vip_holders "$WRITER_VIP")')"
    for p in "$SB_TWO_WRITERS" "$SB_TWO_VIP"; do
        two=$(sb_sampler_count_after rw "$cut2_at" "$p")
        ((two == 0)) || finding "(c) $two samples matching /$p/ since the second cut: $(two_samples rw "$cut2_at" "$p" |
            paste -sd';' -)"
    done
    ((${#FINDINGS[@]} == nf)) && sb_test_ok "(c) cut off: failover to db2 once db1's lease ran out, said with the others' opinion" \
        "$(sb_elapsed "$cut2_at" "$writer_at") s after the cut, db1 fenced, never two writers"
fi

# --- restore: db1 back, the monitor restarted for case d, the writer on db1 -------------------------------------
# sb_monitor_restart brings every host back ONLINE and the writer to db1 whatever the restart did (a restart longer
# than the 1 s writer lease fences db1 by design; the sanitizer build beside two other tests took longer).
sb_sandbox heal db1 >/dev/null || sb_test_fail "heal db1 after case c failed"
CONF=$D/mmm-no-second-opinion.yaml
(umask 077 && sed -e 's|^  kill_host_bin: ""$|&\n  second_opinion: false|' "$D/mmm.yaml" >"$CONF")
grep -q '^  second_opinion: false$' "$CONF" || sb_test_fail "could not write $CONF from mmm.yaml"
sb_monitor_restart "$CONF"

# --- d) second_opinion: false: the monitor fails db1 over; db1's lease fences it ---------------------------------
nf=${#FINDINGS[@]}
LEASE=$(awk -v t="$TRAP" 'BEGIN { print t }')  # monitor.writer_lease unset: the mysql trap period
from_d=$(sb_log_lines "$(sb_monitor_log)")
db1_from=$(sb_log_lines "$(sb_agent_log db1)")
sb_sandbox fail db1 cutmon >/dev/null || sb_test_fail "scripts/sandbox fail db1 cutmon failed (d)"
cut3_at=$EPOCHREALTIME
if SB_TIMEOUT=$((${LEASE%.*} + 3)) SB_POLL=0.02 sb_wait_for db1_fenced; then
    echo "(d) db1 fenced (read_only=1, no writer VIP) $(sb_elapsed "$cut3_at" "$EPOCHREALTIME") s after the cut (lease $LEASE s)"
else
    finding "(d) db1 not fenced within lease ($LEASE s) + 3 s of the cut: read_only=$(ro_of db1)," \
        "VIPs '$(sb_vips db1 | paste -sd' ' -)'"
fi
SB_TIMEOUT=30 sb_wait_for sb_writer_is db2 || finding "(d) db2 not the only writer 30 s after the cut: writer listed" \
    "on '$(sb_role_holder writer)', db2 read_only=$(ro_of db2), VIP on '$(sb_vip_holders "$WRITER_VIP")'"
writer3_at=$EPOCHREALTIME
echo "(d) db2 the writer $(sb_elapsed "$cut3_at" "$writer3_at") s after the cut; monitor log:"
mon_since "$from_d" | grep -E "Second opinion|db1|db2" | grep -vE "Check '|Status sent" | sed 's/^/    /' | sb_head 15
echo "(d) db1's agent log:"
tail -n +"$((db1_from + 1))" "$(sb_agent_log db1)" | grep -iE "lease|fenc|writer" | sed 's/^/    /' | sb_head 6
mon_has "$from_d" "$failover_re" || finding "(d) no failover of db1 logged with second_opinion: false"
mon_has "$from_d" "Second opinion" && finding "(d) a second-opinion line although second_opinion: false:" \
    "$(mon_since "$from_d" | grep 'Second opinion' | sb_head 1)"
tail -n +"$((db1_from + 1))" "$(sb_agent_log db1)" | sb_in -q 'Writer lease of .* expired' ||
    finding "(d) db1's agent log has no 'Writer lease ... expired' line"
sb_cutmon_active db1 || finding "(d) the cut was gone before the checks"
sb_sampler_stop rw
sb_client_stop w
for p in "$SB_TWO_WRITERS" "$SB_TWO_VIP"; do
    two=$(sb_sampler_count_after rw "$cut_at" "$p")
    ((two == 0)) || finding "$two samples matching /$p/ since the first cut: $(two_samples rw "$cut_at" "$p" | paste -sd';' -)"
done
((${#FINDINGS[@]} == nf)) && sb_test_ok "(d) second_opinion: false: db1 failed over, fenced by its lease, db2 the" \
    "writer $(sb_elapsed "$cut3_at" "$writer3_at") s after the cut, never two writers"

echo "samples: $(wc -l <"$D/sampler-rw.log"), client acknowledged $(sb_client_acked w) writes"
if ((${#FINDINGS[@]})); then
    sb_test_fail "${#FINDINGS[@]} finding(s):$(printf '\n  - %s' "${FINDINGS[@]}")"
fi
sb_test_ok "second opinion: no failover while db2 and db3 reach db1 and its lease is renewed, failover once its lease ran out, contrast without it"
