/* The core's errors as a Winsock program sees them: every enum vg_err has its WSA code. Most
 * rows are also met end to end (test_api_io.c, test_api_keepalive.c); WSAECONNABORTED only
 * here: the core aborts a connection itself only on closesocket, whose handle is gone by then. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "api/ws.h"
#include "vigil/winsock2.h"

static void err_row_every_core_error_has_its_wsa_code(void **state)
{
    (void)state;
    const struct { int vg, wsa; } rows[] = {
        {VG_ERR_WOULDBLOCK, WSAEWOULDBLOCK}, {VG_ERR_INVAL, WSAEINVAL},
        {VG_ERR_NOBUFS, WSAENOBUFS}, {VG_ERR_ADDRINUSE, WSAEADDRINUSE},
        {VG_ERR_NOTCONN, WSAENOTCONN}, {VG_ERR_ISCONN, WSAEISCONN},
        {VG_ERR_ALREADY, WSAEALREADY}, {VG_ERR_CONNREFUSED, WSAECONNREFUSED},
        {VG_ERR_CONNRESET, WSAECONNRESET}, {VG_ERR_CONNABORTED, WSAECONNABORTED},
        {VG_ERR_TIMEDOUT, WSAETIMEDOUT}, {VG_ERR_NETRESET, WSAENETRESET},
        {VG_ERR_NETDOWN, WSAENETDOWN}, {VG_ERR_SHUTDOWN, WSAESHUTDOWN},
        {VG_ERR_MSGSIZE, WSAEMSGSIZE}, {VG_ERR_NOPROTOOPT, WSAENOPROTOOPT},
        {VG_ERR_HOSTUNREACH, WSAEHOSTUNREACH}, {VG_ERR_NETUNREACH, WSAENETUNREACH},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        assert_int_equal(ws_err_from_vg(rows[i].vg), rows[i].wsa);
        assert_int_equal(ws_err_from_vg(-rows[i].vg), rows[i].wsa);   /* as the core returns them */
    }
    assert_int_equal(ws_err_from_vg(0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(err_row_every_core_error_has_its_wsa_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
