/* A program written as Microsoft's documentation writes it: <windows.h> and <winsock2.h> from
 * include/vigil/win (pkg-config vigil-win), ZeroMemory and friends, GetLastError after a failed
 * Winsock call, and the Win64 layouts it relies on. Built with -Wall -Wextra -Werror always. */
#include <windows.h>
#include <winsock2.h>
#include <ws2tcpip.h>
#include <mstcpip.h>
#include <mswsock.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_api_support.h"

static int teardown(void **state)
{
    (void)state;
    api_stop();
    return 0;
}

/* Windows: WSAGetLastError is GetLastError, WSASetLastError is SetLastError. */
static void getlasterror_is_the_winsock_error(void **state)
{
    (void)state;
    assert_int_equal(api_start("windows-vista"), 0);
    assert_int_equal(closesocket(INVALID_SOCKET), SOCKET_ERROR);
    assert_int_equal(WSAGetLastError(), WSAENOTSOCK);
    assert_int_equal(GetLastError(), (DWORD)WSAENOTSOCK);
    SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    assert_true(s != INVALID_SOCKET);
    char buf[4];
    assert_int_equal(recv(s, buf, sizeof buf, 0), SOCKET_ERROR);
    assert_int_equal(GetLastError(), (DWORD)WSAENOTCONN);
    SetLastError(WSAEINTR);
    assert_int_equal(WSAGetLastError(), WSAEINTR);
    WSASetLastError(0);
    assert_int_equal(GetLastError(), 0);
    closesocket(s);
}

static void memory_macros(void **state)
{
    (void)state;
    unsigned char a[16], b[16];
    FillMemory(a, sizeof a, 0xab);
    for (size_t i = 0; i < sizeof a; i++)
        assert_int_equal(a[i], 0xab);
    ZeroMemory(b, sizeof b);
    for (size_t i = 0; i < sizeof b; i++)
        assert_int_equal(b[i], 0);
    CopyMemory(b, a, 8);
    assert_int_equal(b[7], 0xab);
    assert_int_equal(b[8], 0);
    assert_ptr_equal(SecureZeroMemory(a, sizeof a), a);
    for (size_t i = 0; i < sizeof a; i++)
        assert_int_equal(a[i], 0);
    SOCKADDR_IN sin;
    ZeroMemory(&sin, sizeof sin);
    assert_int_equal(sin.sin_family, 0);
}

static void windows_values(void **state)
{
    (void)state;
    assert_int_equal(INFINITE, 0xFFFFFFFFu);
    assert_int_equal(WAIT_OBJECT_0, 0);
    assert_int_equal(WAIT_TIMEOUT, 258);
    assert_int_equal(WAIT_IO_COMPLETION, 0xC0);
    assert_int_equal(WAIT_FAILED, 0xFFFFFFFFu);
    assert_ptr_equal(INVALID_HANDLE_VALUE, (HANDLE)(intptr_t)-1);
    assert_int_equal(LOWORD(0x12345678), 0x5678);
    assert_int_equal(HIWORD(0x12345678), 0x1234);
    assert_int_equal(MAKEWORD(2, 2), 0x0202);
    assert_int_equal(sizeof(DWORD), 4);
    assert_int_equal(sizeof(u_long), 4);
    assert_int_equal(sizeof(WCHAR), 2);
    assert_int_equal(sizeof(ULONG_PTR), sizeof(void *));
    assert_int_equal(WSAEREFUSED, 10112);
    assert_int_equal(WSAHOST_NOT_FOUND, 11001);
    assert_int_equal(WSANO_DATA, 11004);
}

/* The Win64 WSADATA (mingw-w64's psdk_inc/_wsadata.h under _WIN64): the legacy fields first. */
static void wsadata_is_win64s(void **state)
{
    (void)state;
    assert_int_equal(offsetof(WSADATA, wVersion), 0);
    assert_int_equal(offsetof(WSADATA, wHighVersion), 2);
    assert_int_equal(offsetof(WSADATA, iMaxSockets), 4);
    assert_int_equal(offsetof(WSADATA, iMaxUdpDg), 6);
    assert_int_equal(offsetof(WSADATA, lpVendorInfo), 8);
    assert_int_equal(offsetof(WSADATA, szDescription), 16);
    assert_int_equal(offsetof(WSADATA, szSystemStatus), 273);
    assert_int_equal(sizeof(WSADATA), 408);
    /* And WSAStartup writes it there: a 1.1 program reads iMaxSockets at offset 4. */
    WSADATA wsa;
    memset(&wsa, 0xee, sizeof wsa);
    setenv("VIGIL_CLOCK", "virtual", 1);
    assert_int_equal(WSAStartup(MAKEWORD(1, 1), &wsa), 0);
    unsigned char raw[sizeof wsa];
    memcpy(raw, &wsa, sizeof raw);
    assert_int_equal(raw[4] | raw[5] << 8, 32767);
    assert_memory_equal(raw + 16, "vigil", 5);
    assert_string_equal(wsa.szSystemStatus, "Running");
    WSACleanup();
    unsetenv("VIGIL_CLOCK");
}

/* OVERLAPPED (minwinbase.h): Offset/OffsetHigh share their 8 bytes with Pointer. */
static void overlapped_has_pointer(void **state)
{
    (void)state;
    WSAOVERLAPPED ov;
    ZeroMemory(&ov, sizeof ov);
    assert_int_equal(sizeof ov, 32);
    assert_int_equal(offsetof(WSAOVERLAPPED, Offset), 16);
    assert_int_equal(offsetof(WSAOVERLAPPED, OffsetHigh), 20);
    assert_int_equal(offsetof(WSAOVERLAPPED, Pointer), 16);
    assert_int_equal(offsetof(WSAOVERLAPPED, hEvent), 24);
    ov.Offset = 0x11223344;
    ov.OffsetHigh = 0x55667788;
    uint64_t p = (uint64_t)(uintptr_t)ov.Pointer;
    assert_true(p == 0x5566778811223344ull);
    SOCKADDR_STORAGE ss;
    assert_int_equal(sizeof ss, 128);
    assert_int_equal(offsetof(SOCKADDR_STORAGE, __ss_align), 8);
    assert_int_equal(offsetof(SOCKADDR_STORAGE, __ss_pad2), 16);
}

/* IP_TTL and IP_TOS: accepted and read back (the core's packets keep TTL 64 and TOS 0); a
 * value past an octet is WSAEINVAL, a short buffer WSAEFAULT. */
static void ip_ttl_and_tos(void **state)
{
    (void)state;
    assert_int_equal(api_start("windows-vista"), 0);
    SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    SOCKET u = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
    assert_true(s != INVALID_SOCKET && u != INVALID_SOCKET);
    DWORD v = 0;
    int len = sizeof v;
    assert_int_equal(getsockopt(s, IPPROTO_IP, IP_TTL, (char *)&v, &len), 0);
    assert_int_equal(v, 64);
    assert_int_equal(len, 4);
    v = 0xff;
    assert_int_equal(getsockopt(u, IPPROTO_IP, IP_TOS, (char *)&v, &len), 0);
    assert_int_equal(v, 0);
    DWORD ttl = 5, tos = 0x10, big = 256;
    assert_int_equal(setsockopt(s, IPPROTO_IP, IP_TTL, (const char *)&ttl, sizeof ttl), 0);
    assert_int_equal(setsockopt(u, IPPROTO_IP, IP_TOS, (const char *)&tos, sizeof tos), 0);
    assert_int_equal(getsockopt(s, IPPROTO_IP, IP_TTL, (char *)&v, &len), 0);
    assert_int_equal(v, 5);
    assert_int_equal(getsockopt(u, IPPROTO_IP, IP_TOS, (char *)&v, &len), 0);
    assert_int_equal(v, 0x10);
    assert_int_equal(setsockopt(s, IPPROTO_IP, IP_TTL, (const char *)&big, sizeof big), SOCKET_ERROR);
    assert_int_equal(GetLastError(), (DWORD)WSAEINVAL);
    assert_int_equal(setsockopt(s, IPPROTO_IP, IP_TTL, (const char *)&ttl, 2), SOCKET_ERROR);
    assert_int_equal(GetLastError(), (DWORD)WSAEFAULT);
    closesocket(s);
    closesocket(u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(getlasterror_is_the_winsock_error, teardown),
        cmocka_unit_test_teardown(ip_ttl_and_tos, teardown),
        cmocka_unit_test(memory_macros),
        cmocka_unit_test(windows_values),
        cmocka_unit_test(wsadata_is_win64s),
        cmocka_unit_test(overlapped_has_pointer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
