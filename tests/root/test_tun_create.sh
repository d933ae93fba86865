#!/usr/bin/env bash
# vigil opens a TUN device and never creates one unasked (issue 9): `--net tun:IF:...` naming a
# device that does not exist is a usage error (exit 2, one line saying how to make the device)
# and leaves no device behind, under serve, connect and the library's VIGIL_NET; with --create
# vigil makes the device, which goes away again when vigil exits.
#
# Exit 2, not 1: the command line names something that is not there, found before anything is
# opened, as --reg naming a missing file is; the fix is to change the command (the name, or
# --create) or to make the device first. A device that exists but cannot be attached (busy, no
# permission, not a TUN) is a runtime failure, exit 1 (test_tun_link.sh).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
if [ "${1:-}" != inside ]; then
  [ "$(id -u)" = 0 ] || skip "needs root (network namespaces and a TUN device)"
  PROG_DIR=$(mktemp -d /tmp/vigil-tun-create.XXXXXX)
  trap 'rm -rf "$PROG_DIR"' EXIT
  flags=""
  grep -q '^VG_SANITIZE:BOOL=ON' "$VIGIL_BUILD/CMakeCache.txt" 2>/dev/null &&
    flags="-fsanitize=address,undefined"
  # shellcheck disable=SC2086
  cc -std=c11 -Wall -Wextra -Werror $flags -I"$VIGIL_SRC/include" -o "$PROG_DIR/http_hello" \
    "$VIGIL_SRC/examples/http_hello.c" "$VIGIL_BUILD/libvigil.a" -lpthread -lm ||
    fail "cannot build examples/http_hello.c"
  export HELLO=$PROG_DIR/http_hello
  rc=0
  (lab_enter "$0") || rc=$?
  exit "$rc"
fi
lab_inside

no_device() { ! ip link show "$1" >/dev/null 2>&1; }

# refused IF CMD...: CMD exits 2 with one line naming IF and how to create it; IF still absent.
refused() {
  local ifname=$1; shift
  local rc=0
  timeout 20 "$@" >"$LAB_WORK/out" 2>"$LAB_WORK/err" </dev/null || rc=$?
  [ "$rc" = 2 ] || fail "$*: exit $rc, want 2: $(cat "$LAB_WORK/err")"
  [ "$(wc -l <"$LAB_WORK/err")" = 1 ] || fail "$*: not one line: $(cat "$LAB_WORK/err")"
  grep -qF "ip tuntap add dev $ifname mode tun" "$LAB_WORK/err" ||
    fail "$*: does not say how to make the device: $(cat "$LAB_WORK/err")"
  grep -qF -- "--create" "$LAB_WORK/err" || fail "$*: does not mention --create"
  [ -s "$LAB_WORK/out" ] && fail "$*: printed on stdout: $(cat "$LAB_WORK/out")"
  no_device "$ifname" || fail "$*: created $ifname"
  note "$(cat "$LAB_WORK/err")"
}

note "a device that does not exist is refused and not created"
no_device vgnosuch0 || fail "vgnosuch0 exists before the test"
refused vgnosuch0 "$VIGIL" serve --net tun:vgnosuch0:198.51.100.2/24 --port 7 --pcap "$LAB_WORK/x.pcap"
[ -e "$LAB_WORK/x.pcap" ] && fail "serve created its capture file"
refused vgnosuch0 "$VIGIL" connect --net tun:vgnosuch0:198.51.100.2/24 198.51.100.1:7
refused vgnosuch0 env VIGIL_NET=tun:vgnosuch0:198.51.100.2/24 "$VIGIL" serve --port 7
grep -qF "VIGIL_NET names TUN device vgnosuch0" "$LAB_WORK/err" || fail "the message does not name VIGIL_NET"

note "the library's VIGIL_NET does not create a device either"
rc=0
VIGIL_NET=tun:vgnosuch1:198.51.100.2/24 timeout 20 "$HELLO" 8080 1 >"$LAB_WORK/hello.out" 2>&1 || rc=$?
[ "$rc" != 0 ] || fail "http_hello started on a device that does not exist"
grep -qF "TUN device vgnosuch1 does not exist" "$LAB_WORK/hello.out" ||
  fail "WSAStartup's error does not say the device is missing: $(cat "$LAB_WORK/hello.out")"
no_device vgnosuch1 || fail "WSAStartup created vgnosuch1"

note "--create makes the device, and it goes away when vigil exits"
lab_bg "$LAB_WORK/serve.out" "$VIGIL" serve --net tun:vgnew0:198.51.100.2/24 --port 7 --create --json
vigil=$LAST_PID
wait_for "$LAB_WORK/serve.out" '"event":"listening"' 20
ip -d link show vgnew0 | grep -cw tun >/dev/null || fail "vgnew0 is not a TUN device: $(ip -d link show vgnew0)"
kill -TERM "$vigil"
rc=0; wait_exit "$vigil" 10 || rc=$?
[ "$rc" = 0 ] || { cat "$LAB_WORK/serve.out"; fail "vigil serve --create exited $rc after SIGTERM"; }
no_device vgnew0 || fail "vgnew0 is still there after vigil exited"

note "--create attaches to a device that exists, and leaves it there"
lab_bg "$LAB_WORK/serve2.out" "$VIGIL" serve --net "$NET" --port 7 --create --json
vigil=$LAST_PID
wait_for "$LAB_WORK/serve2.out" '"event":"listening"' 20
kill -TERM "$vigil"
wait_exit "$vigil" 10 || fail "vigil serve on vg0 did not stop cleanly"
ip link show vg0 >/dev/null || fail "vg0 went away"
note "ok"
