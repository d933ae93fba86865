#!/usr/bin/env bash
# `vigil serve` and `vigil connect` refuse bad options before touching any device, each with a
# message that names the problem; every one is a usage error (exit 2), a missing or malformed
# --net and an unreadable --reg included (issue 9: they used to exit 1).
# Needs no root: nothing here gets as far as opening the TUN device.
set -uo pipefail
VIGIL=${VIGIL_BUILD:?}/vigil
SRC=${VIGIL_SRC:?}
failures=0

# expect STATUS TEXT ARGS...: vigil ARGS exits with STATUS and says TEXT on stderr.
expect() {
  local want=$1 text=$2; shift 2
  local err rc=0
  err=$(env -u VIGIL_NET "$VIGIL" "$@" 2>&1 >/dev/null) || rc=$?
  if [ "$rc" != "$want" ] || ! grep -qF -- "$text" <<<"$err"; then
    echo "FAIL: vigil $*: exit $rc (want $want), said: $err (want '$text')"
    failures=$((failures + 1))
  fi
}

NET=tun:vg0:192.0.2.2/24
expect 2 "--port" serve --net "$NET"
expect 2 "--port must be a whole number in [1, 65535], got '70000'" serve --net "$NET" --port 70000
expect 2 "unknown option '--bogus'" serve --net "$NET" --port 7 --bogus
expect 2 "HOST:PORT is required" connect --net "$NET"
expect 2 "HOST:PORT must be" connect --net "$NET" 192.0.2.1
expect 2 "HOST:PORT" connect --net "$NET" 192.0.2.300:80
expect 2 "--verify checks an echo" connect --net "$NET" 192.0.2.1:7 --verify
expect 2 "--send-bytes must be a size in bytes" connect --net "$NET" 192.0.2.1:7 --send-bytes lots
expect 2 "--keepalive-time must be a whole number of milliseconds in [1, 4294967294], got '2s'" connect --net "$NET" 192.0.2.1:7 --keepalive-time 2s
expect 2 "--keepalive-count needs a value" connect --net "$NET" 192.0.2.1:7 --keepalive-count
expect 2 "--profile must be one of windows-vista, windows-2000, linux, got 'windows-95'" serve --net "$NET" --port 7 --profile windows-95
expect 2 "--buffer must be a size in bytes in [1K, 1G]" serve --net "$NET" --port 7 --buffer 12
expect 2 "--link-delay-ms must be a whole number of milliseconds in [0, 60000]" serve --net "$NET" --port 7 --link-delay-ms 5ms
expect 2 "--link-delay-ms must be a whole number of milliseconds in [0, 60000]" connect --net "$NET" 192.0.2.1:7 --link-delay-ms 60001
expect 2 "--link-delay-ms needs a value" connect --net "$NET" 192.0.2.1:7 --link-delay-ms
expect 2 "--net is required" serve --port 7
expect 2 "--net must be tun:IFNAME:ADDR/PREFIX" serve --net loopback --port 7
expect 2 "got 'tun:vg0:192.0.2/24'" connect --net tun:vg0:192.0.2/24 192.0.2.1:7
expect 2 "--reg must be a readable file" serve --net "$NET" --port 7 --reg "$SRC/no-such-dir/missing.reg"

for cmd in serve connect; do
  out=$("$VIGIL" "$cmd" --help) || { echo "FAIL: vigil $cmd --help exited non-zero"; failures=$((failures + 1)); }
  for opt in --net --pcap --json --keepalive-time --keepalive-interval --keepalive-count \
             --profile --reg --garbage-octet --link-delay-ms --create --seed; do
    grep -q -- "$opt" <<<"$out" || { echo "FAIL: vigil $cmd --help omits $opt"; failures=$((failures + 1)); }
  done
done
[ "$failures" = 0 ] || exit 1
echo "ok"
