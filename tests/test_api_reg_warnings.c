/* A Winsock program has no channel of its own for what VIGIL_REG ignores (spec C3): WSAStartup
 * says it on stderr, prefixed "vigil:", once per process however often the network is opened;
 * the values the export does name still apply. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <cmocka.h>

#include "test_api_support.h"

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Runs WSAStartup/WSACleanup rounds times with stderr sent to a file, and returns what was
 * written there (malloc'd). */
static char *stderr_of_startups(int rounds, DWORD *keepidle_s)
{
    char path[] = "/tmp/vigil-api-regwarn-errXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stderr);
    int saved = dup(2);
    assert_true(saved >= 0);
    assert_int_equal(dup2(fd, 2), 2);
    for (int i = 0; i < rounds; i++) {
        WSADATA wsa;
        assert_int_equal(WSAStartup(MAKEWORD(2, 2), &wsa), 0);
        SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        assert_true(s != INVALID_SOCKET);
        DWORD v = 0;
        int len = sizeof v;
        assert_int_equal(getsockopt(s, IPPROTO_TCP, TCP_KEEPIDLE, (char *)&v, &len), 0);
        *keepidle_s = v;
        closesocket(s);
        api_stop();
    }
    fflush(stderr);
    assert_int_equal(dup2(saved, 2), 2);
    close(saved);
    char *buf = calloc(1, 4096);
    assert_non_null(buf);
    assert_true(pread(fd, buf, 4095, 0) >= 0);
    close(fd);
    unlink(path);
    return buf;
}

static void vigil_reg_warns_once_and_applies_the_rest(void **state)
{
    (void)state;
    char path[] = "/tmp/vigil-api-regwarnXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    write_file(path, "REGEDIT4\r\n\r\n"
                     "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters]\r\n"
                     "\"KeepAliveTime\"=dword:0000ea60\r\n"
                     "\"KeepAliveIntervall\"=dword:000007d0\r\n");
    setenv("VIGIL_CLOCK", "virtual", 1);
    setenv("VIGIL_NET", "loopback", 1);
    setenv("VIGIL_REG", path, 1);
    DWORD keepidle = 0;
    char *out = stderr_of_startups(3, &keepidle);
    char want[512];
    snprintf(want, sizeof want, "vigil: VIGIL_REG=%s: line 5: unknown value \"KeepAliveIntervall\" "
             "under Tcpip\\Parameters (did you mean \"KeepAliveInterval\"?)\n", path);
    assert_string_equal(out, want);
    assert_int_equal(keepidle, 60);
    free(out);
    unsetenv("VIGIL_REG");
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(vigil_reg_warns_once_and_applies_the_rest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
