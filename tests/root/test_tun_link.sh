#!/usr/bin/env bash
# The TUN device itself: opening it fails with a sentence that says why and what to do, and the
# link's state reaches the stack (A6.3): an interface brought down and up again is reported both
# ways and the connection survives; a deleted interface ends vigil with WSAENETDOWN.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ "${1:-}" = inside ] || lab_enter "$0"
lab_inside

# open_fails NAME EXPECTED_TEXT CMD...: CMD must fail and say EXPECTED_TEXT on stderr.
open_fails() {
  local name=$1 text=$2; shift 2
  local rc=0
  "$@" >"$LAB_WORK/$name.err" 2>&1 || rc=$?
  [ "$rc" != 0 ] || fail "$name: vigil started anyway"
  grep -qF -- "$text" "$LAB_WORK/$name.err" ||
    fail "$name: the error does not say '$text': $(cat "$LAB_WORK/$name.err")"
  note "$name: $(head -1 "$LAB_WORK/$name.err")"
}

note "errors when the device cannot be used"
open_fails bad-spec "--net must be tun:IFNAME:ADDR/PREFIX" "$VIGIL" serve --net tun:vg0 --port 7007
lab_bg "$LAB_WORK/first.out" "$VIGIL" serve --net "$NET" --port 7007 --json
first=$LAST_PID
wait_for "$LAB_WORK/first.out" '"event":"listening"' 20
open_fails busy "another process is attached" "$VIGIL" serve --net "$NET" --port 7008
kill -TERM "$first"
wait_exit "$first" 10 || fail "vigil serve did not stop cleanly on SIGTERM"
ip tuntap add dev vgtap0 mode tap
open_fails taken "not a single-queue TUN device" "$VIGIL" serve --net tun:vgtap0:198.51.100.2/24 --port 7007
ip link del vgtap0
if command -v setpriv >/dev/null; then
  open_fails no-permission "no permission" \
    setpriv --reuid 65534 --regid 65534 --clear-groups "$VIGIL" serve --net "$NET" --port 7007
fi

note "SIGINT ends vigil connect, SIGTERM ends vigil serve: both close their connections first"
lab_bg "$LAB_WORK/eof1.out" "$PEER" hold-server 7010 30
linux1=$LAST_PID
wait_for "$LAB_WORK/eof1.out" '^ready$' 10
lab_bg "$LAB_WORK/int.out" "$VIGIL" connect --net "$NET" "$KERNEL_ADDR:7010" --json
vigil=$LAST_PID
wait_for "$LAB_WORK/int.out" '"event":"connected"' 10
kill -INT "$vigil"
rc=0; wait_exit "$vigil" 10 || rc=$?
[ "$rc" = 0 ] || { cat "$LAB_WORK/int.out"; fail "vigil connect exited $rc after SIGINT"; }
grep -q '"event":"interrupted"' "$LAB_WORK/int.out" || fail "no interrupted event"
rc=0; wait_exit "$linux1" 10 || rc=$?
grep -qx "result=eof" "$LAB_WORK/eof1.out" || fail "Linux did not see vigil's FIN: $(cat "$LAB_WORK/eof1.out")"

lab_bg "$LAB_WORK/term.out" "$VIGIL" serve --net "$NET" --port 7011 --json
vigil=$LAST_PID
wait_for "$LAB_WORK/term.out" '"event":"listening"' 20
lab_bg "$LAB_WORK/eof2.out" "$PEER" hold-client "$VIGIL_ADDR" 7011 30
linux2=$LAST_PID
wait_for "$LAB_WORK/term.out" '"event":"connected"' 10
kill -TERM "$vigil"
rc=0; wait_exit "$vigil" 10 || rc=$?
[ "$rc" = 0 ] || { cat "$LAB_WORK/term.out"; fail "vigil serve exited $rc after SIGTERM"; }
rc=0; wait_exit "$linux2" 10 || rc=$?
grep -qx "result=eof" "$LAB_WORK/eof2.out" || fail "Linux did not see vigil's FIN: $(cat "$LAB_WORK/eof2.out")"

note "interface down and up again under an open connection"
lab_bg "$LAB_WORK/peer.out" "$PEER" hold-server 7009 30
wait_for "$LAB_WORK/peer.out" '^ready$' 10
lab_bg "$LAB_WORK/conn.out" "$VIGIL" connect --net "$NET" "$KERNEL_ADDR:7009" --keepalive-time 500 \
  --keepalive-interval 200 --keepalive-count 5 --garbage-octet --json
vigil=$LAST_PID
wait_count "$LAB_WORK/conn.out" probe_acked 1 10
ip link set vg0 down
wait_for "$LAB_WORK/conn.out" '"event":"link_down".*"reason":"interface down"' 10
[ "$(event_field "$LAB_WORK/conn.out" link_down error)" = WSAENETDOWN ] || fail "link_down error"
ip link set vg0 up
wait_for "$LAB_WORK/conn.out" '"event":"link_up"' 10
acked=$(count_events "$LAB_WORK/conn.out" probe_acked)
wait_count "$LAB_WORK/conn.out" probe_acked $((acked + 2)) 10
[ "$(count_events "$LAB_WORK/conn.out" aborted)" = 0 ] || fail "the connection did not survive"

note "interface deleted under an open connection"
ip link del vg0
rc=0
wait_exit "$vigil" 10 || rc=$?
[ "$rc" = 1 ] || { cat "$LAB_WORK/conn.out"; fail "vigil connect exited $rc, not 1"; }
grep -q '"event":"link_down".*"reason":"interface deleted"' "$LAB_WORK/conn.out" ||
  fail "no link_down event for the deleted interface"
[ "$(event_field "$LAB_WORK/conn.out" summary error)" = WSAENETDOWN ] ||
  fail "summary error is $(event_field "$LAB_WORK/conn.out" summary error), want WSAENETDOWN"
note "ok"
