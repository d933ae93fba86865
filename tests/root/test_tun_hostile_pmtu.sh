#!/usr/bin/env bash
# A real path MTU of 1000 in front of vigil, with and without the ICMP that says so.
#
#   namespace B (Linux client)           namespace A (router)                 vigil
#   198.51.100.2 --veth (A side mtu 1000)-- 198.51.100.1 | 192.0.2.1 --TUN vg0-- 192.0.2.2
#
# B's route to 192.0.2.0/24 has mtu 1000 (so B's own segments fit) but advmss 1460, so vigil
# sends 1500-octet datagrams with DF, which A cannot forward: A answers each with ICMP
# frag-needed (next-hop MTU 1000).
#  1. ICMP delivered: Path MTU Discovery (RFC 1191) lowers vigil's MSS to 960 and resends at
#     once; all 20,000 bytes are echoed, with no retransmission timeout.
#  2. ICMP dropped (nftables in A: a PMTU black hole): black-hole detection (RFC 4821 style)
#     lowers the MSS after repeated timeouts; all 20,000 bytes are echoed after a few RTOs.
#  3. ICMP delivered, with the device's offloads on: vigil sends TSO frames that the kernel cuts
#     at gso_size, and PMTUD must steer that size too: all bytes echoed, one PMTU update, no
#     timeout. (Runs 1 and 2 are --no-offload: their capture must show the datagrams the path
#     carries, and a TSO frame is captured whole, as tcpdump shows one.)
# Before PMTUD, run 1 echoed 0 of 20,000 bytes: vigil retransmitted 1460-octet segments until the
# connection died.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ "${1:-}" = inside ] || lab_enter "$0" tshark
lab_inside

BYTES=20000
NS_B="${VIGIL_LAB_NS:-vglab}b"
ROUTER_B=198.51.100.1
CLIENT=198.51.100.2

cleanup_pmtu() {
  lab_cleanup_inside
  ip netns del "$NS_B" 2>/dev/null || true
}
trap cleanup_pmtu EXIT

note "topology: namespace $NS_B (client $CLIENT) -> this namespace (router, mtu 1000) -> vigil"
ip netns add "$NS_B"
ip link add vgpa0 mtu 1000 type veth peer name vgpb0 netns "$NS_B"
ip addr add "$ROUTER_B/24" dev vgpa0
ip link set vgpa0 up
sysctl -qw net.ipv4.ip_forward=1
ip netns exec "$NS_B" ip link set lo up
ip netns exec "$NS_B" ip link set vgpb0 mtu 1500
ip netns exec "$NS_B" ip addr add "$CLIENT/24" dev vgpb0
ip netns exec "$NS_B" ip link set vgpb0 up
ip netns exec "$NS_B" ip route add 192.0.2.0/24 via "$ROUTER_B" mtu 1000 advmss 1460

# run NAME PORT [SERVE-OPTION...]: vigil serve --echo; the client in B sends BYTES and checks the
# echo. Prints the bytes echoed and the seconds it took; leaves the capture in $LAB_WORK/NAME.pcap.
run() {
  local name=$1 port=$2
  shift 2
  local out=$LAB_WORK/$name.serve pcap=$LAB_WORK/$name.pcap
  # Not --once: that exits as soon as the echo is queued, before the path has carried it.
  lab_bg "$out" "$VIGIL" serve --net "$NET" --port "$port" --echo --json --pcap "$pcap" "$@"
  local serve=$LAST_PID
  wait_for "$out" '"event":"listening"' 20
  local t0 t1 rc=0
  t0=$(date +%s.%N)
  lab_bg "$LAB_WORK/$name.client" ip netns exec "$NS_B" "$PEER" echo-client "$VIGIL_ADDR" "$port" "$BYTES"
  wait_exit "$LAST_PID" 60 || rc=$?
  t1=$(date +%s.%N)
  local received
  received=$(sed -n 's/^received=//p' "$LAB_WORK/$name.client")
  ELAPSED=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  ECHOED=${received:-0}
  note "$name: $ECHOED of $BYTES bytes echoed in $ELAPSED s (client exit $rc)"
  [ "$rc" = 0 ] && grep -qx "result=ok" "$LAB_WORK/$name.client" || {
    cat "$LAB_WORK/$name.client" "$out"; fail "$name: the echo did not come back whole"; }
  wait_for "$out" '"event":"conn_end"' 10
  kill -INT "$serve"
  wait_exit "$serve" 20 || true
  [ "$(event_field "$out" conn_end bytes_sent)" = "$BYTES" ] ||
    { cat "$out"; fail "$name: vigil says it echoed $(event_field "$out" conn_end bytes_sent) bytes"; }
  # What vigil put on the wire, from its own capture: the largest datagram it sent after the
  # path was learned, and what became of the 1500-octet ones.
  BIG=$(tshark_count "$pcap" "ip.src==$VIGIL_ADDR && !icmp && ip.len > 1000")
  FITTING=$(tshark_count "$pcap" "ip.src==$VIGIL_ADDR && tcp.len > 0 && ip.len <= 1000")
  ICMP=$(tshark_count "$pcap" "icmp.type==3 && icmp.code==4")
  # Datagrams too big for the path that vigil sent after the first frag-needed reached it.
  local first_icmp
  first_icmp=$(tshark -r "$pcap" -Y "icmp.type==3 && icmp.code==4" -T fields -e frame.number \
               2>/dev/null | head -1)
  BIG_AFTER=0
  [ -z "$first_icmp" ] ||
    BIG_AFTER=$(tshark_count "$pcap" "frame.number > $first_icmp && ip.src==$VIGIL_ADDR && !icmp && ip.len > 1000")
  note "$name: vigil sent $BIG datagrams over 1000 octets ($BIG_AFTER after the first" \
       "frag-needed), $FITTING data segments that fit; $ICMP frag-needed reached it"
  # vigil's own counters, from the stats event serve prints on exit (empty if it has none).
  PMTU_UPDATES=$(event_field "$out" stats pmtu_updates)
  PROBE_REDUCTIONS=$(event_field "$out" stats mtu_probe_reductions)
  TIMEOUTS=$(event_field "$out" stats tcp_timeouts)
  note "$name: vigil counted pmtu_updates=${PMTU_UPDATES:-?} mtu_probe_reductions=${PROBE_REDUCTIONS:-?}" \
       "icmp_errors_in=$(event_field "$out" stats icmp_errors_in) tcp_retransmits=$(event_field "$out" stats tcp_retransmits)"
  # RFC 6864: vigil's datagrams are atomic (DF) with ID 0, and Wireshark finds nothing wrong with
  # them at the IP layer (its expert items for them are all TCP sequence analysis).
  local zero_id not_tcp_expert
  zero_id=$(tshark_count "$pcap" "ip.src==$VIGIL_ADDR && !icmp && ip.flags.df==1 && ip.id==0")
  [ "$zero_id" -ge 1 ] && [ "$zero_id" = "$(tshark_count "$pcap" "ip.src==$VIGIL_ADDR && !icmp")" ] ||
    fail "$name: not every datagram vigil sent is DF with IP ID 0"
  not_tcp_expert=$(tshark -r "$pcap" -q -z "expert,ip.src==$VIGIL_ADDR && !icmp" 2>/dev/null |
    awk 'NF >= 4 && $1 ~ /^[0-9]+$/ && $3 != "TCP"' | wc -l)
  [ "$not_tcp_expert" = 0 ] || fail "$name: Wireshark flags vigil's datagrams beyond TCP"
}

note "run 1: ICMP frag-needed delivered"
run icmp 7011 --no-offload
[ "$ICMP" -ge 1 ] || fail "icmp: no frag-needed reached vigil: the router did not refuse the big datagrams"
[ "$FITTING" -ge 1 ] || fail "icmp: vigil never sent a segment that fits the path"
# PMTUD believed the first frag-needed: nothing too big went out after it (no timeout waited
# for, no retransmission at the old size).
[ "$BIG_AFTER" = 0 ] || fail "icmp: $BIG_AFTER datagrams over the path MTU after the frag-needed"
[ -z "$PMTU_UPDATES" ] || [ "$PMTU_UPDATES" = 1 ] || fail "icmp: pmtu_updates=$PMTU_UPDATES, want 1"
[ -z "$PROBE_REDUCTIONS" ] || [ "$PROBE_REDUCTIONS" = 0 ] ||
  fail "icmp: black-hole detection ran ($PROBE_REDUCTIONS) although the ICMP came"
ICMP_TIME=$ELAPSED

note "run 2: ICMP dropped by the router's firewall (a PMTU black hole)"
nft add table inet vgtest
nft add chain inet vgtest out '{ type filter hook output priority 0; }'
nft add rule inet vgtest out oifname vg0 icmp type destination-unreachable counter drop
run blackhole 7012 --no-offload
[ "$ICMP" = 0 ] || fail "blackhole: $ICMP frag-needed reached vigil through the firewall"
[ "$FITTING" -ge 1 ] || fail "blackhole: vigil never sent a segment that fits the path"
[ -z "$PROBE_REDUCTIONS" ] || [ "$PROBE_REDUCTIONS" -ge 1 ] ||
  fail "blackhole: no mtu_probe_reductions counted"
note "blackhole: nftables dropped $(nft list table inet vgtest | grep -o 'packets [0-9]*' || true) ICMP errors"
nft delete table inet vgtest

note "run 3: ICMP frag-needed delivered, TSO frames on the device"
run icmp-tso 7013
[ "$ICMP" -ge 1 ] || fail "icmp-tso: no frag-needed reached vigil: the kernel cut and forwarded 1460-octet pieces"
[ -z "$PMTU_UPDATES" ] || [ "$PMTU_UPDATES" = 1 ] || fail "icmp-tso: pmtu_updates=$PMTU_UPDATES, want 1"
[ -z "$TIMEOUTS" ] || [ "$TIMEOUTS" = 0 ] ||
  fail "icmp-tso: $TIMEOUTS retransmission timeouts: the TSO frames after the frag-needed did not fit"

note "summary: ICMP delivered $BYTES/$BYTES bytes in $ICMP_TIME s; ICMP dropped $BYTES/$BYTES in $ELAPSED s"
note "ok"
