#!/usr/bin/env bash
# bench_tun_paths: bulk TCP on an impaired real path (issue 12's): vigil over a TUN device in a
# namespace of its own (scripts/netns-lab), 10 ms RTT from vigil's --link-delay-ms 5 (each
# direction held 5 ms in vigil's loop), and a router dropping 1 % of the data packets. Each run
# moves --bytes (default 30 MiB) both ways, interleaved:
#   vigil tx-loss1pct   `vigil connect --send-bytes N` -> a Linux sink (tun_wire_peer sink)
#   linux tx-loss1pct   Linux (tun_wire_peer send-bytes) -> `vigil serve --discard`, with CUBIC,
#                       vigil's default algorithm: the row the aim is judged by
#   linux tx-loss1pct-CC  the same with the kernel's default algorithm CC when it is another (BBR
#                       on some kernels: it does not take random loss for congestion, so it is no
#                       measure of loss recovery; shown for what Linux does out of the box)
# one VGBENCH line per measurement (suite tun_path, Mbit/s of goodput, wall time), then the
# medians of --runs runs (default 3; --quick: one run of 1 MiB) and vigil's / Linux's (the aim of
# issue 12: >= 0.9). Needs root; without it every row is a VGBENCH-SKIP line and it exits 0.
#
# The path: vigil (192.0.2.2) -- vg0 -- the lab namespace, which routes -- veth -- a second
# namespace where the Linux peer runs (198.51.100.2). The loss is in the lab namespace's forward
# hook, one rule for each direction, so neither TCP can tell it from a loss on a wire. It must not
# be where the peer's own TCP sends from: a packet nftables drops in a host's output path is an
# error its TCP sees at once, and Linux sends the segment again without counting it lost
# (measured: 231 drops on its output, 1 retransmission and no SACK recovery in its nstat, at
# 164 Mbit/s, 11x the Mathis bound). Each Linux measurement prints the peer's TcpRetransSegs,
# which must be near the drops for the figure to mean anything.
#
# What is dropped, exactly: a forwarded TCP packet, with probability --loss-pct / 100 (nft
# `numgen random mod 100 < P`), when its IP datagram is longer than 80 octets, i.e. it carries
# data (a segment without data is at most 20 + 60 octets of headers: no SYN, pure ACK, window
# update or FIN is ever dropped; a segment with 40 octets of data or less is not either, and a
# bulk transfer sends none but perhaps its last). Retransmissions are data like any other. The drop
# must see segments, not GSO frames of up to 64 KiB (a rule there drops a whole frame, dozens of
# segments, as one packet): vigil runs with --no-offload (it writes one segment per datagram, and
# the kernel does no GRO on a TUN device's input), and the peer's veth has gso_max_segs 1 (the
# kernel's TCP builds GSO frames even for a device without TSO or GSO, and they cross a veth
# whole; with 1 it builds none). A rule counts the data packets longer than 1500 octets (0
# expected; a warning otherwise), and each measurement prints the data packets seen and dropped.
# The peer keeps no TCP metrics between connections (net.ipv4.tcp_no_metrics_save=1), so one
# run's losses do not set the next run's ssthresh.
#
# Options: --runs N, --bytes N, --quick, --delay-ms MS (vigil's --link-delay-ms, default 5),
# --loss-pct P (a whole percentage, default 1). The build directory is the one this copy was
# configured in (build/bench/), or VIGIL_BUILD.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
VIGIL_BUILD=${VIGIL_BUILD:-@PROJECT_BINARY_DIR@}
VIGIL_SRC=${VIGIL_SRC:-@PROJECT_SOURCE_DIR@}
case "$VIGIL_BUILD" in @*) VIGIL_BUILD=$(cd "$here/../build" && pwd) ;; esac
case "$VIGIL_SRC" in @*) VIGIL_SRC=$(cd "$here/.." && pwd) ;; esac
export VIGIL_BUILD VIGIL_SRC
TB_PROG=bench_tun_paths TB_SUITE=tun_path TB_NS_PREFIX=vgbp TB_NEEDS="nft timeout"
# shellcheck source-path=SCRIPTDIR source=lib/tun_bench.sh
. "$VIGIL_SRC/bench/lib/tun_bench.sh"

runs=3 bytes=$((30 * 1024 * 1024)) quick=0 delay=5 loss=1 inside=0
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=${2:?--runs needs a number}; shift 2 ;;
    --bytes) bytes=${2:?--bytes needs a number}; shift 2 ;;
    --delay-ms) delay=${2:?--delay-ms needs a number}; shift 2 ;;
    --loss-pct) loss=${2:?--loss-pct needs a number}; shift 2 ;;
    --quick) quick=1; shift ;;
    --inside) inside=1; shift ;;
    -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench_tun_paths: unknown argument $1" >&2; exit 2 ;;
  esac
done
case "$loss" in *[!0-9]*|"") echo "bench_tun_paths: --loss-pct takes a whole number" >&2; exit 2 ;; esac
[ "$quick" = 1 ] && { runs=1; bytes=$((1024 * 1024)); }
row=tx-loss${loss}pct
variant=$row

if [ "$inside" = 0 ]; then
  tb_enter "$0" "vigil linux" -- --runs "$runs" --bytes "$bytes" --delay-ms "$delay" --loss-pct "$loss"
fi

# Inside the lab namespace: vg0 is the TUN device, 192.0.2.1 the kernel, 192.0.2.2 vigil; the
# Linux peer runs in $peer_ns behind veth vgp0 (198.51.100.1, here) / vgp1 (198.51.100.2, there).
peer_ns=${TB_NS_PREFIX}peer$$
path_undo() {
  nft delete table inet vgbpath 2>/dev/null || true
  ip netns pids "$peer_ns" 2>/dev/null | xargs -r kill 2>/dev/null || true
  ip netns del "$peer_ns" 2>/dev/null || true
}
TB_CLEANUP_EXTRA=path_undo
tb_inside
ip netns add "$peer_ns"
in_peer() { ip netns exec "$peer_ns" "$@"; }
ip link add vgp0 type veth peer name vgp1 netns "$peer_ns"
ip addr add 198.51.100.1/24 dev vgp0
ip link set dev vgp0 up
in_peer ip link set dev lo up
in_peer ip addr add 198.51.100.2/24 dev vgp1
# The kernel's TCP builds GSO frames whatever the device's offloads say (and they cross the veth
# whole): one segment per frame is what it sends to a device with gso_max_segs 1.
in_peer ip link set dev vgp1 gso_max_segs 1 up
in_peer ip route add default via 198.51.100.1
in_peer sysctl -qw net.ipv4.tcp_no_metrics_save=1
sysctl -qw net.ipv4.ip_forward=1
port=7300
vigil_opts=(--net tun:vg0:192.0.2.2/24 --no-offload --link-delay-ms "$delay")
limit=$((bytes / 10000 + 120))   # seconds: far beyond 80 kbit/s, a stuck run rather than a slow one

# drop_data IFMATCH: a fresh table (counters at 0) with the two rules on one direction of the
# forward hook: iifname "vg0" is vigil's data, oifname "vg0" Linux's.
drop_data() {
  nft delete table inet vgbpath 2>/dev/null || true
  nft -f - <<EOF
table inet vgbpath {
  chain c {
    type filter hook forward priority 0; policy accept;
    $1 "vg0" meta l4proto tcp ip length > 1500 counter
    $1 "vg0" meta l4proto tcp ip length > 80 counter numgen random mod 100 < $loss counter drop
  }
}
EOF
}

# peer_retrans: the peer namespace's TcpRetransSegs since the last call (nstat's own history).
peer_retrans() {
  in_peer nstat TcpRetransSegs 2>/dev/null | awk '$1 == "TcpRetransSegs" { n = $2 } END { print n + 0 }'
}

# counters: "GSO SEEN DROPPED" from the table's three counters, in rule order.
counters() {
  nft list table inet vgbpath | grep -o 'packets [0-9]*' | awk '{ printf "%s ", $2 } END { print "" }'
}

# mbit FILE: Mbit/s from tun_wire_peer's bytes= and seconds= lines (empty if there are none).
mbit() {
  awk -F= '$1 == "bytes" { b = $2 } $1 == "seconds" { s = $2 }
           END { if (s > 0 && b > 0) printf "%.4f", b * 8 / s / 1e6 }' "$1"
}

# report IMPL RUN FILE [RETRANS]: the VGBENCH line of row $variant, with what the rule saw (and
# the sender's retransmissions, when it is Linux).
report() {
  local c gso seen dropped rtx=${4:-}
  c=$(counters)
  read -r gso seen dropped <<<"$c"
  [ "${gso:-0}" = 0 ] ||
    echo "bench_tun_paths: $1 run $2: $gso data packets over 1500 octets (GSO frames): the loss is not per segment" >&2
  tb_emit "$1" "$variant" goodput_mbit_per_s Mbit/s "$(mbit "$3")" "$2" \
    ",\"bytes\":$bytes,\"rtt_ms\":$((2 * delay)),\"loss_pct\":$loss,\"data_packets\":${seen:-0},\"dropped\":${dropped:-0},\"gso_frames\":${gso:-0}${rtx:+,\"sender_retransmissions\":$rtx}"
  echo "  $1 $variant run $2: $(mbit "$3") Mbit/s; data packets ${seen:-0}, dropped ${dropped:-0}" \
       "($(awk -v s="${seen:-0}" -v d="${dropped:-0}" 'BEGIN { if (s) printf "%.2f", 100 * d / s; else print "-" }') %)${rtx:+; Linux retransmitted $rtx}"
  nft delete table inet vgbpath 2>/dev/null || true
}

# vigil_tx RUN: vigil connect -> Linux sink; the sink times it, from accept to EOF.
vigil_tx() {
  port=$((port + 1))
  local sink=$TB_WORK/sink.$port
  lab_bg "$sink" timeout "$limit" ip netns exec "$peer_ns" "$PEER" sink "$port"
  local p=$LAST_PID
  tb_wait_line "$sink" '^ready$'
  drop_data iifname
  timeout "$limit" "$VIGIL" connect "${vigil_opts[@]}" "198.51.100.2:$port" --send-bytes "$bytes" \
    --json >"$TB_WORK/connect.$port" 2>&1 || echo "bench_tun_paths: vigil connect failed (see $TB_WORK/connect.$port)" >&2
  wait "$p" || true
  report vigil "$1" "$sink"
}

# linux_tx RUN CC: Linux with congestion control CC -> vigil serve --discard; vigil times it, from its "connected" event to
# "conn_end" (the FIN after the last byte), as the sink times vigil's sending. (The sender cannot:
# vigil's close is still in its link-delay queue when `serve --once` exits, so no FIN reaches
# it; it is stopped once vigil is done.)
linux_tx() {
  port=$((port + 1))
  local out=$TB_WORK/serve.$port send=$TB_WORK/send.$port
  lab_bg "$out" timeout "$limit" "$VIGIL" serve "${vigil_opts[@]}" --port "$port" --discard --once --json
  local p=$LAST_PID
  tb_wait_line "$out" '"event":"listening"'
  drop_data oifname
  peer_retrans >/dev/null
  lab_bg "$send" ip netns exec "$peer_ns" "$PEER" send-bytes 192.0.2.2 "$port" "$bytes" "$2"
  local s=$LAST_PID
  wait "$p" || true
  kill "$s" 2>/dev/null || true
  wait "$s" 2>/dev/null || true
  served "$out" >"$TB_WORK/served.$port"
  report linux "$1" "$TB_WORK/served.$port" "$(peer_retrans)"
}

# served FILE: bytes= and seconds= of the connection in serve's JSON events.
served() {
  awk '/"event":"connected"/ && !t0 { t0 = $0; sub(/.*"t_us":/, "", t0); sub(/,.*/, "", t0) }
       /"event":"conn_end"/ { t1 = $0; sub(/.*"t_us":/, "", t1); sub(/,.*/, "", t1)
                              b = $0; sub(/.*"bytes_received":/, "", b); sub(/,.*/, "", b) }
       END { if (t1 + 0 > t0 + 0 && b + 0 > 0) printf "bytes=%s\nseconds=%.6f\n", b, (t1 - t0) / 1e6 }' "$1"
}

echo "bench_tun_paths: $bytes bytes each way, RTT $((2 * delay)) ms (vigil --link-delay-ms $delay)," \
     "$loss % of the data packets dropped, one segment per packet, $runs interleaved runs"
linux_default=$(in_peer sysctl -n net.ipv4.tcp_congestion_control)
for ((run = 1; run <= runs; run++)); do
  variant=$row
  vigil_tx "$run"
  linux_tx "$run" cubic
  if [ "$linux_default" != cubic ]; then
    variant=$row-$linux_default
    linux_tx "$run" "$linux_default"
  fi
done

v=$(tb_row_median vigil "$row")
l=$(tb_row_median linux "$row")
echo "bench_tun_paths: medians of $runs runs (Mbit/s): vigil sending ${v:--}, Linux sending ${l:--} (both CUBIC)"
awk -v v="${v:-0}" -v l="${l:-0}" 'BEGIN { if (l > 0) printf "  vigil sending / Linux sending %.3f (aim: >= 0.9)\n", v / l }'
if [ "$linux_default" != cubic ]; then
  d=$(tb_row_median linux "$row-$linux_default")
  echo "  Linux with its default, $linux_default: ${d:--} Mbit/s (vigil / that" \
       "$(awk -v v="${v:-0}" -v d="${d:-0}" 'BEGIN { if (d > 0) printf "%.3f", v / d; else print "-" }'))"
fi
awk -v d="$delay" -v p="$loss" 'BEGIN { if (p > 0 && d > 0)
  printf "  the Mathis bound 1.22 * MSS / (RTT * sqrt(p)) at MSS 1460, RTT %d ms, p %g: %.4g Mbit/s\n",
         2 * d, p / 100, 1.22 * 1460 * 8 / (2 * d / 1000 * sqrt(p / 100)) / 1e6 }'
