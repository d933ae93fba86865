#!/usr/bin/env bash
# One event schema for every command (docs/events.md, issue 9). The C table the writer enforces
# lists exactly the events and keys docs/events.md documents, in the same order; and every line
# that vigil sim (each scenario, and the variants that reach the other events), vigil demo and
# vigil transfer print with --json is valid against it: v, t_us, host, event first, exactly the
# documented keys in order, the documented types, null only where documented. Then what users
# found inconsistent: probe_acked's count after a partition, the lossy verdict's text against its
# JSON, transfer's packet counts, and the keep-alive verdict's formula.
# (serve and connect over TUN: tests/root/test_tun_events.sh.)
set -u
VIGIL="${VIGIL_BUILD:?VIGIL_BUILD not set}/vigil"
SRC="${VIGIL_SRC:?VIGIL_SRC not set}"
DOC=$SRC/docs/events.md
CHECK="python3 $SRC/tests/support/events_check.py $DOC"
command -v python3 >/dev/null || { echo "SKIP: python3 is needed to check the JSON lines"; exit 77; }
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# The C table against the document.
"$VIGIL_BUILD/tests/test_cli_events" --dump-schema >"$tmp/schema.dump" || fail "no schema dump"
$CHECK --schema "$tmp/schema.dump" || fail "docs/events.md and tools/cli_event_table.c differ"

# run NAME EXPECTED_RC CMD...: output in $tmp/NAME.json, checked later with every other.
n=0
run() {
    local name=$1 want=$2; shift 2
    local rc=0
    "$VIGIL" "$@" >"$tmp/$name.json" 2>"$tmp/$name.err" || rc=$?
    [ "$rc" = "$want" ] || fail "vigil $* exited $rc, expected $want: $(cat "$tmp/$name.err")"
    [ -s "$tmp/$name.json" ] || fail "vigil $* printed nothing"
    n=$((n + 1))
}

for s in alive peer-crash partition peer-reboot nat-expiry lossy; do
    run "sim-$s" 0 sim --scenario "$s" --json
    run "sim-$s-pcap" 0 sim --scenario "$s" --json --pcap "$tmp/$s.pcap"
done
run sim-linux 0 sim --scenario peer-crash --profile linux --json
run sim-count0 0 sim --scenario peer-crash --keepalive-count 0 --duration-ms 20000000 --json
run sim-partition-long 0 sim --scenario partition --heal-ms 8000000 --json
run sim-nat-kept 0 sim --scenario nat-expiry --keepalive-time 240000 --json
run sim-lossy-abort 0 sim --scenario lossy --loss 0.9 --keepalive-time 60000 --seed 3 --json
run sim-alive-loss 0 sim --scenario alive --loss 0.2 --seed 3 --json
run sim-short 0 sim --scenario peer-crash --duration-ms 3600000 --json
run demo 0 demo --json --pcap "$tmp/demo.pcap"
run transfer 0 transfer --bytes 300000 --json
run transfer-lossy 0 transfer --bytes 300000 --loss 0.1 --dup 0.1 --reorder 0.1 --corrupt 0.05 --seed 9 --json
for f in "$SRC"/scenarios/*.scn; do
    run "file-$(basename "$f" .scn)" 0 sim --file "$f" --json --pcap "$tmp/$(basename "$f").pcap"
done

$CHECK --expect scenario --expect connected --expect probe_sent --expect probe_acked \
    --expect peer_probe_answered --expect aborted --expect closed --expect keepalive_verdict \
    --expect peer_down --expect peer_rebooted --expect partition_start --expect partition_heal \
    --expect nat_forgot_flow --expect packet_dropped --expect rst_sent --expect reset_received \
    --expect capture --expect verdict --expect transfer --expect scenario_file \
    --expect expectation "$tmp"/*.json ||
    fail "a line does not match docs/events.md"
echo "-- $n runs checked"

# py FILE CODE: CODE runs with `ev`, the parsed lines of FILE, and one(event, host).
py() {
    python3 - "$1" "$2" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
def all_of(name, host=None):
    return [o for o in ev if o["event"] == name and (host is None or o["host"] == host)]
def one(name, host=None):
    m = all_of(name, host)
    assert len(m) == 1, (name, host, m)
    return m[0]
exec(sys.argv[2])
PY
}

# The same event has the same keys in sim and (by the table) in connect: probe_sent counts the
# probe and says the count; probe_acked after a partition that swallowed 6 probes says 6.
py "$tmp/sim-partition.json" '
sent = all_of("probe_sent", "client")
assert [p["probe"] for p in sent] == list(range(1, len(sent) + 1)), sent
assert all(p["count"] == 10 and p["peer"] == "192.0.2.2:5001" for p in sent)
a = one("probe_acked", "client")
assert a["probes"] == len(sent) == 7 and a["unanswered"] == 6, a
v = one("verdict")
assert v["longest_unanswered"] == 6 and "6 probe(s) went unanswered" in v["message"], v
' || fail "partition: unanswered counts"

# Every key is there, null when it does not apply: a lives verdict has null abort fields.
py "$tmp/sim-alive.json" '
v = one("verdict")
assert v["outcome"] == "lives" and v["outcome_t_us"] is None and v["idle_us"] is None, v
assert v["checked"] == "prediction" and v["as_expected"] is True
' || fail "alive: verdict keys"

# lossy: nothing was compared, and text and JSON say the same.
py "$tmp/sim-lossy.json" '
v = one("verdict")
assert v["checked"] == "nothing" and v["as_expected"] is None, v
assert v["message"].endswith("-- not predictable, nothing to compare"), v
' || fail "lossy: JSON verdict"
"$VIGIL" sim --scenario lossy >"$tmp/lossy.txt" 2>&1
msg=$(python3 -c 'import json,sys; print([json.loads(l) for l in open(sys.argv[1])][-1]["message"])' \
      "$tmp/sim-lossy.json")
grep -qxF "verdict: $msg" "$tmp/lossy.txt" || fail "lossy: text verdict differs from JSON: $(tail -1 "$tmp/lossy.txt")"
py "$tmp/sim-lossy-abort.json" '
v = one("verdict")
assert v["outcome"] == "aborted" and v["checked"] == "abort_instant" and v["as_expected"] is True, v
k = one("keepalive_verdict", "client")
assert k["idle_us"] == k["expected_idle_us"] and k["as_expected"] is True, k
' || fail "lossy abort: verdict"

# The keep-alive verdict: B3's formula, exactly, in virtual time.
py "$tmp/sim-peer-crash.json" '
k = one("keepalive_verdict", "client")
assert k["t_us"] == 7210002000 and k["last_rx_t_us"] == 2000, k
assert k["idle_us"] == k["expected_idle_us"] == 7210000000 and k["late_us"] == 0, k
assert (k["keepalive_time_ms"], k["keepalive_interval_ms"], k["keepalive_count"]) == (7200000, 1000, 10)
assert k["tolerance_us"] == 0 and k["as_expected"] is True
assert k["message"] == "2:00:10.000 after the last packet it received (expected 2:00:10.000 = 2:00:00.000 + 10 x 0:00:01.000): as specified", k
' || fail "peer-crash: keepalive_verdict"
py "$tmp/sim-linux.json" '
k = one("keepalive_verdict", "client")
assert k["idle_us"] == (7200000 + 9 * 75000) * 1000 and k["as_expected"] is True, k
assert "= 2:00:00.000 + 9 x 0:01:15.000)" in k["message"], k
' || fail "linux: keepalive_verdict"

# transfer: sent + duplicated = delivered + lost + unroutable + in flight, in JSON and text.
for f in transfer transfer-lossy; do
    py "$tmp/$f.json" '
t = one("transfer")
assert t["match"] is True and t["error"] is None and t["first_difference"] is None, t
assert t["packets_sent"] + t["packets_duplicated"] == t["packets_delivered"] + t["packets_lost"] + t["packets_unroutable"] + t["packets_in_flight"], t
' || fail "$f: packet counts do not add up"
done
py "$tmp/transfer-lossy.json" '
t = one("transfer")
assert t["packets_lost"] > 0 and t["packets_duplicated"] > 0, t
' || fail "transfer-lossy: the run was not lossy"
"$VIGIL" transfer --bytes 300000 --loss 0.1 --dup 0.1 --reorder 0.1 --corrupt 0.05 --seed 9 >"$tmp/t.txt"
line=$(grep '^packets:' "$tmp/t.txt")
read -r s d del l u f <<<"$(sed -E 's/^packets: *([0-9]+) sent \+ ([0-9]+) duplicated = ([0-9]+) delivered \+ ([0-9]+) lost \+ ([0-9]+) unroutable \+ ([0-9]+) in flight$/\1 \2 \3 \4 \5 \6/' <<<"$line")"
[ -n "${f:-}" ] && [ $((s + d)) = $((del + l + u + f)) ] || fail "transfer text: '$line' does not add up"

[ "$fails" = 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "ok"
