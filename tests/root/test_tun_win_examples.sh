#!/usr/bin/env bash
# examples/eventselect_server.c (a WSAEventSelect server as Windows' documentation writes one)
# against Linux over TUN, in real time: `eventselect_server PORT 4` serves four kernel connections
# (python3 sockets, all open at once, every echo checked). Three close; the fourth's host then
# vanishes (nftables drops everything between the kernel and vigil for its port), and the server
# must report FD_CLOSE with WSAENETRESET at the keep-alive instant: the example sets 1000 ms of
# silence and probes 100 ms apart (10 probes under the default profile), so the abort comes
# 1000 + 10 x 100 ms after the last thing received, which is no earlier than its echo's send and
# no later than one interval after it (the kernel's ACK of the echo is what is last received).
# Then examples/gs_server.c (the Getting Started server) serves one kernel client.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
if [ "${1:-}" != inside ]; then
  [ -x "$VIGIL_BUILD/examples/eventselect_server" ] || skip "examples/eventselect_server is not built"
  rc=0
  (lab_enter "$0" python3) || rc=$?
  exit "$rc"
fi
lab_inside

PORT=27015
# Usage errors: exit 2, one line.
rc=0; "$VIGIL_BUILD/examples/eventselect_server" "$PORT" 2>"$LAB_WORK/usage" || rc=$?
[ "$rc" = 2 ] && [ "$(wc -l <"$LAB_WORK/usage")" = 1 ] || fail "PORT alone: exit $rc, $(cat "$LAB_WORK/usage")"
rc=0; "$VIGIL_BUILD/examples/eventselect_server" "$PORT" 0 2>"$LAB_WORK/usage" || rc=$?
[ "$rc" = 2 ] || fail "0 connections: exit $rc"

VIGIL_NET=$NET lab_bg "$LAB_WORK/server.out" "$VIGIL_BUILD/examples/eventselect_server" "$PORT" 4
server=$LAST_PID
wait_for "$LAB_WORK/server.out" "^Listening on port $PORT for 4 connection" 20

# Four connections at once, one line each, echoes checked; three close, the fourth stays open
# (its local port on stdout line "vanishing PORT") until the test's nft rule has cut it off.
lab_bg "$LAB_WORK/clients.out" python3 -u "$VIGIL_SRC/tests/root/echo_clients.py" "$VIGIL_ADDR" "$PORT" 4 1 --keep-last
clients=$LAST_PID
wait_for "$LAB_WORK/clients.out" '^vanishing [0-9]+' 20
grep -q '^echoes verified 4 of 4' "$LAB_WORK/clients.out" || fail "$(cat "$LAB_WORK/clients.out")"
cport=$(sed -n 's/^vanishing //p' "$LAB_WORK/clients.out")
nft add table inet vgtest
nft add chain inet vgtest out '{ type filter hook output priority 0; }'
nft add chain inet vgtest in '{ type filter hook input priority 0; }'
nft add rule inet vgtest out tcp sport "$cport" drop
nft add rule inet vgtest in tcp dport "$cport" drop
note "kernel client on port $cport vanishes"

rc=0
wait_exit "$server" 20 || rc=$?
cat "$LAB_WORK/server.out"
[ "$rc" = 0 ] || fail "eventselect_server exited $rc"
kill "$clients" 2>/dev/null || true
[ "$(grep -c '^Closing socket' "$LAB_WORK/server.out")" = 3 ] || fail "not three orderly closes"
[ "$(grep -c '^Bytes sent: ' "$LAB_WORK/server.out")" = 4 ] || fail "not four echoes sent"
line=$(grep '^FD_CLOSE failed with error' "$LAB_WORK/server.out") || fail "no FD_CLOSE with an error"
case $line in
  *"10052 (WSAENETRESET)"*) ;;
  *) fail "FD_CLOSE: $line (want 10052, WSAENETRESET)" ;;
esac
at=$(echo "$line" | sed -n 's/.* at \([0-9]*\) ms$/\1/p')
last=$(sed -n 's/^Bytes sent: [0-9]* at \([0-9]*\) ms$/\1/p' "$LAB_WORK/server.out" | sort -n | tail -n 1)
want=$((last + 1000 + 10 * 100))
note "last echo sent at $last ms, FD_CLOSE (WSAENETRESET) at $at ms, keep-alive instant from it $want ms"
[ "$at" -ge "$want" ] && [ "$at" -le $((want + 100)) ] ||
  fail "FD_CLOSE at $at ms, not within [$want, $((want + 100))] ms"

# examples/gs_server.c (Microsoft's Getting Started server, getaddrinfo(NULL, "27015",
# AI_PASSIVE)) serves one kernel client: the echo checked byte for byte, then the kernel's
# shutdown ends it ("Connection closing...", exit 0). Its client, gs_client.c, is run against a
# kernel server by test_tun_resolve.sh, which also gives it dnsmasq for the name.
if [ -x "$VIGIL_BUILD/examples/gs_server" ]; then
  nft delete table inet vgtest
  VIGIL_NET=$NET lab_bg "$LAB_WORK/gs_server.out" "$VIGIL_BUILD/examples/gs_server"
  gs=$LAST_PID
  out=$(python3 - "$VIGIL_ADDR" <<'PY'
import socket, sys, time
for _ in range(200):                 # the server prints nothing before accept: try until it listens
    try:
        c = socket.create_connection((sys.argv[1], 27015), timeout=10)
        break
    except ConnectionRefusedError:
        time.sleep(0.05)
else:
    sys.exit("no listener on 27015")
c.sendall(b"this is a test")
got = b""
while len(got) < 14:
    part = c.recv(14 - len(got))
    if not part:
        break
    got += part
c.shutdown(socket.SHUT_WR)
rest = c.recv(100)
print(f"echo {got!r}, then {'end of stream' if rest == b'' else repr(rest)}")
sys.exit(0 if got == b"this is a test" and rest == b"" else 1)
PY
) || fail "gs_server's kernel client: $out"
  note "gs_server: $out"
  rc=0
  wait_exit "$gs" 20 || rc=$?
  cat "$LAB_WORK/gs_server.out"
  [ "$rc" = 0 ] || fail "gs_server exited $rc"
  grep -qx "Bytes received: 14" "$LAB_WORK/gs_server.out" && grep -qx "Bytes sent: 14" "$LAB_WORK/gs_server.out" &&
    grep -qx "Connection closing..." "$LAB_WORK/gs_server.out" || fail "gs_server: not one echo of 14 bytes, then closing"
fi
echo "PASS: test_tun_win_examples"
