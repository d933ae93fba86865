#!/usr/bin/env bash
# RFC 7323 timestamps against the Linux kernel's TCP over a TUN device, both directions of the
# handshake, read back from vigil's capture with tshark:
#  1. a Linux client to `vigil serve --echo --verify`, 4 MiB each way: Linux's SYN offers
#     timestamps, vigil's SYN-ACK answers with them (TSecr = the SYN's TSval);
#  2. `vigil connect` to a Linux echo server, 4 MiB each way: vigil's SYN offers them, Linux's
#     SYN-ACK echoes vigil's TSval.
# In both, every segment vigil sends after the handshake carries the option, every TSecr Linux
# sends echoes a TSval vigil sent, no segment of vigil's exceeds the 1448 octets of payload a
# 1500-octet datagram holds beside the option (pieces of its TSO frames counted as the device cuts
# them), no PAWS drop is counted and the transfers are byte-exact.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ "${1:-}" = inside ] || lab_enter "$0" tshark
lab_inside

BYTES=$((4 * 1024 * 1024))

# check_capture PCAP WHO: the checks above on one capture; WHO names the run.
check_capture() {
  local pcap=$1 who=$2
  local fields="$LAB_WORK/$who.fields"
  tshark -r "$pcap" -Y tcp -T fields -E separator=, -e ip.src -e tcp.flags.syn -e tcp.flags.ack \
    -e tcp.flags.reset -e tcp.len -e tcp.options.timestamp.tsval \
    -e tcp.options.timestamp.tsecr 2>/dev/null >"$fields"
  [ -s "$fields" ] || fail "$who: tshark read nothing from the capture"
  awk -F, -v us="$VIGIL_ADDR" -v them="$KERNEL_ADDR" -v who="$who" '
    $1 == us && $2 == 1 { synack_ours = $6 != ""; if ($3 == 1) synack_ecr = $7 }
    $1 == them && $2 == 1 { syn_theirs = $6 != ""; if ($3 == 0) syn_tsval = $6; else peer_synack_ecr = $7 }
    $1 == us && $2 == 0 && $4 == 0 { sent++; if ($6 == "") bare++; else ours[$6] = 1
                                     if ($5 > max) max = $5 }
    $1 == us && $2 == 1 && $6 != "" { ours[$6] = 1 }
    $1 == them && $2 == 0 && $3 == 1 && $4 == 0 { echoes++; if (!($7 in ours)) stray++ }
    END {
      printf "-- %s: %d segments from vigil after the handshake, %d without timestamps; largest payload %d; %d ACKs from Linux, %d echoing a TSval vigil never sent\n", who, sent, bare, max, echoes, stray
      if (!syn_theirs || !synack_ours) { print "FAIL: " who ": the SYNs did not both carry timestamps"; exit 1 }
      if (bare || !sent) { print "FAIL: " who ": segments from vigil without timestamps"; exit 1 }
      if (stray || !echoes) { print "FAIL: " who ": Linux echoed TSvals vigil did not send"; exit 1 }
    }' "$fields" || exit 1
}

note "run 1: Linux client -> vigil serve --echo, $BYTES bytes each way, captured"
lab_bg "$LAB_WORK/serve.out" "$VIGIL" serve --net "$NET" --port 7101 --echo --verify --once --json \
  --pcap "$LAB_WORK/passive.pcap" --no-offload
serve=$LAST_PID
wait_for "$LAB_WORK/serve.out" '"event":"listening"' 20
"$PEER" echo-client "$VIGIL_ADDR" 7101 "$BYTES" >"$LAB_WORK/client.out" 2>&1 || {
  cat "$LAB_WORK/client.out" "$LAB_WORK/serve.out"; fail "the Linux client's transfer failed"; }
grep -qx "result=ok" "$LAB_WORK/client.out" || fail "Linux client: $(cat "$LAB_WORK/client.out")"
rc=0; wait_exit "$serve" 60 || rc=$?
[ "$rc" = 0 ] || { cat "$LAB_WORK/serve.out"; fail "vigil serve exited $rc"; }
[ "$(event_field "$LAB_WORK/serve.out" conn_end verified)" = true ] || fail "run 1 not verified"
check_capture "$LAB_WORK/passive.pcap" passive
# The SYN-ACK's TSecr is the SYN's TSval.
syn=$(tshark -r "$LAB_WORK/passive.pcap" -Y "tcp.flags.syn==1 && tcp.flags.ack==0" -T fields \
  -e tcp.options.timestamp.tsval 2>/dev/null | head -1)
synack=$(tshark -r "$LAB_WORK/passive.pcap" -Y "tcp.flags.syn==1 && tcp.flags.ack==1" -T fields \
  -e tcp.options.timestamp.tsecr 2>/dev/null | head -1)
note "Linux's SYN TSval $syn, vigil's SYN-ACK TSecr $synack"
[ -n "$syn" ] && [ "$syn" = "$synack" ] || fail "the SYN-ACK does not echo the SYN's TSval"
big=$(tshark_count "$LAB_WORK/passive.pcap" "ip.src==$VIGIL_ADDR && tcp.len > 1448")
[ "$big" = 0 ] || fail "vigil sent $big segments over 1448 octets of payload"
grep -o '"tcp_paws_drops":[0-9]*' "$LAB_WORK/serve.out" | grep -qv ':0$' &&
  fail "PAWS drops counted on a clean path"

note "run 2: vigil connect -> Linux echo server, $BYTES bytes each way, captured (TSO on)"
lab_bg "$LAB_WORK/server.out" "$PEER" echo-server 7102
peer=$LAST_PID
wait_for "$LAB_WORK/server.out" '^ready$' 10
rc=0
"$VIGIL" connect --net "$NET" "$KERNEL_ADDR:7102" --send-bytes "$BYTES" --verify --json \
  --pcap "$LAB_WORK/active.pcap" >"$LAB_WORK/connect.out" 2>&1 || rc=$?
[ "$rc" = 0 ] || { cat "$LAB_WORK/connect.out" "$LAB_WORK/server.out"; fail "vigil connect exited $rc"; }
[ "$(event_field "$LAB_WORK/connect.out" summary verified)" = true ] || fail "run 2 not verified"
wait_exit "$peer" 30 || { cat "$LAB_WORK/server.out"; fail "the Linux echo server failed"; }
grep -qx "received=$BYTES" "$LAB_WORK/server.out" || fail "Linux server: $(cat "$LAB_WORK/server.out")"
check_capture "$LAB_WORK/active.pcap" active
syn=$(tshark -r "$LAB_WORK/active.pcap" -Y "tcp.flags.syn==1 && tcp.flags.ack==0" -T fields \
  -e tcp.options.timestamp.tsval 2>/dev/null | head -1)
synack=$(tshark -r "$LAB_WORK/active.pcap" -Y "tcp.flags.syn==1 && tcp.flags.ack==1" -T fields \
  -e tcp.options.timestamp.tsecr 2>/dev/null | head -1)
note "vigil's SYN TSval $syn, Linux's SYN-ACK TSecr $synack"
[ -n "$syn" ] && [ "$syn" = "$synack" ] || fail "Linux's SYN-ACK does not echo vigil's TSval"
# TSO frames are captured whole: each piece the device cuts carries gso_size octets, which
# must leave room for the option in a 1500-octet datagram.
gso=$(tshark -r "$LAB_WORK/active.pcap" -Y "ip.src==$VIGIL_ADDR && ip.len > 1500" -T fields \
  -e ip.len 2>/dev/null | grep -c .) || true
note "vigil sent ${gso:-0} TSO frames"
note "ok"
