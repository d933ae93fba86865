#!/usr/bin/env bash
# Every name vigil's Windows headers share with the Windows SDK (mingw-w64's winsock2.h,
# ws2def.h, ws2tcpip.h, ws2ipdef.h, mstcpip.h, mswsock.h) has the SDK's value, struct layout and
# signature: tests/win_headers_compare.py evaluates them against vigil's headers and asserts the
# results against mingw-w64's with x86_64-w64-mingw32-gcc. Fails on any differing name; prints
# the names still missing.
set -u
: "${VIGIL_SRC:?}"
for tool in x86_64-w64-mingw32-gcc clang python3; do
  command -v "$tool" >/dev/null || { echo "SKIP: no $tool (scripts/install-deps installs it)"; exit 77; }
done
cache="${VIGIL_BUILD:-}/CMakeCache.txt"
CC=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$cache" 2>/dev/null)
out=$(python3 "$VIGIL_SRC/tests/win_headers_compare.py" --include "$VIGIL_SRC/include" --cc "${CC:-cc}")
rc=$?
printf '%s\n' "$out" | grep -v '^missing ' 
printf '%s\n' "$out" | grep '^missing ' | head -n 20
echo "(the full list of missing names: python3 tests/win_headers_compare.py --include include)"
[ "$rc" = 0 ] || { echo "FAIL: names differ from the Windows SDK (see DIFFERS above)" >&2; exit 1; }
# The comparison must have compared something: the core names are there.
for n in WSADATA 'struct sockaddr_storage' WSAOVERLAPPED WSAIoctl SOCKET 'struct sockaddr_in6' \
  'struct in6_addr' SCOPE_ID INET6_ADDRSTRLEN IPV6_V6ONLY IN6_IS_ADDR_V4MAPPED in6addr_loopback; do
  printf '%s\n' "$out" | grep -q "^missing $n (" && { echo "FAIL: $n reported missing" >&2; exit 1; }
done
printf '%s\n' "$out" | head -n 1 | grep -qE '^[0-9]+ SDK names, [0-9]{3,} in vigil, 0 differ' ||
  { echo "FAIL: unexpected summary: $(printf '%s\n' "$out" | head -n 1)" >&2; exit 1; }

# The comparison must be able to fail: against a copy of the headers with a wrong value, a
# wrong member size and a wrong parameter type, exactly those names differ.
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cp -r "$VIGIL_SRC/include" "$tmp/include"
sed -i 's/^#define IP_TTL 4$/#define IP_TTL 5/' "$tmp/include/vigil/winsock2.h"
sed -i 's/char __ss_pad1\[6\];/char __ss_pad1[4];/' "$tmp/include/vigil/vigil_ws.h"
sed -i 's/vg_ws_ioctlsocket(vg_socket_t s, long cmd, uint32_t \*argp)/vg_ws_ioctlsocket(vg_socket_t s, long cmd, unsigned long *argp)/' \
  "$tmp/include/vigil/vigil_ws.h"
bad=$(python3 "$VIGIL_SRC/tests/win_headers_compare.py" --include "$tmp/include" --cc "${CC:-cc}") &&
  { echo "FAIL: the comparison passed headers with three planted differences" >&2; exit 1; }
for n in IP_TTL 'struct sockaddr_storage' ioctlsocket; do
  printf '%s\n' "$bad" | grep -q "^DIFFERS $n:" ||
    { echo "FAIL: the planted difference in $n was not reported" >&2; exit 1; }
done
echo "planted differences (IP_TTL, sockaddr_storage, ioctlsocket) reported: ok"
exit 0
