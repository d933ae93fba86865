#!/usr/bin/env bash
# SACK against the Linux kernel's TCP over a TUN device, nftables dropping 1 % of vigil's
# packets to Linux: a Linux client sends 8 MiB to `vigil serve --echo --verify`, which echoes
# them (one MSS a segment, --no-offload, so that a drop is one segment).
#  - both SYNs carry SACK-permitted (tshark), so both ends run SACK;
#  - vigil's losses on the way out: Linux's ACKs carry SACK blocks, vigil takes them without
#    calling one bad (tcp_sack_bad_blocks 0) and recovers with them (tcp_sack_recoveries > 0);
#  - every byte arrives, both ways, checked by both ends.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ "${1:-}" = inside ] || lab_enter "$0" tshark
lab_inside

BYTES=$((8 * 1024 * 1024))
nft add table inet vgtest
nft add chain inet vgtest in '{ type filter hook input priority 0; }'
# Only vigil's packets are dropped: a drop in the output hook is an error Linux's TCP sees and
# retries at once (no hole reaches vigil), and this kernel may lack netem. vigil's own blocks
# are checked in the simulator (test_tcp_sack); any it sends here are counted and shown.
nft add rule inet vgtest in iifname vg0 numgen random mod 100 '<' 1 counter drop

# Not --once: serve would exit as its side closes, with the tail of the echo still in flight
# (and under loss, some of it still to resend); SIGINT ends it once the client has it all.
lab_bg "$LAB_WORK/serve.out" "$VIGIL" serve --net "$NET" --port 7010 --echo --verify --json \
  --link-delay-ms 5 --no-offload --pcap "$LAB_WORK/sack.pcap"
serve=$LAST_PID
wait_for "$LAB_WORK/serve.out" '"event":"listening"' 20
"$PEER" echo-client "$VIGIL_ADDR" 7010 "$BYTES" >"$LAB_WORK/client.out" 2>&1 || {
  cat "$LAB_WORK/client.out" "$LAB_WORK/serve.out"; fail "the Linux client's transfer failed"; }
grep -qx "result=ok" "$LAB_WORK/client.out" || fail "Linux client: $(cat "$LAB_WORK/client.out")"
grep -qx "received=$BYTES" "$LAB_WORK/client.out" || fail "Linux client received a short echo"
wait_for "$LAB_WORK/serve.out" '"event":"conn_end"' 30
kill -INT "$serve"
rc=0; wait_exit "$serve" 30 || rc=$?
[ "$rc" = 0 ] || { cat "$LAB_WORK/serve.out"; fail "vigil serve exited $rc"; }
[ "$(event_field "$LAB_WORK/serve.out" conn_end verified)" = true ] &&
  [ "$(event_field "$LAB_WORK/serve.out" conn_end bytes_received)" = "$BYTES" ] ||
  fail "vigil did not receive $BYTES verified bytes"
note "nftables dropped: $(nft list table inet vgtest | grep -o 'packets [0-9]*' | tr '\n' ' ')"

recoveries=$(event_field "$LAB_WORK/serve.out" stats tcp_sack_recoveries)
bad=$(event_field "$LAB_WORK/serve.out" stats tcp_sack_bad_blocks)
dsack=$(event_field "$LAB_WORK/serve.out" stats tcp_dsack_received)
ooo=$(event_field "$LAB_WORK/serve.out" stats tcp_ooo_segments)
note "vigil: ${ooo:-?} segments out of order, $(event_field "$LAB_WORK/serve.out" stats tcp_dsack_sent) D-SACKs sent"
note "vigil: ${recoveries:-?} SACK recoveries, ${bad:-?} bad blocks, ${dsack:-?} D-SACKs from Linux"
[ "${recoveries:-0}" -gt 0 ] || fail "vigil never recovered with SACK"
[ "${bad:-1}" = 0 ] || fail "vigil called $bad of Linux's SACK blocks bad"

synperm=$(tshark_count "$LAB_WORK/sack.pcap" "tcp.flags.syn == 1 && tcp.options.sack_perm")
from_linux=$(tshark_count "$LAB_WORK/sack.pcap" "ip.src == $KERNEL_ADDR && tcp.options.sack_le")
from_vigil=$(tshark_count "$LAB_WORK/sack.pcap" "ip.src == $VIGIL_ADDR && tcp.options.sack_le")
note "tshark: $synperm SYNs with SACK-permitted; ACKs with SACK blocks: $from_linux from Linux," \
     "$from_vigil from vigil"
[ "$synperm" -ge 2 ] || fail "SACK-permitted is not on both SYNs"
[ "$from_linux" -gt 0 ] || fail "Linux sent no SACK block"
note "ok"
