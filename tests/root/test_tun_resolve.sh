#!/usr/bin/env bash
# Name resolution over a real wire: Debian's dnsmasq on the kernel's side of the TUN device
# (192.0.2.1:53, --no-resolv --no-hosts, --local=/lab/: only the records given here, NXDOMAIN
# for any other name under lab) answers vigil's stub
# resolver, which asks through vigil's own UDP; a name with 40 addresses does not fit 512
# octets, so dnsmasq sets TC and vigil asks again over its own TCP. Then the Getting Started
# client (examples/gs_client.c, as Microsoft writes it) resolves a name through dnsmasq and
# fetches from a kernel echo server.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
if [ "${1:-}" != inside ]; then
  [ "$(id -u)" = 0 ] || skip "needs root (network namespaces and a TUN device)"
  command -v dnsmasq >/dev/null || skip "needs dnsmasq (scripts/install-deps installs dnsmasq-base)"
  [ -f "$VIGIL_BUILD/libvigil.a" ] || fail "no libvigil.a in $VIGIL_BUILD"
  RS_DIR=$(mktemp -d /tmp/vigil-resolve.XXXXXX)
  trap 'rm -rf "$RS_DIR"' EXIT
  flags=""
  grep -q '^VG_SANITIZE:BOOL=ON' "$VIGIL_BUILD/CMakeCache.txt" 2>/dev/null &&
    flags="-fsanitize=address,undefined"
  # shellcheck disable=SC2086
  cc -std=c11 -Wall -Wextra -Werror $flags -I"$VIGIL_SRC/include" -o "$RS_DIR/ws_resolve" \
    "$VIGIL_SRC/tests/root/ws_resolve.c" "$VIGIL_BUILD/libvigil.a" -lpthread -lm ||
    fail "cannot build tests/root/ws_resolve.c"
  # shellcheck disable=SC2086
  cc -std=c11 -Wall -Werror -Wno-unknown-pragmas $flags -I"$VIGIL_SRC/include" \
    -I"$VIGIL_SRC/include/vigil/win" -o "$RS_DIR/gs_client" "$VIGIL_SRC/examples/gs_client.c" \
    "$VIGIL_BUILD/libvigil.a" -lpthread -lm || fail "cannot build examples/gs_client.c"
  export RS_DIR
  rc=0
  (lab_enter "$0" dnsmasq python3) || rc=$?
  exit "$rc"
fi
lab_inside

records=()
for i in $(seq 1 40); do records+=("--host-record=big.lab,198.51.100.$i"); done
lab_bg "$LAB_WORK/dnsmasq.out" dnsmasq --no-daemon --no-resolv --no-hosts --port=53 \
  --listen-address=192.0.2.1 --bind-interfaces --log-queries --local=/lab/ \
  --host-record=web.lab,192.0.2.1 --cname=www.lab,web.lab "${records[@]}"
wait_for "$LAB_WORK/dnsmasq.out" 'started' 10
sleep 0.2

resolve() {   # resolve NAME: ws_resolve's line
  VIGIL_NET=$NET VIGIL_DNS=192.0.2.1 timeout 30 "$RS_DIR/ws_resolve" "$1"
}

out=$(resolve web.lab); note "web.lab: $out"
[[ $out == "rc=0 naddrs=1 first=192.0.2.1 canon=web.lab tcp=0 "* ]] || fail "web.lab: $out"
out=$(resolve www.lab); note "www.lab: $out"
[[ $out == "rc=0 naddrs=1 first=192.0.2.1 canon=web.lab tcp=0 "* ]] || fail "www.lab (CNAME): $out"
out=$(resolve nosuch.lab); note "nosuch.lab: $out"
[[ $out == "rc=11001 "* ]] || fail "nosuch.lab: $out"
out=$(resolve big.lab); note "big.lab: $out"
[[ $out == "rc=0 naddrs=16 "*" tcp=1 "* ]] || fail "big.lab (TC, then TCP): $out"
grep -q 'query\[A\] big.lab' "$LAB_WORK/dnsmasq.out" || fail "dnsmasq saw no query for big.lab"

note "Getting Started client: getaddrinfo(\"web.lab\", \"27015\") through dnsmasq, then a kernel echo server"
lab_bg "$LAB_WORK/echo.out" python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("192.0.2.1", 27015)); s.listen(1); print("listening", flush=True)
c, _ = s.accept()
while True:
    d = c.recv(512)
    if not d: break
    c.sendall(d)
c.close()'
wait_for "$LAB_WORK/echo.out" '^listening' 10
out=$(VIGIL_NET=$NET VIGIL_DNS=192.0.2.1 timeout 30 "$RS_DIR/gs_client" web.lab 2>&1) ||
  { echo "$out"; fail "gs_client failed"; }
echo "$out"
grep -qx "Bytes Sent: 14" <<<"$out" || fail "gs_client sent no 14 bytes"
grep -qx "Bytes received: 14" <<<"$out" || fail "gs_client got no echo"
grep -qx "Connection closed" <<<"$out" || fail "gs_client saw no close"
note "ok"
