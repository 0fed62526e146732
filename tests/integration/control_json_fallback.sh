#!/usr/bin/env bash
# mmm_control --json against a monitor that does not know '--json' (issue 13): mysql-mmm 2.2's monitor answers
# 'show --json' with "Invalid command 'show --json'" and its help (spec section 8.1). A stand-in for that control
# port on loopback (tests/integration/lib/mysql_mmm_monitor_standin.py) logs what it receives. Expected: mmm_control
# asks 'show --json', then 'show', and prints JSON built from the text (hosts, states, roles), exit 0; 'mode' the
# same; a command without --json is sent once, as it is. Needs no root and no namespaces.
# mmm-test: cost 1
set -euo pipefail
REPO=${MMM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BIN=${MMM_BINARY_DIR:-$REPO/build}/control/mmm_control
[[ -x $BIN ]] || { echo "FAIL: $BIN is not built"; exit 1; }

dir=$(mktemp -d /tmp/mmm-json-fallback.XXXXXX)
standin=
cleanup() {
    if [[ -n $standin ]]; then
        kill "$standin" 2>/dev/null || true
        wait "$standin" 2>/dev/null || true  # 143: ended by the kill
    fi
    rm -rf "$dir"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*"
    echo "--- lines the stand-in received:"
    cat "$dir/received" 2>/dev/null || true
    exit 1
}

python3 "$REPO/tests/integration/lib/mysql_mmm_monitor_standin.py" "$dir/port" "$dir/received" 60 &
standin=$!
for _ in $(seq 1 50); do
    [[ -s $dir/port ]] && break
    sleep 0.1
done
[[ -s $dir/port ]] || fail "the stand-in monitor did not start"
port=$(<"$dir/port")
cat >"$dir/mmm.yaml" <<YAML
active_master_role: writer
socket: {type: plain}
monitor: {ip: 127.0.0.1, port: $port, ping_ips: [192.0.2.1]}
hosts:
  default: {agent_user: a, agent_password: ap, monitor_user: m, monitor_password: mp, replication_user: r,
            replication_password: rp}
  db1: {ip: 192.0.2.11, mode: master, peer: db2}
  db2: {ip: 192.0.2.12, mode: master, peer: db1}
  db3: {ip: 192.0.2.13, mode: slave}
roles:
  writer: {mode: exclusive, hosts: [db1, db2], ips: [192.0.2.50]}
  reader: {mode: balanced, hosts: [db1, db2, db3], ips: [192.0.2.51, 192.0.2.52, 192.0.2.53]}
YAML
chmod 600 "$dir/mmm.yaml"

rc=0
out=$("$BIN" -c "$dir/mmm.yaml" --json show 2>"$dir/stderr") || rc=$?
((rc == 0)) || fail "mmm_control --json show exited $rc: $out $(cat "$dir/stderr")"
[[ $(jq -r '[.hosts[].name] | join(",")' <<<"$out") == db1,db2,db3 ]] || fail "--json show: hosts: $out"
[[ $(jq -r '.hosts[2].state' <<<"$out") == HARD_OFFLINE ]] || fail "--json show: db3's state: $out"
[[ $(jq -r '[.hosts[0].roles[] | .role + "(" + .ip + ")"] | join(",")' <<<"$out") == \
    "reader(192.0.2.51),writer(192.0.2.50)" ]] || fail "--json show: db1's roles: $out"
[[ $(cat "$dir/received") == $'show --json\nshow' ]] || fail "the stand-in did not get 'show --json' then 'show'"
echo "ok: --json show against a monitor without --json: asked 'show --json', fell back to 'show', JSON from its text"

: >"$dir/received"
out=$("$BIN" -c "$dir/mmm.yaml" --json mode 2>"$dir/stderr") || fail "mmm_control --json mode failed: $out"
[[ $(jq -r '.mode' <<<"$out") == ACTIVE ]] || fail "--json mode: $out"
[[ $(cat "$dir/received") == $'mode --json\nmode' ]] || fail "the stand-in did not get 'mode --json' then 'mode'"
echo "ok: --json mode: $(jq -c . <<<"$out")"

: >"$dir/received"
out=$("$BIN" -c "$dir/mmm.yaml" show) || fail "mmm_control show failed: $out"
expected=$(cd "$REPO/tests/integration/lib" &&
    PYTHONDONTWRITEBYTECODE=1 python3 -c 'import mysql_mmm_monitor_standin as s; print(s.SHOW, end="")')
[[ $out == "$expected" ]] || fail "mmm_control show printed: $out"
[[ $(cat "$dir/received") == show ]] || fail "a plain show was not sent once, as it is"
echo "ok: show without --json: sent once, the text printed as received"
echo "control-json-fallback: PASS"
