#!/usr/bin/env bash
# vigil sizes the queue it depends on: the TUN device's transmit queue (packets on their way from
# the kernel to vigil, 500 by default).
#  1. `vigil serve` raises a 500-packet queue to VG_TUN_TXQUEUELEN_DEFAULT (32768) and says so in
#     link_stats; `--txqueuelen N` sets exactly N, shorter included.
#  2. Without CAP_NET_ADMIN (root with that capability dropped, attaching to a device it owns) the
#     queue stays and vigil warns with the command that fixes it.
#  3. The Winsock layer (examples/http_hello with VIGIL_NET=tun:...) raises it too, and
#     VIGIL_TXQUEUELEN sets it exactly.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
if [ "${1:-}" != inside ]; then
  hello=$VIGIL_BUILD/examples/http_hello
  [ -x "$hello" ] || skip "needs the examples built ($hello)"
  export HELLO=$hello
  rc=0
  (lab_enter "$0" setpriv) || rc=$?
  exit "$rc"
fi
lab_inside

qlen() { ip -o link show dev "$1" | sed -n 's/.* qlen \([0-9]*\).*/\1/p'; }

# serve_qlen NAME IF [options]: the queue length while vigil serve runs on IF.
serve_qlen() {
  local name=$1 dev=$2; shift 2
  lab_bg "$LAB_WORK/$name.out" "${PRE[@]}" "$VIGIL" serve --net "tun:$dev:$VIGIL_ADDR/24" \
    --port 7020 --json "$@"
  local p=$LAST_PID
  wait_for "$LAB_WORK/$name.out" '"event":"listening"' 20
  SEEN=$(qlen "$dev")
  kill -TERM "$p"
  wait_exit "$p" 10 || true
}

PRE=()
ip link set vg0 txqueuelen 500
serve_qlen default vg0
note "vigil serve on a 500-packet queue: qlen $SEEN while it runs"
[ "$SEEN" = 32768 ] || fail "vigil left the queue at $SEEN packets"
[ "$(event_field "$LAB_WORK/default.out" link_stats txqueuelen)" = 32768 ] ||
  fail "link_stats does not show the queue"
[ -n "$(event_field "$LAB_WORK/default.out" link_stats device_tx_dropped)" ] ||
  fail "link_stats has no device_tx_dropped"

ip link set vg0 txqueuelen 40000
serve_qlen longer vg0
[ "$SEEN" = 40000 ] || fail "vigil shortened a 40000-packet queue to $SEEN"
serve_qlen exact vg0 --txqueuelen 700
[ "$SEEN" = 700 ] || fail "--txqueuelen 700 gave $SEEN"
note "a longer queue is kept (40000); --txqueuelen 700 sets 700"

note "without CAP_NET_ADMIN: the queue stays, and vigil says what to run"
ip tuntap add dev vgu mode tun user 0
ip addr add 198.51.100.1/24 dev vgu
ip link set vgu up
PRE=(setpriv --inh-caps=-net_admin --bounding-set=-net_admin)
serve_qlen unpriv vgu
PRE=()
grep -q "warning: .*ip link set vgu txqueuelen 32768" "$LAB_WORK/unpriv.out" ||
  { cat "$LAB_WORK/unpriv.out"; fail "no warning naming the ip link command"; }
[ "$SEEN" = 500 ] || fail "an unprivileged vigil changed the queue to $SEEN"
ip link del vgu

note "the Winsock layer: raised by default, VIGIL_TXQUEUELEN exactly"
ip link set vg0 txqueuelen 500
VIGIL_NET=$NET lab_bg "$LAB_WORK/hello.out" "$HELLO" 8080 1
p=$LAST_PID
wait_for "$LAB_WORK/hello.out" '^listening on port 8080$' 20
[ "$(qlen vg0)" = 32768 ] || fail "the Winsock layer left the queue at $(qlen vg0)"
kill "$p"; wait "$p" 2>/dev/null || true
VIGIL_NET=$NET VIGIL_TXQUEUELEN=1234 lab_bg "$LAB_WORK/hello2.out" "$HELLO" 8080 1
p=$LAST_PID
wait_for "$LAB_WORK/hello2.out" '^listening on port 8080$' 20
[ "$(qlen vg0)" = 1234 ] || fail "VIGIL_TXQUEUELEN=1234 gave $(qlen vg0)"
kill "$p"; wait "$p" 2>/dev/null || true
note "ok"
