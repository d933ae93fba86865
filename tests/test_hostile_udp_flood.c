/* UDP floods at a socket nobody reads. Zero-length datagrams used to cost nothing against the
 * 256 KB receive limit, so a flood queued without bound (5 M datagrams, +153 MB). Every queued
 * datagram is now charged its length plus the struct that holds it against cfg.udp_rcvbuf, and
 * at most cfg.udp_rcvq_max datagrams wait; the rest are dropped and counted in udp_queue_full. */
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rawpeer.h"

#define FLOOD_PORT 5353u

static size_t build_udp(uint8_t *buf, size_t cap, const void *data, size_t dlen)
{
    size_t n = vg_udp_write(buf + VG_IPV4_HDR_LEN, cap - VG_IPV4_HDR_LEN, 4444, FLOOD_PORT,
                            RP_PEER_ADDR, RP_STACK_ADDR, data, dlen);
    assert_true(n > 0);
    struct vg_ipv4_hdr ip = {.ttl = 64, .proto = VG_IPPROTO_UDP, .src = RP_PEER_ADDR,
                             .dst = RP_STACK_ADDR, .frag = 0x4000};
    assert_int_equal(vg_ipv4_write(buf, cap, &ip, n), VG_IPV4_HDR_LEN);
    return VG_IPV4_HDR_LEN + n;
}

static vg_udp *bound_socket(struct rawpeer *rp)
{
    vg_udp *u = vg_udp_open(rp->s);
    assert_non_null(u);
    assert_int_equal(vg_udp_bind(u, 0, FLOOD_PORT), 0);
    return u;
}

/* Takes every queued datagram; returns how many there were. */
static size_t drain(vg_udp *u, size_t want_len)
{
    size_t n = 0;
    uint8_t buf[2048];
    long got;
    while ((got = vg_udp_recvfrom(u, buf, sizeof buf, NULL, NULL)) >= 0) {
        assert_int_equal((size_t)got, want_len);
        n++;
    }
    assert_int_equal(got, -VG_ERR_WOULDBLOCK);
    return n;
}

static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

static void zero_length_udp_flood_bounded(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_udp *u = bound_socket(rp);
    const struct vg_stack_config *cfg = vg_stack_config(rp->s);
    assert_int_equal(cfg->udp_rcvq_max, 1024u);
    assert_int_equal(cfg->udp_rcvbuf, 262144u);

    uint8_t pkt[64];
    size_t len = build_udp(pkt, sizeof pkt, NULL, 0);
    size_t heap_before = heap_in_use();
    const unsigned flood = 1000000;
    for (unsigned i = 0; i < flood; i++)
        rp_inject(rp, pkt, len);
    size_t heap_after = heap_in_use();
    /* mallinfo2 sees nothing when a sanitizer replaces malloc; then the counts must do. */
    if (heap_after > heap_before)
        assert_true(heap_after - heap_before < 1024u * 1024u);

    const struct vg_stack_stats *st = rp_stats(rp);
    assert_int_equal(st->udp_in, flood);
    size_t queued = drain(u, 0);
    assert_int_equal(queued, cfg->udp_rcvq_max);
    assert_int_equal(st->udp_queue_full, flood - queued);

    /* Drained, the socket takes datagrams again. */
    rp_inject(rp, pkt, len);
    assert_int_equal(drain(u, 0), 1);
    assert_int_equal(st->udp_queue_full, flood - queued);
    vg_udp_close(u);
    rp_free(rp);
}

static void udp_byte_limit_counts_data_and_overhead(void **state)
{
    (void)state;
    struct vg_stack_config cfg;
    rp_config(&cfg);
    cfg.udp_rcvq_max = 1000000;       /* only the byte limit can stop this flood */
    struct rawpeer *rp = rp_new(&cfg);
    vg_udp *u = bound_socket(rp);

    uint8_t data[1400], pkt[1500];
    memset(data, 0xa5, sizeof data);
    size_t len = build_udp(pkt, sizeof pkt, data, sizeof data);
    for (unsigned i = 0; i < 10000; i++)
        rp_inject(rp, pkt, len);
    size_t queued = drain(u, sizeof data);
    /* Each costs more than its 1400 bytes, and the bytes never exceed udp_rcvbuf. */
    assert_true(queued * sizeof data < 262144u);
    assert_true(queued >= 262144u / (sizeof data + 64u));
    assert_int_equal(rp_stats(rp)->udp_queue_full, 10000u - queued);

    /* Empty datagrams are charged too: with no datagram cap, udp_rcvbuf alone bounds them. */
    size_t elen = build_udp(pkt, sizeof pkt, NULL, 0);
    for (unsigned i = 0; i < 200000; i++)
        rp_inject(rp, pkt, elen);
    size_t empties = drain(u, 0);
    assert_true(empties > 0);
    assert_true(empties <= 262144u / 16u);
    vg_udp_close(u);
    rp_free(rp);
}

static void configured_udp_limits_hold(void **state)
{
    (void)state;
    struct vg_stack_config cfg;
    rp_config(&cfg);
    cfg.udp_rcvq_max = 3;
    cfg.udp_rcvbuf = 1u << 20;
    struct rawpeer *rp = rp_new(&cfg);
    vg_udp *u = bound_socket(rp);
    uint8_t pkt[64];
    size_t len = build_udp(pkt, sizeof pkt, "hi", 2);
    for (unsigned i = 0; i < 10; i++)
        rp_inject(rp, pkt, len);
    assert_int_equal(drain(u, 2), 3);
    assert_int_equal(rp_stats(rp)->udp_queue_full, 7u);
    vg_udp_close(u);
    rp_free(rp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(zero_length_udp_flood_bounded),
        cmocka_unit_test(udp_byte_limit_counts_data_and_overhead),
        cmocka_unit_test(configured_udp_limits_hold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
