#!/usr/bin/env bash
# The live view against the Linux kernel's TCP on a real wire:
#  1. vigil serve (no --status) with an idle Linux client: SIGUSR1 makes it print one "status"
#     event for that connection, with the client's address and port as the peer, ESTABLISHED,
#     and keep-alive countdowns within the configured settings; and nothing more without it.
#  2. vigil connect --status --json to an idle Linux server: "status" events for it arrive
#     unasked, every one naming the right peer and state.
#  3. vigil connect --status as text: the table on stderr, stdout left to the event timeline.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ "${1:-}" = inside ] || lab_enter "$0"
lab_inside

# status_field LINE KEY: the value of KEY in one JSON line (quotes removed).
status_field() { echo "$1" | grep -o "\"$2\":[^,}]*" | head -1 | cut -d: -f2- | tr -d '"'; }

note "run 1: SIGUSR1 to vigil serve"
out=$LAB_WORK/serve.out
lab_bg "$out" "$VIGIL" serve --net "$NET" --port 7010 --json --keepalive-time 60000 \
  --keepalive-interval 1000 --keepalive-count 5
serve=$LAST_PID
wait_for "$out" '"event":"listening"' 20
lab_bg "$LAB_WORK/client.out" "$PEER" hold-client "$VIGIL_ADDR" 7010 6
client=$LAST_PID
wait_for "$out" '"event":"connected"' 10
peer=$(event_field "$out" connected peer)
case $peer in 192.0.2.1:[0-9]*) ;; *) fail "connected event names peer '$peer'" ;; esac
sleep 1.2   # longer than a periodic table's second: none must come without --status
[ "$(count_events "$out" status)" = 0 ] || fail "status events without --status or SIGUSR1"
kill -USR1 "$serve"
wait_count "$out" status 1 10
line=$(grep '"event":"status"' "$out" | head -1)
note "serve: $line"
[ "$(status_field "$line" peer)" = "$peer" ] || fail "status peer $(status_field "$line" peer), want $peer"
[ "$(status_field "$line" state)" = ESTABLISHED ] || fail "status state: $line"
[ "$(status_field "$line" host)" = "$VIGIL_ADDR" ] || fail "status host: $line"
[ "$(status_field "$line" send_queue)" = 0 ] && [ "$(status_field "$line" recv_queue)" = 0 ] ||
  fail "idle connection with queued bytes: $line"
[ "$(status_field "$line" ka_unanswered)" = 0 ] || fail "ka_unanswered: $line"
next=$(status_field "$line" ka_next_probe_ms)
abort=$(status_field "$line" ka_abort_in_ms)
awk -v n="$next" -v a="$abort" 'BEGIN { exit !(n > 0 && n <= 60000 && a - n == 5000) }' ||
  fail "keep-alive countdowns next=$next abort=$abort (want 0 < next <= 60000, abort = next + 5 x 1000)"
rtt=$(status_field "$line" rtt_ms)
[ "$rtt" != null ] || fail "no RTT after the handshake: $line"
kill -USR1 "$serve"
wait_count "$out" status 2 10
rc=0; wait_exit "$client" 15 || rc=$?
[ "$rc" = 0 ] || fail "the Linux client's connection died: $(cat "$LAB_WORK/client.out")"
kill -TERM "$serve"
rc=0; wait_exit "$serve" 10 || rc=$?
[ "$rc" = 0 ] || { cat "$out"; fail "vigil serve exited $rc"; }
[ "$(count_events "$out" status)" = 2 ] || fail "$(count_events "$out" status) status events for 2 SIGUSR1"

note "run 2: vigil connect --status --json"
lab_bg "$LAB_WORK/server.out" "$PEER" hold-server 7011 4
wait_for "$LAB_WORK/server.out" '^ready$' 10
rc=0
"$VIGIL" connect --net "$NET" "$KERNEL_ADDR:7011" --status --json >"$LAB_WORK/connect.out" 2>&1 || rc=$?
[ "$rc" = 0 ] || { cat "$LAB_WORK/connect.out"; fail "vigil connect exited $rc"; }
n=$(count_events "$LAB_WORK/connect.out" status)
note "connect: $n status events in a 4 s connection"
[ "$n" -ge 2 ] || fail "only $n status events from connect --status"
bad=$(grep '"event":"status"' "$LAB_WORK/connect.out" | grep -v "\"peer\":\"$KERNEL_ADDR:7011\"" || true)
[ -z "$bad" ] || fail "status events for another peer: $bad"
grep '"event":"status"' "$LAB_WORK/connect.out" | grep -c '"state":"ESTABLISHED"' >/dev/null ||
  fail "no ESTABLISHED status row"
# Keep-alive is off by default: its columns are null, not zero.
grep '"event":"status"' "$LAB_WORK/connect.out" | head -1 |
  grep -q '"ka_next_probe_ms":null,"ka_unanswered":null,"ka_abort_in_ms":null' ||
  fail "keep-alive off but its columns are not null: $(grep '"event":"status"' "$LAB_WORK/connect.out" | head -1)"

note "run 3: vigil connect --status as text"
lab_bg "$LAB_WORK/server2.out" "$PEER" hold-server 7012 3
wait_for "$LAB_WORK/server2.out" '^ready$' 10
rc=0
"$VIGIL" connect --net "$NET" "$KERNEL_ADDR:7012" --status --keepalive-time 1000 \
  --keepalive-interval 1000 >"$LAB_WORK/text.out" 2>"$LAB_WORK/text.err" || rc=$?
[ "$rc" = 0 ] || { cat "$LAB_WORK/text.err"; fail "vigil connect exited $rc"; }
grep -q '^State .*Recv-Q .*Send-Q .*KA next .*unanswered .*abort in' "$LAB_WORK/text.err" ||
  fail "no table header on stderr: $(head -3 "$LAB_WORK/text.err")"
grep -Eq "^ESTABLISHED .* $VIGIL_ADDR:[0-9]+ +$KERNEL_ADDR:7012 " "$LAB_WORK/text.err" ||
  fail "no ESTABLISHED row for $KERNEL_ADDR:7012: $(cat "$LAB_WORK/text.err")"
! grep -q '^State ' "$LAB_WORK/text.out" || fail "the table went to stdout"
note "ok"
