#!/usr/bin/env bash
# A capture written by `vigil transfer --pcap` is read by tshark: it parses without error,
# shows TCP between the two simulated hosts, and holds as many packets as the run sent.
set -u
VIGIL="${VIGIL_BUILD:?VIGIL_BUILD not set}/vigil"
if ! command -v tshark >/dev/null 2>&1; then
    echo "tshark not installed: skipped"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

"$VIGIL" transfer --bytes 100000 --loss 0.02 --seed 2 --json --pcap "$tmp/t.pcap" >"$tmp/out" 2>"$tmp/err" \
    || fail "vigil transfer failed: $(cat "$tmp/err")"
sent=$(sed -n 's/.*"packets_sent":\([0-9]*\).*/\1/p' "$tmp/out")

# tshark needs a writable home for its profile; keep it out of the user's.
export HOME="$tmp"
tshark -r "$tmp/t.pcap" -T fields -e ip.src -e ip.dst -e tcp.srcport -e tcp.dstport \
    >"$tmp/fields" 2>"$tmp/tshark.err" || fail "tshark could not read the capture: $(cat "$tmp/tshark.err")"
n=$(wc -l <"$tmp/fields")
[ "$n" -gt 0 ] || fail "tshark saw no packets"
[ "$n" = "$sent" ] || fail "tshark saw $n packets, the run sent $sent"
grep -qP '^192\.0\.2\.1\t192\.0\.2\.2\t\d+\t5001$' "$tmp/fields" || fail "no TCP from 192.0.2.1 to port 5001"
grep -qP '^192\.0\.2\.2\t192\.0\.2\.1\t5001\t\d+$' "$tmp/fields" || fail "no TCP from port 5001 back"
# tshark's own dissection: a SYN and a FIN are there.
syn=$(tshark -r "$tmp/t.pcap" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' 2>/dev/null | wc -l)
fin=$(tshark -r "$tmp/t.pcap" -Y 'tcp.flags.fin == 1' 2>/dev/null | wc -l)
[ "$syn" -ge 1 ] || fail "no SYN in the capture"
[ "$fin" -ge 1 ] || fail "no FIN in the capture"

if [ "$fails" -ne 0 ]; then
    echo "$fails check(s) failed"
    exit 1
fi
echo "tshark read $n packets"
