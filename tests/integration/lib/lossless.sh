# Helpers of the lossless-promotion tests (issue 11); sourced after scripts/sandbox-lib.sh.
# shellcheck shell=bash

# cut_replication HOST SOURCE: nftables in HOST's namespace drops what SOURCE's mariadbd sends it (HOST's IO thread
# stalls; everything else, the monitor's checks included, still works). uncut_replication HOST heals it.
cut_replication() {
    printf '%s\n' "table inet mmm_cutrepl {" \
        "    chain input { type filter hook input priority 0; policy accept; ip saddr $(sb_ip "$2") tcp sport 3306 drop; }" \
        "}" | ip netns exec "${SB_NSP}${1}" nft -f -
}
uncut_replication() {
    ! ip netns exec "${SB_NSP}${1}" nft list table inet mmm_cutrepl >/dev/null 2>&1 ||
        ip netns exec "${SB_NSP}${1}" nft delete table inet mmm_cutrepl
}

# cut_stream_from HOST: nftables in HOST's namespace drops what its mariadbd sends the other database hosts (their IO
# threads stall, so HOST acknowledges writes no replica receives: an unsent tail); uncut_stream_from HOST heals it.
cut_stream_from() {
    local h others=()
    for h in "${SB_DB_HOSTS[@]}"; do [[ $h == "$1" ]] || others+=("$(sb_ip "$h")"); done
    printf '%s\n' "table inet mmm_cutstream {" \
        "    chain output { type filter hook output priority 0; policy accept; ip daddr { $(IFS=,; echo "${others[*]}") } tcp sport 3306 drop; }" \
        "}" | ip netns exec "${SB_NSP}${1}" nft -f -
}
uncut_stream_from() {
    ! ip netns exec "${SB_NSP}${1}" nft list table inet mmm_cutstream >/dev/null 2>&1 ||
        ip netns exec "${SB_NSP}${1}" nft delete table inet mmm_cutstream
}

# unsent_tail_up: a fresh cluster (writer db1), the load 'w' (4 connections through the writer VIP) with 500 writes
# acknowledged, then db1's stream cut (cut_stream_from) until db1 alone acknowledged 500 more: an unsent tail.
unsent_tail_up() {
    local at_cut
    sb_test_cluster_up
    sb_test_ok "cluster up: all hosts ONLINE, writer on db1"
    sb_load_start w 4
    SB_TIMEOUT=20 sb_expect "writes acknowledged through the writer VIP" sb_load_has_acked w 500
    cut_stream_from db1
    at_cut=$(sb_load_acked w)
    SB_TIMEOUT=20 sb_expect "writes acknowledged by db1 alone" sb_load_has_acked w $((at_cut + 500))
}

# semisync_clients_are HOST N: HOST's semi-sync master side has N registered replicas.
semisync_clients_are() {
    [[ $(sb_sql "$1" "SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_clients'" | awk '{ print $2 }') == "$2" ]]
}

# replicates_with_gtid HOST MASTER: HOST replicates from MASTER, both threads running, Using_Gtid not No.
replicates_with_gtid() {
    sb_replicates_from "$1" "$2" && [[ $(sb_slave_field "$1" Using_Gtid) =~ ^(Slave_Pos|Current_Pos)$ ]]
}

# check_no_loss TAG WRITER REPLICA...: every write of TAG acknowledged to the client is on WRITER and on every
# REPLICA (after they caught up, bounded), and no REPLICA has a row WRITER lacks. Fails the test otherwise.
check_no_loss() {
    local tag=$1 writer=$2 h missing extra
    shift 2
    for h in "$writer" "$@"; do
        if ! SB_TIMEOUT=60 sb_wait_for lossless_on "$tag" "$h"; then
            missing=$(sb_load_missing "$tag" "$h")
            sb_test_fail "$(wc -l <<<"$missing") of $(sb_load_acked "$tag") acknowledged writes are missing on $h:" \
                "$(head -10 <<<"$missing" | paste -sd' ' -)"
        fi
    done
    for h in "$@"; do
        extra=$(sb_rows_not_on "$h" "$writer")
        [[ -z $extra ]] || sb_test_fail "$(wc -l <<<"$extra") rows on $h are not on the writer $writer (diverged):" \
            "$(head -10 <<<"$extra" | paste -sd' ' -)"
    done
    sb_test_ok "$(sb_load_acked "$tag") acknowledged writes: 0 missing on $writer $*; no row on $* that $writer lacks;" \
        "$(sb_log_lines "${SB_DIR}/load-$tag.failed") attempts failed (outcome unknown)"
}
lossless_on() { [[ -z $(sb_load_missing "$1" "$2") ]]; }

# old_master_back_not_merged: db1's mariadbd is started again; db2 (the writer) must not replicate from it, so
# db1's unreplicated tail cannot flow into the writer.
old_master_back_not_merged() {
    sb_test_restart_server db1
    SB_TIMEOUT=30 sb_expect "db1's mariadbd answers again" sb_mysqld_ping db1
    sleep 3
    [[ $(sb_slave_field db2 Slave_IO_Running) != Yes ]] ||
        sb_test_fail "db2 (the writer) replicates from db1 again after db1's restart: db1's tail can flow into it"
    sb_test_ok "db1 back ($(sb_gtid_of db1)): db2 does not replicate from it"
}
