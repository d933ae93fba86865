#!/usr/bin/env bash
# vigil sim and vigil demo from the outside: every --json line is a JSON object starting with v,
# t_us, host and event (docs/events.md; test_cli_event_schema.sh checks every key); each scenario's key events come at the instants the specification gives; exit
# codes; bad options are refused with exit 2 and a message naming the option; --reg is honoured;
# --pcap files are read by tshark, which recognises exactly as many keep-alives as probe_sent
# events.
set -u
VIGIL="${VIGIL_BUILD:?VIGIL_BUILD not set}/vigil"
command -v python3 >/dev/null || { echo "SKIP: python3 is needed to check the JSON lines"; exit 77; }
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# sim EXPECTED_RC ARGS...: runs vigil sim; output in $tmp/out and $tmp/err
sim() {
    local want=$1; shift
    "$VIGIL" sim "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    [ "$rc" -eq "$want" ] || fail "vigil sim $* exited $rc, expected $want; stderr: $(cat "$tmp/err")"
}

# check WHAT PYTHON: runs PYTHON with `ev` (the parsed lines of $tmp/out) and helpers; every line
# must be one JSON object with v 1, t_us (integer µs), host and event. WHAT names the check in failures.
check() {
    local what=$1 code=$2
    python3 - "$tmp/out" "$code" <<'PY' || fail "$what: $(tail -3 "$tmp/out")"
import json, sys
ev = []
for n, line in enumerate(open(sys.argv[1]), 1):
    try:
        o = json.loads(line)
    except ValueError as e:
        sys.exit("line %d is not JSON (%s): %r" % (n, e, line))
    if not isinstance(o, dict):
        sys.exit("line %d is not an object" % n)
    if list(o)[:4] != ["v", "t_us", "host", "event"] or o["v"] != 2:
        sys.exit("line %d does not start with v 1, t_us, host, event: %r" % (n, line))
    if not isinstance(o["t_us"], int) or o["t_us"] < 0:
        sys.exit("line %d: bad t_us" % n)
    ev.append(o)
if not ev:
    sys.exit("no output")
times = [o["t_us"] for o in ev]
if times != sorted(times):
    sys.exit("lines are not in time order")
if ev[0]["event"] != "scenario" or ev[-1]["event"] != "verdict":
    sys.exit("first line must be the scenario, last the verdict")
verdict = ev[-1]
def events(name, host=None):
    return [o for o in ev if o["event"] == name and (host is None or o["host"] == host)]
def one(name, host=None):
    found = events(name, host)
    assert len(found) == 1, "%d %s events" % (len(found), name)
    return found[0]
try:
    exec(sys.argv[2])
except AssertionError as e:
    sys.exit("assertion failed: %s" % e)
PY
}

# ---- every scenario: well-formed lines, the events the issue names, as specified
for s in alive peer-crash partition peer-reboot nat-expiry lossy; do
    sim 0 --scenario "$s" --json
    check "$s --json" '
assert one("connected", "client")["t_us"] == 2000
assert verdict["as_expected"] is (None if verdict["checked"] == "nothing" else True), verdict
assert events("probe_sent", "client"), "no probe_sent"
for o in ev:
    assert o["host"] in ("client", "server", "net", "nat", "sim"), o
'
done

# peer-crash, untouched defaults: 2 ms (handshake) + 7,200,000 + 10 x 1,000 ms.
sim 0 --scenario peer-crash --json
check "peer-crash defaults" '
assert one("peer_down", "server")["t_us"] == 60000000
probes = events("probe_sent", "client")
assert [p["t_us"] for p in probes] == [(7200002 + 1000 * k) * 1000 for k in range(10)], probes
assert [p["probe"] for p in probes] == list(range(1, 11))
a = one("aborted", "client")
assert a["t_us"] == 7210002000 and a["error"] == "WSAENETRESET", a
assert one("keepalive_verdict", "client")["idle_us"] == 7210000000
c = one("closed", "client")
assert c["t_us"] == 7210002000 and c["error"] == "WSAENETRESET"
assert one("rst_sent", "client")["t_us"] == 7210002000
assert not events("probe_acked")
assert verdict["outcome"] == "aborted" and verdict["expected"] == "aborted"
assert verdict["outcome_t_us"] == verdict["expected_t_us"] == 7210002000
assert verdict["idle_us"] == 7210000000
'

# profile linux: 7200 s + 9 x 75 s, WSAETIMEDOUT.
sim 0 --scenario peer-crash --profile linux --json
check "peer-crash linux" '
a = one("aborted", "client")
assert a["t_us"] == (2 + 7200000 + 9 * 75000) * 1000 and a["error"] == "WSAETIMEDOUT", a
assert len(events("probe_sent", "client")) == 9
'

# Per-connection settings: the abort follows them.
sim 0 --scenario peer-crash --keepalive-time 100000 --keepalive-interval 250 --keepalive-count 4 --json
check "peer-crash per-connection settings" '
assert one("aborted", "client")["t_us"] == (2 + 100000 + 4 * 250) * 1000
assert verdict["probes_sent"] == 4
'
# --opt=value works as well as --opt value.
sim 0 --scenario=peer-crash --keepalive-time=100000 --keepalive-interval=250 --keepalive-count=4 --json
check "--opt=value" 'assert one("aborted", "client")["t_us"] == (2 + 100000 + 4 * 250) * 1000'

# windows-2000 with count 0 (from the registry) never probes, never aborts.
printf 'REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters]\r\n"TcpMaxDataRetransmissions"=dword:00000000\r\n"PPTPTcpMaxDataRetransmissions"=dword:00000000\r\n' >"$tmp/zero.reg"
sim 0 --scenario peer-crash --profile windows-2000 --reg "$tmp/zero.reg" --json
check "windows-2000 count 0" '
assert ev[0]["keepalive_count"] == 0
assert not events("probe_sent") and not events("aborted")
assert verdict["outcome"] == "lives" and verdict["as_expected"] is True
assert verdict["t_us"] >= 2 * 7200000 * 1000
'

# --reg with times: KeepAliveTime 100,000 ms, KeepAliveInterval 500 ms.
printf 'Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters]\n"KeepAliveTime"=dword:000186a0\n"KeepAliveInterval"=dword:000001f4\n' >"$tmp/times.reg"
sim 0 --scenario peer-crash --reg "$tmp/times.reg" --json
check "--reg times" '
assert ev[0]["keepalive_time_ms"] == 100000 and ev[0]["keepalive_interval_ms"] == 500
assert one("aborted", "client")["t_us"] == (2 + 100000 + 10 * 500) * 1000
'
printf 'REGEDIT4\n\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters]\n"KeepAliveTime"=dword:zz\n' >"$tmp/bad.reg"
sim 2 --scenario peer-crash --reg "$tmp/bad.reg"
grep -q 'bad.reg: line 4' "$tmp/err" || fail "malformed .reg: message lacks the file and line: $(cat "$tmp/err")"

# alive: every probe answered (B5), never aborted.
sim 0 --scenario alive --json
check "alive" '
sent = events("probe_sent", "client")
assert len(sent) == 3 and len(events("probe_acked", "client")) == 3
assert len(events("peer_probe_answered", "server")) == 3
assert [a["t_us"] - s["t_us"] for s, a in zip(sent, events("probe_acked", "client"))] == [2000] * 3
assert all(a["probes"] == 1 and a["unanswered"] == 0 for a in events("probe_acked", "client"))
assert not events("aborted")
'

# partition: healed halfway (default) it lives; healed after the abort it does not.
sim 0 --scenario partition --json
check "partition default" '
assert one("partition_start", "net")["t_us"] == 60000000
heal = one("partition_heal", "net")["t_us"]
ack = one("probe_acked", "client")
assert ack["t_us"] > heal and ack["unanswered"] == ack["probes"] - 1 >= 1, ack
assert verdict["longest_unanswered"] == ack["unanswered"], verdict
assert not events("aborted") and verdict["outcome"] == "lives"
'
sim 0 --scenario partition --heal-ms 8000000 --json
check "partition heal after the abort" '
a = one("aborted", "client")
assert a["t_us"] == 7210002000 and a["error"] == "WSAENETRESET"
assert one("partition_heal", "net")["t_us"] == (60000 + 8000000) * 1000
assert not events("probe_acked")
'

# peer-reboot: the probe meets a fresh stack, RST, WSAECONNRESET.
sim 0 --scenario peer-reboot --json
check "peer-reboot" '
assert one("peer_down", "server")["t_us"] == 60000000
assert one("peer_rebooted", "server")["t_us"] == 90000000
r = one("reset_received", "client")
assert r["t_us"] == 7200004000
a = one("aborted", "client")
assert a["error"] == "WSAECONNRESET" and a["t_us"] == 7200004000
assert not events("keepalive_verdict")
assert one("closed", "client")["error"] == "WSAECONNRESET"
assert verdict["outcome"] == "reset"
'

# nat-expiry: 2 h of keep-alive against a 5 min NAT loses; 4 min wins.
sim 0 --scenario nat-expiry --json
check "nat-expiry default" '
f = one("nat_forgot_flow", "nat")
assert f["t_us"] == 300002000 and f["timeout_ms"] == 300000
drops = events("packet_dropped", "nat")
assert [d["what"] for d in drops] == ["probe"] * 10 + ["rst"], drops
assert one("aborted", "client")["t_us"] == 7210002000
'
sim 0 --scenario nat-expiry --keepalive-time 240000 --json
check "nat-expiry short keep-alive" '
assert not events("nat_forgot_flow") and not events("packet_dropped") and not events("aborted")
assert len(events("probe_sent")) == len(events("probe_acked")) >= 3
assert verdict["t_us"] >= 600000000
'
sim 0 --scenario nat-expiry --nat-timeout-ms 10000000 --json
check "nat-expiry long timeout" 'assert verdict["outcome"] == "lives" and not events("nat_forgot_flow")'

# lossy: not predicted, reported; the same seed replays the same run.
sim 0 --scenario lossy --keepalive-time 60000 --seed 7 --json
check "lossy" '
assert verdict["expected"] == "unpredictable" and verdict["checked"] == "nothing"
assert verdict["as_expected"] is None and verdict["message"].endswith("nothing to compare")
assert verdict["probes_lost"] + verdict["answers_lost"] == len(events("packet_dropped", "net")) > 0
assert verdict["outcome"] == "lives"
'
cp "$tmp/out" "$tmp/lossy1"
sim 0 --scenario lossy --keepalive-time 60000 --seed 7 --json
cmp -s "$tmp/out" "$tmp/lossy1" || fail "lossy with the same seed did not replay"
sim 0 --scenario lossy --keepalive-time 60000 --seed 8 --json
cmp -s "$tmp/out" "$tmp/lossy1" && fail "lossy with another seed gave the same run"
sim 0 --scenario alive --loss 0.2 --seed 3 --json
check "--loss on another scenario" 'assert verdict["expected"] == "unpredictable"'

# --duration-ms cuts the run short; the prediction follows.
sim 0 --scenario peer-crash --duration-ms 3600000 --json
check "--duration-ms" '
assert verdict["t_us"] == 3600000000 and verdict["outcome"] == "lives" and verdict["expected"] == "lives"
assert not events("probe_sent")
'

# ---- human output: a timeline with h:mm:ss.mmm and ms, and the verdict line
sim 0 --scenario peer-crash
grep -Eq '^ *2:00:10\.002 +7210002 ms +client +aborted +peer=192.0.2.2:5001 error=WSAENETRESET' "$tmp/out" \
    || fail "human timeline lacks the abort line: $(cat "$tmp/out")"
grep -Eq '^ *2:00:00\.002 +7200002 ms +client +probe_sent +peer=192.0.2.2:5001 probe=1 count=10' "$tmp/out" \
    || fail "human timeline lacks the first probe"
grep -q '^verdict: client detected the dead peer 2:00:10.000 after the last packet it received (expected 2:00:10.000' "$tmp/out" \
    || fail "verdict line: $(grep verdict "$tmp/out")"
grep -q 'as specified$' "$tmp/out" || fail "verdict does not say as specified"
[ "$(grep -c '^verdict:' "$tmp/out")" -eq 1 ] || fail "not exactly one verdict line"

# ---- --help and bad usage
sim 0 --help
for word in --scenario alive peer-crash partition peer-reboot nat-expiry lossy --heal-ms \
            --down-ms --nat-timeout-ms --fault-at-ms --loss --seed --duration-ms --json --pcap \
            --profile --reg --keepalive-time --keepalive-interval --keepalive-count --garbage-octet \
            --no-garbage-octet; do
    grep -q -- "$word" "$tmp/out" || fail "--help does not mention $word"
done

bad() {
    local pattern=$1; shift
    sim 2 "$@"
    grep -q -- "$pattern" "$tmp/err" || fail "vigil sim $*: message lacks '$pattern': $(cat "$tmp/err")"
    [ -s "$tmp/out" ] && fail "vigil sim $*: printed to stdout on bad usage"
}
bad '--scenario is required'
bad '--scenario must be one of' --scenario peer_crash
bad '--loss must be a probability in \[0,1)' --scenario lossy --loss 1
bad '--loss must be a probability' --scenario lossy --loss abc
bad '--seed must be' --scenario alive --seed -1
bad '--duration-ms must be a whole number of milliseconds in \[1,' --scenario alive --duration-ms 0
bad '--latency-ms must be' --scenario alive --latency-ms 60001
bad '--heal-ms does not apply to scenario peer-crash' --scenario peer-crash --heal-ms 10
bad '--nat-timeout-ms does not apply to scenario alive' --scenario alive --nat-timeout-ms 10
bad '--down-ms does not apply to scenario partition' --scenario partition --down-ms 10
bad '--fault-at-ms does not apply to scenario alive' --scenario alive --fault-at-ms 10
bad '--keepalive-count must be a whole number in \[0, 255\]' --scenario alive --keepalive-count 256
bad '--keepalive-time must be a whole number of milliseconds in \[1, 4294967294\]' --scenario alive --keepalive-time 0
bad '--keepalive-interval must be a whole number of milliseconds' --scenario alive --keepalive-interval 1.5
bad "--profile must be one of windows-vista, windows-2000, linux, got 'vista'" --scenario alive --profile vista
bad "unknown option '--bogus'" --scenario alive --bogus
bad '--pcap needs a value' --scenario alive --pcap
bad 'takes no value' --scenario alive --garbage-octet=1
bad 'cannot be given together' --scenario alive --garbage-octet --no-garbage-octet
sim 2 --scenario peer-crash --reg "$tmp/does-not-exist.reg"
grep -q 'does-not-exist.reg' "$tmp/err" || fail "missing .reg file: $(cat "$tmp/err")"

# ---- --pcap: tshark sees the probes as keep-alives, one per probe_sent event
if command -v tshark >/dev/null; then
    keepalives() { tshark -r "$1" -Y tcp.analysis.keep_alive 2>/dev/null | wc -l; }
    for args in "--scenario peer-crash" "--scenario alive" "--scenario nat-expiry" \
                "--scenario lossy --keepalive-time 60000 --seed 5" "--scenario partition" \
                "--scenario peer-crash --garbage-octet" "--scenario peer-crash --profile linux"; do
        rm -f "$tmp/cap.pcap"
        # shellcheck disable=SC2086
        sim 0 $args --json --pcap "$tmp/cap.pcap"
        probes=$(grep -c '"event":"probe_sent"' "$tmp/out")
        got=$(keepalives "$tmp/cap.pcap")
        [ "$probes" -gt 0 ] || fail "$args: no probe_sent events"
        [ "$got" -eq "$probes" ] || fail "$args: tshark found $got keep-alives, $probes probe_sent events"
        check "$args --pcap" '
cap = one("capture", "sim")
assert cap["packets"] > 0
'
    done
    # Virtual time is stamped from 2024-01-01 00:00:00 UTC: the abort RST 7210.002 s later.
    sim 0 --scenario peer-crash --pcap "$tmp/cap.pcap"
    grep -q "^capture: $tmp/cap.pcap ([0-9]* packets)" "$tmp/out" || fail "no capture line: $(tail -2 "$tmp/out")"
    last=$(tshark -r "$tmp/cap.pcap" -T fields -e frame.time_epoch -Y 'tcp.flags.reset==1' 2>/dev/null | tail -1)
    [ "${last%%.*}" = "$((1704067200 + 7210))" ] || fail "abort RST stamped $last"
    # B2 (revised): probes carry one octet under the Windows profiles unless --no-garbage-octet,
    # none under linux unless --garbage-octet.
    for c in "1:" "1:--garbage-octet" "0:--no-garbage-octet" "0:--profile linux" \
             "1:--profile linux --garbage-octet" "1:--profile windows-2000"; do
        # shellcheck disable=SC2086  # ${c#*:} is a list of options
        sim 0 --scenario peer-crash ${c#*:} --pcap "$tmp/cap.pcap"
        lens=$(tshark -r "$tmp/cap.pcap" -Y tcp.analysis.keep_alive -T fields -e tcp.len 2>/dev/null | sort -u)
        [ "$lens" = "${c%%:*}" ] || fail "probes with '${c#*:}' have tcp.len '$lens'"
    done
else
    echo "note: tshark not installed, capture checks skipped"
fi
# An unwritable --pcap is a usage error found before the run (issue 9: it used to exit 1 after
# the whole run and claim "capture: ... (0 packets)").
sim 2 --scenario alive --pcap "$tmp/no/such/dir/x.pcap"
grep -q -- '--pcap must be a file that can be written' "$tmp/err" || fail "unwritable --pcap: $(cat "$tmp/err")"
[ -s "$tmp/out" ] && fail "unwritable --pcap: printed to stdout: $(cat "$tmp/out")"

# ---- vigil demo
"$VIGIL" demo --pcap "$tmp/demo.pcap" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 0 ] || fail "vigil demo exited $rc: $(cat "$tmp/err")"
grep -q '^verdict: client detected the dead peer 2:00:10.000 after the last packet' "$tmp/out" \
    || fail "demo verdict: $(grep verdict "$tmp/out")"
grep -Eq '^wall time: [0-9]+\.[0-9]+ ms$' "$tmp/out" || fail "demo lacks the wall time"
grep -q "^capture: $tmp/demo.pcap" "$tmp/out" || fail "demo does not say where the capture went"
[ -s "$tmp/demo.pcap" ] || fail "demo wrote no capture"
grep -Eq '2:00:10\.002 +7210002 ms +client +aborted' "$tmp/out" || fail "demo timeline lacks the abort"
TMPDIR="$tmp" "$VIGIL" demo >"$tmp/out" 2>&1 || fail "vigil demo with TMPDIR failed"
[ -s "$tmp/vigil-demo.pcap" ] || fail "demo did not write \$TMPDIR/vigil-demo.pcap"
"$VIGIL" demo --json --pcap "$tmp/demo.pcap" >"$tmp/out" 2>/dev/null || fail "vigil demo --json failed"
check "demo --json" 'assert one("aborted", "client")["t_us"] == 7210002000'
"$VIGIL" demo --frobnicate >/dev/null 2>"$tmp/err" && fail "demo accepted an unknown option"
grep -q "unknown option '--frobnicate'" "$tmp/err" || fail "demo bad option message: $(cat "$tmp/err")"
"$VIGIL" --help | grep -q '^  sim ' || fail "vigil --help does not list sim"
"$VIGIL" --help | grep -q '^  demo ' || fail "vigil --help does not list demo"

if [ "$fails" -ne 0 ]; then
    echo "$fails check(s) failed"
    exit 1
fi
echo "all vigil sim / demo checks passed"
