/* 100,000 keep-alive connections in one simulated network: the server host dies, and every
 * client connection must be aborted at its own exact instant (spec B3, C6), with settings that
 * differ from connection to connection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "sim/simnet.h"

#define NCONN 100000u
#define SERVER_PORTS 2u

struct conn {
    vg_tcb *t;
    vg_time expected;        /* abort instant */
    vg_time aborted;         /* observed, VG_TIME_NEVER until then */
    int err;
};

struct world {
    struct conn *c;
    size_t aborted, wrong;
};

static void on_client_event(void *ctx, const struct vg_event *ev)
{
    struct world *w = ctx;
    if (ev->type != VG_EV_ABORTED)
        return;
    struct conn *c = vg_tcp_user(ev->tcb);
    assert_non_null(c);
    c->aborted = ev->now;
    c->err = ev->err;
    w->aborted++;
}

static uint32_t ka_time(size_t i) { return 1000u + (uint32_t)(i % 97u) * 10u; }
static uint32_t ka_intvl(size_t i) { return 100u + (uint32_t)(i % 13u); }
static uint32_t ka_count(size_t i) { return 1u + (uint32_t)(i % 10u); }

static void c6_hundred_thousand_connections_abort_exactly(void **st)
{
    (void)st;
    struct vg_link_params lp = {.latency_us = 500};
    vg_simnet *net = vg_simnet_new(2024, &lp);
    assert_non_null(net);
    struct vg_stack_config cfg[2];
    for (int i = 0; i < 2; i++) {
        vg_stack_config_default(&cfg[i], VG_PROFILE_WINDOWS_VISTA);
        cfg[i].addr = i ? 0xc0000202u : 0xc0000201u;
        cfg[i].seed = 77u + (uint64_t)i;
        cfg[i].max_backlog = NCONN;    /* every connection waits in an accept queue at once */
        cfg[i].max_tcbs = NCONN + SERVER_PORTS + 16u;  /* whatever the default limit is */
    }
    assert_int_equal(vg_simnet_add_host(net, &cfg[0]), 0);
    assert_int_equal(vg_simnet_add_host(net, &cfg[1]), 1);
    vg_stack *cs = vg_simnet_stack(net, 0), *ss = vg_simnet_stack(net, 1);

    struct world w = {.c = calloc(NCONN, sizeof *w.c)};
    assert_non_null(w.c);
    vg_stack_set_event(cs, on_client_event, &w);

    vg_tcb *l[SERVER_PORTS];
    for (unsigned k = 0; k < SERVER_PORTS; k++) {
        l[k] = vg_tcp_open(ss);
        assert_int_equal(vg_tcp_bind(l[k], 0, (uint16_t)(8000 + k)), 0);
        assert_int_equal(vg_tcp_listen(l[k], (int)NCONN), 0);
    }
    /* Connections open in batches, so their last receipts are spread over time. */
    for (size_t i = 0; i < NCONN; i++) {
        vg_tcb *t = vg_tcp_open(cs);
        assert_non_null(t);
        struct conn *c = &w.c[i];
        c->t = t;
        c->aborted = VG_TIME_NEVER;
        vg_tcp_set_user(t, c);
        vg_time now = vg_simnet_now(net);
        assert_int_equal(vg_tcp_set_keepalive_time_ms(t, ka_time(i), now), 0);
        assert_int_equal(vg_tcp_set_keepalive_interval_ms(t, ka_intvl(i), now), 0);
        assert_int_equal(vg_tcp_set_keepalive_count(t, ka_count(i), now), 0);
        assert_int_equal(vg_tcp_set_keepalive(t, 1, now), 0);
        assert_int_equal(vg_tcp_bind(t, 0, (uint16_t)(1024 + i / SERVER_PORTS)), 0);
        assert_int_equal(vg_tcp_connect(t, 0xc0000202u, (uint16_t)(8000 + i % SERVER_PORTS), now), 0);
        if (i % 1000 == 999)
            vg_simnet_run_until(net, vg_simnet_now(net) + 137);
    }
    vg_simnet_run_until(net, vg_simnet_now(net) + VG_MS(100));
    size_t accepted = 0;
    for (unsigned k = 0; k < SERVER_PORTS; k++)
        while (vg_tcp_accept(l[k]))
            accepted++;
    assert_int_equal(accepted, NCONN);

    for (size_t i = 0; i < NCONN; i++) {
        assert_int_equal(vg_tcp_state(w.c[i].t), VG_TCP_ESTABLISHED);
        struct vg_keepalive_info ki;
        vg_tcp_keepalive_info(w.c[i].t, vg_simnet_now(net), &ki);
        w.c[i].expected = ki.last_rx + VG_MS(ka_time(i)) + (vg_time)ka_count(i) * VG_MS(ka_intvl(i));
    }
    vg_simnet_set_host_up(net, 1, 0);
    vg_simnet_run_until(net, vg_simnet_now(net) + VG_MS(5000));

    assert_int_equal(w.aborted, NCONN);
    for (size_t i = 0; i < NCONN; i++) {
        if (w.c[i].aborted != w.c[i].expected || w.c[i].err != VG_ERR_NETRESET)
            w.wrong++;
    }
    assert_int_equal(w.wrong, 0);
    assert_int_equal(vg_stack_stats(cs)->ka_aborts, NCONN);
    vg_simnet_free(net);
    free(w.c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(c6_hundred_thousand_connections_abort_exactly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
