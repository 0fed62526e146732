# Never-two-writers probes for the integration tests (source it after scripts/sandbox-lib.sh; needs bash).
# shellcheck shell=bash disable=SC2034  # WRITER_VIP is used by the tests that source it

WRITER_VIP=192.0.2.50

# ro_of HOST: HOST's @@global.read_only, bounded (a dead server fails at once, a hung one after 1 s).
ro_of() { sb_read_only_bounded "$1" 1; }

# two_samples SAMPLER SINCE PATTERN: the first 10 samples of SAMPLER after SINCE matching PATTERN, for a message.
two_samples() {
    local first h
    awk -v t="$2" '$1 > t' "${SB_DIR}/sampler-$1.log" | grep -E "$3" | sb_head 10
    # What the agents did around the first such sample (their log lines carry whole seconds).
    first=$(awk -v t="$2" '$1 > t' "${SB_DIR}/sampler-$1.log" | grep -E "$3" | sb_head 1 | cut -d' ' -f1)
    [[ -n $first ]] || return 0
    for h in "${SB_DB_HOSTS[@]}"; do
        grep -E "$(date -d "@${first%.*}" '+%Y/%m/%d %H:%M:')" "$(sb_agent_log "$h")" 2>/dev/null |
            grep -E 'writes|Writer role|writer|epoch' | sed "s/^/    $h: /" | tail -8
    done
}
