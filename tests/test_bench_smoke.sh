#!/usr/bin/env bash
# The comparison benchmarks work and the runner reads them (never their figures: nothing here
# asserts a time or a rate). bench_bulk, bench_connect, bench_peer_idle and bench_paths each run once with
# --quick through scripts/run-benches: each exits 0 and prints at least one VGBENCH line for
# vigil or a peer, every VGBENCH and VGBENCH-SKIP line parses (the runner fails otherwise), and
# the runner writes results.json (machine, every run, a median per row, ratios) and a
# well-formed results.svg with one bar per median; bench_paths' rows on a lossy link carry the
# Mathis bound and the ratio to it. Then the runner on fake programs: the ratio is
# oriented so > 1 means vigil is better for higher- and lower-is-better metrics alike, and a
# malformed VGBENCH line makes it fail. Peers that cannot run here (no root) print skip lines.
set -u
: "${VIGIL_BUILD:?VIGIL_BUILD not set}"
SRC=${VIGIL_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
command -v python3 >/dev/null 2>&1 || { echo "python3 not installed: skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

progs=bench_bulk,bench_connect,bench_peer_idle,bench_paths
for p in ${progs//,/ }; do
    [ -x "$VIGIL_BUILD/bench/$p" ] || fail "$p not built"
done
if ! python3 "$SRC/scripts/run-benches" "$VIGIL_BUILD" --quick --only "$progs" --out "$tmp/out" >"$tmp/run.out" 2>"$tmp/run.err"; then
    cat "$tmp/run.out" "$tmp/run.err"
    fail "run-benches --quick failed"
fi
python3 - "$tmp/out" "$progs" <<'PY' || fail "results: see above"
import json, sys
import xml.etree.ElementTree as ET
out, progs = sys.argv[1], sys.argv[2].split(",")
bad = []
res = json.load(open(out + "/results.json"))
for k in ("nproc", "kernel", "date", "cpu_model"):
    if k not in res["machine"]:
        bad.append("machine info lacks " + k)
ran = {p["name"]: p for p in res["programs"]}
for p in progs:
    if p not in ran:
        bad.append(p + " did not run")
    elif ran[p]["status"] != 0:
        bad.append("%s exited %d" % (p, ran[p]["status"]))
    elif not any(r["program"] == p for r in res["runs"]):
        bad.append(p + " printed no VGBENCH line")
suites = {r["suite"] for r in res["runs"]}
for s in ("bulk", "connect", "path"):
    if s not in suites:
        bad.append("no %s rows" % s)
if not any(r["impl"] == "vigil" for r in res["runs"]):
    bad.append("no vigil row")
for r in res["runs"]:
    if r["suite"] != "path":
        continue
    if not (isinstance(r.get("loss"), (int, float)) and isinstance(r.get("cpu_s"), (int, float))):
        bad.append("path row without loss or cpu_s: " + json.dumps(r))
    elif r["loss"] > 0 and not (isinstance(r.get("mathis_mbit_per_s"), (int, float)) and r["mathis_mbit_per_s"] > 0
                                and isinstance(r.get("ratio_mathis"), (int, float)) and r["ratio_mathis"] > 0):
        bad.append("lossy path row without the Mathis bound and ratio: " + json.dumps(r))
if not any(r["suite"] == "path" and r.get("loss", 0) > 0 for r in res["runs"]):
    bad.append("no path row on a lossy link")
keys = {(m["suite"], m["n"], m["impl"], m["variant"]) for m in res["medians"]}
for r in res["runs"]:
    if (r["suite"], r["n"], r["impl"], r["variant"]) not in keys:
        bad.append("no median for " + json.dumps(r))
for r in res["ratios"]:
    if not r["ratio"] > 0:
        bad.append("ratio not positive: " + json.dumps(r))
root = ET.parse(out + "/results.svg").getroot()
NS = "{http://www.w3.org/2000/svg}"
if root.tag != NS + "svg":
    bad.append("results.svg root is " + root.tag)
bars = [e for e in root.iter(NS + "rect") if e.find(NS + "title") is not None]
if len(bars) != len(res["medians"]):
    bad.append("%d bars for %d medians" % (len(bars), len(res["medians"])))
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PY

# The runner on programs whose figures are known.
mkdir -p "$tmp/fake/bench"
cat >"$tmp/fake/bench/bench_fake" <<'SH'
#!/bin/sh
echo 'a line for people'
for run in 1 2 3; do
  echo "VGBENCH {\"suite\":\"bulk\",\"impl\":\"vigil\",\"variant\":\"v\",\"n\":0,\"metric\":\"m\",\"unit\":\"u\",\"value\":$((run + 3)),\"better\":\"higher\",\"run\":$run}"
  echo "VGBENCH {\"suite\":\"bulk\",\"impl\":\"linux\",\"variant\":\"p\",\"n\":0,\"metric\":\"m\",\"unit\":\"u\",\"value\":2,\"better\":\"higher\",\"run\":$run}"
  echo "VGBENCH {\"suite\":\"memory\",\"impl\":\"vigil\",\"variant\":\"v\",\"n\":10,\"metric\":\"b\",\"unit\":\"B\",\"value\":100,\"better\":\"lower\",\"run\":$run}"
  echo "VGBENCH {\"suite\":\"memory\",\"impl\":\"lwip\",\"variant\":\"p\",\"n\":10,\"metric\":\"b\",\"unit\":\"B\",\"value\":400,\"better\":\"lower\",\"run\":$run}"
done
echo 'VGBENCH-SKIP {"suite":"bulk","impl":"lwip","why":"not here"}'
SH
chmod +x "$tmp/fake/bench/bench_fake"
if python3 "$SRC/scripts/run-benches" "$tmp/fake" --only bench_fake --out "$tmp/fakeout" >"$tmp/fake.out" 2>&1; then
    python3 - "$tmp/fakeout/results.json" <<'PY' || fail "fake results: see above"
import json, sys
res = json.load(open(sys.argv[1]))
got = {(r["suite"], r["peer_impl"]): round(r["ratio"], 6) for r in res["ratios"]}
want = {("bulk", "linux"): 2.5, ("memory", "lwip"): 4.0}   # median 5 / 2; 400 / 100
if got != want:
    print("ratios", got, "want", want)
    sys.exit(1)
if len(res["skips"]) != 1 or len(res["runs"]) != 12:
    print("%d skips, %d runs" % (len(res["skips"]), len(res["runs"])))
    sys.exit(1)
PY
else
    cat "$tmp/fake.out"
    fail "run-benches failed on well-formed lines"
fi
echo 'VGBENCH {"suite":"bulk","impl":"vigil","value":"fast"}' >>"$tmp/fake/bench/bench_fake"
if python3 "$SRC/scripts/run-benches" "$tmp/fake" --only bench_fake --out "$tmp/fakeout" >"$tmp/fake2.out" 2>&1; then
    fail "run-benches accepted a malformed VGBENCH line"
fi

[ "$fails" = 0 ] && echo "PASS" || exit 1
