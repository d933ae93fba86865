#!/usr/bin/env bash
# A registry export that never ends: `--reg /dev/zero` used to read without bound (8 GB in 5 s).
# Every command that takes --reg now stops after 1 MiB + 1 byte and exits 2 with one sentence
# naming the file, in bounded time, before touching any device. Needs no root.
set -uo pipefail
VIGIL=${VIGIL_BUILD:?}/vigil
command -v timeout >/dev/null || { echo "SKIP: timeout(1) is needed"; exit 77; }
failures=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect_too_large FILE ARGS...: vigil ARGS --reg FILE exits 2 within 20 s, saying FILE is too large.
expect_too_large() {
  local file=$1; shift
  local err rc=0
  err=$(env -u VIGIL_NET timeout 20 "$VIGIL" "$@" --reg "$file" 2>&1 >/dev/null) || rc=$?
  if [ "$rc" != 2 ] || ! grep -qF -- "$file is larger than 1 MiB" <<<"$err" ||
     [ "$(printf '%s\n' "$err" | wc -l)" != 1 ]; then
    echo "FAIL: vigil $* --reg $file: exit $rc (want 2), said: $err"
    failures=$((failures + 1))
  fi
}

NET=tun:vg0:192.0.2.2/24
head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' ';' >"$tmp/big.reg"
for f in /dev/zero "$tmp/big.reg"; do
  expect_too_large "$f" sim --scenario alive
  expect_too_large "$f" serve --net "$NET" --port 7
  expect_too_large "$f" connect --net "$NET" 192.0.2.1:7
done

[ "$failures" = 0 ] || exit 1
echo "ok: --reg larger than 1 MiB refused with exit 2 by sim, serve and connect"
