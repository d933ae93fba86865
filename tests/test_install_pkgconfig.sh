#!/usr/bin/env bash
# An installed vigil must be usable from wherever it was installed: vigil.pc relocatable, a
# program outside the tree builds and runs against the shared and the static library, the
# SONAME is versioned and the .so exports nothing but the public vg_ API.
set -u
fail() { echo "FAIL: $*" >&2; exit 1; }
: "${VIGIL_BUILD:?}" "${VIGIL_SRC:?}"
command -v pkg-config >/dev/null || { echo "SKIP: no pkg-config"; exit 77; }
command -v readelf >/dev/null && command -v nm >/dev/null || { echo "SKIP: no binutils"; exit 77; }
# The outside program is built the way the library was: same compiler, same sanitizers.
. "$VIGIL_SRC/tests/support/install_prefix.sh"

pc=$(find "$prefix" -name vigil.pc | head -n 1)
[ -n "$pc" ] || fail "no vigil.pc installed under the prefix"
export PKG_CONFIG_PATH="$(dirname "$pc")"
grep -q '/usr/local' "$pc" && fail "vigil.pc names /usr/local: $(grep /usr/local "$pc")"

cat >"$tmp/outside.c" <<'EOF'
#include <stdio.h>
#include <vigil/vigil.h>
#include <vigil/winsock2.h>

int main(void)
{
    struct vg_stack_config cfg;
    vg_stack_config_default(&cfg, VG_PROFILE_WINDOWS_VISTA);
    vg_stack *s = vg_stack_new(&cfg);
    if (!s)
        return 1;
    vg_stack_free(s);
    WSADATA wsa;
    if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0)
        return 2;
    SOCKET sk = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (sk == INVALID_SOCKET)
        return 3;
    closesocket(sk);
    WSACleanup();
    puts("outside ok");
    return 0;
}
EOF

read -r -a cflags <<<"$(pkg-config --cflags vigil)" || fail "pkg-config --cflags vigil"
read -r -a libs <<<"$(pkg-config --libs vigil)" || fail "pkg-config --libs vigil"
read -r -a slibs <<<"$(pkg-config --static --libs vigil)" || fail "pkg-config --static --libs vigil"
libdir=$(pkg-config --variable=libdir vigil)
[ -f "$libdir/libvigil.so" ] || fail "libdir '$libdir' from vigil.pc holds no libvigil.so"

"$CC" -Wall -Werror "${san[@]}" "${cflags[@]}" "$tmp/outside.c" "${libs[@]}" -o "$tmp/outside_shared" ||
  fail "building against the shared library"
out=$(VIGIL_CLOCK=virtual VIGIL_NET=loopback LD_LIBRARY_PATH="$libdir" "$tmp/outside_shared") ||
  fail "shared build exited $?"
[ "$out" = "outside ok" ] || fail "shared build printed '$out'"
readelf -d "$tmp/outside_shared" | grep -q 'NEEDED.*libvigil\.so\.0\]' ||
  fail "the program does not record libvigil.so.0: $(readelf -d "$tmp/outside_shared" | grep NEEDED)"

# The linker prefers the .so beside the .a, so the static link takes the archive alone, with
# what `pkg-config --static` says it needs.
mkdir "$tmp/staticonly" && cp "$libdir/libvigil.a" "$tmp/staticonly/"
"$CC" -Wall -Werror "${san[@]}" "${cflags[@]}" "$tmp/outside.c" -L"$tmp/staticonly" \
  $(printf '%s\n' "${slibs[@]}" | grep -v '^-L') -o "$tmp/outside_static" ||
  fail "building against the static library with pkg-config --static --libs"
readelf -d "$tmp/outside_static" | grep -q 'NEEDED.*libvigil' && fail "static build needs libvigil.so"
out=$(VIGIL_CLOCK=virtual VIGIL_NET=loopback "$tmp/outside_static") || fail "static build exited $?"
[ "$out" = "outside ok" ] || fail "static build printed '$out'"

# vigil-win: a program written as Windows' documentation writes it builds unchanged.
[ -f "$(dirname "$pc")/vigil-win.pc" ] || fail "no vigil-win.pc beside vigil.pc"
grep -q '/usr/local' "$(dirname "$pc")/vigil-win.pc" && fail "vigil-win.pc names /usr/local"
pkg-config --cflags vigil | grep -q 'vigil/win' && fail "pkg-config vigil adds the Windows folder"
cat >"$tmp/winprog.c" <<'EOF'
#include <winsock2.h>
#include <ws2tcpip.h>
#include <mstcpip.h>
#include <windows.h>
#include <stdio.h>

#pragma comment(lib, "Ws2_32.lib")

int main(void)
{
    WSADATA wsaData;
    ZeroMemory(&wsaData, sizeof wsaData);
    if (WSAStartup(MAKEWORD(2, 2), &wsaData) != 0)
        return 2;
    SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (s == INVALID_SOCKET)
        return 3;
    struct tcp_keepalive ka = {1, 1000, 100};
    DWORD got = 0;
    if (WSAIoctl(s, SIO_KEEPALIVE_VALS, &ka, sizeof ka, NULL, 0, &got, NULL, NULL) != 0)
        return 4;
    closesocket(s);
    WSACleanup();
    printf("win %d.%d ok\n", LOBYTE(wsaData.wVersion), HIBYTE(wsaData.wVersion));
    return 0;
}
EOF
read -r -a wcflags <<<"$(pkg-config --cflags vigil-win)" || fail "pkg-config --cflags vigil-win"
read -r -a wlibs <<<"$(pkg-config --libs vigil-win)" || fail "pkg-config --libs vigil-win"
read -r -a wslibs <<<"$(pkg-config --static --libs vigil-win)" || fail "pkg-config --static --libs vigil-win"
"$CC" -Wall -Werror "${san[@]}" "${wcflags[@]}" "$tmp/winprog.c" "${wlibs[@]}" -o "$tmp/win_shared" ||
  fail "building <winsock2.h> source with pkg-config vigil-win (shared)"
out=$(VIGIL_CLOCK=virtual VIGIL_NET=loopback LD_LIBRARY_PATH="$libdir" "$tmp/win_shared") ||
  fail "vigil-win shared build exited $?"
[ "$out" = "win 2.2 ok" ] || fail "vigil-win shared build printed '$out'"
"$CC" -Wall -Werror "${san[@]}" "${wcflags[@]}" "$tmp/winprog.c" -L"$tmp/staticonly" \
  $(printf '%s\n' "${wslibs[@]}" | grep -v '^-L') -o "$tmp/win_static" ||
  fail "building <winsock2.h> source with pkg-config --static vigil-win"
readelf -d "$tmp/win_static" | grep -q 'NEEDED.*libvigil' && fail "vigil-win static build needs libvigil.so"
out=$(VIGIL_CLOCK=virtual VIGIL_NET=loopback "$tmp/win_static") || fail "vigil-win static build exited $?"
[ "$out" = "win 2.2 ok" ] || fail "vigil-win static build printed '$out'"

so=$(readlink -f "$libdir/libvigil.so")
soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = "libvigil.so.0" ] || fail "SONAME is '$soname', want libvigil.so.0"
[ "$(basename "$so")" = "libvigil.so.0.1.0" ] || fail "libvigil.so resolves to $(basename "$so")"
[ -e "$libdir/libvigil.so.0" ] || fail "no libvigil.so.0 link"

# AddressSanitizer gives every exported global an ODR indicator named after it
# (__odr_asan.vg_in6addr_any); those belong to a vg_ name, so they are not foreign.
foreign=$(nm -D --defined-only "$so" | awk '{print $NF}' | grep -v -e '^vg_' -e '^__odr_asan\.vg_')
[ -z "$foreign" ] || fail "$(echo "$foreign" | wc -l) non-vg_ symbols exported, e.g. $(echo "$foreign" | head -n 5 | tr '\n' ' ')"
nm -D --defined-only "$so" | grep -q ' vg_stack_new$' || fail "vg_stack_new is not exported"
nm -D --defined-only "$so" | grep -q ' vg_ws_socket$' || fail "vg_ws_socket is not exported"

[ -f "$prefix/share/man/man1/vigil.1" ] || fail "man/vigil.1 not installed"
[ -f "$prefix/share/man/man3/vigil.3" ] || fail "man/vigil.3 not installed"
for m in man1/vigil.1 man3/vigil.3; do
  [ -s "$prefix/share/man/$m" ] || fail "$m is empty"
  if command -v groff >/dev/null; then
    warn=$(groff -man -Tutf8 -ww -z "$prefix/share/man/$m" 2>&1) || fail "groff cannot render $m"
    [ -z "$warn" ] || fail "groff warns on $m: $warn"
  fi
done
"$prefix/bin/vigil" --version | grep -qx 'vigil 0\.1\.0' || fail "vigil --version"
"$prefix/bin/vigil" sim --version | grep -qx 'vigil 0\.1\.0' || fail "vigil sim --version"

echo "install into '$prefix': pkg-config (vigil, vigil-win), shared ($soname) and static builds, exports: ok"
