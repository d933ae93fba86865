#!/usr/bin/env bash
# Interop with a real client: curl, on the kernel's side of the TUN device, fetches pages from
# examples/http_hello.c -- Windows-style code on <vigil/winsock2.h>, run with VIGIL_NET=tun:... ,
# over IPv4 and (curl -6) over IPv6 on the same dual-stack socket.
# One fetch, two requests over one persistent connection, and a 404. Then the device is deleted
# under a server blocked in accept(), which must fail with WSAENETDOWN (10050, spec A6.3).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
if [ "${1:-}" != inside ]; then
  # The example as CMake built it, else built here against the library of this build directory.
  hello=$VIGIL_BUILD/examples/http_hello
  if [ ! -x "$hello" ]; then
    [ "$(id -u)" = 0 ] || skip "needs root (network namespaces and a TUN device)"
    HELLO_DIR=$(mktemp -d /tmp/vigil-http-hello.XXXXXX)
    trap 'rm -rf "$HELLO_DIR"' EXIT
    flags=""
    grep -q '^VG_SANITIZE:BOOL=ON' "$VIGIL_BUILD/CMakeCache.txt" 2>/dev/null &&
      flags="-fsanitize=address,undefined"
    # shellcheck disable=SC2086
    cc -std=c11 -Wall -Wextra -Werror $flags -I"$VIGIL_SRC/include" -o "$HELLO_DIR/http_hello" \
      "$VIGIL_SRC/examples/http_hello.c" "$VIGIL_BUILD/libvigil.a" -lpthread -lm ||
      fail "cannot build examples/http_hello.c"
    hello=$HELLO_DIR/http_hello
  fi
  export HELLO=$hello
  rc=0
  (lab_enter "$0" curl) || rc=$?
  exit "$rc"
fi
lab_inside

BODY="Hello from vigil, a userspace TCP/IP stack."
URL=http://$VIGIL_ADDR:8080
VIGIL_NET=$NET lab_bg "$LAB_WORK/hello.out" "$HELLO" 8080 4
hello=$LAST_PID
wait_for "$LAB_WORK/hello.out" '^listening on port 8080$' 20

got=$(curl -sS -m 10 "$URL/") || fail "curl could not fetch $URL/"
[ "$got" = "$BODY" ] || fail "curl got '$got'"
note "curl fetched: $got"

# curl reuses one connection for two URLs of the same server (HTTP/1.1 persistent connection).
curl -sS -m 10 -v "$URL/" "$URL/" >"$LAB_WORK/two.out" 2>"$LAB_WORK/two.err" ||
  fail "curl could not fetch twice: $(cat "$LAB_WORK/two.err")"
[ "$(grep -cx "$BODY" "$LAB_WORK/two.out")" = 2 ] || fail "two requests: $(cat "$LAB_WORK/two.out")"
grep -q "Re-using existing connection" "$LAB_WORK/two.err" ||
  fail "curl did not reuse the connection: $(grep -i connect "$LAB_WORK/two.err")"

code=$(curl -sS -m 10 -o /dev/null -w '%{http_code}' "$URL/missing") || fail "curl /missing failed"
[ "$code" = 404 ] || fail "/missing answered $code, not 404"

rc=0
wait_exit "$hello" 20 || rc=$?
[ "$rc" = 0 ] || { cat "$LAB_WORK/hello.out"; fail "http_hello exited $rc"; }
[ "$(grep -c '^connection from ' "$LAB_WORK/hello.out")" = 3 ] ||
  fail "the server saw other than 3 connections: $(cat "$LAB_WORK/hello.out")"

note "curl -6: the same server over IPv6 (2001:db8::2), IPv4 on its dual-stack socket too"
sysctl -qw net.ipv6.conf.vg0.disable_ipv6=0 || skip "IPv6 cannot be enabled in the namespace"
ip -6 addr add 2001:db8::1/64 dev vg0 nodad
VIGIL_NET=$NET,2001:db8::2/64 lab_bg "$LAB_WORK/six.out" "$HELLO" 8082 2
hello=$LAST_PID
wait_for "$LAB_WORK/six.out" '^listening on port 8082$' 20
got=$(curl -6 -sS -m 10 "http://[2001:db8::2]:8082/") || fail "curl -6 could not fetch"
[ "$got" = "$BODY" ] || fail "curl -6 got '$got'"
[ "$(curl -4 -sS -m 10 "http://$VIGIL_ADDR:8082/")" = "$BODY" ] || fail "no IPv4 page from the dual-stack server"
rc=0
wait_exit "$hello" 20 || rc=$?
[ "$rc" = 0 ] || { cat "$LAB_WORK/six.out"; fail "http_hello exited $rc"; }
grep -q '^connection from \[2001:db8::1\]:' "$LAB_WORK/six.out" ||
  fail "the server did not see its IPv6 client: $(cat "$LAB_WORK/six.out")"
grep -q '^connection from \[::ffff:192.0.2.1\]:' "$LAB_WORK/six.out" ||
  fail "the server did not see its IPv4 client as v4-mapped: $(cat "$LAB_WORK/six.out")"
note "curl -6 fetched: $got"

note "the interface is deleted while http_hello waits in accept()"
VIGIL_NET=$NET lab_bg "$LAB_WORK/gone.out" "$HELLO" 8081
hello=$LAST_PID
wait_for "$LAB_WORK/gone.out" '^listening on port 8081$' 20
[ "$(curl -sS -m 10 "http://$VIGIL_ADDR:8081/")" = "$BODY" ] ||
  fail "no page from the second server"
ip link del vg0
rc=0
wait_exit "$hello" 20 || rc=$?
grep -qx "accept failed with error: 10050" "$LAB_WORK/gone.out" ||
  fail "accept did not fail with WSAENETDOWN: $(cat "$LAB_WORK/gone.out")"
[ "$rc" = 0 ] || fail "http_hello exited $rc after the link went away"
note "ok"
