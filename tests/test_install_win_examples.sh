#!/usr/bin/env bash
# Every example written as Windows' documentation writes it (its source says #include <winsock2.h>)
# builds OUTSIDE the tree the way a user builds it, `cc $(pkg-config --cflags --libs vigil-win)
# prog.c`, against an install in a temporary prefix, shared and static, with -Wall -Werror; and
# each built program passes its in-tree test: the test's own command (from ctest, with the
# expectations examples/CMakeLists.txt gives it) is run again with PROGRAM set to the outside build.
set -u
fail() { echo "FAIL: $*" >&2; exit 1; }
: "${VIGIL_BUILD:?}" "${VIGIL_SRC:?}"
command -v pkg-config >/dev/null || { echo "SKIP: no pkg-config"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: no python3 (reads ctest's test list)"; exit 77; }
. "$VIGIL_SRC/tests/support/install_prefix.sh"
pc=$(find "$prefix" -name vigil-win.pc | head -n 1)
[ -n "$pc" ] || fail "no vigil-win.pc installed under the prefix"
export PKG_CONFIG_PATH="$(dirname "$pc")"
read -r -a cflags <<<"$(pkg-config --cflags vigil-win)" || fail "pkg-config --cflags vigil-win"
read -r -a libs <<<"$(pkg-config --libs vigil-win)" || fail "pkg-config --libs vigil-win"
read -r -a slibs <<<"$(pkg-config --static --libs vigil-win)" || fail "pkg-config --static --libs vigil-win"
libdir=$(pkg-config --variable=libdir vigil)
# The static link takes the archive alone (the linker would prefer the .so beside it).
mkdir "$tmp/staticonly" && cp "$libdir/libvigil.a" "$tmp/staticonly/" || fail "no libvigil.a in $libdir"
mapfile -t slibs_nol < <(printf '%s\n' "${slibs[@]}" | grep -v '^-L')

# The in-tree tests, with their commands, as ctest knows them.
(cd "$VIGIL_BUILD" && ctest --show-only=json-v1) >"$tmp/tests.json" 2>/dev/null ||
  fail "ctest --show-only=json-v1 in $VIGIL_BUILD"

# What is built outside: every <winsock2.h> example, and every example that includes one
# unchanged (gs_pair.c runs gs_server.c and gs_client.c together; that is their in-tree test).
winsrcs=() progs=()
for src in "$VIGIL_SRC"/examples/*.c; do
  grep -q '^#include <winsock2.h>' "$src" && winsrcs+=("$(basename "$src" .c)")
done
for src in "$VIGIL_SRC"/examples/*.c; do
  name=$(basename "$src" .c)
  for w in "${winsrcs[@]}"; do
    if [ "$w" = "$name" ] || grep -q "^#include \"$w\.c\"" "$src"; then progs+=("$name"); break; fi
  done
done
# The copy keeps the user's view: the example sources alone, in a directory of their own.
mkdir "$tmp/src" && cp "$VIGIL_SRC"/examples/*.c "$VIGIL_SRC"/examples/*.h "$tmp/src/" || fail "copy the examples"

testnames() {                             # testnames PROGRAM: the in-tree tests that run it
  python3 - "$tmp/tests.json" "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for t in d["tests"]:
    cmd = t.get("command") or []
    if any(a.startswith("-DPROGRAM=") and a.rsplit("/", 1)[-1] == sys.argv[2] for a in cmd):
        print(t["name"])
PY
}

built=0 ran=0 covered=()
for name in "${progs[@]}"; do
  extra=()
  grep -q '^#include <pthread.h>' "$tmp/src/$name.c" && extra=(-lpthread)
  mkdir "$tmp/$name"
  "$CC" -Wall -Werror "${san[@]}" "${cflags[@]}" "$tmp/src/$name.c" "${libs[@]}" "${extra[@]}" \
    -o "$tmp/$name/shared" || fail "$name: building with pkg-config vigil-win (shared)"
  "$CC" -Wall -Werror "${san[@]}" "${cflags[@]}" "$tmp/src/$name.c" -L"$tmp/staticonly" \
    "${slibs_nol[@]}" "${extra[@]}" -o "$tmp/$name/static" ||
    fail "$name: building with pkg-config --static vigil-win"
  readelf -d "$tmp/$name/static" 2>/dev/null | grep -q 'NEEDED.*libvigil' &&
    fail "$name: the static build needs libvigil.so"
  built=$((built + 1))
  mapfile -t tests < <(testnames "$name")
  [ "${#tests[@]}" -gt 0 ] && covered+=("$name" $(grep -o '^#include "[a-z_]*\.c"' "$tmp/src/$name.c" |
                                                  sed 's/.*"\(.*\)\.c"/\1/'))
  # Each in-tree test of this program, run again on each outside build: the test's own
  # environment (ENVIRONMENT property) and command, PROGRAM replaced.
  for t in "${tests[@]}"; do
    for kind in shared static; do
      python3 - "$tmp/tests.json" "$t" "$tmp/$name/$kind" >"$tmp/cmd" <<'PY' || fail "$t: no command"
import json, sys
d = json.load(open(sys.argv[1]))
t = next(t for t in d["tests"] if t["name"] == sys.argv[2])
for p in t.get("properties", []):
    if p["name"] == "ENVIRONMENT":
        for e in p["value"]:
            print(e, end="\0")
for a in t["command"]:
    print("-DPROGRAM=" + sys.argv[3] if a.startswith("-DPROGRAM=") else a, end="\0")
PY
      mapfile -d '' -t cmd <"$tmp/cmd"
      out=$(cd "$tmp/$name" && LD_LIBRARY_PATH="$libdir" timeout 300 env "${cmd[@]}" 2>&1) ||
        { echo "$out"; fail "$t ($kind build outside the tree)"; }
      echo "ok: $t, $kind build outside the tree"
      ran=$((ran + 1))
    done
  done
done
for w in "${winsrcs[@]}"; do
  printf '%s\n' "${covered[@]}" | grep -qx "$w" ||
    fail "$w includes <winsock2.h> but no test in examples/CMakeLists.txt runs it"
done
[ "${#winsrcs[@]}" -ge 3 ] || fail "only ${#winsrcs[@]} examples include <winsock2.h>"
echo "PASS: ${#winsrcs[@]} <winsock2.h> examples ($built programs) built outside the tree with pkg-config vigil-win (shared, static); $ran runs matched their in-tree expectations"
