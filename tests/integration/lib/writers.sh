# Never-two-writers probes for the integration tests (source it after scripts/sandbox-lib.sh; needs bash).
# shellcheck shell=bash disable=SC2034  # WRITER_VIP and the patterns are used by the tests that source it
# A sample looks at the three db hosts in parallel (one sample takes about one mariadb call, not three), so the
# sampler gets close to its 50 ms period; a SIGSTOPped server is not asked (it cannot answer) but named.

WRITER_VIP=192.0.2.50

# ro_of HOST: HOST's @@global.read_only, bounded (a dead server fails at once, a hung one after 1 s).
ro_of() {
    timeout -s KILL 1 mariadb --no-defaults --protocol=socket -S "$(sb_dir)/$1/mysqld.sock" -u root -N -B \
        -e 'SELECT @@global.read_only' 2>/dev/null
}

# host_ro HOST: "HOST RO": RO is HOST's read_only (0, 1; T for a SIGSTOPped server, - when it does not answer).
host_ro() {
    local ro pid
    if pid=$(sb_mysqld_pid "$1") && sb_stopped "$pid"; then
        ro=T
    else
        ro=$(ro_of "$1") || ro=-
    fi
    echo "$1 ${ro:--}"
}

# host_vip HOST: 1 when the writer VIP is on HOST's eth0 and that link is up, else 0.
host_vip() {
    local br
    br=$(ip -n "$(sb_ns "$1")" -4 -br addr show dev eth0 2>/dev/null) || br=
    if [[ " $br " == *" UP "* && " $br " == *" $WRITER_VIP/"* ]]; then echo 1; else echo 0; fi
}

# rw_vip_sample (sampler function): "ro0:<hosts answering read_only=0> vip:<holders of the writer VIP on an up
# link> writers:<hosts in both> stopped:<SIGSTOPped servers>", each list comma separated in host order. The VIPs of
# all hosts are read first, one right after the other (a few ms in all; two holders are confirmed by reading the
# earlier ones again); the servers are then asked in parallel (a loaded server may take 100 ms or more to answer,
# and reading the VIP after it would compare one host's past with another's present).
rw_vip_sample() {
    local h ro probes rw=() holders=() writers=() stopped=()
    local -A vip=()
    for h in "${SB_DB_HOSTS[@]}"; do vip[$h]=$(host_vip "$h"); done
    # Two holders: the reads were one after the other (on a loaded machine 100 ms or more apart), so a holder read
    # earlier may have let the VIP go before the later one took it. Each holder but the last one read is read
    # again: one that still holds it held it while the later one did; one that no longer does is not counted.
    local seen=0 last=
    for h in "${SB_DB_HOSTS[@]}"; do [[ ${vip[$h]} == 1 ]] && { seen=$((seen + 1)); last=$h; }; done
    if ((seen > 1)); then
        for h in "${SB_DB_HOSTS[@]}"; do
            [[ ${vip[$h]} == 1 && $h != "$last" ]] && vip[$h]=$(host_vip "$h")
        done
    fi
    probes=$(for h in "${SB_DB_HOSTS[@]}"; do host_ro "$h" & done; wait)
    # Two servers at read_only=0 in one sample: asked again at once, and only those still at 0 count. The parallel
    # reads take 10-100 ms each, so during a planned switch (old writer read-only, then the new one writable, a few
    # ms apart) the old writer's answer can predate the switch and the new one's follow it; a real overlap lasts.
    if (($(grep -c ' 0$' <<<"$probes") > 1)); then
        local again
        again=$(for h in $(awk '$2 == "0" { print $1 }' <<<"$probes"); do host_ro "$h" & done; wait)
        probes=$(awk 'NR == FNR { if ($2 != "0") changed[$1] = $2; next } ($1 in changed) { $2 = changed[$1] } 1' \
            <(echo "$again") <(echo "$probes"))
    fi
    while read -r h ro; do
        [[ $ro == 0 ]] && rw+=("$h")
        [[ ${vip[$h]} == 1 ]] && holders+=("$h")
        [[ $ro == 0 && ${vip[$h]} == 1 ]] && writers+=("$h")
        [[ $ro == T ]] && stopped+=("$h")
    done < <(sort <<<"$probes")
    local IFS=,
    echo "ro0:${rw[*]} vip:${holders[*]} writers:${writers[*]} stopped:${stopped[*]}"
}

# Sample patterns (extended regexes over rw_vip_sample's output) for sb_sampler_count_after.
TWO_RO='ro0:[^ ]*,'
TWO_VIP='vip:[^ ]*,'
TWO_WRITERS='writers:[^ ]*,'

# two_samples SAMPLER SINCE PATTERN: the first 10 samples of SAMPLER after SINCE matching PATTERN, for a message.
two_samples() {
    local first h
    awk -v t="$2" '$1 > t' "$(sb_dir)/sampler-$1.log" | grep -E "$3" | sb_head 10
    # What the agents did around the first such sample (their log lines carry whole seconds).
    first=$(awk -v t="$2" '$1 > t' "$(sb_dir)/sampler-$1.log" | grep -E "$3" | sb_head 1 | cut -d' ' -f1)
    [[ -n $first ]] || return 0
    for h in "${SB_DB_HOSTS[@]}"; do
        grep -E "$(date -d "@${first%.*}" '+%Y/%m/%d %H:%M:')" "$(sb_agent_log "$h")" 2>/dev/null |
            grep -E 'writes|Writer role|writer|epoch' | sed "s/^/    $h: /" | tail -8
    done
}
