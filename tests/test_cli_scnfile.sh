#!/usr/bin/env bash
# vigil sim --file from the outside: every scenarios/*.scn passes, and each file written from a
# built-in scenario gives exactly the events `vigil sim --scenario X --json` gives ("# same-as:"
# line), so the files and the built-in engine cannot disagree; a wrong expectation exits 1 and
# says what happened instead; tolerances and intervals are inclusive both ways; bad files are
# refused with exit 2 and one line "vigil sim: FILE:LINE: reason"; --pcap works with --file.
set -u
VIGIL="${VIGIL_BUILD:?VIGIL_BUILD not set}/vigil"
SRC="${VIGIL_SRC:?VIGIL_SRC not set}"
command -v python3 >/dev/null || { echo "SKIP: python3 is needed to check the JSON lines"; exit 77; }
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# run EXPECTED_RC ARGS...: vigil sim ARGS; output in $tmp/out and $tmp/err
run() {
    local want=$1; shift
    "$VIGIL" sim "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    [ "$rc" -eq "$want" ] || fail "vigil sim $* exited $rc, expected $want; stderr: $(head -3 "$tmp/err")"
}

# expectations FILE: "LINE HOLDS SEEN" for each expectation line of $tmp/out (JSON), after
# checking that every line is an object with t_us, host and event, in time order, and that the
# expectations come last with exactly the keys file, line, holds, expect and seen.
expectations() {
    python3 - "$tmp/out" "$1" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
assert ev and all(isinstance(o, dict) and {"v", "t_us", "host", "event"} <= o.keys() for o in ev)
assert [o["t_us"] for o in ev] == sorted(o["t_us"] for o in ev), "not in time order"
assert ev[0]["event"] == "scenario_file"
exp = [o for o in ev if o["event"] == "expectation"]
rest = [o["event"] for o in ev[len(ev) - len(exp):]]
assert rest == ["expectation"] * len(exp), "expectations are not the last lines"
for o in exp:
    assert set(o) == {"v", "t_us", "host", "event", "file", "line", "holds", "expect", "seen"}, o
    assert o["file"] == sys.argv[2] and o["expect"].startswith("expect "), o
    print(o["line"], "yes" if o["holds"] else "no", o["seen"])
PY
}

# ---- every scenario file passes, every expectation holds
for f in "$SRC"/scenarios/*.scn; do
    run 0 --file "$f" --json
    expectations "$f" >"$tmp/exp" || { fail "$f: malformed JSON lines"; continue; }
    [ -s "$tmp/exp" ] || fail "$f has no expectations"
    grep -q ' no ' "$tmp/exp" && fail "$f: expectations do not hold: $(grep ' no ' "$tmp/exp")"
    run 0 --file "$f"
    grep -q '^[0-9]* of [0-9]* expectation(s) hold$' "$tmp/out" || fail "$f: no summary: $(tail -1 "$tmp/out")"
done

# ---- the files written from built-in scenarios give the built-in engine's events exactly
same=0
for f in "$SRC"/scenarios/*.scn; do
    args=$(sed -n 's/^# same-as: //p' "$f")
    [ -n "$args" ] || continue
    same=$((same + 1))
    # shellcheck disable=SC2086
    "$VIGIL" sim $args --json >"$tmp/builtin" 2>&1 || fail "vigil sim $args failed"
    "$VIGIL" sim --file "$f" --json >"$tmp/file" 2>&1 || fail "vigil sim --file $f failed"
    python3 - "$tmp/builtin" "$tmp/file" <<'PY' || fail "$f disagrees with vigil sim $args"
import json, sys
# Each run's own lines (the header, the built-in verdicts, the file's expectations) differ by
# design; so does "peer", which the built-in engine knows for the client only.
def events(path):
    lines = [json.loads(l) for l in open(path)]
    own = {"scenario", "scenario_file", "verdict", "keepalive_verdict", "expectation", "capture"}
    for o in lines:
        o.pop("peer", None)
    return lines[-1]["t_us"], sorted(json.dumps(o, sort_keys=True) for o in lines
                                     if o["event"] not in own)
(end_b, b), (end_f, f) = events(sys.argv[1]), events(sys.argv[2])
if end_b != end_f:
    sys.exit("the runs end at %s and %s us" % (end_b, end_f))
if b != f:
    only_b = sorted(set(b) - set(f))[:5]
    only_f = sorted(set(f) - set(b))[:5]
    sys.exit("built-in only: %s; file only: %s" % (only_b, only_f))
PY
done
[ "$same" -ge 6 ] || fail "only $same scenario files name the built-in scenario they match"
for s in alive peer-crash partition peer-reboot nat-expiry lossy; do
    grep -q "^# same-as: --scenario $s\$" "$SRC/scenarios/$s.scn" || fail "scenarios/$s.scn lacks its same-as line"
done

# ---- expectations that do not hold: exit 1, and what happened instead
base='host client
host server
connect client -> server:5001 keepalive on
at 60s crash server
duration 3h'
scn() { printf '%s\n%s\n' "$base" "$1" >"$tmp/t.scn"; }
# holds LINE-OF-EXPECTATION yes|no 'SEEN': checks the expectation on line 6 of $tmp/t.scn
holds() {
    local want=$1 seen=$2
    run "$([ "$want" = yes ] && echo 0 || echo 1)" --file "$tmp/t.scn" --json
    expectations "$tmp/t.scn" >"$tmp/exp" || { fail "malformed output for $(sed -n 6p "$tmp/t.scn")"; return; }
    local got
    got=$(grep '^6 ' "$tmp/exp")
    [ "$got" = "6 $want $seen" ] || fail "$(sed -n 6p "$tmp/t.scn"): got '$got', expected '6 $want $seen'"
}
scn 'expect 7200004ms ±0 client aborted error=WSAENETRESET'
holds no 'aborted at 7210002 ms (the nearest), outside the tolerance'
scn 'expect 7210002ms ±0 client aborted error=WSAETIMEDOUT'
holds no 'none'
scn 'expect 7210002ms ±0 server aborted'
holds no 'none'
# Tolerance both ways, inclusive: 7,210,002 ms is within 1 ms of 7,210,001 and 7,210,003 ...
for t in 7210001ms 7210003ms 7210002ms; do
    scn "expect $t ±1ms client aborted"
    holds yes 'aborted at 7210002 ms'
done
scn 'expect 7210002500us +-500us client aborted'
holds yes 'aborted at 7210002 ms'
scn 'expect 7210 s ±0 client aborted'
run 2 --file "$tmp/t.scn"
# ... and not within 1 ms of 7,210,000 or 7,210,004.
for t in 7210000ms 7210004ms; do
    scn "expect $t ±1ms client aborted"
    holds no 'aborted at 7210002 ms (the nearest), outside the tolerance'
done
# none: inclusive at both ends
scn 'expect none client aborted in 0s..7210001ms'
holds yes 'none'
scn 'expect none client aborted in 7210002ms..3h'
holds no 'aborted at 7210002 ms'
scn 'expect none client aborted in 0s..7210002ms'
holds no 'aborted at 7210002 ms'
scn 'expect none client aborted in 7210003ms..3h'
holds yes 'none'
# counts
scn 'expect 10 client probe_sent in 0s..3h'
holds yes '10 probe_sent events from 7200002 to 7209002 ms'
scn 'expect 9 client probe_sent in 0s..3h'
holds no '10 probe_sent events from 7200002 to 7209002 ms'
scn 'expect 3 client probe_sent in 7200002ms..7202002ms'
holds yes '3 probe_sent events from 7200002 to 7202002 ms'
scn 'expect 1 client probe_sent probe=4 in 0s..3h'
holds yes 'probe_sent at 7203002 ms'
scn 'expect 0 client probe_acked in 0s..3h'
holds yes 'none'
# the text output says it too
scn 'expect 7200004ms ±0 client aborted'
run 1 --file "$tmp/t.scn"
grep -q 'holds=no expect=expect 7200004ms ±0 client aborted seen=aborted at 7210002 ms' "$tmp/out" \
    || fail "text output of a failed expectation: $(grep expectation "$tmp/out")"
grep -q '^0 of 1 expectation(s) hold -- NOT as expected$' "$tmp/out" || fail "text summary: $(tail -1 "$tmp/out")"

# ---- bad files: exit 2, one line "vigil sim: FILE:LINE: reason", nothing on stdout
# bad LINE 'REASON': checks $tmp/bad.scn (written just before, not through a pipe, so that a
# failure is counted in this shell)
bad() {
    local line=$1 reason=$2
    run 2 --file "$tmp/bad.scn"
    local want="vigil sim: $tmp/bad.scn:$line: $reason"
    [ "$(cat "$tmp/err")" = "$want" ] || fail "expected '$want', got '$(cat "$tmp/err")'"
    [ -s "$tmp/out" ] && fail "printed to stdout for a bad file ($reason)"
}
ok2='host client
host server'
printf '%s\nfrobnicate client\n' "$ok2" >"$tmp/bad.scn"; bad 3 "unknown statement 'frobnicate' (expected host, listen, connect, link, nat, seed, duration, at or expect)"
printf '%s\nconnect client -> server:5001\nat 60 crash server\n' "$ok2" >"$tmp/bad.scn"; bad 4 "the action's time must be a whole number with a unit (us, ms, s, min, h), got '60'"
printf '%s\nconnect client -> server:5001\nat 60days crash server\n' "$ok2" >"$tmp/bad.scn"; bad 4 "the action's time '60days': not a time of at most a year in us, ms, s, min or h"
printf '%s\nconnect client -> server:5001\nat 99999999999999999999ms crash server\n' "$ok2" >"$tmp/bad.scn"; bad 4 "the action's time '99999999999999999999ms': not a time of at most a year in us, ms, s, min or h"
printf '%s\nconnect client -> server:5001\nat 60s crash srv\n' "$ok2" >"$tmp/bad.scn"; bad 4 "unknown host 'srv' (declare it with a host statement first)"
printf '%s\nconnect client -> server:5001\nat 60s crash server\nat 30s reboot server\n' "$ok2" >"$tmp/bad.scn"; bad 5 "time goes backwards: 30s is before the action on line 4 (at 60000000 us); write actions in time order"
printf '%s\nhost client\n' "$ok2" >"$tmp/bad.scn"; bad 3 "host 'client' is already declared on line 1"
printf 'host client\nconnect client -> client:1\n' >"$tmp/bad.scn"; bad 2 "host 'client' cannot connect to itself"
printf 'host client\n\n# only one\n' >"$tmp/bad.scn"; bad 3 "a scenario needs at least two hosts, found 1"
printf '%s\n' "$ok2" >"$tmp/bad.scn"; bad 2 "no connect statement: a scenario needs at least one connection"
printf '%s\nconnect client -> server:5001 keepalive maybe\n' "$ok2" >"$tmp/bad.scn"; bad 3 "keepalive must be on or off, got 'maybe'"
printf '%s\nconnect client -> server:5001 count 256\n' "$ok2" >"$tmp/bad.scn"; bad 3 "count must be a whole number from 0 to 255, got '256'"
printf '%s\nconnect client -> server:5001 time 0\n' "$ok2" >"$tmp/bad.scn"; bad 3 "time must be a whole number of milliseconds from 1 ms to 4294967294 ms, got '0'"
printf '%s\nconnect client -> server:5001 time 1500us\n' "$ok2" >"$tmp/bad.scn"; bad 3 "time must be a whole number of milliseconds from 1 ms to 4294967294 ms, got '1500us'"
printf '%s\nconnect client -> server:5001 time 1s time 2s\n' "$ok2" >"$tmp/bad.scn"; bad 3 "'time' given twice"
printf '%s\nconnect client -> server:70000\n' "$ok2" >"$tmp/bad.scn"; bad 3 "the port in 'server:70000' must be a whole number from 1 to 65535"
printf '%s\nconnect client -> server:5001\nlink loss 1\n' "$ok2" >"$tmp/bad.scn"; bad 4 "loss must be a probability in [0,1), got '1'"
printf '%s\nconnect client -> server:5001\nlink latency 1ms\nlink latency 2ms\n' "$ok2" >"$tmp/bad.scn"; bad 5 "a second link statement (one describes every path)"
printf '%s\nconnect client -> server:5001\nseed 1\nseed 2\n' "$ok2" >"$tmp/bad.scn"; bad 5 "a second seed statement"
printf '%s\nconnect client -> server:5001\nexpect 1s client explode\n' "$ok2" >"$tmp/bad.scn"; bad 4 "unknown event 'explode' (see docs/scenarios.md for the list)"
printf '%s\nconnect client -> server:5001\nexpect 1s client aborted errr=WSAENETRESET\n' "$ok2" >"$tmp/bad.scn"; bad 4 "unknown key 'errr' for aborted (it takes error)"
printf '%s\nconnect client -> server:5001\nexpect 1s client aborted error=WSAENETRSET\n' "$ok2" >"$tmp/bad.scn"; bad 4 "error must be a Winsock error name such as WSAENETRESET, or none, got 'WSAENETRSET'"
printf '%s\nconnect client -> server:5001\nexpect none client aborted\n' "$ok2" >"$tmp/bad.scn"; bad 4 "this expectation needs an interval: 'in A..B'"
printf '%s\nconnect client -> server:5001\nexpect none client aborted in 2h..1h\n' "$ok2" >"$tmp/bad.scn"; bad 4 "interval ends (1h) before it starts (2h)"
printf '%s\nconnect client -> server:5001\nexpect 1s client partition_start\n' "$ok2" >"$tmp/bad.scn"; bad 4 "partition_start happens on net, not on client"
printf '%s\nconnect client -> server:5001\nhost net\n' "$ok2" >"$tmp/bad.scn"; bad 4 "host name 'net' is reserved for the simulator's own events"
printf '%s\nconnect client -> server:5001\nat 1s set client\n' "$ok2" >"$tmp/bad.scn"; bad 4 "set needs keep-alive settings (keepalive on|off, time, interval, count)"
printf '%s\nconnect client -> server:5001\nat 1s crash server now\n' "$ok2" >"$tmp/bad.scn"; bad 4 "unexpected 'now' after the crash action"
printf '%s\nconnect client -> server:5001\nduration 1h\nat 2h crash server\n' "$ok2" >"$tmp/bad.scn"; bad 5 "this action comes after the end of the run (duration)"
printf '%s\nconnect client -> server:5001\nexpect 2h client aborted\nduration 1h\n' "$ok2" >"$tmp/bad.scn"; bad 4 "this expectation looks past the end of the run (duration)"
{ printf '%s\n# ' "$ok2"; head -c 600 /dev/zero | tr '\0' x; printf '\n'; } >"$tmp/bad.scn"; bad 3 "line too long (more than 512 bytes)"
printf '%s\nconnect client -> server:5001\x00\n' "$ok2" >"$tmp/bad.scn"; bad 3 "binary data: a NUL byte at column 30"
printf '%s\nconnect client -> server:5001\x1b[0m\n' "$ok2" >"$tmp/bad.scn"; bad 3 "binary data: control byte 0x1b at column 30"
printf '%s\nconnect client -> serv\xe9r:5001\n' "$ok2" >"$tmp/bad.scn"; bad 3 "byte 0xe9 at column 23: only ASCII (and the ± sign) outside comments"
printf '\x7fELF\x02\x01\x01\x00' >"$tmp/bad.scn"; bad 1 "binary data: control byte 0x7f at column 1"
: >"$tmp/bad.scn"; bad 1 "a scenario needs at least two hosts, found 0"
# CRLF line ends and non-ASCII in comments are fine
printf 'host client\r\nhost server # the peer · idle\r\nconnect client -> server:5001 keepalive on\r\nexpect 2ms client connected\r\n' >"$tmp/crlf.scn"
run 0 --file "$tmp/crlf.scn"
# a file that cannot be read, a directory, one over 1 MiB
run 2 --file "$tmp/nosuch.scn"
grep -q "^vigil sim: --file must be a readable file, got '$tmp/nosuch.scn' (No such file or directory)$" "$tmp/err" || fail "missing file: $(cat "$tmp/err")"
run 2 --file "$tmp"
[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "a directory: $(cat "$tmp/err")"
head -c 1048577 /dev/zero | tr '\0' '#' >"$tmp/big.scn"
run 2 --file "$tmp/big.scn"
grep -q "larger than 1 MiB" "$tmp/err" || fail "a large file: $(cat "$tmp/err")"
run 2 --file /dev/zero
grep -q "larger than 1 MiB" "$tmp/err" || fail "/dev/zero: $(cat "$tmp/err")"

# ---- registry exports, relative to the file; a bad one names the host line and its own line
mkdir -p "$tmp/sub/reg"
printf 'REGEDIT4\n\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters]\n"KeepAliveTime"=dword:zz\n' >"$tmp/sub/reg/bad.reg"
printf 'host client reg reg/bad.reg\nhost server\nconnect client -> server:5001\n' >"$tmp/sub/r.scn"
run 2 --file "$tmp/sub/r.scn"
grep -q "^vigil sim: $tmp/sub/r.scn:1: $tmp/sub/reg/bad.reg: line 4: " "$tmp/err" || fail "bad .reg: $(cat "$tmp/err")"
printf 'REGEDIT4\n\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters]\n"KeepAliveTme"=dword:00007530\n' >"$tmp/sub/reg/typo.reg"
printf 'host client reg reg/typo.reg\nhost server\nconnect client -> server:5001 keepalive on\nexpect 7200002ms client probe_sent\n' >"$tmp/sub/w.scn"
run 0 --file "$tmp/sub/w.scn"
grep -q 'KeepAliveTime' "$tmp/err" || fail "a registry typo is not warned about: $(cat "$tmp/err")"
run 2 --file "$tmp/sub/w.scn" --strict
grep -q "^vigil sim: $tmp/sub/w.scn:1: $tmp/sub/reg/typo.reg: line 4: unknown value" "$tmp/err" || fail "--strict: $(cat "$tmp/err")"

# ---- --file and the command line
run 2 --file "$SRC/scenarios/alive.scn" --scenario alive
grep -q '^vigil sim: --file conflicts with --scenario' "$tmp/err" || fail "--file with --scenario: $(cat "$tmp/err")"
run 2 --file "$SRC/scenarios/alive.scn" --keepalive-time 1000
grep -q '^vigil sim: --file conflicts with --keepalive-time' "$tmp/err" || fail "--file with --keepalive-time: $(cat "$tmp/err")"
run 2 --file="$SRC/scenarios/alive.scn" --seed=3
grep -q '^vigil sim: --file conflicts with --seed' "$tmp/err" || fail "--file= with --seed=: $(cat "$tmp/err")"
run 2 --file
grep -q '^vigil sim: --file needs a value' "$tmp/err" || fail "--file without a value: $(cat "$tmp/err")"
run 0 --help
grep -q -- '--file S.scn' "$tmp/out" || fail "--help does not mention --file"

# ---- --pcap: the capture has every packet; tshark sees one keep-alive per probe_sent
run 0 --file "$SRC/scenarios/peer-crash.scn" --json --pcap "$tmp/c.pcap"
grep -q '"event":"capture","file":"'"$tmp/c.pcap"'","packets":' "$tmp/out" || fail "no capture line"
if command -v tshark >/dev/null; then
    for f in peer-crash alive nat-expiry lossy data-restarts-idle three-hosts; do
        run 0 --file "$SRC/scenarios/$f.scn" --json --pcap "$tmp/c.pcap"
        probes=$(grep -c '"event":"probe_sent"' "$tmp/out")
        got=$(tshark -r "$tmp/c.pcap" -Y tcp.analysis.keep_alive 2>/dev/null | wc -l)
        [ "$got" -eq "$probes" ] || fail "$f: tshark found $got keep-alives, $probes probe_sent events"
    done
    # --svg and drop comments: one arrow per captured packet; a drop mark for each commented
    # frame; the comments other than "host down" (a crashed host is no drop event of the path)
    # are exactly the packets the run reports dropped (packet_dropped events).
    for f in nat-expiry lossy three-hosts peer-crash; do
        run 0 --file "$SRC/scenarios/$f.scn" --json --pcap "$tmp/d.pcap" --svg "$tmp/d.svg"
        frames=$(tshark -r "$tmp/d.pcap" 2>/dev/null | wc -l)
        commented=$(tshark -r "$tmp/d.pcap" -Y frame.comment 2>/dev/null | wc -l)
        path_drops=$(tshark -r "$tmp/d.pcap" -Y 'frame.comment && !(frame.comment contains "host down")' 2>/dev/null | wc -l)
        dropped=$(grep -c '"event":"packet_dropped"' "$tmp/out")
        [ "$path_drops" -eq "$dropped" ] || fail "$f: $path_drops frames commented as dropped on the path, $dropped packet_dropped events"
        python3 - "$tmp/d.svg" "$frames" "$commented" "$SRC/scenarios/$f.scn" <<'PY' || fail "$f: the --svg picture disagrees with the run"
import sys, xml.etree.ElementTree as E
root = E.parse(sys.argv[1]).getroot()
ns = "{http://www.w3.org/2000/svg}"
groups = [g for g in root.iter(ns + "g")]
packets = [g for g in groups if "packet" in g.get("class", "").split()]
drops = [g for g in groups if g.get("class") == "drop"]
hosts = sum(1 for l in open(sys.argv[4]) if l.split()[:1] == ["host"])
assert len(packets) == int(sys.argv[2]), "%d arrows, %s frames" % (len(packets), sys.argv[2])
assert len(drops) == int(sys.argv[3]), "%d drop marks, %s commented frames" % (len(drops), sys.argv[3])
assert hosts >= 2
PY
    done
else
    echo "note: tshark not installed, capture checks skipped"
fi
run 2 --file "$SRC/scenarios/alive.scn" --pcap "$tmp/no/such/dir/x.pcap"
grep -q '^vigil sim: --pcap must be a file that can be written' "$tmp/err" || fail "unwritable --pcap: $(cat "$tmp/err")"
[ -s "$tmp/out" ] && fail "an unwritable --pcap printed a run"

if [ "$fails" -ne 0 ]; then
    echo "$fails check(s) failed"
    exit 1
fi
echo "all vigil sim --file checks passed"
