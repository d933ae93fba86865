#!/usr/bin/env bash
# Keep-alive against the Linux kernel's TCP on a real wire, checked three ways: vigil's JSON events,
# the Linux program's view of its socket, and tshark's reading of vigil's capture.
#  1. vigil probes an idle Linux peer (time 200 ms, interval 100 ms, count 3): every probe is
#     answered and the connection lives through at least 20 probe cycles (A8, B1, B2, B4).
#     Linux answers an out-of-window segment without data at most once per
#     net.ipv4.tcp_invalid_ratelimit (500 ms by default), so zero-length probes 100 ms apart would
#     go unanswered by a stock kernel; run 1a (--no-garbage-octet) therefore lifts that limit in
#     the test's namespace, and run 1b keeps the stock limit and the default windows-vista
#     profile, whose probes carry one garbage octet (B2 as revised, what Windows sends), which
#     Linux answers every time because it carries data; run 1c shows that the zero-length form
#     under the stock limit goes partly unanswered.
#  2. Linux probes an idle vigil (SO_KEEPALIVE, TCP_KEEPIDLE=1, TCP_KEEPINTVL=1, TCP_KEEPCNT=3):
#     vigil answers every probe and the Linux connection stays up (B5).
# tshark counts: Wireshark marks the probes tcp.analysis.keep_alive and the answers
# tcp.analysis.keep_alive_ack, except an answer whose raw 16-bit window field differs from the
# sender's previous segment, which it calls tcp.analysis.window_update instead. Linux's SYN-ACK
# field differs from its later scaled ones, so its first answer (run 1) is such a window update:
# there, answers = keep_alive_ack + window_update. vigil's SYN-ACK field equals its later ones
# (src/tcp/tcp_window.c), so in run 2 every answer must be a keep_alive_ack.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ "${1:-}" = inside ] || lab_enter "$0" tshark
lab_inside

MIN_CYCLES=20
HOLD_S=5            # 5 s of 200 ms cycles: about 24 probes

# vigil_probes_linux NAME [vigil options]: run 1 with the given probe format.
vigil_probes_linux() {
  local name=$1; shift
  local out=$LAB_WORK/$name.out pcap=$LAB_WORK/$name.pcap
  lab_bg "$LAB_WORK/$name.peer" "$PEER" hold-server 7003 "$HOLD_S"
  local peer=$LAST_PID
  wait_for "$LAB_WORK/$name.peer" '^ready$' 10
  local rc=0
  "$VIGIL" connect --net "$NET" "$KERNEL_ADDR:7003" --keepalive-time 200 \
    --keepalive-interval 100 --keepalive-count 3 --json --pcap "$pcap" "$@" >"$out" 2>&1 || rc=$?
  wait_exit "$peer" 10 || true
  local sent acked aborted
  sent=$(count_events "$out" probe_sent)
  acked=$(count_events "$out" probe_acked)
  aborted=$(count_events "$out" aborted)
  note "$name: vigil sent $sent probes, $acked answered; exit $rc"
  # The Linux program closed after holding the idle connection: vigil saw an orderly end.
  [ "$rc" = 0 ] && [ "$aborted" = 0 ] || { cat "$out"; fail "$name: the connection did not survive"; }
  grep -qx "result=alive" "$LAB_WORK/$name.peer" || fail "$name: Linux: $(cat "$LAB_WORK/$name.peer")"
  [ "$acked" -ge "$MIN_CYCLES" ] || fail "$name: only $acked probe cycles (want >= $MIN_CYCLES)"
  [ "$acked" = "$sent" ] || fail "$name: $sent probes sent but $acked answered"
  [ -z "$(event_field "$out" summary error)" ] || fail "$name: error $(event_field "$out" summary error)"

  local ts_probes ts_answers
  ts_probes=$(tshark_count "$pcap" "ip.src==$VIGIL_ADDR && tcp.analysis.keep_alive")
  ts_answers=$(tshark_count "$pcap" \
    "ip.src==$KERNEL_ADDR && (tcp.analysis.keep_alive_ack || tcp.analysis.window_update)")
  note "$name: tshark sees $ts_probes keep-alives from vigil, $ts_answers answers from Linux"
  [ "$ts_probes" = "$sent" ] || fail "$name: tshark counts $ts_probes probes, vigil reported $sent"
  [ "$ts_answers" = "$acked" ] || fail "$name: tshark counts $ts_answers answers, vigil $acked"
  # RFC 7323 §3.2: the probes carry timestamps like every segment (as Linux's own do).
  [ "$(tshark_count "$pcap" "ip.src==$VIGIL_ADDR && tcp.analysis.keep_alive && tcp.options.timestamp.tsval")" \
    = "$sent" ] || fail "$name: vigil's probes do not all carry timestamps"
  [ "$(tshark_count "$pcap" "ip.src==$KERNEL_ADDR && tcp.analysis.keep_alive_ack")" -ge \
    $((acked - 1)) ] || fail "$name: Wireshark does not recognise the answers as keep-alive ACKs"
}

note "run 1a: zero-length probes 200/100/3 against idle Linux (tcp_invalid_ratelimit=0)"
default_ratelimit=$(sysctl -n net.ipv4.tcp_invalid_ratelimit)
sysctl -qw net.ipv4.tcp_invalid_ratelimit=0
vigil_probes_linux zero --no-garbage-octet
sysctl -qw net.ipv4.tcp_invalid_ratelimit="$default_ratelimit"
[ "$(tshark_count "$LAB_WORK/zero.pcap" "ip.src==$VIGIL_ADDR && tcp.analysis.keep_alive && tcp.len==0")" \
  = "$(count_events "$LAB_WORK/zero.out" probe_sent)" ] || fail "the probes were not zero-length"

note "run 1b: the default windows-vista probes 200/100/3 against idle stock Linux (ratelimit $default_ratelimit ms)"
[ "$default_ratelimit" -ge 500 ] || note "the kernel's tcp_invalid_ratelimit is only $default_ratelimit ms"
vigil_probes_linux octet
[ "$(tshark_count "$LAB_WORK/octet.pcap" "ip.src==$VIGIL_ADDR && tcp.analysis.keep_alive && tcp.len==1")" \
  = "$(count_events "$LAB_WORK/octet.out" probe_sent)" ] || fail "the probes did not carry one octet"

# The contrast that makes run 1b mean something: the same probes without the octet, under the
# same stock limit, go partly unanswered (and vigil rightly declares the peer dead).
if [ "$default_ratelimit" -ge 200 ]; then
  note "run 1c: zero-length probes 200/100/3 against idle stock Linux"
  lab_bg "$LAB_WORK/stock.peer" "$PEER" hold-server 7005 "$HOLD_S"
  peer=$LAST_PID
  wait_for "$LAB_WORK/stock.peer" '^ready$' 10
  "$VIGIL" connect --net "$NET" "$KERNEL_ADDR:7005" --keepalive-time 200 --keepalive-interval 100 \
    --keepalive-count 3 --no-garbage-octet --json >"$LAB_WORK/stock.out" 2>&1 || true
  wait_exit "$peer" 10 || true
  sent=$(count_events "$LAB_WORK/stock.out" probe_sent)
  acked=$(count_events "$LAB_WORK/stock.out" probe_acked)
  note "stock: vigil sent $sent zero-length probes, $acked answered"
  [ "$sent" -gt "$acked" ] || fail "stock Linux answered all $sent zero-length probes 100 ms apart"
fi

note "run 2: Linux keep-alive 1 s / 1 s / 3 against idle vigil"
lab_bg "$LAB_WORK/serve.out" "$VIGIL" serve --net "$NET" --port 7004 --json --pcap "$LAB_WORK/serve.pcap"
serve=$LAST_PID
wait_for "$LAB_WORK/serve.out" '"event":"listening"' 20
"$PEER" hold-client "$VIGIL_ADDR" 7004 5 --keepalive 1 1 3 >"$LAB_WORK/client.out" 2>&1 || true
grep -qx "result=alive" "$LAB_WORK/client.out" || fail "Linux connection died: $(cat "$LAB_WORK/client.out")"
wait_count "$LAB_WORK/serve.out" conn_end 1 10
kill -TERM "$serve"
rc=0; wait_exit "$serve" 10 || rc=$?
[ "$rc" = 0 ] || { cat "$LAB_WORK/serve.out"; fail "vigil serve exited $rc"; }
answered=$(count_events "$LAB_WORK/serve.out" peer_probe_answered)
ts_probes=$(tshark_count "$LAB_WORK/serve.pcap" "ip.src==$KERNEL_ADDR && tcp.analysis.keep_alive")
ts_answers=$(tshark_count "$LAB_WORK/serve.pcap" "ip.src==$VIGIL_ADDR && tcp.analysis.keep_alive_ack")
note "Linux sent $ts_probes probes; vigil answered $answered, tshark sees $ts_answers answers"
[ "$answered" -ge 3 ] || fail "vigil answered only $answered Linux probes in 5 s"
[ "$ts_probes" = "$answered" ] || fail "Linux sent $ts_probes probes, vigil answered $answered"
[ "$ts_answers" = "$answered" ] || fail "tshark sees $ts_answers keep-alive ACKs, vigil reported $answered answers"
[ "$(count_events "$LAB_WORK/serve.out" aborted)" = 0 ] || fail "vigil aborted the connection"
# RFC 7323 on the probes: Linux's carry a fresh TSval each; they sit at RCV.NXT - 1, out of
# window, so vigil neither drops them as old duplicates (PAWS) nor takes their TSval as TS.Recent:
# every answer carries the option and echoes the same TSecr.
probe_ts=$(tshark_count "$LAB_WORK/serve.pcap" \
  "ip.src==$KERNEL_ADDR && tcp.analysis.keep_alive && tcp.options.timestamp.tsval")
answer_ecrs=$(tshark -r "$LAB_WORK/serve.pcap" -Y "ip.src==$VIGIL_ADDR && tcp.analysis.keep_alive_ack" \
  -T fields -e tcp.options.timestamp.tsecr 2>/dev/null | sort | uniq -c | sed 's/^ *//' | tr '\n' ' ')
note "timestamps: $probe_ts of Linux's probes carry them; the answers' TSecr (count value): $answer_ecrs"
[ "$probe_ts" = "$ts_probes" ] || fail "Linux's probes do not all carry timestamps"
[ "$(echo "$answer_ecrs" | wc -w)" = 2 ] && [ "${answer_ecrs%% *}" = "$ts_answers" ] ||
  fail "vigil's probe answers do not all echo one TS.Recent: $answer_ecrs"
note "ok"
