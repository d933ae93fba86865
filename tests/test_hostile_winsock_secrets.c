/* A program using the Winsock layer on a real wire must not get guessable ISNs or ports: without
 * VIGIL_SEED the default stack's seed and secret come from getrandom() (under either clock, so
 * two runs differ); VIGIL_SEED alone makes a run replay. The old default seeded from time and
 * pid, and from the constant 1 under the virtual clock: every run had the same ISNs and ports. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_api_support.h"
#include "tcp/tcb.h"

enum { CONNS = 3 };

struct run {
    uint32_t iss[CONNS];          /* the client's ISS of each connection */
    u_short port[CONNS];          /* the client's ephemeral port */
};

static struct run *recording;
static int recorded;

static void on_event(void *ctx, SOCKET s, const struct vg_event *ev)
{
    (void)ctx;
    /* Active opens only: an accepted connection has no socket yet when it connects. */
    if (ev->type == VG_EV_CONNECTED && s != INVALID_SOCKET && ev->tcb && recorded < CONNS)
        recording->iss[recorded++] = ev->tcb->iss;
}

static void one_run(struct run *r, const char *clock, const char *seed)
{
    memset(r, 0, sizeof *r);
    if (seed)
        setenv("VIGIL_SEED", seed, 1);
    else
        unsetenv("VIGIL_SEED");
    setenv("VIGIL_CLOCK", clock, 1);
    setenv("VIGIL_NET", "loopback", 1);
    unsetenv("VIGIL_PROFILE");
    unsetenv("VIGIL_REG");
    WSADATA wsa;
    assert_int_equal(WSAStartup(MAKEWORD(2, 2), &wsa), 0);
    recording = r;
    recorded = 0;
    vg_ws_set_event_hook(on_event, NULL);
    for (int i = 0; i < CONNS; i++) {
        SOCKET c, s;
        assert_int_equal(tcp_pair((u_short)(27700 + i), &c, &s), 0);
        struct sockaddr_in name;
        int len = sizeof name;
        assert_int_equal(getsockname(c, (SOCKADDR *)&name, &len), 0);
        r->port[i] = ntohs(name.sin_port);
        closesocket(c);
        closesocket(s);
    }
    assert_int_equal(recorded, CONNS);
    vg_ws_set_event_hook(NULL, NULL);
    api_stop();
    unsetenv("VIGIL_SEED");
}

static void default_stacks_without_vigil_seed_differ(void **state)
{
    (void)state;
    static const char *const clocks[] = {"virtual", "real"};
    for (int c = 0; c < 2; c++) {
        struct run a, b;
        one_run(&a, clocks[c], NULL);
        one_run(&b, clocks[c], NULL);
        /* Unpredictable across runs: ISNs (2^-32 to collide) and the port sequence. */
        for (int i = 0; i < CONNS; i++)
            if (a.iss[i] == b.iss[i])
                fail_msg("VIGIL_CLOCK=%s: two default stacks gave connection %d the ISS %08x",
                         clocks[c], i, a.iss[i]);
        assert_memory_not_equal(a.port, b.port, sizeof a.port);
    }
}

static void vigil_seed_replays_isns_and_ports(void **state)
{
    (void)state;
    struct run a, b, c;
    one_run(&a, "virtual", "4242");
    one_run(&b, "virtual", "4242");
    one_run(&c, "virtual", "4243");
    assert_memory_equal(a.iss, b.iss, sizeof a.iss);
    assert_memory_equal(a.port, b.port, sizeof a.port);
    assert_memory_not_equal(a.iss, c.iss, sizeof a.iss);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(default_stacks_without_vigil_seed_differ),
        cmocka_unit_test(vigil_seed_replays_isns_and_ports),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
