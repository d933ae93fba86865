#!/usr/bin/env bash
# vigil and the Linux kernel's TCP over IPv6 on a real TUN wire (2001:db8::/64 inside the
# test's namespace only): the kernel's side of vg0 is 2001:db8::1, vigil is 2001:db8::2 (and
# 192.0.2.2, one dual-stack listener taking both).
#  1. 64 MiB each way, byte-exact: Linux sends a pattern over IPv6, vigil serve --echo sends it
#     back (its frames cut by the kernel's TCPv6 segmentation offload); an IPv4 client of the
#     same listener is echoed too.
#  2. vigil probes an idle Linux peer over IPv6: every probe answered; tshark counts as many
#     IPv6 keep-alives from vigil as vigil says it sent.
#  3. Linux probes an idle vigil over IPv6 (SO_KEEPALIVE 1/1/3): every probe answered.
#  4. Linux stops answering (its output to vg0 dropped): vigil aborts at last receipt + time +
#     count x interval with WSAENETRESET, as specified, and resets the connection.
#  5. vigil stops answering (SIGSTOP): Linux's keep-alive gives up with ETIMEDOUT.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ "${1:-}" = inside ] || lab_enter "$0" tshark
lab_inside

KERNEL6=2001:db8::1
VIGIL6=2001:db8::2
NET6=tun:vg0:$VIGIL_ADDR/24,$VIGIL6/64
# A namespace's devices start with IPv6 as the host's default has it (off on some hosts): on,
# for vg0 only.
sysctl -qw net.ipv6.conf.vg0.disable_ipv6=0 || skip "IPv6 cannot be enabled in the namespace"
ip -6 addr add "$KERNEL6/64" dev vg0 nodad
BYTES=$((64 << 20))

note "run 1: 64 MiB each way over IPv6, and IPv4 on the same dual-stack listener"
lab_bg "$LAB_WORK/echo.out" "$VIGIL" serve --net "$NET6" --port 7100 --echo --json
serve=$LAST_PID
wait_for "$LAB_WORK/echo.out" '"event":"listening"' 20
"$PEER" echo-client "$VIGIL6" 7100 "$BYTES" >"$LAB_WORK/echo6.client" 2>&1 ||
  fail "IPv6 echo client: $(cat "$LAB_WORK/echo6.client")"
grep -qx "result=ok" "$LAB_WORK/echo6.client" || fail "IPv6 echo: $(cat "$LAB_WORK/echo6.client")"
grep -qx "received=$BYTES" "$LAB_WORK/echo6.client" || fail "IPv6 echo: $(cat "$LAB_WORK/echo6.client")"
"$PEER" echo-client "$VIGIL_ADDR" 7100 1000000 >"$LAB_WORK/echo4.client" 2>&1 ||
  fail "IPv4 echo client: $(cat "$LAB_WORK/echo4.client")"
grep -qx "result=ok" "$LAB_WORK/echo4.client" || fail "IPv4 echo: $(cat "$LAB_WORK/echo4.client")"
grep -q "\"peer\":\"\[$KERNEL6\]:" "$LAB_WORK/echo.out" || fail "vigil did not name its IPv6 peer"
kill -TERM "$serve"
wait_exit "$serve" 10 || true
# The kernel cut vigil's 64 KiB IPv6 frames (TCPv6 segmentation offload) and handed it
# coalesced ones: a frame marked TCPv4 would not have been cut as IPv6.
tso=$(event_field "$LAB_WORK/echo.out" stats tcp_tso_frames_out)
ip6=$(event_field "$LAB_WORK/echo.out" stats ip6_in)
note "vigil sent $tso TSO frames; $ip6 IPv6 packets came in for 2 x 64 MiB"
[ "${tso:-0}" -gt 0 ] || fail "no TSO frame over IPv6"
note "IPv6: $(tr '\n' ' ' <"$LAB_WORK/echo6.client")"

note "run 2: vigil probes idle Linux over IPv6 (200/100/3)"
PEER_FAMILY=6 lab_bg "$LAB_WORK/hold.peer" "$PEER" hold-server 7101 5
peer=$LAST_PID
wait_for "$LAB_WORK/hold.peer" '^ready$' 10
rc=0
"$VIGIL" connect --net "$NET6" "[$KERNEL6]:7101" --keepalive-time 200 --keepalive-interval 100 \
  --keepalive-count 3 --json --pcap "$LAB_WORK/probe.pcap" >"$LAB_WORK/probe.out" 2>&1 || rc=$?
wait_exit "$peer" 10 || true
sent=$(count_events "$LAB_WORK/probe.out" probe_sent)
acked=$(count_events "$LAB_WORK/probe.out" probe_acked)
ts_probes=$(tshark_count "$LAB_WORK/probe.pcap" "ipv6.src==$VIGIL6 && tcp.analysis.keep_alive")
note "vigil sent $sent probes, $acked answered; tshark sees $ts_probes IPv6 keep-alives; exit $rc"
[ "$rc" = 0 ] || { cat "$LAB_WORK/probe.out"; fail "vigil connect exited $rc"; }
grep -qx "result=alive" "$LAB_WORK/hold.peer" || fail "Linux: $(cat "$LAB_WORK/hold.peer")"
[ "$acked" -ge 20 ] || fail "only $acked probe cycles"
[ "$acked" = "$sent" ] || fail "$sent probes sent, $acked answered"
[ "$ts_probes" = "$sent" ] || fail "tshark counts $ts_probes probes, vigil reported $sent"

note "run 3: Linux probes idle vigil over IPv6 (1 s / 1 s / 3)"
lab_bg "$LAB_WORK/serve.out" "$VIGIL" serve --net "$NET6" --port 7102 --json --buffer 64K \
  --pcap "$LAB_WORK/serve.pcap"
serve=$LAST_PID
wait_for "$LAB_WORK/serve.out" '"event":"listening"' 20
"$PEER" hold-client "$VIGIL6" 7102 5 --keepalive 1 1 3 >"$LAB_WORK/client.out" 2>&1 || true
grep -qx "result=alive" "$LAB_WORK/client.out" || fail "Linux connection died: $(cat "$LAB_WORK/client.out")"
wait_count "$LAB_WORK/serve.out" conn_end 1 10
kill -TERM "$serve"
wait_exit "$serve" 10 || true
answered=$(count_events "$LAB_WORK/serve.out" peer_probe_answered)
ts_probes=$(tshark_count "$LAB_WORK/serve.pcap" "ipv6.src==$KERNEL6 && tcp.analysis.keep_alive")
ts_answers=$(tshark_count "$LAB_WORK/serve.pcap" "ipv6.src==$VIGIL6 && tcp.analysis.keep_alive_ack")
note "Linux sent $ts_probes probes; vigil answered $answered, tshark sees $ts_answers answers"
[ "$answered" -ge 3 ] || fail "vigil answered only $answered Linux probes"
[ "$ts_probes" = "$answered" ] || fail "Linux sent $ts_probes probes, vigil answered $answered"
[ "$ts_answers" = "$answered" ] || fail "tshark sees $ts_answers answers, vigil reported $answered"

note "run 4: Linux goes silent; vigil detects it over IPv6 (300/100/3)"
PEER_FAMILY=6 lab_bg "$LAB_WORK/dead.peer" "$PEER" hold-server 7103 30
peer=$LAST_PID
wait_for "$LAB_WORK/dead.peer" '^ready$' 10
lab_bg "$LAB_WORK/dead.out" "$VIGIL" connect --net "$NET6" "[$KERNEL6]:7103" --keepalive-time 300 \
  --keepalive-interval 100 --keepalive-count 3 --json
vigil=$LAST_PID
wait_count "$LAB_WORK/dead.out" probe_acked 3 20
blackhole_kernel_to_vigil
rc=0
wait_exit "$vigil" 20 || rc=$?
nft delete table inet vgtest
[ "$rc" = 1 ] || { cat "$LAB_WORK/dead.out"; fail "vigil connect exited $rc, not 1"; }
[ "$(event_field "$LAB_WORK/dead.out" aborted error)" = WSAENETRESET ] ||
  fail "aborted with $(event_field "$LAB_WORK/dead.out" aborted error)"
[ "$(event_field "$LAB_WORK/dead.out" keepalive_verdict as_expected)" = true ] ||
  fail "verdict not as expected: $(grep keepalive_verdict "$LAB_WORK/dead.out")"
note "$(grep '"event":"keepalive_verdict"' "$LAB_WORK/dead.out" | sed 's/.*"message":"\([^"]*\)".*/\1/')"
wait_exit "$peer" 10 || true
grep -qx "error=ECONNRESET" "$LAB_WORK/dead.peer" ||
  fail "the Linux socket did not learn of the abort: $(cat "$LAB_WORK/dead.peer")"

note "run 5: vigil goes silent; Linux detects it over IPv6 (1 s / 1 s / 3)"
lab_bg "$LAB_WORK/stop.out" "$VIGIL" serve --net "$NET6" --port 7104 --json
serve=$LAST_PID
wait_for "$LAB_WORK/stop.out" '"event":"listening"' 20
lab_bg "$LAB_WORK/stop.client" "$PEER" hold-client "$VIGIL6" 7104 30 --keepalive 1 1 3
client=$LAST_PID
wait_count "$LAB_WORK/stop.out" peer_probe_answered 1 10
kill -STOP "$serve"
rc=0
wait_exit "$client" 15 || rc=$?
kill -CONT "$serve"
[ "$rc" = 3 ] || fail "the Linux program exited $rc: $(cat "$LAB_WORK/stop.client")"
grep -qx "error=ETIMEDOUT" "$LAB_WORK/stop.client" ||
  fail "Linux did not report ETIMEDOUT: $(cat "$LAB_WORK/stop.client")"
note "ok"
