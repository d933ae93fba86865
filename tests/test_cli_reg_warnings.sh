#!/usr/bin/env bash
# A registry export that asks for something vigil does not apply says so (spec C3): a misspelled
# value name under Tcpip\Parameters and a file without that key are warnings on stderr naming the
# file and the line (sim goes on and exits 0); --strict makes them the usage error (exit 2, one
# line) before any device is touched, under sim, serve and connect. Needs no root.
set -uo pipefail
VIGIL=${VIGIL_BUILD:?}/vigil
SRC=${VIGIL_SRC:?}
command -v timeout >/dev/null || { echo "SKIP: timeout(1) is needed"; exit 77; }
failures=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

printf 'Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters]\r\n"Hostname"="lab"\r\n"KeepAliveTme"=dword:00007530\r\n"KeepAliveInterval"=dword:000003e8\r\n' >"$tmp/typo.reg"
printf 'REGEDIT4\n\n[HKEY_CURRENT_USER\\Software\\Tcpip\\Parameters]\n"KeepAliveTime"=dword:00007530\n' >"$tmp/nokey.reg"
TYPO="line 5: unknown value \"KeepAliveTme\" under Tcpip\\Parameters (did you mean \"KeepAliveTime\"?)"
NOKEY='no [...\Services\Tcpip\Parameters] key: nothing applied'

# run WANT_RC ARGS...: vigil ARGS exits WANT_RC within 20 s; its stderr is left in $err.
run() {
  local want=$1; shift
  local rc=0
  err=$(env -u VIGIL_NET -u VIGIL_REG timeout 20 "$VIGIL" "$@" 2>&1 >/dev/null </dev/null) || rc=$?
  [ "$rc" = "$want" ] || fail "vigil $*: exit $rc (want $want), said: $err"
}
# one_line TEXT: $err is exactly one line and holds TEXT.
one_line() {
  if ! grep -qF -- "$1" <<<"$err" || [ "$(printf '%s\n' "$err" | wc -l)" != 1 ]; then
    fail "want one line with '$1', got: $err"
  fi
}

# Warnings: the run goes on, and the export's other values still apply.
run 0 sim --scenario alive --reg "$tmp/typo.reg"
[ "$err" = "vigil sim: $tmp/typo.reg: $TYPO" ] || fail "sim typo warning: $err"
run 0 sim --scenario alive --reg "$tmp/nokey.reg"
[ "$err" = "vigil sim: $tmp/nokey.reg: $NOKEY" ] || fail "sim no-key warning: $err"
run 0 sim --scenario alive --reg="$tmp/typo.reg" --json
grep -qF "$TYPO" <<<"$err" || fail "sim --reg=FILE --json: no warning, said: $err"

# A clean export, and the samples shipped with vigil, say nothing, strict or not.
for f in "$SRC"/examples/registry/*.reg; do
  run 0 sim --scenario alive --reg "$f" --strict
  [ -z "$err" ] || fail "sim --reg $f --strict said: $err"
done

# --strict: a usage error before any side effect, for every command that takes --reg.
NET=tun:vg0:192.0.2.2/24
for f in typo nokey; do
  want=$TYPO; [ "$f" = nokey ] && want=$NOKEY
  run 2 sim --scenario alive --reg "$tmp/$f.reg" --strict
  one_line "$tmp/$f.reg: $want"
  run 2 serve --net "$NET" --port 7 --strict --reg "$tmp/$f.reg"
  one_line "$tmp/$f.reg: $want"
  run 2 connect --net "$NET" --reg "$tmp/$f.reg" --strict 192.0.2.1:7
  one_line "$tmp/$f.reg: $want"
done
run 2 sim --scenario alive --reg "$tmp/typo.reg" --strict=yes
one_line "--strict takes no value"

[ "$failures" = 0 ] || exit 1
echo "ok: registry warnings on stderr; --strict refuses with exit 2 under sim, serve and connect"
