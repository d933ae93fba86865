#!/usr/bin/env bash
# 10,000 idle Linux connections probing `vigil serve` in lockstep (SO_KEEPALIVE, TCP_KEEPIDLE=1,
# TCP_KEEPINTVL=1, TCP_KEEPCNT=3), held through 20 probe rounds (22 s): every one is still
# ESTABLISHED on the Linux side at the end (tcp_info) and echoes one more octet, and the TUN
# device dropped nothing on its way to vigil, read both from the interface's tx_dropped
# (/proc/net/dev) and from vigil's own device_tx_dropped (link_stats).
# Each round is a burst of 10,000 probes into the device at once; the kernel's default queue of
# 500 packets drops most of such a burst, which is why vigil raises the queue
# (VG_TUN_TXQUEUELEN_DEFAULT). Run 1 shows the drops with `--txqueuelen 500` (a few rounds only:
# it must see drops, not deaths), run 2 is the real check with vigil's default.
# VIGIL_KA_CONNECTIONS sets another count (the sanitized build's CTest runs 5,000: it cannot
# answer 10,000 probes a second).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ "${1:-}" = inside ] || lab_enter "$0"
lab_inside

N=${VIGIL_KA_CONNECTIONS:-10000}
HOLD_S=22
KA=$LAB_WORK/ka_many
cc -std=c11 -O2 -Wall -Wextra -Werror -o "$KA" "$VIGIL_SRC/tests/root/ka_many.c" ||
  fail "cannot build ka_many"
# Room for N connections on the Linux side: its ports and the SYNs in flight.
sysctl -qw net.ipv4.ip_local_port_range="10000 65000"

# tx_dropped of vg0 in this namespace: the 12th number after "vg0:" in /proc/net/dev.
device_dropped() {
  awk '$1 == "vg0:" { print $13 } $1 ~ /^vg0:[0-9]/ { sub(/^vg0:/, "", $1); print $12 }' /proc/net/dev
}

# run NAME SECONDS [vigil options]: vigil serve --echo and ka_many against it.
run() {
  local name=$1 secs=$2; shift 2
  local out=$LAB_WORK/$name.serve before
  before=$(device_dropped)
  lab_bg "$out" "$VIGIL" serve --net "$NET" --port 7010 --echo --json --buffer 4K "$@"
  local serve=$LAST_PID
  wait_for "$out" '"event":"listening"' 20
  local rc=0
  "$KA" "$VIGIL_ADDR" 7010 "$N" "$secs" >"$LAB_WORK/$name.ka" 2>&1 || rc=$?
  kill -TERM "$serve"
  wait_exit "$serve" 30 || true
  RUN_DROPPED=$(( $(device_dropped) - before ))
  RUN_VIGIL_DROPPED=$(event_field "$out" link_stats device_tx_dropped)
  RUN_ANSWERED=$(event_field "$out" stats ka_peer_probes_answered)
  RUN_RC=$rc
  note "$name: $(tr '\n' ' ' <"$LAB_WORK/$name.ka")"
  note "$name: device tx_dropped +$RUN_DROPPED, vigil's device_tx_dropped ${RUN_VIGIL_DROPPED:-?}," \
       "probes answered ${RUN_ANSWERED:-?}, txqueuelen $(event_field "$out" link_stats txqueuelen)"
}

note "run 1: $N connections, --txqueuelen 500, 5 s"
run small 5 --txqueuelen 500
[ "$RUN_DROPPED" -gt 0 ] ||
  fail "a 500-packet queue dropped nothing of $N lockstep probes: the check below proves nothing"
# vigil reads the counter as it stops; the interface's count goes on while it shuts down.
[ "${RUN_VIGIL_DROPPED:-0}" -gt 0 ] && [ "$RUN_VIGIL_DROPPED" -le "$RUN_DROPPED" ] ||
  fail "vigil counted ${RUN_VIGIL_DROPPED:-no} device drops, the interface $RUN_DROPPED"

note "run 2: $N connections, vigil's default queue, $HOLD_S s"
run sized "$HOLD_S"
grep -qx "connected=$N" "$LAB_WORK/sized.ka" || fail "not all $N connections opened"
grep -qx "established=$N" "$LAB_WORK/sized.ka" || fail "Linux lost connections"
grep -qx "echoed=$N" "$LAB_WORK/sized.ka" || fail "not every connection echoed at the end"
[ "$RUN_RC" = 0 ] || fail "ka_many exited $RUN_RC"
[ "$RUN_DROPPED" = 0 ] || fail "the device dropped $RUN_DROPPED packets"
[ "$RUN_VIGIL_DROPPED" = 0 ] || fail "vigil counted $RUN_VIGIL_DROPPED device drops"
# 20 rounds of N probes (the first after 1 s idle, then one a second).
[ "${RUN_ANSWERED:-0}" -ge $((N * 20)) ] ||
  fail "vigil answered only ${RUN_ANSWERED:-0} probes, want >= $((N * 20))"
note "ok"
