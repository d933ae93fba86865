/* Buffers that fit the path (README "Buffers"): receive autotuning grows a connection's receive
 * buffer toward what the application takes per round trip, the send buffer follows the
 * congestion window, both inside cfg.rcvbuf_max / cfg.sndbuf_max and the buffer budget; a size
 * the application sets fixes that buffer; idle connections keep their grown sizes but no memory.
 * Everything here is virtual time in the simulator, so the figures are exact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "tcp/tcb.h"
#include "testnet.h"

#define MIB (1024u * 1024u)

/* A 40 ms round trip on a 1 Gbit/s link: a bandwidth-delay product of 5 MB, 76 times what a
 * fixed 64 KiB window carries. */
static const struct vg_link_params long_fat = {.latency_us = 20000, .bandwidth_bps = 1000000000};

struct bulk {
    struct tn_pair *p;
    vg_tcb *a, *b;                       /* a (host 0) sends to b (host 1) */
    struct tn_transfer_result r;
};

static void bulk_setup(struct bulk *k, const struct vg_link_params *lp, struct vg_stack_config c[2],
                       void (*before_connect)(vg_tcb *client, vg_tcb *listener))
{
    memset(k, 0, sizeof *k);
    k->p = tn_pair_new_cfg(7, lp, &c[0], &c[1]);
    vg_tcb *l = tn_listen(k->p, 1, 443);
    vg_tcb *client = vg_tcp_open(tn_stack(k->p, 0));
    assert_non_null(client);
    if (before_connect)
        before_connect(client, l);
    tn_connect_pair(k->p, 0, client, l, 0, &k->a, &k->b);
}

static void bulk_run(struct bulk *k, uint64_t bytes)
{
    uint64_t n[2] = {bytes, 0};
    tn_transfer(k->p, k->a, k->b, n, 11, TN_SHUTDOWN, VG_MS(3600ull * 1000), &k->r);
    tn_assert_transfer_exact(&k->r);
    assert_int_equal(k->r.received[0], bytes);
}

static double gbit_per_s(const struct bulk *k)
{
    return (double)k->r.received[0] * 8.0 / ((double)k->r.elapsed * 1e3);
}

static void default_configs(struct vg_stack_config c[2])
{
    tn_pair_configs(c, VG_PROFILE_WINDOWS_VISTA, 7);
}


/* Runs a connection idle for a while, then asserts it holds no transfer block and no buffer
 * memory on either host, whatever its grown sizes. */
static void assert_idle_costs_nothing(struct bulk *k)
{
    tn_run_for(k->p, VG_MS(2000));
    for (int h = 0; h < 2; h++) {
        const struct vg_stack_stats *st = vg_stack_stats(tn_stack(k->p, h));
        assert_int_equal(st->mem_bytes, 0);
        assert_int_equal(st->tcp_xfer_live, 0);
    }
    assert_null(k->a->x);
    assert_null(k->b->x);
    assert_null(k->a->snd);
    assert_null(k->b->rcv);
}

/* Default settings, 40 ms RTT, 1 Gbit/s, no loss: the windows grow to the path. A fixed 64 KiB
 * window carries 13 Mbit/s here; once slow start is over the connection carries more than
 * 0.8 Gbit/s of virtual time, the receive buffer has grown past the bandwidth-delay product
 * and the send buffer with the window, and the SYN offered the shift the largest buffer needs. */
static void long_fat_path_fills_with_default_settings(void **state)
{
    (void)state;
    struct vg_stack_config c[2];
    default_configs(c);
    struct bulk k;
    bulk_setup(&k, &long_fat, c, NULL);
    assert_int_equal(k.a->rcv_wscale, 7);          /* 6 MiB >> 7 fits 16 bits, >> 6 does not */
    assert_int_equal(k.b->rcv_wscale, 7);
    assert_int_equal(k.a->snd_wscale, 7);
    uint64_t n[2] = {60ull * 1000 * 1000, 0};      /* slow start and the buffers' growth */
    tn_transfer(k.p, k.a, k.b, n, 11, 0, VG_MS(3600ull * 1000), &k.r);
    tn_assert_transfer_exact(&k.r);
    n[0] = 200ull * 1000 * 1000;                   /* then the path as it is filled */
    tn_transfer(k.p, k.a, k.b, n, 12, 0, VG_MS(3600ull * 1000), &k.r);
    tn_assert_transfer_exact(&k.r);
    double g = gbit_per_s(&k);
    print_message("200 MB after the ramp: %.3f Gbit/s of virtual time\n", g);
    assert_true(g >= 0.8);
    uint32_t snd, rcv;
    assert_int_equal(vg_tcp_bufsizes(k.b, NULL, &rcv), 0);
    assert_int_equal(vg_tcp_bufsizes(k.a, &snd, NULL), 0);
    assert_true(rcv >= 5u * MIB);                  /* the path holds 5 MB */
    assert_true(rcv <= VG_RCVBUF_MAX_DEFAULT);
    assert_true(snd >= 2u * MIB);
    assert_true(snd <= VG_SNDBUF_MAX_DEFAULT);
    assert_true(vg_stack_stats(tn_stack(k.p, 1))->tcp_rcvbuf_grown > 0);
    assert_true(vg_stack_stats(tn_stack(k.p, 0))->tcp_sndbuf_grown > 0);
    assert_int_equal(vg_stack_stats(tn_stack(k.p, 1))->tcp_buf_grow_refused, 0);
    /* Idle, the grown connection keeps its sizes and no memory. */
    assert_idle_costs_nothing(&k);
    vg_tcp_bufsizes(k.b, NULL, &rcv);
    assert_true(rcv >= 5u * MIB);
    tn_pair_free(k.p);
}

static void fix_listener_rcvbuf(vg_tcb *client, vg_tcb *listener)
{
    (void)client;
    vg_tcp_set_bufsizes(listener, 0, 256 * 1024);  /* SO_RCVBUF on the listening socket */
}

static void fix_client_sndbuf(vg_tcb *client, vg_tcb *listener)
{
    (void)listener;
    vg_tcp_set_bufsizes(client, 128 * 1024, 0);    /* SO_SNDBUF before connect */
}

/* SO_RCVBUF fixes the receive buffer: an accepted connection inherits it from the listener and
 * never grows it, its SYN-ACK offers the shift for that size, and the path carries what the
 * fixed window allows (256 KiB per 40 ms: 52 Mbit/s at most). */
static void so_rcvbuf_fixes_the_receive_buffer(void **state)
{
    (void)state;
    struct vg_stack_config c[2];
    default_configs(c);
    struct bulk k;
    bulk_setup(&k, &long_fat, c, fix_listener_rcvbuf);
    assert_int_equal(k.b->rcv_wscale, 3);          /* 256 KiB >> 3 = 32768 */
    bulk_run(&k, 20ull * 1000 * 1000);
    uint32_t rcv;
    assert_int_equal(vg_tcp_bufsizes(k.b, NULL, &rcv), VG_RCVBUF_FIXED);
    assert_int_equal(rcv, 256 * 1024);
    assert_int_equal(vg_stack_stats(tn_stack(k.p, 1))->tcp_rcvbuf_grown, 0);
    double g = gbit_per_s(&k);
    print_message("fixed 256 KiB receive buffer: %.4f Gbit/s\n", g);
    assert_true(g <= 256.0 * 1024 * 8 / 0.040 / 1e9);
    /* The sender's buffer still follows its window, up to twice what the peer offers. */
    uint32_t snd;
    assert_int_equal(vg_tcp_bufsizes(k.a, &snd, NULL), 0);
    assert_true(snd > 65536 && snd <= 2u * 256 * 1024 + 65536);
    tn_pair_free(k.p);
}

/* SO_SNDBUF fixes the send buffer: it never grows, whatever the window, and what can be
 * written at once (vg_tcp_writable, Winsock's FD_WRITE) never exceeds it. */
static void so_sndbuf_fixes_the_send_buffer(void **state)
{
    (void)state;
    struct vg_stack_config c[2];
    default_configs(c);
    struct bulk k;
    bulk_setup(&k, &long_fat, c, fix_client_sndbuf);
    bulk_run(&k, 20ull * 1000 * 1000);
    uint32_t snd;
    assert_int_equal(vg_tcp_bufsizes(k.a, &snd, NULL), VG_SNDBUF_FIXED);
    assert_int_equal(snd, 128 * 1024);
    assert_int_equal(vg_stack_stats(tn_stack(k.p, 0))->tcp_sndbuf_grown, 0);
    assert_true(vg_tcp_writable(k.a) <= 128 * 1024);
    assert_true(gbit_per_s(&k) <= 128.0 * 1024 * 8 / 0.040 / 1e9);
    tn_pair_free(k.p);
}

/* Without autotuning (a ceiling at the starting size) the buffers and the SYN's shift are what
 * they were: 64 KiB, no shift, 13 Mbit/s on this path. */
static void ceilings_at_the_starting_size_turn_autotuning_off(void **state)
{
    (void)state;
    struct vg_stack_config c[2];
    default_configs(c);
    for (int i = 0; i < 2; i++) {
        c[i].rcvbuf_max = c[i].rcvbuf;
        c[i].sndbuf_max = c[i].sndbuf;
    }
    struct bulk k;
    bulk_setup(&k, &long_fat, c, NULL);
    assert_int_equal(k.a->rcv_wscale, 0);
    assert_int_equal(k.b->rcv_wscale, 0);
    bulk_run(&k, 4ull * 1000 * 1000);
    uint32_t snd, rcv;
    vg_tcp_bufsizes(k.a, &snd, NULL);
    vg_tcp_bufsizes(k.b, NULL, &rcv);
    assert_int_equal(snd, 65536);
    assert_int_equal(rcv, 65536);
    assert_true(gbit_per_s(&k) <= 65536.0 * 8 / 0.040 / 1e9);
    tn_pair_free(k.p);
}

/* A smaller ceiling gets the smallest shift that carries it. */
static void the_offered_shift_fits_the_ceiling(void **state)
{
    (void)state;
    static const struct { uint32_t max; uint8_t shift; } cases[] = {
        {1u * MIB, 5}, {128 * 1024, 2}, {131070, 1}, {VG_RCVBUF_MAX_SCALED, 7}, {64u * MIB, 7},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct vg_stack_config c[2];
        default_configs(c);
        c[0].rcvbuf_max = c[1].rcvbuf_max = cases[i].max;
        struct bulk k;
        bulk_setup(&k, NULL, c, NULL);
        assert_int_equal(k.a->rcv_wscale, cases[i].shift);   /* active open's SYN */
        assert_int_equal(k.b->rcv_wscale, cases[i].shift);   /* passive open's SYN-ACK */
        assert_int_equal(k.a->snd_wscale, cases[i].shift);
        tn_pair_free(k.p);
    }
}

/* The budget bounds growth: with 1 MiB of buffer memory for the whole receiving stack, the
 * receive buffer never grows past what the budget could back, the refusals are counted, and
 * the transfer stays byte-exact. */
static void the_budget_bounds_growth(void **state)
{
    (void)state;
    struct vg_stack_config c[2];
    default_configs(c);
    c[1].mem_limit = 1u * MIB;
    struct bulk k;
    bulk_setup(&k, &long_fat, c, NULL);
    bulk_run(&k, 40ull * 1000 * 1000);
    uint32_t rcv;
    vg_tcp_bufsizes(k.b, NULL, &rcv);
    print_message("receive buffer under a 1 MiB budget: %u\n", rcv);
    assert_true(rcv > 65536);
    assert_true(rcv <= 1u * MIB);
    assert_true(vg_stack_stats(tn_stack(k.p, 1))->tcp_buf_grow_refused > 0);
    assert_true(vg_stack_stats(tn_stack(k.p, 1))->mem_bytes <= 1u * MIB);
    tn_pair_free(k.p);
}

/* A connection that does not move data fast never grows its receive buffer: a slow link
 * (1 Mbit/s, 40 ms) delivers less than an initial window per round trip, so it stays at 64 KiB
 * (the sender's grows at most to twice the 64 KiB the peer offers: its window fills the link's
 * queue); and small messages (a request-response exchange) take no measurement and leave no
 * block behind. */
static void slow_or_small_transfers_do_not_grow(void **state)
{
    (void)state;
    const struct vg_link_params slow = {.latency_us = 20000, .bandwidth_bps = 1000000};
    struct vg_stack_config c[2];
    default_configs(c);
    struct bulk k;
    bulk_setup(&k, &slow, c, NULL);
    bulk_run(&k, 500ull * 1000);
    uint32_t snd, rcv;
    vg_tcp_bufsizes(k.a, &snd, NULL);
    vg_tcp_bufsizes(k.b, NULL, &rcv);
    assert_int_equal(rcv, 65536);
    assert_true(snd <= 2u * 65536);
    assert_int_equal(vg_stack_stats(tn_stack(k.p, 1))->tcp_rcvbuf_grown, 0);
    tn_pair_free(k.p);

    default_configs(c);
    bulk_setup(&k, &long_fat, c, NULL);
    for (int i = 0; i < 20; i++) {
        uint64_t n[2] = {300, 300};
        tn_transfer(k.p, k.a, k.b, n, 20 + (uint64_t)i, 0, VG_MS(60000), &k.r);
        tn_assert_transfer_exact(&k.r);
    }
    vg_tcp_bufsizes(k.b, NULL, &rcv);
    assert_int_equal(rcv, 65536);
    assert_idle_costs_nothing(&k);
    tn_pair_free(k.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(long_fat_path_fills_with_default_settings),
        cmocka_unit_test(so_rcvbuf_fixes_the_receive_buffer),
        cmocka_unit_test(so_sndbuf_fixes_the_send_buffer),
        cmocka_unit_test(ceilings_at_the_starting_size_turn_autotuning_off),
        cmocka_unit_test(the_offered_shift_fits_the_ceiling),
        cmocka_unit_test(the_budget_bounds_growth),
        cmocka_unit_test(slow_or_small_transfers_do_not_grow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
