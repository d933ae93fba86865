# Sourced by the install tests: installs VIGIL_BUILD into a temporary prefix (removed on exit)
# and sets what they build outside programs with: CC, the compiler the library was built with,
# and san, the sanitizer flags when the library has them (its objects need their runtime).
# Needs fail() defined; sets tmp and prefix.
cache="$VIGIL_BUILD/CMakeCache.txt"
CC=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$cache" 2>/dev/null)
CC=${CC:-cc}
san=()
grep -q '^VG_SANITIZE:BOOL=ON' "$cache" 2>/dev/null && san=(-fsanitize=address,undefined)

tmp=$(mktemp -d) || fail "mktemp"
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"
cmake --install "$VIGIL_BUILD" --prefix "$prefix" >"$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log"; fail "cmake --install failed"; }
