/* Registry exports that never end: --reg /dev/zero or VIGIL_REG pointing at a huge file used to
 * be read without bound (8 GB in 5 s). The loader now reads at most VG_REG_MAX_BYTES + 1 bytes
 * and says the file is too large; WSAStartup fails with that sentence. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_api_support.h"

static const char export_head[] =
    "Windows Registry Editor Version 5.00\n\n"
    "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters]\n"
    "\"KeepAliveTime\"=dword:00001388\n";

/* A well-formed export padded with comment lines to exactly size bytes. */
static char *write_padded_export(size_t size)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/vg_hostile_reg_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    size_t n = strlen(export_head);
    assert_true(n < size);
    fputs(export_head, f);
    char line[1024];
    memset(line, 'x', sizeof line);
    line[0] = ';';
    while (n < size) {
        size_t k = size - n < sizeof line ? size - n : sizeof line;
        line[k - 1] = '\n';
        fwrite(line, 1, k, f);
        line[k - 1] = 'x';
        n += k;
    }
    assert_int_equal(fclose(f), 0);
    return path;
}

static void dev_zero_rejected_as_too_large(void **state)
{
    (void)state;
    struct vg_sysparams sp, before;
    vg_sysparams_default(VG_PROFILE_WINDOWS_VISTA, &sp);
    before = sp;
    char err[256];
    assert_int_equal(vg_sysparams_load_reg(&sp, "/dev/zero", err, sizeof err), -1);
    assert_non_null(strstr(err, "/dev/zero"));
    assert_non_null(strstr(err, "larger than 1 MiB"));
    assert_memory_equal(&sp, &before, sizeof sp);
}

static void two_mib_export_rejected_one_mib_accepted(void **state)
{
    (void)state;
    struct vg_sysparams sp;
    vg_sysparams_default(VG_PROFILE_WINDOWS_VISTA, &sp);
    char err[256];
    char *big = write_padded_export(2u * 1024u * 1024u);
    assert_int_equal(vg_sysparams_load_reg(&sp, big, err, sizeof err), -1);
    assert_non_null(strstr(err, big));
    assert_non_null(strstr(err, "larger than 1 MiB"));
    assert_int_equal(sp.keepalive_time_ms, 7200000u);
    unlink(big);

    /* One byte over the limit is too much; the limit itself is fine. */
    char *over = write_padded_export(VG_REG_MAX_BYTES + 1u);
    assert_int_equal(vg_sysparams_load_reg(&sp, over, err, sizeof err), -1);
    assert_non_null(strstr(err, "larger than 1 MiB"));
    unlink(over);
    char *limit = write_padded_export(VG_REG_MAX_BYTES);
    assert_int_equal(vg_sysparams_load_reg(&sp, limit, err, sizeof err), 0);
    assert_int_equal(sp.keepalive_time_ms, 5000u);
    unlink(limit);
}

static void vigil_reg_dev_zero_fails_wsastartup(void **state)
{
    (void)state;
    setenv("VIGIL_CLOCK", "virtual", 1);
    setenv("VIGIL_NET", "loopback", 1);
    setenv("VIGIL_REG", "/dev/zero", 1);
    WSADATA wsa;
    assert_int_equal(WSAStartup(MAKEWORD(2, 2), &wsa), WSASYSNOTREADY);
    const char *why = vg_ws_startup_error();
    if (!strstr(why, "VIGIL_REG=/dev/zero") || !strstr(why, "larger than 1 MiB"))
        fail_msg("WSAStartup's message \"%s\" does not name the file and the limit", why);
    unsetenv("VIGIL_REG");
    assert_int_equal(api_start(NULL), 0);
    api_stop();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dev_zero_rejected_as_too_large),
        cmocka_unit_test(two_mib_export_rejected_one_mib_accepted),
        cmocka_unit_test(vigil_reg_dev_zero_fails_wsastartup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
