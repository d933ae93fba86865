#!/usr/bin/env bash
# Each side finds out when the other dies, on a real wire.
#  1. vigil's peer vanishes: once keep-alive has been running, nftables drops every packet the
#     Linux kernel sends to vigil. vigil aborts the connection at last_rx + time + count x interval
#     (B3) -- within one interval after that instant on vigil's own clock -- with the profile's
#     error: WSAENETRESET for windows-vista (A13), WSAETIMEDOUT for linux (C2); its RST (B7)
#     reaches the still-running Linux socket, which reports ECONNRESET.
#     The instant is checked twice: in the JSON events (the last probe_acked is the last receipt)
#     and in vigil's capture (the last frame from Linux, the RST from vigil).
#  2. vigil stops answering (the process is frozen with SIGSTOP): Linux with SO_KEEPALIVE 1/1/3
#     reports ETIMEDOUT.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ "${1:-}" = inside ] || lab_enter "$0" tshark
lab_inside

# within_one_interval NAME LAST_RX_MS ABORT_MS TIME INTERVAL COUNT: B3's instant, to one interval.
within_one_interval() {
  local name=$1 rx=$2 ab=$3 time=$4 intvl=$5 count=$6
  awk -v rx="$rx" -v ab="$ab" -v t="$time" -v i="$intvl" -v c="$count" -v n="$name" 'BEGIN {
    due = rx + t + c * i; late = ab - due
    printf "-- %s: last receipt %.3f ms, abort due %.3f ms, came %.3f ms after\n", n, rx, due, late
    exit !(late >= -0.001 && late < i) }' || fail "$name: abort not within one interval of its instant"
}

# vigil_detects NAME ERROR TIME INTERVAL COUNT [vigil options]
vigil_detects() {
  local name=$1 want=$2 time=$3 intvl=$4 count=$5; shift 5
  local out=$LAB_WORK/$name.out pcap=$LAB_WORK/$name.pcap
  lab_bg "$LAB_WORK/$name.peer" "$PEER" hold-server 7005 30
  local peer=$LAST_PID
  wait_for "$LAB_WORK/$name.peer" '^ready$' 10
  lab_bg "$out" "$VIGIL" connect --net "$NET" "$KERNEL_ADDR:7005" --keepalive-time "$time" \
    --keepalive-interval "$intvl" --keepalive-count "$count" --json --pcap "$pcap" "$@"
  local vigil=$LAST_PID
  wait_count "$out" probe_acked 3 20
  blackhole_kernel_to_vigil
  local rc=0
  wait_exit "$vigil" 20 || rc=$?
  nft delete table inet vgtest
  [ "$rc" = 1 ] || { cat "$out"; fail "$name: vigil connect exited $rc, not 1"; }
  [ "$(count_events "$out" aborted)" = 1 ] || { cat "$out"; fail "$name: no abort"; }
  local err
  err=$(event_field "$out" aborted error)
  [ "$err" = "$want" ] || fail "$name: aborted with $err, want $want"
  [ "$(event_field "$out" summary error)" = "$want" ] || fail "$name: summary error differs"
  # Exactly count probes went unanswered before the abort.
  local unanswered
  unanswered=$(grep '"event":"probe_sent"' "$out" | tail -1 | grep -o '"probe":[0-9]*' | cut -d: -f2)
  [ "$unanswered" = "$count" ] || fail "$name: $unanswered probes unanswered at the abort, want $count"
  # The verdict (as vigil sim's): idle time against time + count x interval, as specified.
  [ "$(count_events "$out" keepalive_verdict)" = 1 ] || { cat "$out"; fail "$name: no keepalive_verdict"; }
  [ "$(event_field "$out" keepalive_verdict as_expected)" = true ] ||
    fail "$name: verdict not as expected: $(grep keepalive_verdict "$out")"
  local formula
  formula=$(awk -v t="$time" -v i="$intvl" -v c="$count" 'BEGIN {
    e = t + c * i; printf "(expected 0:00:%06.3f = 0:00:%06.3f + %d x 0:00:%06.3f): as specified", e / 1000, t / 1000, c, i / 1000 }')
  grep '"event":"keepalive_verdict"' "$out" | grep -cF "$formula" >/dev/null ||
    fail "$name: verdict lacks '$formula': $(grep keepalive_verdict "$out")"
  note "$name: $(grep '"event":"keepalive_verdict"' "$out" | sed 's/.*"message":"\([^"]*\)".*/\1/')"
  events_valid "$out"

  within_one_interval "$name (events)" "$(event_times "$out" probe_acked | tail -1)" \
    "$(event_times "$out" aborted)" "$time" "$intvl" "$count"
  local last_rx rst
  last_rx=$(tshark -r "$pcap" -Y "ip.src==$KERNEL_ADDR" -T fields -e frame.time_epoch 2>/dev/null | tail -1)
  rst=$(tshark -r "$pcap" -Y "ip.src==$VIGIL_ADDR && tcp.flags.reset==1" -T fields \
        -e frame.time_epoch 2>/dev/null | head -1)
  [ -n "$rst" ] || fail "$name: vigil sent no RST when it aborted (B7)"
  within_one_interval "$name (capture)" "$(awk -v x="$last_rx" 'BEGIN{printf "%.3f", x*1000}')" \
    "$(awk -v x="$rst" 'BEGIN{printf "%.3f", x*1000}')" "$time" "$intvl" "$count"

  wait_exit "$peer" 10 || true
  grep -qx "error=ECONNRESET" "$LAB_WORK/$name.peer" ||
    fail "$name: the Linux socket did not learn of the abort: $(cat "$LAB_WORK/$name.peer")"
}

note "run 1a: profile windows-vista, keep-alive 300/100/3, one-octet probes"
vigil_detects vista WSAENETRESET 300 100 3 --garbage-octet
note "run 1b: profile linux, keep-alive 600/200/3, zero-length probes"
vigil_detects linux WSAETIMEDOUT 600 200 3 --profile linux

note "run 2: vigil stops answering; Linux keep-alive 1 s / 1 s / 3"
lab_bg "$LAB_WORK/serve.out" "$VIGIL" serve --net "$NET" --port 7006 --json
serve=$LAST_PID
wait_for "$LAB_WORK/serve.out" '"event":"listening"' 20
lab_bg "$LAB_WORK/client.out" "$PEER" hold-client "$VIGIL_ADDR" 7006 30 --keepalive 1 1 3
client=$LAST_PID
wait_count "$LAB_WORK/serve.out" peer_probe_answered 1 10
kill -STOP "$serve"
rc=0
wait_exit "$client" 15 || rc=$?
kill -CONT "$serve"
[ "$rc" = 3 ] || fail "the Linux program exited $rc: $(cat "$LAB_WORK/client.out")"
grep -qx "error=ETIMEDOUT" "$LAB_WORK/client.out" ||
  fail "Linux did not report ETIMEDOUT: $(cat "$LAB_WORK/client.out")"
note "Linux: $(tr '\n' ' ' <"$LAB_WORK/client.out")"
note "ok"
