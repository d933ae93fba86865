#!/usr/bin/env bash
# vigil sim --svg draws the run: the file is well-formed XML (python3's xml.etree), with one
# arrow per packet of the capture written by the same run (packet k of the picture is frame k of
# the pcapng), a drop mark on exactly the frames the capture comments as dropped and with the same
# reason, a broken-axis mark for the two idle hours, and the abort annotated with the exact
# instant of the run's "aborted" event and a formula that adds up to it.
set -u
VIGIL="${VIGIL_BUILD:?VIGIL_BUILD not set}/vigil"
command -v python3 >/dev/null 2>&1 || { echo "python3 not installed: skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

check() {   # check NAME ABORTS DROPS_MIN -- sim options
    local name=$1 aborts=$2 drops_min=$3; shift 4
    if ! "$VIGIL" sim "$@" --json --pcap "$tmp/$name.pcap" --svg "$tmp/$name.svg" >"$tmp/$name.out" 2>"$tmp/$name.err"; then
        fail "$name: vigil sim $* failed: $(cat "$tmp/$name.err")"
        return
    fi
    python3 - "$tmp/$name.svg" "$tmp/$name.pcap" "$tmp/$name.out" "$aborts" "$drops_min" <<'PY' || fail "$name: see above"
import json, re, struct, sys
import xml.etree.ElementTree as ET

svg, pcap, out, want_aborts, drops_min = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
NS = "{http://www.w3.org/2000/svg}"
bad = []

root = ET.parse(svg).getroot()          # raises on XML that is not well-formed
if root.tag != NS + "svg":
    bad.append("root element is %s" % root.tag)

# The capture, read here from the bytes: frame k (1-based) and its comment, if any.
data = open(pcap, "rb").read()
off, frames = 0, []
while off < len(data):
    btype, blen = struct.unpack_from("<II", data, off)
    if btype == 6:
        incl = struct.unpack_from("<I", data, off + 20)[0]
        o, comment = off + 28 + ((incl + 3) & ~3), None
        while o < off + blen - 4:
            code, olen = struct.unpack_from("<HH", data, o)
            if code == 0:
                break
            if code == 1:
                comment = data[o + 4:o + 4 + olen].decode()
            o += 4 + ((olen + 3) & ~3)
        frames.append(comment)
    off += blen

def cls(e):
    return e.get("class", "").split()

packets = [g for g in root.iter(NS + "g") if "packet" in cls(g)]
drops = [g for g in root.iter(NS + "g") if "drop" in cls(g)]
if len(packets) != len(frames):
    bad.append("%d arrows, %d packets in the capture" % (len(packets), len(frames)))
ids = sorted(int(g.get("data-id")) for g in packets)
if ids != list(range(1, len(frames) + 1)):
    bad.append("arrow ids are not 1..%d" % len(frames))
commented = sum(1 for c in frames if c)
if len(drops) != commented:
    bad.append("%d drop marks, %d dropped packets in the capture" % (len(drops), commented))
if commented < drops_min:
    bad.append("only %d drops (want at least %d)" % (commented, drops_min))
for g in packets:
    k = int(g.get("data-id"))
    mark = [d for d in g.iter(NS + "g") if "drop" in cls(d)]
    comment = frames[k - 1] if 0 < k <= len(frames) else None
    if bool(mark) != bool(comment) or (g.get("data-fate") == "dropped") != bool(comment):
        bad.append("packet %d: drop mark %s, capture comment %r" % (k, bool(mark), comment))
    elif comment and "dropped: " + mark[0].get("data-reason") != comment:
        bad.append("packet %d: reason %r, capture says %r" % (k, mark[0].get("data-reason"), comment))
    if g.find(NS + "line") is None:
        bad.append("packet %d has no arrow" % k)

events = [json.loads(l) for l in open(out) if l.startswith("{")]
aborted = [e for e in events if e.get("event") == "aborted" and e.get("host") == "client"
           and e.get("error") in ("WSAENETRESET", "WSAETIMEDOUT")]
marks = [g for g in root.iter(NS + "g") if "abort" in cls(g)]
if len(marks) != want_aborts or len(aborted) != want_aborts:
    bad.append("%d abort marks, %d aborted events, want %d" % (len(marks), len(aborted), want_aborts))
for g, e in zip(marks, aborted):
    at_us = int(g.get("data-at-us"))
    if at_us != e["t_us"]:
        bad.append("abort mark at %d us, the run aborted at %s ms" % (at_us, e["t_us"] / 1000))
    text = "".join(g.itertext())
    m = re.search(r"abort at ([\d,.]+) ms = last receipt ([\d,.]+) \+ ([\d,.]+) \+ (\d+) \u00d7 ([\d,.]+)", text)
    if not m:
        bad.append("abort text %r has no formula" % text)
        continue
    at, rx, t, n, iv = (float(x.replace(",", "")) for x in m.groups())
    if at != e["t_us"] / 1000 or abs(rx + t + n * iv - at) > 1e-9:
        bad.append("formula %r: does not give the run's %s ms" % (m.group(0), e["t_us"] / 1000))

breaks = [int(g.get("data-skipped-us")) for g in root.iter(NS + "g") if "break" in cls(g)]
if svg.endswith(("crash.svg", "nat.svg")) and not any(b >= 3_500_000_000 for b in breaks):
    bad.append("no broken-axis mark for the idle hours (%s)" % breaks)

for b in bad:
    print("  " + b)
sys.exit(1 if bad else 0)
PY
}

#     name     aborts drops
check crash    1 11 -- --scenario peer-crash
check nat      1 11 -- --scenario nat-expiry
check part     0 1  -- --scenario partition
check lossy    0 1  -- --scenario lossy --seed 3
check reboot   0 0  -- --scenario peer-reboot
check alive    0 0  -- --scenario alive
check short    1 3  -- --scenario peer-crash --keepalive-time 5000 --keepalive-interval 700 --keepalive-count 3 --latency-ms 7

# The text output names the picture; an unwritable one is a usage error (exit 2, like --pcap), in one line.
"$VIGIL" sim --scenario alive --svg "$tmp/a.svg" >"$tmp/out" 2>&1 || fail "alive --svg failed"
grep -q "^picture: $tmp/a.svg ([0-9]* packets)$" "$tmp/out" || fail "no picture line: $(tail -1 "$tmp/out")"
"$VIGIL" sim --scenario alive --svg "$tmp/no/such/dir/x.svg" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" = 2 ] || fail "unwritable --svg exits $rc, want 2"
[ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "^vigil sim: --svg .*$tmp/no/such/dir/x.svg" "$tmp/err" ||
    fail "unwritable --svg: $(cat "$tmp/err")"
[ ! -s "$tmp/out" ] || fail "unwritable --svg still ran: $(head -1 "$tmp/out")"
"$VIGIL" sim --scenario alive --svg >/dev/null 2>"$tmp/err"
[ $? = 2 ] || fail "--svg without a file name does not exit 2"

if [ "$fails" -ne 0 ]; then
    echo "$fails check(s) failed"
    exit 1
fi
echo "pictures: arrows, drops and aborts agree with the captures and the runs"
