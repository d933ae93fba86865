#!/usr/bin/env bash
# bench_tun_wire: bulk TCP on a real wire, vigil over a TUN device against Linux over a veth pair,
# in namespaces of its own (scripts/netns-lab, plus one made here for the veth's far end), runs
# interleaved (default 5, --runs N; --quick: one short run of each), one VGBENCH line per
# measurement (suite tun_wire, Gbit/s of throughput, wall time), then medians and ratios.
#   vigil rx                Linux sender -> `vigil serve --discard` over TUN (offloads on)
#   vigil rx-offloads-off   the same with `vigil serve --no-offload`
#   linux rx                Linux sender -> Linux sink over veth (default offloads)
#   linux rx-offloads-off   the same over a veth with checksum/SG/TSO/GSO/GRO off
#   vigil tx                `vigil connect --send-bytes` -> Linux sink over TUN (its pattern
#                           generation is part of the figure)
# --vigil-before PATH adds "vigil rx" rows for another vigil binary (variant rx-before), e.g. a
# build of an older commit. Needs root; without it every row is a VGBENCH-SKIP line and the
# program exits 0. The build directory is the one this copy was configured in (build/bench/), or
# VIGIL_BUILD.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
VIGIL_BUILD=${VIGIL_BUILD:-@PROJECT_BINARY_DIR@}
VIGIL_SRC=${VIGIL_SRC:-@PROJECT_SOURCE_DIR@}
case "$VIGIL_BUILD" in @*) VIGIL_BUILD=$(cd "$here/../build" && pwd) ;; esac
case "$VIGIL_SRC" in @*) VIGIL_SRC=$(cd "$here/.." && pwd) ;; esac
export VIGIL_BUILD VIGIL_SRC
TB_PROG=bench_tun_wire TB_SUITE=tun_wire TB_NS_PREFIX=vgbw
# shellcheck source-path=SCRIPTDIR source=lib/tun_bench.sh
. "$VIGIL_SRC/bench/lib/tun_bench.sh"

runs=5 secs=3 quick=0 before=""
inside=0
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=${2:?--runs needs a number}; shift 2 ;;
    --seconds) secs=${2:?--seconds needs a number}; shift 2 ;;
    --quick) quick=1; shift ;;
    --vigil-before) before=${2:?--vigil-before needs a path}; shift 2 ;;
    --inside) inside=1; shift ;;
    -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench_tun_wire: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ "$quick" = 1 ] && { runs=1; secs=0.5; }

if [ "$inside" = 0 ]; then
  args=(--runs "$runs" --seconds "$secs")
  [ -n "$before" ] && args+=(--vigil-before "$before")
  tb_enter "$0" "vigil linux" -- "${args[@]}"
fi

# Inside the lab namespace (vg0 is the TUN device; 192.0.2.1 the kernel, 192.0.2.2 vigil). The
# veth pairs end in a second namespace: 198.51.100.1 -> .2 (default offloads) and .5 -> .6
# (offloads off on both ends).
far=vgbwfar$$
del_far() { ip netns del "$far" 2>/dev/null || true; }
TB_CLEANUP_EXTRA=del_far
tb_inside
ip netns add "$far"
ip -n "$far" link set lo up
ip link add vbw0 type veth peer name vbw1
ip link add vbw2 type veth peer name vbw3
ip link set vbw1 netns "$far"
ip link set vbw3 netns "$far"
ip addr add 198.51.100.1/30 dev vbw0
ip addr add 198.51.100.5/30 dev vbw2
ip -n "$far" addr add 198.51.100.2/30 dev vbw1
ip -n "$far" addr add 198.51.100.6/30 dev vbw3
"$PEER" offload-off vbw2
ip netns exec "$far" "$PEER" offload-off vbw3
ip link set vbw0 up; ip link set vbw2 up
ip -n "$far" link set vbw1 up; ip -n "$far" link set vbw3 up

work=$TB_WORK
port=7100

emit() {   # impl variant value run
  tb_emit "$1" "$2" gbit_per_s Gbit/s "$3" "$4"
}

# vigil_rx VIGIL_BINARY VARIANT RUN [serve options]
vigil_rx() {
  local bin=$1 variant=$2 run=$3; shift 3
  port=$((port + 1))
  local out=$work/serve.$port send=$work/send.$port
  lab_bg "$out" "$bin" serve --net tun:vg0:192.0.2.2/24 --port "$port" --discard --once --json "$@"
  local p=$LAST_PID
  tb_wait_line "$out" '"event":"listening"'
  "$PEER" send 192.0.2.2 "$port" "$secs" >"$send" || true
  wait "$p" || true
  emit vigil "$variant" "$(sed -n 's/^gbit_per_s=//p' "$send")" "$run"
}

# linux_rx VARIANT ADDR RUN
linux_rx() {
  port=$((port + 1))
  local sink=$work/sink.$port send=$work/send.$port
  lab_bg "$sink" ip netns exec "$far" "$PEER" sink "$port"
  local p=$LAST_PID
  tb_wait_line "$sink" '^ready$'
  "$PEER" send "$2" "$port" "$secs" >"$send" || true
  wait "$p" || true
  emit linux "$1" "$(sed -n 's/^gbit_per_s=//p' "$send")" "$3"
}

# vigil_tx RUN: vigil connect sends about secs' worth at the rx figure's rate.
vigil_tx() {
  port=$((port + 1))
  local sink=$work/sink.$port
  lab_bg "$sink" "$PEER" sink "$port"
  local p=$LAST_PID
  tb_wait_line "$sink" '^ready$'
  local bytes
  bytes=$(awk -v s="$secs" 'BEGIN { printf "%d", s * 2.5e8 }')
  "$VIGIL" connect --net tun:vg0:192.0.2.2/24 "192.0.2.1:$port" --send-bytes "$bytes" --json \
    >"$work/connect.$port" 2>&1 || true
  wait "$p" || true
  emit vigil tx "$(sed -n 's/^gbit_per_s=//p' "$sink")" "$1"
}

for ((run = 1; run <= runs; run++)); do
  vigil_rx "$VIGIL" rx "$run"
  linux_rx rx 198.51.100.2 "$run"
  vigil_rx "$VIGIL" rx-offloads-off "$run" --no-offload
  linux_rx rx-offloads-off 198.51.100.6 "$run"
  vigil_tx "$run"
  if [ -n "$before" ]; then vigil_rx "$before" rx-before "$run"; fi
done

# Medians, and vigil against each Linux row (the same run set, interleaved).
echo "bench_tun_wire: medians of $runs interleaved runs, ${secs} s each (Gbit/s):"
for row in "vigil rx" "vigil rx-offloads-off" "vigil tx" "vigil rx-before" "linux rx" "linux rx-offloads-off"; do
  # shellcheck disable=SC2086
  m=$(tb_row_median $row)
  if [ -n "$m" ]; then
    printf '  %-24s %8s\n' "$row" "$m"
    echo "$row $m" >>"$work/med"
  fi
done
v=$(awk '$1 == "vigil" && $2 == "rx" { print $3 }' "$work/med")
for peer in rx rx-offloads-off; do
  l=$(awk -v p="$peer" '$1 == "linux" && $2 == p { print $3 }' "$work/med")
  awk -v v="$v" -v l="$l" -v p="$peer" 'BEGIN { if (l > 0) printf "  vigil rx / linux %-15s %6.2f\n", p, v / l }'
done
b=$(awk '$1 == "vigil" && $2 == "rx-before" { print $3 }' "$work/med")
awk -v v="$v" -v b="$b" 'BEGIN { if (b > 0) printf "  vigil rx / vigil rx-before      %6.2f\n", v / b }'
