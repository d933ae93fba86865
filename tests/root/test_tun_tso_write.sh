#!/usr/bin/env bash
# The TSO write path (what the rtloop does with a frame the stack marks for TSO, before the stack
# sends such frames itself): tests/root/tso_writer.c answers a Linux connect on the TUN device and
# sends 60,000 octets of a pattern as ONE 64 KiB frame with a virtio header asking for TCPv4
# segmentation at 1,000 octets and a partial checksum. The Linux socket must receive every octet
# intact and the kernel ACK all of it; delivered locally the frame stays whole (as a GRO packet),
# and the kernel's TCP takes its segment size from the header: tcpi_rcv_mss must be 1000.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
if [ "${1:-}" != inside ]; then
  [ -f "$VIGIL_BUILD/libvigil.a" ] || skip "needs $VIGIL_BUILD/libvigil.a"
  (lab_enter "$0" python3) || exit $?
  exit 0
fi
lab_inside
BYTES=60000
flags=""
grep -q '^VG_SANITIZE:BOOL=ON' "$VIGIL_BUILD/CMakeCache.txt" 2>/dev/null &&
  flags="-fsanitize=address,undefined"
# shellcheck disable=SC2086
cc -std=c11 -Wall -Wextra -Werror $flags -I"$VIGIL_SRC/include" -I"$VIGIL_SRC/src" \
  -o "$LAB_WORK/tso_writer" "$VIGIL_SRC/tests/root/tso_writer.c" "$VIGIL_BUILD/libvigil.a" \
  -lpthread -lm || fail "cannot build tso_writer"
lab_bg "$LAB_WORK/writer.out" "$LAB_WORK/tso_writer" vg0 7030 "$BYTES" 1000
writer=$LAST_PID
wait_for "$LAB_WORK/writer.out" '^(ready|no-tso)$' 10
grep -qx no-tso "$LAB_WORK/writer.out" && skip "the kernel refused TUN_F_TSO4"
python3 - "$VIGIL_ADDR" 7030 "$BYTES" >"$LAB_WORK/client.out" 2>&1 <<'PY' || true
import socket, sys
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.create_connection((host, port), timeout=10)
got = bytearray()
while len(got) < n:
    b = s.recv(65536)
    if not b:
        break
    got += b
want = bytes((i * 7 + i // 251) & 0xff for i in range(n))
import struct
info = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
print("rcv_mss=%d" % struct.unpack_from("I", info, 20)[0])
print("received=%d" % len(got))
print("result=%s" % ("ok" if bytes(got) == want else "mismatch"))
PY
rc=0; wait_exit "$writer" 15 || rc=$?
note "Linux: $(tr '\n' ' ' <"$LAB_WORK/client.out"); writer: $(tr '\n' ' ' <"$LAB_WORK/writer.out")"
grep -qx "received=$BYTES" "$LAB_WORK/client.out" || fail "Linux received a short stream"
grep -qx "result=ok" "$LAB_WORK/client.out" || fail "the segments' bytes differ"
grep -qx "acked=$BYTES" "$LAB_WORK/writer.out" || fail "the kernel did not ACK the whole frame"
grep -qx "rcv_mss=1000" "$LAB_WORK/client.out" || fail "the kernel did not take gso_size 1000"
[ "$rc" = 0 ] || fail "tso_writer exited $rc"
note "ok"
