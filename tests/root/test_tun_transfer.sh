#!/usr/bin/env bash
# vigil <-> the Linux kernel's TCP over a TUN device: 64 MiB each way, byte-exact, twice.
#  1. A Linux client sends 64 MiB of the test pattern to `vigil serve --echo --verify`; vigil
#     checks every byte it receives and echoes it; the client checks every byte of the echo.
#  2. `vigil connect --send-bytes 64M --verify` to a Linux echo server that checks what arrives;
#     vigil checks the echo. This run has delay and loss on the wire: tc netem where the kernel
#     has it; elsewhere random loss from nftables and vigil's own --link-delay-ms 5 each way. Either
#     way the Linux side's smoothed RTT (tcp_info) must show the delay.
# The device runs with its offloads (IFF_VNET_HDR, TUN_F_CSUM | TUN_F_TSO4): run 1 must see the
# kernel's coalesced segments of more than one MSS arrive whole (link_stats rx_gso_frames) with
# checksums it left partial, and still be byte-exact; run 3 repeats run 1 with --no-offload.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ "${1:-}" = inside ] || lab_enter "$0"
lab_inside

BYTES=$((64 * 1024 * 1024))

note "run 1: Linux client -> vigil serve --echo, $BYTES bytes each way"
lab_bg "$LAB_WORK/serve.out" "$VIGIL" serve --net "$NET" --port 7001 --echo --verify --once --json
serve=$LAST_PID
wait_for "$LAB_WORK/serve.out" '"event":"listening"' 20
"$PEER" echo-client "$VIGIL_ADDR" 7001 "$BYTES" >"$LAB_WORK/client.out" 2>&1 || {
  cat "$LAB_WORK/client.out" "$LAB_WORK/serve.out"; fail "the Linux client's transfer failed"; }
grep -qx "result=ok" "$LAB_WORK/client.out" || fail "Linux client: $(cat "$LAB_WORK/client.out")"
grep -qx "received=$BYTES" "$LAB_WORK/client.out" || fail "Linux client received a short echo"
rc=0; wait_exit "$serve" 60 || rc=$?
grep '"event":"conn_end"' "$LAB_WORK/serve.out"
[ "$rc" = 0 ] || { cat "$LAB_WORK/serve.out"; fail "vigil serve exited $rc"; }
[ "$(event_field "$LAB_WORK/serve.out" conn_end bytes_received)" = "$BYTES" ] &&
  [ "$(event_field "$LAB_WORK/serve.out" conn_end bytes_sent)" = "$BYTES" ] &&
  [ "$(event_field "$LAB_WORK/serve.out" conn_end verified)" = true ] ||
  fail "vigil did not receive and echo $BYTES verified bytes"
grep '"event":"link_stats"' "$LAB_WORK/serve.out"
gso=$(event_field "$LAB_WORK/serve.out" link_stats rx_gso_frames)
partial=$(event_field "$LAB_WORK/serve.out" link_stats rx_csum_partial)
grep '"event":"link_stats"' "$LAB_WORK/serve.out" | grep -q '"offloads":"csum,tso"' ||
  fail "the device runs without its offloads"
[ "${gso:-0}" -gt 0 ] || fail "no GSO frame reached vigil: the TSO/GRO path was not exercised"
[ "${partial:-0}" -gt 0 ] || fail "no partial checksum reached vigil"
[ "$(event_field "$LAB_WORK/serve.out" link_stats rx_bad_header)" = 0 ] || fail "bad virtio headers"
note "run 1 took $gso GSO frames, $partial partial checksums"

note "run 1b: 4 MiB into vigil serve --pcap: tshark reads the GSO segments whole, checksums good"
lab_bg "$LAB_WORK/serve1b.out" "$VIGIL" serve --net "$NET" --port 7007 --echo --verify --once --json \
  --pcap "$LAB_WORK/gso.pcap"
serve=$LAST_PID
wait_for "$LAB_WORK/serve1b.out" '"event":"listening"' 20
"$PEER" echo-client "$VIGIL_ADDR" 7007 $((4 * 1024 * 1024)) >"$LAB_WORK/client1b.out" 2>&1 ||
  fail "the captured transfer failed: $(cat "$LAB_WORK/client1b.out")"
wait_exit "$serve" 30 || fail "vigil serve --pcap failed"
if command -v tshark >/dev/null; then
  big=$(tshark_count "$LAB_WORK/gso.pcap" "ip.src==$KERNEL_ADDR && ip.len > 1500")
  bad=$(tshark -r "$LAB_WORK/gso.pcap" -o tcp.check_checksum:TRUE -Y "tcp.checksum.status == 0" \
    -T fields -e frame.number 2>/dev/null | grep -c .) || true
  ok=$(tshark -r "$LAB_WORK/gso.pcap" -o tcp.check_checksum:TRUE -Y "tcp.checksum.status == 1" \
    -T fields -e frame.number 2>/dev/null | grep -c .) || true
  note "tshark: $big segments larger than 1500 octets from Linux; checksums: ${ok:-0} good, ${bad:-0} bad"
  [ "$big" -gt 0 ] || fail "the capture holds no GSO segment"
  [ "${bad:-0}" = 0 ] && [ "${ok:-0}" -gt 0 ] || fail "the capture's checksums do not verify"
else
  note "no tshark: the capture is not checked"
fi

note "run 3: as run 1 with --no-offload (one MSS per segment, full checksums both ways)"
lab_bg "$LAB_WORK/serve3.out" "$VIGIL" serve --net "$NET" --port 7006 --echo --verify --once --json \
  --no-offload
serve=$LAST_PID
wait_for "$LAB_WORK/serve3.out" '"event":"listening"' 20
"$PEER" echo-client "$VIGIL_ADDR" 7006 "$BYTES" >"$LAB_WORK/client3.out" 2>&1 || {
  cat "$LAB_WORK/client3.out" "$LAB_WORK/serve3.out"; fail "the Linux client's transfer failed"; }
grep -qx "result=ok" "$LAB_WORK/client3.out" || fail "Linux client: $(cat "$LAB_WORK/client3.out")"
rc=0; wait_exit "$serve" 60 || rc=$?
[ "$rc" = 0 ] || { cat "$LAB_WORK/serve3.out"; fail "vigil serve --no-offload exited $rc"; }
[ "$(event_field "$LAB_WORK/serve3.out" conn_end verified)" = true ] || fail "run 3 not verified"
[ "$(event_field "$LAB_WORK/serve3.out" link_stats offloads)" = none ] &&
  [ "$(event_field "$LAB_WORK/serve3.out" link_stats rx_gso_frames)" = 0 ] &&
  [ "$(event_field "$LAB_WORK/serve3.out" link_stats rx_csum_partial)" = 0 ] ||
  fail "--no-offload still took offloaded frames"

note "run 2: vigil connect -> Linux echo server, $BYTES bytes each way, with delay and loss"
DELAY=()
if tc qdisc add dev vg0 root netem delay 10ms loss 1% 2>/dev/null; then
  note "tc netem: 10 ms delay, 1 % loss on the kernel's packets to vigil"
else
  note "tc netem is not available in this kernel: 1 % random loss from nftables, 5 ms each way" \
       "from vigil's link delay"
  nft add table inet vgtest
  nft add chain inet vgtest out '{ type filter hook output priority 0; }'
  nft add rule inet vgtest out oifname vg0 numgen random mod 100 '<' 1 counter drop
  DELAY=(--link-delay-ms 5)
fi
MIN_RTT_US=10000
lab_bg "$LAB_WORK/server.out" "$PEER" echo-server 7002
peer=$LAST_PID
wait_for "$LAB_WORK/server.out" '^ready$' 10
rc=0
"$VIGIL" connect --net "$NET" "$KERNEL_ADDR:7002" --send-bytes "$BYTES" --verify --json \
  --buffer 256K "${DELAY[@]}" >"$LAB_WORK/connect.out" 2>&1 || rc=$?
grep '"event":"summary"' "$LAB_WORK/connect.out" || true
[ "$rc" = 0 ] || { cat "$LAB_WORK/connect.out" "$LAB_WORK/server.out"; fail "vigil connect exited $rc"; }
[ "$(event_field "$LAB_WORK/connect.out" summary bytes_sent)" = "$BYTES" ] &&
  [ "$(event_field "$LAB_WORK/connect.out" summary bytes_received)" = "$BYTES" ] &&
  [ "$(event_field "$LAB_WORK/connect.out" summary verified)" = true ] ||
  fail "vigil did not get its $BYTES bytes back intact"
wait_exit "$peer" 30 || { cat "$LAB_WORK/server.out"; fail "the Linux echo server failed"; }
grep -qx "received=$BYTES" "$LAB_WORK/server.out" || fail "Linux server: $(cat "$LAB_WORK/server.out")"
rtt_us=$(sed -n 's/^rtt_us=//p' "$LAB_WORK/server.out")
note "the Linux side's smoothed RTT: ${rtt_us:-?} us"
[ -n "$rtt_us" ] && [ "$rtt_us" -ge "$MIN_RTT_US" ] ||
  fail "the wire had no real RTT: the kernel measured ${rtt_us:-nothing} us, want >= $MIN_RTT_US"
if nft list table inet vgtest >/dev/null 2>&1; then
  note "nftables dropped: $(nft list table inet vgtest | grep -o 'packets [0-9]*' || true)"
else
  note "netem: $(tc -s qdisc show dev vg0 | grep -o 'dropped [0-9]*' || true)"
fi
note "ok"
