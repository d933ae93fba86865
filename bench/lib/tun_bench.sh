# shellcheck shell=bash
# Shared by the TUN benchmarks (bench/bench_tun_*.sh; sourced, not run). Each runs twice: on the
# host, tb_enter checks what it needs and runs the script again inside a namespace made by
# scripts/netns-lab (vg0 the TUN device, 192.0.2.1 the kernel, 192.0.2.2 vigil); inside, the
# processes it starts with lab_bg (scripts/lab.sh, shared with tests/root/lib.sh) are stopped by
# tb_cleanup on every exit path, and each
# measurement is one VGBENCH line (tb_emit), kept in $TB_WORK/all for the medians at the end.
# Before sourcing, the script sets TB_PROG (its name, for messages) and TB_SUITE.

# shellcheck source-path=SCRIPTDIR source=../../scripts/lab.sh
. "$VIGIL_SRC/scripts/lab.sh"

VIGIL=$VIGIL_BUILD/vigil
PEER=$VIGIL_BUILD/bench/tun_wire_peer

# tb_skip WHY IMPL...: a VGBENCH-SKIP line for each implementation, then exit 0 (a benchmark
# that cannot run here is not a failure).
tb_skip() {
  local why=$1 impl; shift
  for impl in "$@"; do
    printf 'VGBENCH-SKIP {"suite":"%s","impl":"%s","why":"%s"}\n' "$TB_SUITE" "$impl" "$why"
  done
  exit 0
}

# tb_enter SCRIPT IMPLS -- ARGS...: on the host, checks root, the device, iproute2, the built
# programs and the commands named in $TB_NEEDS, then runs SCRIPT --inside ARGS in a fresh lab
# namespace (exec: the lab removes the namespace whatever happens). IMPLS (space-separated) are
# the implementations a skip line names.
tb_enter() {
  local script=$1 impls=$2; shift 3
  # shellcheck disable=SC2086
  {
    local why
    why=$(lab_host_lacks ${TB_NEEDS:-})
    [ -z "$why" ] || tb_skip "$why" $impls
    { [ -x "$VIGIL" ] && [ -x "$PEER" ]; } || tb_skip "build first: no $VIGIL or $PEER" $impls
  }
  exec "$VIGIL_SRC/scripts/netns-lab" --name "${TB_NS_PREFIX:-vgb}$$" -- bash "$script" --inside "$@"
}

# Inside the lab: a scratch directory and the processes started here, all removed on exit. A
# script with more to undo sets TB_CLEANUP_EXTRA to a function name. TB_KEEP=1 in the environment
# keeps the scratch directory (every process's output) for a look after the run.
tb_cleanup() {
  lab_reap
  if [ -n "${TB_CLEANUP_EXTRA:-}" ]; then "$TB_CLEANUP_EXTRA" || true; fi
  if [ -n "${TB_KEEP:-}" ]; then
    echo "$TB_PROG: kept $TB_WORK" >&2
  elif [ -n "${TB_WORK:-}" ]; then
    rm -rf "$TB_WORK"
  fi
}
tb_inside() {
  TB_WORK=$(mktemp -d "/tmp/$TB_PROG.XXXXXX")
  trap tb_cleanup EXIT
}

# tb_wait_line FILE REGEX: up to 10 s for a line of FILE to match (grep -E).
tb_wait_line() {
  local i
  for ((i = 0; i < 200; i++)); do grep -Eq "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
  echo "$TB_PROG: timed out waiting for /$2/ in $1:" >&2; cat "$1" >&2; return 1
}

# tb_emit IMPL VARIANT METRIC UNIT VALUE RUN [EXTRA_JSON]: one VGBENCH line (higher is better);
# EXTRA_JSON (',"key":value,...') is appended to the object. An empty VALUE measured nothing:
# a note on stderr, no line.
tb_emit() {
  if [ -z "$5" ]; then
    echo "$TB_PROG: $1 $2 run $6 measured nothing (see above)" >&2
    return 0
  fi
  printf 'VGBENCH {"suite":"%s","impl":"%s","variant":"%s","n":0,"metric":"%s","unit":"%s","value":%s,"better":"higher","run":%d%s}\n' \
    "$TB_SUITE" "$1" "$2" "$3" "$4" "$5" "$6" "${7:-}"
  echo "$1 $2 $5" >>"$TB_WORK/all"
}

# tb_median: the median of the numbers on stdin (empty for none).
tb_median() {
  sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else if (NR) print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# tb_row_median IMPL VARIANT: the median of that row's values in this run.
tb_row_median() {
  (grep "^$1 $2 " "$TB_WORK/all" 2>/dev/null || true) | awk '{ print $3 }' | tb_median
}
