#!/usr/bin/env bash
# The Winsock layer's input filter on a real device: vg_blackhole() drops what the Linux kernel
# sends to one connection, so vigil's keep-alive (200 ms, 500 ms, 3 probes) gets no answer and
# the recv waiting on it fails with WSAENETRESET (10052, spec A13). The control run, without the
# blackhole, shows that the same idle Linux peer answers every probe: the connection outlives
# the keep-alive's abort time and ends with the peer's FIN (recv returns 0).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
if [ "${1:-}" != inside ]; then
  [ "$(id -u)" = 0 ] || skip "needs root (network namespaces and a TUN device)"
  [ -f "$VIGIL_BUILD/libvigil.a" ] || fail "no libvigil.a in $VIGIL_BUILD"
  WS_DIR=$(mktemp -d /tmp/vigil-ws-blackhole.XXXXXX)
  trap 'rm -rf "$WS_DIR"' EXIT
  flags=""
  grep -q '^VG_SANITIZE:BOOL=ON' "$VIGIL_BUILD/CMakeCache.txt" 2>/dev/null &&
    flags="-fsanitize=address,undefined"
  # shellcheck disable=SC2086
  cc -std=c11 -Wall -Wextra -Werror $flags -I"$VIGIL_SRC/include" -o "$WS_DIR/ws_blackhole" \
    "$VIGIL_SRC/tests/root/ws_blackhole.c" "$VIGIL_BUILD/libvigil.a" -lpthread -lm ||
    fail "cannot build tests/root/ws_blackhole.c"
  export WS_BLACKHOLE=$WS_DIR/ws_blackhole
  rc=0
  (lab_enter "$0") || rc=$?
  exit "$rc"
fi
lab_inside
# Linux answers zero-length probes at most every 500 ms by default; take that out of the picture.
sysctl -qw net.ipv4.tcp_invalid_ratelimit=0

# run MODE PORT HOLD_S: the server in MODE against a Linux client idle for HOLD_S seconds.
run() {
  local mode=$1 port=$2 hold=$3
  VIGIL_NET=$NET lab_bg "$LAB_WORK/$mode.out" "$WS_BLACKHOLE" "$port" "$mode"
  local server=$LAST_PID
  wait_for "$LAB_WORK/$mode.out" '^listening$' 20
  "$PEER" hold-client "$VIGIL_ADDR" "$port" "$hold" >"$LAB_WORK/$mode.client" 2>&1 || true
  local rc=0
  wait_exit "$server" 20 || rc=$?
  [ "$rc" = 0 ] || { cat "$LAB_WORK/$mode.out"; fail "$mode: ws_blackhole exited $rc"; }
  note "$mode: $(grep '^recv=' "$LAB_WORK/$mode.out" || cat "$LAB_WORK/$mode.out")"
}

note "control: no blackhole, Linux idle for 3 s (keep-alive would abort after 1.7 s unanswered)"
run open 7101 3
grep -qx "recv=0 error=0" "$LAB_WORK/open.out" ||
  fail "without the blackhole the connection did not end with the peer's FIN"

note "vg_blackhole on the connection: Linux's answers are dropped on their way in"
run blackhole 7102 6
grep -qx "recv=-1 error=10052" "$LAB_WORK/blackhole.out" ||
  fail "recv did not fail with WSAENETRESET under the blackhole"
note "ok"
