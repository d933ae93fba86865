#!/usr/bin/env bash
# vigil transfer: exit codes, the fields it prints (text and --json), rejection of bad options
# with a message naming the option and its range, and a lossy transfer arriving byte-exact.
# The receiver checks against the pattern by default; SHA-256 digests only with --sha256. The
# times and throughputs are printed, never asserted.
set -u
VIGIL="${VIGIL_BUILD:?VIGIL_BUILD not set}/vigil"
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# run EXPECTED_RC ARGS...: runs vigil transfer, output in $tmp/out and $tmp/err
run() {
    local want=$1; shift
    "$VIGIL" transfer "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    [ "$rc" -eq "$want" ] || fail "vigil transfer $* exited $rc, expected $want; stderr: $(cat "$tmp/err")"
}

field() { sed -n "s/^$1: *//p" "$tmp/out"; }

# A clean run: counts, the pattern checked, no digest (that is --sha256), and each time with its
# throughput in Gbit/s.
run 0 --bytes 200000 --seed 3
[ "$(field 'bytes sent')" = 200000 ] || fail "bytes sent: $(field 'bytes sent')"
[ "$(field 'bytes received')" = 200000 ] || fail "bytes received: $(field 'bytes received')"
[ "$(field 'match')" = yes ] || fail "match: $(field 'match')"
grep -q '^sha256' "$tmp/out" && fail "a digest without --sha256: $(grep '^sha256' "$tmp/out")"
grep -q '^retransmissions: *[0-9]' "$tmp/out" || fail "no retransmissions line"
grep -q '^virtual time: *[0-9.]* s ([0-9.e+-]* Gbit/s)$' "$tmp/out" || fail "no virtual time line"
grep -q '^wall time: *[0-9.]* s ([0-9.e+-]* Gbit/s)$' "$tmp/out" || fail "no wall time line"
grep -q '^cpu time: *[0-9.]* s ([0-9.e+-]* Gbit/s per CPU-second)$' "$tmp/out" ||
    fail "no cpu time line"

# --sha256: both digests, real SHA-256 and equal, and the same verdict.
run 0 --bytes 200000 --seed 3 --sha256
tx=$(field 'sha256 sent'); rxd=$(field 'sha256 received')
[[ "$tx" =~ ^[0-9a-f]{64}$ ]] || fail "sha256 sent is not a digest: '$tx'"
[ "$tx" = "$rxd" ] || fail "digests differ on a clean run: $tx vs $rxd"
[ "$(field 'match')" = yes ] || fail "match with --sha256: $(field 'match')"

# The content depends on the seed, and the same seed gives the same content.
run 0 --bytes 200000 --seed 4 --sha256
[ "$(field 'sha256 sent')" != "$tx" ] || fail "seed 4 sent the same content as seed 3"
run 0 --bytes=200000 --seed=3 --sha256
[ "$(field 'sha256 sent')" = "$tx" ] || fail "seed 3 did not replay the same content"

# Unlimited bandwidth and no latency take no virtual time: no throughput of it, not a division
# by zero.
run 0 --bytes 100000 --bandwidth-mbps 0 --latency-ms 0
grep -q '^virtual time: *0.000000 s (no time passed: no throughput)$' "$tmp/out" ||
    fail "no-time virtual line: $(grep '^virtual time' "$tmp/out")"

# An impaired link: the stream still arrives byte-exact, and losses were repaired.
run 0 --bytes 1000000 --loss 0.05 --dup 0.01 --reorder 0.02 --corrupt 0.01 --latency-ms 20 --bandwidth-mbps 10 --seed 9
[ "$(field 'match')" = yes ] || fail "lossy transfer did not match"
retx=$(sed -n 's/^retransmissions: *\([0-9]*\).*/\1/p' "$tmp/out")
[ "${retx:-0}" -gt 0 ] || fail "no retransmissions at 5% loss"

# A seed replays the run packet for packet: two captures of the same run are identical.
run 0 --bytes 300000 --loss 0.05 --dup 0.02 --reorder 0.05 --corrupt 0.01 --seed 11 --pcap "$tmp/a.pcap"
run 0 --bytes 300000 --loss 0.05 --dup 0.02 --reorder 0.05 --corrupt 0.01 --seed 11 --pcap "$tmp/b.pcap"
run 0 --bytes 300000 --loss 0.05 --dup 0.02 --reorder 0.05 --corrupt 0.01 --seed 12 --pcap "$tmp/c.pcap"
[ -s "$tmp/a.pcap" ] || fail "--pcap wrote nothing"
cmp -s "$tmp/a.pcap" "$tmp/b.pcap" || fail "the same seed gave different captures"
cmp -s "$tmp/a.pcap" "$tmp/c.pcap" && fail "different seeds gave the same capture"

# Nothing to send is still a valid transfer.
run 0 --bytes 0
[ "$(field 'bytes received')" = 0 ] || fail "--bytes 0 received $(field 'bytes received')"

# The handshake, too, retries for as long as it takes (issue 9): at half the packets lost the
# listener's SYN-ACKs alone back off past the watchdog's hour, and these runs used to end with
# "the handshake did not complete". The first is the command line from the report; with this
# tree's stacks it happened to pass, the seeds after it failed (200901, 200920, 200932, ...).
run 0 --bytes 0 --loss 0.5 --reorder 0.05 --corrupt 0.2 --latency-ms 50 --bandwidth-mbps 10 --seed 200936
[ "$(field 'match')" = yes ] || fail "seed 200936: $(field 'error')"
for seed in $(seq 200900 200960); do
    for bytes in 0 3000; do
        "$VIGIL" transfer --bytes $bytes --loss 0.5 --reorder 0.05 --corrupt 0.2 --latency-ms 50 \
            --bandwidth-mbps 10 --seed $seed >"$tmp/out" 2>&1 ||
            fail "--bytes $bytes at 50% loss, seed $seed: $(field 'error')"
    done
done

# --json: one "transfer" event line (docs/events.md) with the same facts.
run 0 --bytes 50000 --loss 0.01 --seed 5 --json
lines=$(wc -l <"$tmp/out")
[ "$lines" -eq 1 ] || fail "--json printed $lines lines"
if command -v python3 >/dev/null; then
    python3 - "$tmp/out" <<'PY' || fail "--json output is not the expected object: $(cat "$tmp/out")"
import json, sys
o = json.load(open(sys.argv[1]))
assert o["bytes_sent"] == 50000 and o["bytes_received"] == 50000, o
assert o["match"] is True
assert o["sha256_sent"] is None and o["sha256_received"] is None, o
assert list(o)[:4] == ["v", "t_us", "host", "event"] and o["event"] == "transfer", o
for k in ("retransmissions", "wall_time_us", "cpu_time_us", "packets_sent", "packets_in_flight"):
    assert k in o, k
# The virtual throughput is a function of the run alone; the others are present, never checked.
assert o["virtual_bit_per_s"] == round(o["bytes_received"] * 8 / (o["t_us"] / 1e6)), o
for k in ("wall_bit_per_s", "cpu_bit_per_s"):
    assert k in o, k
assert o["packets_sent"] > 0 and o["t_us"] > 0
assert o["packets_sent"] + o["packets_duplicated"] == o["packets_delivered"] + o["packets_lost"] + o["packets_unroutable"] + o["packets_in_flight"], o
PY
else
    grep -q '"match":true' "$tmp/out" || fail "--json lacks match:true"
fi
run 0 --bytes 50000 --loss 0.01 --seed 5 --json --sha256
if command -v python3 >/dev/null; then
    python3 - "$tmp/out" <<'PY' || fail "--json --sha256 lacks equal digests: $(cat "$tmp/out")"
import json, sys
o = json.load(open(sys.argv[1]))
assert o["match"] is True
assert o["sha256_sent"] == o["sha256_received"] and len(o["sha256_sent"]) == 64
PY
fi

# --help prints usage and succeeds.
run 0 --help
grep -q -- '--bytes' "$tmp/out" || fail "--help does not mention --bytes"

# Bad usage: exit 2, and the message names the option and what it accepts.
bad() {
    local pattern=$1; shift
    run 2 "$@"
    grep -q -- "$pattern" "$tmp/err" || fail "vigil transfer $*: message lacks '$pattern': $(cat "$tmp/err")"
}
bad '--loss must be.*\[0,1)' --bytes 10 --loss 1
bad '--loss must be.*\[0,1)' --bytes 10 --loss -0.1
bad '--loss must be' --bytes 10 --loss abc
bad '--dup must be.*\[0,1)' --bytes 10 --dup 2
bad '--reorder must be' --bytes 10 --reorder 1.5
bad '--corrupt must be' --bytes 10 --corrupt nan
bad '--latency-ms must be' --bytes 10 --latency-ms -5
bad '--bandwidth-mbps must be' --bytes 10 --bandwidth-mbps x
bad '--bytes must be' --bytes -1
bad '--bytes must be' --bytes 12abc
bad '--seed must be' --bytes 10 --seed -3
bad '--bytes is required' --loss 0.1
bad "unknown option '--frobnicate'" --bytes 10 --frobnicate
bad '--loss needs a value' --bytes 10 --loss
bad '--pcap' --bytes 10 --pcap /nonexistent-dir-vigil/x.pcap

# The acceptance run: 100,000,000 bytes at 5 % loss, streamed (never held in memory twice),
# arrive byte-exact.
run 0 --bytes 100000000 --loss 0.05 --seed 7
[ "$(field 'bytes received')" = 100000000 ] || fail "100 MB run received $(field 'bytes received')"
[ "$(field 'match')" = yes ] || fail "100 MB run did not match"
echo "100 MB at 5% loss: $(field 'wall time') wall, $(field 'cpu time') CPU, $(field 'virtual time') virtual"

if [ "$fails" -ne 0 ]; then
    echo "$fails check(s) failed"
    exit 1
fi
echo "all vigil transfer checks passed"
