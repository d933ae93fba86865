#!/usr/bin/env bash
# The overlapped and completion-port examples against Linux: examples/iocp_echo_server.c (AcceptEx,
# a completion port, one thread) and examples/overlapped_server.c (completion routines, SleepEx)
# run with VIGIL_NET=tun:... in real time, and kernel sockets on the other side of the TUN device
# (python3's socket module: several connections at once, every echo checked) talk to them. Each
# server exits 0 once its clients have closed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
if [ "${1:-}" != inside ]; then
  for ex in iocp_echo_server overlapped_server; do
    [ -x "$VIGIL_BUILD/examples/$ex" ] || skip "examples/$ex is not built"
  done
  rc=0
  (lab_enter "$0" python3) || rc=$?
  exit "$rc"
fi
lab_inside

# clients PORT N LINES: N kernel connections at once, LINES lines each, every echo compared.
clients() {
  python3 "$VIGIL_SRC/tests/root/echo_clients.py" "$VIGIL_ADDR" "$1" "$2" "$3"
}

run() {                                   # run EXAMPLE PORT READY_REGEX
  local ex=$1 port=$2 ready=$3
  VIGIL_NET=$NET lab_bg "$LAB_WORK/$ex.out" "$VIGIL_BUILD/examples/$ex" "$port" 4
  local pid=$LAST_PID
  wait_for "$LAB_WORK/$ex.out" "$ready" 20
  out=$(clients "$port" 4 25) || fail "$ex: $out"
  note "$ex: $out"
  local rc=0
  wait_exit "$pid" 20 || rc=$?
  [ "$rc" = 0 ] || { cat "$LAB_WORK/$ex.out"; fail "$ex exited $rc"; }
  cat "$LAB_WORK/$ex.out"
}

run iocp_echo_server 27016 '^Echo server on port 27016'
grep -q '^Served 4 connections' "$LAB_WORK/iocp_echo_server.out" ||
  fail "iocp_echo_server: $(cat "$LAB_WORK/iocp_echo_server.out")"
run overlapped_server 27015 '^Listening on port 27015'
grep -q 'to 4 client(s) with completion routines, all closed' "$LAB_WORK/overlapped_server.out" ||
  fail "overlapped_server: $(cat "$LAB_WORK/overlapped_server.out")"
echo "PASS: test_tun_overlapped"
