/* The simulated network: delivery order and timing (latency, bandwidth), the impairments (loss,
 * duplication, reordering, corruption), partitions, hosts going down, filters, routing, reboots,
 * captures and replay from a seed. Datagrams are UDP, so each one can be followed by its
 * sequence number; TCP is used only where timers matter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "link/pcap.h"
#include "pcapng_read.h"
#include "sim/packet_queue.h"
#include "sim/simnet.h"
#include "testnet.h"
#include "wire/wire.h"

#define PORT 7000
#define MAX_HOSTS 3
#define IP_UDP_OVERHEAD (VG_IPV4_HDR_LEN + VG_UDP_HDR_LEN)

static const uint32_t host_addr[MAX_HOSTS] = {0xc0000201u, 0xc0000202u, 0xc0000203u};

struct arrival {
    vg_time at;
    uint32_t seq;
    int host;
};

struct rig {
    vg_simnet *net;
    int nhosts;
    vg_udp *udp[MAX_HOSTS];
    struct arrival *arr;
    size_t narr, cap;
    int damaged;        /* datagrams that arrived with wrong content */
};

static vg_udp *bind_udp(vg_stack *s, uint32_t addr)
{
    vg_udp *u = vg_udp_open(s);
    assert_non_null(u);
    assert_int_equal(vg_udp_bind(u, addr, PORT), 0);
    return u;
}

static void rig_init_cfg(struct rig *r, uint64_t seed, const struct vg_link_params *lp, int nhosts,
                         const struct vg_stack_config *cfgs)
{
    memset(r, 0, sizeof *r);
    r->net = vg_simnet_new(seed, lp);
    assert_non_null(r->net);
    r->nhosts = nhosts;
    for (int i = 0; i < nhosts; i++) {
        assert_int_equal(vg_simnet_add_host(r->net, &cfgs[i]), i);
        r->udp[i] = bind_udp(vg_simnet_stack(r->net, i), cfgs[i].accept_subnet ? 0 : cfgs[i].addr);
    }
}

static void default_cfgs(struct vg_stack_config *cfgs, int nhosts)
{
    for (int i = 0; i < nhosts; i++) {
        vg_stack_config_default(&cfgs[i], VG_PROFILE_WINDOWS_VISTA);
        cfgs[i].addr = host_addr[i];
        cfgs[i].seed = 100u + (uint64_t)i;
    }
}

static void rig_init(struct rig *r, uint64_t seed, const struct vg_link_params *lp, int nhosts)
{
    struct vg_stack_config cfgs[MAX_HOSTS];
    default_cfgs(cfgs, nhosts);
    rig_init_cfg(r, seed, lp, nhosts, cfgs);
}

static void rig_free(struct rig *r)
{
    vg_simnet_free(r->net);
    free(r->arr);
}

/* Payload: the sequence number, then bytes derived from it, so damage is visible. */
static void send_seq_to(struct rig *r, int from, uint32_t dst, uint32_t seq, size_t len)
{
    uint8_t buf[1472];
    assert_true(len >= 4 && len <= sizeof buf);
    vg_put32(buf, seq);
    for (size_t i = 4; i < len; i++)
        buf[i] = (uint8_t)(seq * 7u + i);
    long n = vg_udp_sendto(r->udp[from], buf, len, dst, PORT, vg_simnet_now(r->net));
    assert_int_equal(n, (long)len);
}

static void send_seq(struct rig *r, int from, int to, uint32_t seq, size_t len)
{
    send_seq_to(r, from, host_addr[to], seq, len);
}

static void drain(struct rig *r)
{
    for (int h = 0; h < r->nhosts; h++) {
        uint8_t buf[2048];
        long n;
        while ((n = vg_udp_recvfrom(r->udp[h], buf, sizeof buf, NULL, NULL)) >= 0) {
            assert_true(n >= 4);
            uint32_t seq = vg_get32(buf);
            for (long i = 4; i < n; i++)
                if (buf[i] != (uint8_t)(seq * 7u + (uint32_t)i)) {
                    r->damaged++;
                    break;
                }
            if (r->narr == r->cap) {
                r->cap = r->cap ? r->cap * 2 : 256;
                r->arr = realloc(r->arr, r->cap * sizeof *r->arr);
                assert_non_null(r->arr);
            }
            r->arr[r->narr++] = (struct arrival){vg_simnet_now(r->net), seq, h};
        }
    }
}

/* Runs event by event up to limit, noting when each datagram arrives. */
static void collect(struct rig *r, vg_time limit)
{
    while (vg_simnet_step(r->net, limit))
        drain(r);
}

/* ---- the in-flight queue itself */

static void queue_same_time_keeps_send_order(void **state)
{
    (void)state;
    struct vg_packet_queue q;
    vg_pq_init(&q);
    for (int i = 0; i < 100; i++) {
        uint8_t b = (uint8_t)i;
        assert_int_equal(vg_pq_push(&q, (size_t)(i % 2), (vg_time)(i % 3) * 10, vg_sim_packet_new(0, 1, &b, 1)), 0);
    }
    int last_byte[3] = {-1, -1, -1};
    vg_time prev = 0;
    for (int i = 0; i < 100; i++) {
        vg_time at;
        struct vg_sim_packet *p = vg_pq_pop(&q, &at);
        assert_non_null(p);
        assert_true(at >= prev);
        prev = at;
        int slot = (int)(at / 10);
        assert_true(p->data[0] > last_byte[slot]);
        last_byte[slot] = p->data[0];
        free(p);
    }
    assert_null(vg_pq_pop(&q, NULL));
    assert_int_equal(vg_pq_next_time(&q), VG_TIME_NEVER);
    vg_pq_free(&q);
}

static void queue_pops_in_time_order(void **state)
{
    (void)state;
    struct vg_packet_queue q;
    vg_pq_init(&q);
    struct vg_prng r;
    vg_prng_seed(&r, 5);
    enum { N = 20000 };
    for (int i = 0; i < N; i++) {
        uint32_t id = (uint32_t)i;
        /* Lanes 0-1 get ever later times (the FIFO path), lanes 2-4 random ones (the heap). */
        size_t lane = (size_t)(i % 5);
        vg_time at = lane < 2 ? (vg_time)i / 20 : vg_prng_below(&r, 1000);
        assert_int_equal(vg_pq_push(&q, lane, at, vg_sim_packet_new(0, 1, (uint8_t *)&id, 4)), 0);
        if (i % 3 == 0) {   /* interleave pops with pushes, as the simulation does */
            vg_time popped;
            free(vg_pq_pop(&q, &popped));
            assert_true(popped <= vg_pq_next_time(&q));   /* nothing left was due earlier */
        }
    }
    vg_time prev = 0;
    uint32_t prev_id = 0;
    size_t n = 0;
    while (vg_pq_count(&q)) {
        vg_time at;
        struct vg_sim_packet *p = vg_pq_pop(&q, &at);
        uint32_t id;
        memcpy(&id, p->data, 4);
        assert_true(at > prev || (at == prev && (n == 0 || id > prev_id)));
        prev = at;
        prev_id = id;
        n++;
        free(p);
    }
    assert_int_equal(n, N - (N + 2) / 3);
    assert_null(vg_pq_pop(&q, NULL));
    vg_pq_free(&q);
}

/* ---- timing */

static void latency_delays_each_packet_exactly(void **state)
{
    (void)state;
    struct vg_link_params lp = {.latency_us = 12345};
    struct rig r;
    rig_init(&r, 1, &lp, 2);
    send_seq(&r, 0, 1, 1, 100);
    vg_simnet_run_until(r.net, 3000);
    send_seq(&r, 1, 0, 2, 100);
    collect(&r, VG_MS(1000));
    assert_int_equal(r.narr, 2);
    assert_int_equal(r.arr[0].seq, 1);
    assert_int_equal(r.arr[0].host, 1);
    assert_int_equal(r.arr[0].at, 12345);
    assert_int_equal(r.arr[1].seq, 2);
    assert_int_equal(r.arr[1].host, 0);
    assert_int_equal(r.arr[1].at, 3000 + 12345);
    assert_int_equal(vg_simnet_stats(r.net)->delivered, 2);
    rig_free(&r);
}

static void bandwidth_serialises_each_direction(void **state)
{
    (void)state;
    /* 8 Mbit/s is one byte a microsecond: a 1000-byte datagram occupies the wire 1000 µs. */
    struct vg_link_params lp = {.latency_us = 5000, .bandwidth_bps = 8000000};
    struct rig r;
    rig_init(&r, 1, &lp, 2);
    for (uint32_t k = 0; k < 5; k++)
        send_seq(&r, 0, 1, k, 1000 - IP_UDP_OVERHEAD);
    send_seq(&r, 1, 0, 99, 1000 - IP_UDP_OVERHEAD);
    collect(&r, VG_MS(1000));
    assert_int_equal(r.narr, 6);
    for (size_t i = 0; i < r.narr; i++) {
        if (r.arr[i].seq == 99)   /* the other direction has its own wire */
            assert_int_equal(r.arr[i].at, 1000 + 5000);
        else
            assert_int_equal(r.arr[i].at, (r.arr[i].seq + 1) * 1000 + 5000);
    }
    /* Once the wire is idle again a packet goes out at once. */
    r.narr = 0;
    vg_time t = vg_simnet_now(r.net);
    send_seq(&r, 0, 1, 7, 500 - IP_UDP_OVERHEAD);
    collect(&r, t + VG_MS(1000));
    assert_int_equal(r.narr, 1);
    assert_int_equal(r.arr[0].at, t + 500 + 5000);
    rig_free(&r);
}

static void same_instant_packets_arrive_in_send_order(void **state)
{
    (void)state;
    struct vg_link_params lp = {.latency_us = 1000};
    struct rig r;
    rig_init(&r, 1, &lp, 2);
    for (uint32_t k = 0; k < 200; k++)
        send_seq(&r, 0, 1, k, 10);
    collect(&r, VG_MS(10));
    assert_int_equal(r.narr, 200);
    for (uint32_t k = 0; k < 200; k++) {
        assert_int_equal(r.arr[k].seq, k);
        assert_int_equal(r.arr[k].at, 1000);
    }
    rig_free(&r);
}

static void idle_clock_jumps_straight_to_the_limit(void **state)
{
    (void)state;
    struct rig r;
    rig_init(&r, 1, NULL, 2);
    vg_time two_hours = VG_MS(2 * 3600 * 1000);
    assert_int_equal(vg_simnet_step(r.net, two_hours), 0);
    assert_int_equal(vg_simnet_now(r.net), two_hours);
    vg_simnet_run_until(r.net, 2 * two_hours);
    assert_int_equal(vg_simnet_now(r.net), 2 * two_hours);
    rig_free(&r);
}

static int got_two(void *ctx)
{
    struct rig *r = ctx;
    drain(r);
    return r->narr >= 2;
}

static void run_while_not_stops_at_the_event_that_satisfies(void **state)
{
    (void)state;
    struct vg_link_params lp = {.latency_us = 1000};
    struct rig r;
    rig_init(&r, 1, &lp, 2);
    send_seq(&r, 0, 1, 1, 10);
    vg_simnet_run_until(r.net, 500);
    send_seq(&r, 0, 1, 2, 10);
    vg_simnet_run_until(r.net, 700);
    send_seq(&r, 0, 1, 3, 10);
    assert_int_equal(vg_simnet_run_while_not(r.net, got_two, &r, VG_MS(100)), 1);
    assert_int_equal(vg_simnet_now(r.net), 1500);
    assert_int_equal(vg_simnet_in_flight(r.net), 1);
    /* A predicate that never holds: runs to the limit and reports failure. */
    r.narr = 0;
    assert_int_equal(vg_simnet_run_while_not(r.net, got_two, &r, VG_MS(100)), 0);
    assert_int_equal(r.narr, 1);
    rig_free(&r);
}

/* ---- impairments */

static void loss_drops_about_the_configured_share(void **state)
{
    (void)state;
    struct vg_link_params lp = {.latency_us = 100, .loss = 0.1};
    struct rig r;
    rig_init(&r, 3, &lp, 2);
    enum { N = 10000 };
    for (uint32_t k = 0; k < N; k++) {
        send_seq(&r, 0, 1, k, 20);
        collect(&r, vg_simnet_now(r.net) + 200);
    }
    const struct vg_simnet_stats *st = vg_simnet_stats(r.net);
    assert_int_equal(st->sent, N);
    assert_int_equal(r.narr + st->lost, N);
    assert_int_equal(st->delivered, r.narr);
    /* Binomial(10000, 0.1): mean 1000, sd 30; a bound of five sd. */
    assert_in_range(st->lost, 850, 1150);
    rig_free(&r);
}

static void duplication_delivers_extra_copies(void **state)
{
    (void)state;
    struct vg_link_params lp = {.latency_us = 100, .dup = 0.2};
    struct rig r;
    rig_init(&r, 4, &lp, 2);
    enum { N = 2000 };
    unsigned copies[N] = {0};
    for (uint32_t k = 0; k < N; k++)
        send_seq(&r, 0, 1, k, 20);
    collect(&r, VG_MS(100));
    const struct vg_simnet_stats *st = vg_simnet_stats(r.net);
    assert_int_equal(r.narr, N + st->duplicated);
    assert_in_range(st->duplicated, 300, 500);     /* mean 400, sd 18 */
    for (size_t i = 0; i < r.narr; i++)
        copies[r.arr[i].seq]++;
    for (int k = 0; k < N; k++)
        assert_in_range(copies[k], 1, 2);
    assert_int_equal(r.damaged, 0);
    rig_free(&r);
}

static void reorder_holds_some_packets_back(void **state)
{
    (void)state;
    struct vg_link_params lp = {.latency_us = 1000, .reorder = 0.1};
    struct rig r;
    rig_init(&r, 5, &lp, 2);
    enum { N = 1000 };
    for (uint32_t k = 0; k < N; k++) {
        send_seq(&r, 0, 1, k, 20);
        collect(&r, vg_simnet_now(r.net) + 100);                  /* one every 100 µs */
    }
    collect(&r, VG_MS(1000));
    const struct vg_simnet_stats *st = vg_simnet_stats(r.net);
    assert_int_equal(r.narr, N);                                  /* none lost */
    assert_in_range(st->reordered, 60, 140);
    size_t overtaken = 0;
    for (size_t i = 1; i < r.narr; i++)
        overtaken += r.arr[i].seq < r.arr[i - 1].seq;
    assert_true(overtaken > 0);
    assert_true(overtaken <= st->reordered);
    for (size_t i = 0; i < r.narr; i++) {
        /* Held back by at most twice the latency, never delivered early. */
        vg_time sent = (vg_time)r.arr[i].seq * 100;
        assert_true(r.arr[i].at >= sent + 1000);
        assert_true(r.arr[i].at <= sent + 1000 + 2000);
    }
    rig_free(&r);
}

static void corruption_is_caught_by_checksums(void **state)
{
    (void)state;
    struct vg_link_params lp = {.latency_us = 100, .corrupt = 0.3};
    struct rig r;
    rig_init(&r, 6, &lp, 2);
    enum { N = 3000 };
    for (uint32_t k = 0; k < N; k++)
        send_seq(&r, 0, 1, k, 200);
    collect(&r, VG_MS(100));
    const struct vg_simnet_stats *st = vg_simnet_stats(r.net);
    const struct vg_stack_stats *rx = vg_stack_stats(vg_simnet_stack(r.net, 1));
    assert_int_equal(st->delivered, N);
    assert_in_range(st->corrupted, 800, 1000);                    /* mean 900, sd 25 */
    /* No damaged datagram reaches the application; every one the receiver dropped was
     * counted as a bad IP or UDP checksum. */
    assert_int_equal(r.damaged, 0);
    uint64_t rejected = rx->ip_bad + rx->udp_bad;
    assert_int_equal(r.narr + rejected, N);
    assert_true(rejected <= st->corrupted);
    assert_true(rejected >= st->corrupted * 9 / 10);
    rig_free(&r);
}

/* ---- topology and faults */

static void partition_blocks_both_directions_until_lifted(void **state)
{
    (void)state;
    struct vg_link_params lp = {.latency_us = 1000};
    struct rig r;
    rig_init(&r, 1, &lp, 3);
    vg_simnet_set_partition(r.net, 0, 1, 1);
    send_seq(&r, 0, 1, 1, 10);
    send_seq(&r, 1, 0, 2, 10);
    send_seq(&r, 0, 2, 3, 10);     /* other pairs are unaffected */
    collect(&r, VG_MS(10));
    assert_int_equal(r.narr, 1);
    assert_int_equal(r.arr[0].seq, 3);
    assert_int_equal(vg_simnet_stats(r.net)->partitioned, 2);
    vg_simnet_set_partition(r.net, 1, 0, 0);   /* lifted, named either way round */
    send_seq(&r, 0, 1, 4, 10);
    send_seq(&r, 1, 0, 5, 10);
    collect(&r, VG_MS(20));
    assert_int_equal(r.narr, 3);
    rig_free(&r);
}

static void down_host_neither_sends_nor_receives(void **state)
{
    (void)state;
    struct vg_link_params lp = {.latency_us = 10000};
    struct rig r;
    rig_init(&r, 1, &lp, 2);
    vg_simnet_set_host_up(r.net, 1, 0);
    send_seq(&r, 0, 1, 1, 10);
    send_seq(&r, 1, 0, 2, 10);
    collect(&r, VG_MS(50));
    assert_int_equal(r.narr, 0);
    const struct vg_simnet_stats *st = vg_simnet_stats(r.net);
    assert_int_equal(st->sent, 1);
    assert_int_equal(st->host_down, 2);
    /* A packet already in flight when the host goes down is lost with it. */
    vg_simnet_set_host_up(r.net, 1, 1);
    send_seq(&r, 0, 1, 3, 10);
    vg_simnet_run_until(r.net, vg_simnet_now(r.net) + 5000);
    vg_simnet_set_host_up(r.net, 1, 0);
    vg_simnet_run_until(r.net, vg_simnet_now(r.net) + 10000);
    vg_simnet_set_host_up(r.net, 1, 1);
    collect(&r, VG_MS(200));
    assert_int_equal(r.narr, 0);
    send_seq(&r, 0, 1, 4, 10);
    collect(&r, VG_MS(300));
    assert_int_equal(r.narr, 1);
    assert_int_equal(r.arr[0].seq, 4);
    rig_free(&r);
}

static void down_host_runs_no_timers(void **state)
{
    (void)state;
    struct tn_pair *p = tn_pair_new(1, NULL, VG_PROFILE_WINDOWS_VISTA);
    vg_simnet_set_partition(p->net, 0, 1, 1);   /* the SYN will need retransmitting */
    vg_tcb *c = vg_tcp_open(tn_stack(p, 0));
    assert_non_null(c);
    assert_int_equal(vg_tcp_connect(c, TN_ADDR1, 80, tn_now(p)), 0);
    vg_simnet_set_host_up(p->net, 0, 0);
    tn_run_for(p, VG_MS(600000));
    assert_int_equal(vg_stack_stats(tn_stack(p, 0))->tcp_retransmits, 0);
    assert_int_equal(vg_tcp_state(c), VG_TCP_SYN_SENT);
    vg_simnet_set_host_up(p->net, 0, 1);
    tn_run_for(p, VG_MS(10000));
    assert_true(vg_stack_stats(tn_stack(p, 0))->tcp_retransmits > 0);
    tn_pair_free(p);
}

struct filter_log {
    unsigned seen[MAX_HOSTS][MAX_HOSTS];
    int drop_odd;
    uint32_t rewrite_to;          /* nonzero: rewrite the destination to this address */
};

static int filter(void *ctx, uint8_t *pkt, size_t len, int from, int to, vg_time now)
{
    (void)now;
    struct filter_log *f = ctx;
    f->seen[from][to]++;
    assert_true(len >= IP_UDP_OVERHEAD + 4);
    uint32_t seq = vg_get32(pkt + IP_UDP_OVERHEAD);
    if (f->drop_odd && (seq & 1))
        return 0;
    if (f->rewrite_to) {
        /* As a NAT does: new destination, fixed IP checksum, no UDP checksum (legal in IPv4). */
        vg_put32(pkt + 16, f->rewrite_to);
        vg_put16(pkt + 10, 0);
        vg_put16(pkt + 10, vg_csum_fold(vg_csum_add(0, pkt, VG_IPV4_HDR_LEN)));
        vg_put16(pkt + VG_IPV4_HDR_LEN + 6, 0);
    }
    return 1;
}

static void filter_sees_every_packet_and_may_drop_it(void **state)
{
    (void)state;
    struct vg_link_params lp = {.latency_us = 100};
    struct rig r;
    rig_init(&r, 1, &lp, 3);
    struct filter_log f = {.drop_odd = 1};
    vg_simnet_set_filter(r.net, filter, &f);
    for (uint32_t k = 0; k < 10; k++)
        send_seq(&r, 0, 1, k, 10);
    for (uint32_t k = 0; k < 4; k++)
        send_seq(&r, 2, 0, 100 + k, 10);
    collect(&r, VG_MS(10));
    assert_int_equal(f.seen[0][1], 10);
    assert_int_equal(f.seen[2][0], 4);
    assert_int_equal(vg_simnet_stats(r.net)->filtered, 5 + 2);
    assert_int_equal(r.narr, 5 + 2);
    for (size_t i = 0; i < r.narr; i++)
        assert_int_equal(r.arr[i].seq & 1, 0);
    vg_simnet_set_filter(r.net, NULL, NULL);
    send_seq(&r, 0, 1, 11, 10);
    collect(&r, VG_MS(20));
    assert_int_equal(r.narr, 8);
    rig_free(&r);
}

static void rewritten_destination_is_routed_again(void **state)
{
    (void)state;
    struct vg_link_params lp = {.latency_us = 100};
    struct rig r;
    rig_init(&r, 1, &lp, 3);
    struct filter_log f = {.rewrite_to = host_addr[2]};
    vg_simnet_set_filter(r.net, filter, &f);
    send_seq(&r, 0, 1, 42, 10);
    collect(&r, VG_MS(10));
    assert_int_equal(f.seen[0][1], 1);
    assert_int_equal(r.narr, 1);
    assert_int_equal(r.arr[0].host, 2);
    assert_int_equal(r.arr[0].seq, 42);
    rig_free(&r);
}

static void packets_for_no_host_are_dropped_and_counted(void **state)
{
    (void)state;
    struct rig r;
    rig_init(&r, 1, NULL, 2);
    send_seq_to(&r, 0, 0xc0000263u, 1, 10);     /* 192.0.2.99: nobody */
    collect(&r, VG_MS(10));
    assert_int_equal(r.narr, 0);
    assert_int_equal(vg_simnet_stats(r.net)->unroutable, 1);
    assert_int_equal(vg_simnet_stats(r.net)->delivered, 0);
    rig_free(&r);
}

static void subnet_host_receives_for_its_whole_prefix(void **state)
{
    (void)state;
    struct vg_stack_config cfgs[3];
    default_cfgs(cfgs, 3);
    cfgs[2].addr = 0xc6336401u;      /* 198.51.100.1/24, answering for the whole /24 */
    cfgs[2].prefix_len = 24;
    cfgs[2].accept_subnet = 1;
    struct rig r;
    rig_init_cfg(&r, 1, NULL, 3, cfgs);
    send_seq_to(&r, 0, 0xc633644du, 1, 10);     /* 198.51.100.77 */
    send_seq_to(&r, 0, 0xc6336501u, 2, 10);     /* 198.51.101.1: outside the prefix */
    send_seq(&r, 0, 1, 3, 10);                  /* exact match still wins for the others */
    collect(&r, VG_MS(10));
    assert_int_equal(r.narr, 2);
    for (size_t i = 0; i < r.narr; i++)
        assert_int_equal(r.arr[i].host, r.arr[i].seq == 1 ? 2 : 1);
    assert_int_equal(vg_simnet_stats(r.net)->unroutable, 1);
    rig_free(&r);
}

static void reboot_delivers_packets_in_flight_to_the_new_stack(void **state)
{
    (void)state;
    struct vg_link_params lp = {.latency_us = 10000};
    struct rig r;
    rig_init(&r, 1, &lp, 2);
    send_seq(&r, 0, 1, 9, 10);
    vg_simnet_run_until(r.net, 5000);
    vg_stack *fresh = vg_simnet_reboot(r.net, 1);
    assert_non_null(fresh);
    assert_ptr_equal(vg_simnet_stack(r.net, 1), fresh);
    r.udp[1] = bind_udp(fresh, host_addr[1]);   /* the old socket went with the old stack */
    collect(&r, VG_MS(50));
    assert_int_equal(r.narr, 1);
    assert_int_equal(r.arr[0].host, 1);
    assert_int_equal(vg_stack_stats(fresh)->udp_in, 1);
    assert_int_equal(vg_stack_config(fresh)->addr, host_addr[1]);
    rig_free(&r);
}

/* ---- capture and replay */

static void capture_has_every_packet_put_on_the_wire_at_virtual_time(void **state)
{
    (void)state;
    char path[] = "/tmp/vg_test_simnet_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    struct vg_pcap *cap = vg_pcap_open(path);
    assert_non_null(cap);
    struct vg_link_params lp = {.latency_us = 1000, .loss = 0.5};
    struct rig r;
    rig_init(&r, 8, &lp, 2);
    vg_simnet_set_pcap(r.net, cap);
    for (uint32_t k = 0; k < 20; k++)
        send_seq(&r, 0, 1, k, 30);
    vg_simnet_run_until(r.net, 1500000);
    for (uint32_t k = 20; k < 40; k++)
        send_seq(&r, 1, 0, k, 30);
    collect(&r, 3000000);
    uint64_t lost = vg_simnet_stats(r.net)->lost;
    vg_simnet_set_pcap(r.net, NULL);
    send_seq(&r, 0, 1, 99, 30);          /* after the capture was detached */
    const struct vg_simnet_stats *st = vg_simnet_stats(r.net);
    assert_true(st->lost > 0);
    assert_int_equal(vg_pcap_count(cap), 40);
    /* Every packet the link lost says so, and only those. */
    assert_int_equal(vg_pcap_commented(cap), lost);
    assert_int_equal(vg_pcap_close(cap), 0);

    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static uint8_t buf[16384];
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    size_t off = pcapng_header(buf, len);
    assert_true(off > 0);
    uint64_t comments = 0;
    for (uint32_t k = 0; k < 40; k++) {
        struct pcapng_rec rec = {0};
        assert_int_equal(pcapng_next(buf, len, &off, &rec), 1);
        assert_int_equal(rec.t_us, k < 20 ? 0 : 1500000);
        assert_int_equal(rec.incl, 30 + IP_UDP_OVERHEAD);
        const uint8_t *ip = rec.data;
        assert_int_equal(ip[0] >> 4, 4);
        assert_int_equal(vg_get32(ip + 12), host_addr[k < 20 ? 0 : 1]);
        assert_int_equal(vg_get32(ip + IP_UDP_OVERHEAD), k);
        if (rec.comment) {
            assert_int_equal(rec.comment_len, strlen("dropped: random loss"));
            assert_memory_equal(rec.comment, "dropped: random loss", rec.comment_len);
            comments++;
        }
    }
    assert_int_equal(comments, lost);
    assert_int_equal(off, len);
    unlink(path);
    rig_free(&r);
}

static size_t impaired_run(uint64_t seed, struct arrival *out, size_t cap)
{
    struct vg_link_params lp = {.latency_us = 2000, .bandwidth_bps = 10000000, .loss = 0.1,
                                .dup = 0.1, .reorder = 0.2, .corrupt = 0.05};
    struct rig r;
    rig_init(&r, seed, &lp, 2);
    for (uint32_t k = 0; k < 500; k++) {
        send_seq(&r, (int)(k & 1), (int)!(k & 1), k, 20 + k % 700);
        collect(&r, vg_simnet_now(r.net) + 300);
    }
    collect(&r, VG_MS(10000));
    size_t n = r.narr < cap ? r.narr : cap;
    memcpy(out, r.arr, n * sizeof *out);
    rig_free(&r);
    return n;
}

static void same_seed_replays_exactly(void **state)
{
    (void)state;
    enum { CAP = 2000 };
    struct arrival *a = calloc(CAP, sizeof *a), *b = calloc(CAP, sizeof *b), *c = calloc(CAP, sizeof *c);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    size_t na = impaired_run(77, a, CAP), nb = impaired_run(77, b, CAP), nc = impaired_run(78, c, CAP);
    assert_true(na > 300);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na * sizeof *a);
    assert_true(na != nc || memcmp(a, c, na * sizeof *a) != 0);
    free(a);
    free(b);
    free(c);
}

/* ---- the test support library on the simulated net */

static void testnet_connects_and_records_events(void **state)
{
    (void)state;
    struct tn_pair *p = tn_pair_new(11, NULL, VG_PROFILE_WINDOWS_VISTA);
    vg_tcb *l = tn_listen(p, 1, 80), *c, *s;
    tn_connect_pair(p, 0, NULL, l, 0, &c, &s);
    assert_int_equal(vg_tcp_state(c), VG_TCP_ESTABLISHED);
    assert_int_equal(vg_tcp_state(s), VG_TCP_ESTABLISHED);
    /* Client established after one round trip of the default 1 ms link. */
    assert_int_equal(tn_first_event_time(p, 0, VG_EV_CONNECTED, c), 2000);
    assert_true(tn_first_event_time(p, 1, VG_EV_CONNECTED, NULL) != VG_TIME_NEVER);
    assert_int_equal(tn_count_events(p, 0, VG_EV_CONNECTED, NULL), 1);
    uint64_t bytes[2] = {300000, 200000};
    struct tn_transfer_result res;
    assert_int_equal(tn_transfer(p, c, s, bytes, 5, TN_SHUTDOWN, VG_MS(600000), &res), 1);
    tn_assert_transfer_exact(&res);
    assert_int_equal(res.received[0], 300000);
    assert_int_equal(res.received[1], 200000);
    assert_true(res.eof[0] && res.eof[1]);
    vg_tcp_close(c, tn_now(p));
    vg_tcp_close(s, tn_now(p));
    vg_tcp_close(l, tn_now(p));
    tn_pair_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(queue_same_time_keeps_send_order),
        cmocka_unit_test(queue_pops_in_time_order),
        cmocka_unit_test(latency_delays_each_packet_exactly),
        cmocka_unit_test(bandwidth_serialises_each_direction),
        cmocka_unit_test(same_instant_packets_arrive_in_send_order),
        cmocka_unit_test(idle_clock_jumps_straight_to_the_limit),
        cmocka_unit_test(run_while_not_stops_at_the_event_that_satisfies),
        cmocka_unit_test(loss_drops_about_the_configured_share),
        cmocka_unit_test(duplication_delivers_extra_copies),
        cmocka_unit_test(reorder_holds_some_packets_back),
        cmocka_unit_test(corruption_is_caught_by_checksums),
        cmocka_unit_test(partition_blocks_both_directions_until_lifted),
        cmocka_unit_test(down_host_neither_sends_nor_receives),
        cmocka_unit_test(down_host_runs_no_timers),
        cmocka_unit_test(filter_sees_every_packet_and_may_drop_it),
        cmocka_unit_test(rewritten_destination_is_routed_again),
        cmocka_unit_test(packets_for_no_host_are_dropped_and_counted),
        cmocka_unit_test(subnet_host_receives_for_its_whole_prefix),
        cmocka_unit_test(reboot_delivers_packets_in_flight_to_the_new_stack),
        cmocka_unit_test(capture_has_every_packet_put_on_the_wire_at_virtual_time),
        cmocka_unit_test(same_seed_replays_exactly),
        cmocka_unit_test(testnet_connects_and_records_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
