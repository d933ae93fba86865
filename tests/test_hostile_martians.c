/* Hostile wire: datagrams no legitimate peer sends. SYNs and pings from broadcast, multicast,
 * unspecified, loopback and our own addresses get no answer (no reflection, no amplification);
 * SYN with FIN or RST is dropped (a scan, or a reset in disguise); fragments are dropped, never
 * reassembled; IP IDs are zero on atomic datagrams and per destination otherwise (RFC 6864), so
 * vigil is no idle-scan zombie; echo replies are rate-limited. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "rawpeer.h"

#define PORT 8080

static size_t build_syn(uint8_t *buf, size_t cap, uint32_t src, uint32_t dst, uint16_t sport,
                        uint8_t flags)
{
    struct vg_tcp_hdr h;
    memset(&h, 0, sizeof h);
    h.sport = sport;
    h.dport = PORT;
    h.seq = 0x12345678u;
    h.flags = flags;
    h.wnd = 65535;
    h.opt.has_mss = 1;
    h.opt.mss = 1460;
    return rp_build(buf, cap, src, dst, &h, NULL, 0);
}

static size_t build_echo(uint8_t *buf, size_t cap, uint32_t src, uint32_t dst, uint16_t seq)
{
    static const uint8_t payload[32] = "vigil martian test echo payload";
    struct vg_icmp_hdr h = {.type = VG_ICMP_ECHO, .code = 0, .id = 0x4242, .seq = seq};
    size_t n = vg_icmp_write(buf + VG_IPV4_HDR_LEN, cap - VG_IPV4_HDR_LEN, &h, payload,
                             sizeof payload);
    assert_true(n > 0);
    struct vg_ipv4_hdr ip = {.ttl = 64, .proto = VG_IPPROTO_ICMP, .src = src, .dst = dst};
    assert_int_equal(vg_ipv4_write(buf, cap, &ip, n), VG_IPV4_HDR_LEN);
    return VG_IPV4_HDR_LEN + n;
}

static void syn_from_each_martian_source_gets_no_answer(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *l = rp_listen(rp, PORT, 16);
    const uint32_t martians[] = {
        0x00000000u,   /* 0.0.0.0 */
        0x00010203u,   /* 0.1.2.3: "this network" */
        0xffffffffu,   /* limited broadcast */
        0xc00002ffu,   /* 192.0.2.255: the directed broadcast of our /24 */
        0xe0000001u,   /* 224.0.0.1: all hosts */
        0xefffffffu,   /* 239.255.255.255 */
        0xf0000001u,   /* 240.0.0.1: class E */
        0x7f000001u,   /* 127.0.0.1 */
        0x7f123456u,   /* 127.18.52.86 */
        RP_STACK_ADDR, /* ourselves: a LAND attack */
    };
    uint8_t pkt[256];
    uint64_t tcbs = rp_stats(rp)->tcbs_live;
    for (size_t i = 0; i < sizeof martians / sizeof martians[0]; i++) {
        rp_inject(rp, pkt, build_syn(pkt, sizeof pkt, martians[i], RP_STACK_ADDR, 40000, VG_TCP_SYN));
        rp_inject(rp, pkt, build_echo(pkt, sizeof pkt, martians[i], RP_STACK_ADDR, (uint16_t)i));
        rp_run_for(rp, VG_MS(10));
        rp_expect_none(rp);
    }
    size_t n = sizeof martians / sizeof martians[0];
    assert_int_equal(rp_stats(rp)->ip_martians, 2 * n);
    assert_int_equal(rp_stats(rp)->tcbs_live, tcbs);
    assert_null(vg_tcp_accept(l));
    assert_int_equal(rp_stats(rp)->icmp_out, 0);
    /* A legitimate client still gets its SYN-ACK, and a ping its reply. */
    rp_inject(rp, pkt, build_syn(pkt, sizeof pkt, RP_PEER_ADDR, RP_STACK_ADDR, 40000, VG_TCP_SYN));
    const struct rp_seg *sa = rp_expect(rp);
    assert_int_equal(sa->th.flags, VG_TCP_SYN | VG_TCP_ACK);
    rp_inject(rp, pkt, build_echo(pkt, sizeof pkt, RP_PEER_ADDR, RP_STACK_ADDR, 99));
    const struct rp_seg *er = rp_take(rp);
    assert_non_null(er);
    assert_int_equal(er->ip.proto, VG_IPPROTO_ICMP);
    assert_int_equal(er->ip.dst, RP_PEER_ADDR);
    vg_tcp_close(l, rp->now);
    rp_free(rp);
}

/* A stack outside rawpeer (which fixes the address): its datagrams, counted and kept. */
struct capture {
    size_t n;
    uint8_t last[2048];
    size_t last_len;
};

static void capture_out(void *ctx, const uint8_t *pkt, size_t len, vg_time now)
{
    (void)now;
    struct capture *c = ctx;
    c->n++;
    c->last_len = len < sizeof c->last ? len : sizeof c->last;
    memcpy(c->last, pkt, c->last_len);
}

static vg_stack *subnet_stack(uint32_t addr, uint8_t prefix, struct capture *cap)
{
    struct vg_stack_config c;
    vg_stack_config_default(&c, VG_PROFILE_WINDOWS_VISTA);
    c.addr = addr;
    c.prefix_len = prefix;
    c.accept_subnet = 1;
    c.seed = 3;
    vg_stack *s = vg_stack_new(&c);
    assert_non_null(s);
    vg_stack_set_output(s, capture_out, cap);
    return s;
}

static void loopback_stack_answers_loopback_and_itself(void **state)
{
    (void)state;
    struct capture cap = {0};
    vg_stack *s = subnet_stack(0x7f000001u, 8, &cap);
    vg_tcb *l = vg_tcp_open(s);
    assert_int_equal(vg_tcp_bind(l, 0, PORT), 0);
    assert_int_equal(vg_tcp_listen(l, 16), 0);
    uint8_t pkt[256];
    vg_time now = VG_MS(1000);
    /* Both ends are local on the loopback stack: 127/8 and our own address are legitimate. */
    vg_stack_input(s, pkt, build_syn(pkt, sizeof pkt, 0x7f000001u, 0x7f000001u, 40001, VG_TCP_SYN), now);
    assert_int_equal(cap.n, 1);
    vg_stack_input(s, pkt, build_syn(pkt, sizeof pkt, 0x7f000002u, 0x7f000001u, 40002, VG_TCP_SYN), now);
    assert_int_equal(cap.n, 2);
    /* Not the broadcast of the prefix, as a source or as a TCP/ICMP destination. */
    vg_stack_input(s, pkt, build_syn(pkt, sizeof pkt, 0x7fffffffu, 0x7f000001u, 40003, VG_TCP_SYN), now);
    vg_stack_input(s, pkt, build_syn(pkt, sizeof pkt, 0x7f000002u, 0x7fffffffu, 40004, VG_TCP_SYN), now);
    vg_stack_input(s, pkt, build_echo(pkt, sizeof pkt, 0x7f000002u, 0x7fffffffu, 1), now);
    assert_int_equal(cap.n, 2);
    assert_int_equal(vg_stack_stats(s)->ip_martians, 3);
    vg_tcp_close(l, now);
    vg_stack_free(s);
}

static void tcp_to_broadcast_destination_dropped(void **state)
{
    (void)state;
    /* A stack answering for a whole prefix (as the simulator's routers do) still refuses
     * connections to, and pings of, the prefix's broadcast address. */
    struct capture cap = {0};
    vg_stack *s = subnet_stack(0xc6336401u, 24, &cap);
    vg_tcb *l = vg_tcp_open(s);
    assert_int_equal(vg_tcp_bind(l, 0, PORT), 0);
    assert_int_equal(vg_tcp_listen(l, 16), 0);
    uint8_t pkt[256];
    vg_time now = VG_MS(1000);
    vg_stack_input(s, pkt, build_syn(pkt, sizeof pkt, RP_PEER_ADDR, 0xc63364ffu, 40001, VG_TCP_SYN), now);
    vg_stack_input(s, pkt, build_echo(pkt, sizeof pkt, RP_PEER_ADDR, 0xc63364ffu, 1), now);
    assert_int_equal(cap.n, 0);
    assert_int_equal(vg_stack_stats(s)->ip_martians, 2);
    /* Another address of the prefix is fine. */
    vg_stack_input(s, pkt, build_syn(pkt, sizeof pkt, RP_PEER_ADDR, 0xc6336477u, 40001, VG_TCP_SYN), now);
    assert_int_equal(cap.n, 1);
    vg_tcp_close(l, now);
    vg_stack_free(s);
}

static void syn_fin_and_syn_rst_dropped(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *l = rp_listen(rp, PORT, 16);
    uint8_t pkt[256];
    uint64_t tcbs = rp_stats(rp)->tcbs_live;
    /* To the listener: no SYN-ACK (a SYN+FIN scan learns nothing), no connection. */
    rp_inject(rp, pkt, build_syn(pkt, sizeof pkt, RP_PEER_ADDR, RP_STACK_ADDR, 41000,
                                 VG_TCP_SYN | VG_TCP_FIN));
    rp_inject(rp, pkt, build_syn(pkt, sizeof pkt, RP_PEER_ADDR, RP_STACK_ADDR, 41001,
                                 VG_TCP_SYN | VG_TCP_RST));
    rp_inject(rp, pkt, build_syn(pkt, sizeof pkt, RP_PEER_ADDR, RP_STACK_ADDR, 41002,
                                 VG_TCP_SYN | VG_TCP_FIN | VG_TCP_PSH | VG_TCP_URG));
    rp_expect_none(rp);
    assert_int_equal(rp_stats(rp)->tcbs_live, tcbs);
    /* To no connection at all: no RST either. */
    rp->sport = 9999;
    rp_send(rp, VG_TCP_SYN | VG_TCP_FIN, 5, 0, 65535, NULL, NULL, 0);
    rp_expect_none(rp);
    /* To an established connection: SYN+RST exactly at RCV.NXT does not reset it, and SYN+FIN
     * in the window draws no challenge ACK. */
    vg_tcb *t = rp_open_passive(rp, l, PORT, NULL, 65535);
    rp_send(rp, VG_TCP_SYN | VG_TCP_RST, rp->seq, 0, 0, NULL, NULL, 0);
    rp_send(rp, VG_TCP_SYN | VG_TCP_RST | VG_TCP_ACK, rp->seq, rp->ack, 0, NULL, NULL, 0);
    rp_send(rp, VG_TCP_SYN | VG_TCP_FIN | VG_TCP_ACK, rp->seq + 10, rp->ack, 65535, NULL, NULL, 0);
    rp_expect_none(rp);
    assert_int_equal(vg_tcp_state(t), VG_TCP_ESTABLISHED);
    assert_int_equal(rp_count_events(rp, VG_EV_RESET_RECEIVED, NULL), 0);
    assert_int_equal(rp_stats(rp)->tcp_bad_flags, 7);
    assert_int_equal(rp_stats(rp)->tcp_challenge_acks, 0);
    /* The connection works. */
    rp_send_data(rp, "hello", 5);
    char buf[8];
    assert_int_equal(vg_tcp_recv(t, buf, sizeof buf, rp->now), 5);
    vg_tcp_abort(t, rp->now);
    vg_tcp_close(l, rp->now);
    rp_free(rp);
}

/* A SYN cut into IP fragments (RFC 791): the first (MF set) and a later one (offset 1). */
static void fragments_dropped_never_reassembled(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *l = rp_listen(rp, PORT, 16);
    uint8_t pkt[256];
    const uint16_t frags[] = {0x2000, 0x0001, 0x2003, 0x4000 | 0x2000};
    for (size_t i = 0; i < sizeof frags / sizeof frags[0]; i++) {
        size_t n = build_syn(pkt, sizeof pkt, RP_PEER_ADDR, RP_STACK_ADDR, (uint16_t)(42000 + i),
                             VG_TCP_SYN);
        struct vg_ipv4_hdr ip = {.ttl = 64, .proto = VG_IPPROTO_TCP, .src = RP_PEER_ADDR,
                                 .dst = RP_STACK_ADDR, .frag = frags[i], .id = 77};
        vg_ipv4_write(pkt, sizeof pkt, &ip, n - VG_IPV4_HDR_LEN);
        rp_inject(rp, pkt, n);
    }
    rp_expect_none(rp);
    assert_int_equal(rp_stats(rp)->ip_frags_dropped, 4);
    assert_int_equal(rp_stats(rp)->ip_bad, 0);
    vg_tcp_close(l, rp->now);
    rp_free(rp);
}

static void ip_id_zero_with_df_on_every_atomic_datagram(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = rp_open_active(rp, PORT, NULL, 65535);
    static uint8_t data[30000];
    assert_int_equal(vg_tcp_send(t, data, sizeof data, rp->now), (long)sizeof data);
    uint8_t pkt[256];
    rp_inject(rp, pkt, build_echo(pkt, sizeof pkt, RP_PEER_ADDR, RP_STACK_ADDR, 1));
    for (int round = 0; round < 20 && vg_tcp_unacked(t); round++) {
        while (rp_receive(rp))
            ;
        rp_send_ack(rp);
        rp_run_for(rp, VG_MS(1));
    }
    assert_int_equal(vg_tcp_unacked(t), 0);
    vg_tcp_close(t, rp->now);
    rp_run_for(rp, VG_MS(10));
    size_t n = 0;
    for (size_t i = 0; i < rp->nsegs; i++) {
        const struct rp_seg *g = rp->segs[i];
        assert_int_equal(g->ip.frag, 0x4000);     /* DF, not a fragment: atomic (RFC 6864) */
        assert_int_equal(g->ip.id, 0);
        n++;
    }
    assert_true(n > 20);
    rp_free(rp);
}

/* The ID of the next datagram to dst, from a UDP send. */
static uint16_t next_id_to(struct rawpeer *rp, vg_udp *u, uint32_t dst)
{
    size_t before = rp->nsegs;
    assert_int_equal(vg_udp_sendto(u, "x", 1, dst, 9, rp->now), 1);
    assert_int_equal(rp->nsegs, before + 1);
    const struct rp_seg *g = rp->segs[before];
    assert_int_equal(g->ip.frag & 0x4000, 0);     /* no DF: the ID matters */
    return g->ip.id;
}

static void ip_id_without_df_is_per_destination_no_idle_scan(void **state)
{
    (void)state;
    struct vg_stack_config c;
    rp_config(&c);
    c.no_pmtu_discovery = 1;
    struct rawpeer *rp = rp_new(&c);
    vg_udp *u = vg_udp_open(rp->s);
    assert_int_equal(vg_udp_bind(u, RP_STACK_ADDR, 5000), 0);
    /* The idle scan: the attacker (zombie-watcher) samples the ID vigil sends it, vigil sends
     * to a third party, the attacker samples again. The gap must not reveal the traffic.
     * Several third parties, so one sharing the attacker's counter slot cannot pass unseen. */
    const uint32_t attacker = 0xc6336409u;
    size_t leaks = 0, probes = 0;
    for (uint32_t victim = 0xcb007101u; victim < 0xcb007101u + 16; victim++) {
        uint16_t a = next_id_to(rp, u, attacker);
        for (int i = 0; i < 50; i++)
            next_id_to(rp, u, victim);
        uint16_t b = next_id_to(rp, u, attacker);
        probes++;
        if ((uint16_t)(b - a) != 1)
            leaks++;
    }
    /* At most a slot collision (1 in 256 per victim); the old global counter leaked every time. */
    assert_true(leaks <= 1);
    assert_int_equal(probes, 16);
    /* Different destinations do not count from the same place either. */
    uint16_t x = next_id_to(rp, u, 0xcb007201u), y = next_id_to(rp, u, 0xcb007202u);
    assert_true((uint16_t)(y - x) != 1);
    vg_udp_close(u);
    rp_free(rp);
}

static void echo_flood_replies_limited_per_second(void **state)
{
    (void)state;
    struct vg_stack_config c;
    rp_config(&c);
    c.icmp_rate_limit = 10;
    struct rawpeer *rp = rp_new(&c);
    uint8_t pkt[256];
    for (uint16_t i = 0; i < 50; i++)
        rp_inject(rp, pkt, build_echo(pkt, sizeof pkt, RP_PEER_ADDR, RP_STACK_ADDR, i));
    assert_int_equal(rp_pending(rp), 10);
    assert_int_equal(rp_stats(rp)->icmp_rate_limited, 40);
    rp_drain(rp);
    rp_run_for(rp, VG_MS(1000));
    for (uint16_t i = 0; i < 50; i++)
        rp_inject(rp, pkt, build_echo(pkt, sizeof pkt, RP_PEER_ADDR, RP_STACK_ADDR, i));
    assert_int_equal(rp_pending(rp), 10);
    assert_int_equal(rp_stats(rp)->icmp_rate_limited, 80);
    rp_free(rp);
}

static void echo_flood_default_limit_is_1000_per_second(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    uint8_t pkt[256];
    for (uint16_t i = 0; i < 5000; i++) {
        rp_inject(rp, pkt, build_echo(pkt, sizeof pkt, RP_PEER_ADDR, RP_STACK_ADDR, i));
        rp->now += 100;               /* 10,000 requests a second, for half a second */
    }
    assert_int_equal(rp_pending(rp), 1000);
    assert_int_equal(rp_stats(rp)->icmp_rate_limited, 4000);
    rp_free(rp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(syn_from_each_martian_source_gets_no_answer),
        cmocka_unit_test(loopback_stack_answers_loopback_and_itself),
        cmocka_unit_test(tcp_to_broadcast_destination_dropped),
        cmocka_unit_test(syn_fin_and_syn_rst_dropped),
        cmocka_unit_test(fragments_dropped_never_reassembled),
        cmocka_unit_test(ip_id_zero_with_df_on_every_atomic_datagram),
        cmocka_unit_test(ip_id_without_df_is_per_destination_no_idle_scan),
        cmocka_unit_test(echo_flood_replies_limited_per_second),
        cmocka_unit_test(echo_flood_default_limit_is_1000_per_second),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
