#!/usr/bin/env bash
# vigil serve and vigil connect over a real TUN wire print the same event schema as vigil sim
# (docs/events.md): every line they print with --json (--verbose included) is checked against it,
# and each prints the keep-alive verdict when keep-alive aborts a connection, with the formula.
#  1. vigil serve --echo --verify with keep-alive 300/100/3 (one-octet probes); a Linux client
#     echoes a few KiB (conn_end verified), then a second Linux client holds an idle connection
#     and goes silent (nftables drops what the kernel sends): vigil serve aborts it after
#     300 + 3 x 100 ms and says so as specified; SIGTERM stops the server (stopped, stats).
#  2. vigil connect --send-bytes --verify --verbose to a Linux echo server (summary, the
#     high-volume events).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ "${1:-}" = inside ] || lab_enter "$0" python3
lab_inside

note "run 1: vigil serve, a Linux echo client, then a Linux client that goes silent"
out=$LAB_WORK/serve.out
lab_bg "$out" "$VIGIL" serve --net "$NET" --port 7020 --echo --verify --json --verbose \
  --keepalive-time 300 --keepalive-interval 100 --keepalive-count 3 --garbage-octet
serve=$LAST_PID
wait_for "$out" '"event":"listening"' 20
"$PEER" echo-client "$VIGIL_ADDR" 7020 20000 >"$LAB_WORK/echo.out" 2>&1 ||
  { cat "$LAB_WORK/echo.out" "$out"; fail "the Linux echo client failed"; }
wait_count "$out" conn_end 1 10
lab_bg "$LAB_WORK/hold.out" "$PEER" hold-client "$VIGIL_ADDR" 7020 30
wait_count "$out" probe_acked 2 20
blackhole_kernel_to_vigil
wait_count "$out" keepalive_verdict 1 10
wait_count "$out" conn_end 2 10
nft delete table inet vgtest
kill -TERM "$serve"
rc=0; wait_exit "$serve" 10 || rc=$?
# The silent connection's abort counts as a failed connection: exit 1.
[ "$rc" = 1 ] || { cat "$out"; fail "vigil serve exited $rc, want 1 (one connection aborted)"; }
for ev in interrupted stopped stats; do
  [ "$(count_events "$out" "$ev")" = 1 ] || { cat "$out"; fail "serve printed no $ev line"; }
done
[ "$(event_field "$out" keepalive_verdict as_expected)" = true ] ||
  fail "serve's verdict: $(grep keepalive_verdict "$out")"
grep '"event":"keepalive_verdict"' "$out" |
  grep -qF '(expected 0:00:00.600 = 0:00:00.300 + 3 x 0:00:00.100): as specified' ||
  fail "serve's verdict lacks the formula: $(grep keepalive_verdict "$out")"
[ "$(event_field "$out" aborted error)" = WSAENETRESET ] || fail "serve's abort: $(grep aborted "$out")"
note "serve: $(grep '"event":"keepalive_verdict"' "$out" | sed 's/.*"message":"\([^"]*\)".*/\1/')"
events_valid --expect listening --expect connected --expect readable --expect writable \
  --expect probe_sent --expect probe_acked --expect aborted --expect keepalive_verdict \
  --expect conn_end --expect interrupted --expect stopped --expect stats "$out"

note "run 2: vigil connect --send-bytes --verify to a Linux echo server"
lab_bg "$LAB_WORK/server.out" "$PEER" echo-server 7021
wait_for "$LAB_WORK/server.out" '^ready$' 10
"$VIGIL" connect --net "$NET" "$KERNEL_ADDR:7021" --send-bytes 50000 --verify --json --verbose \
  >"$LAB_WORK/connect.out" 2>"$LAB_WORK/connect.err" ||
  { cat "$LAB_WORK/connect.out" "$LAB_WORK/connect.err"; fail "vigil connect failed"; }
[ "$(event_field "$LAB_WORK/connect.out" summary verified)" = true ] || fail "connect: not verified"
[ -z "$(event_field "$LAB_WORK/connect.out" summary error)" ] || fail "connect: an error"
events_valid --expect connected --expect readable --expect peer_fin --expect summary \
  "$LAB_WORK/connect.out"
note "ok"
