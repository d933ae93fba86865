/* The virtio-net header of a TUN device with IFF_VNET_HDR (src/link/vnet.c): what a received
 * header vouches for (a partial checksum or DATA_VALID: VG_RX_CSUM_VALID; a TCPv4 GSO packet's
 * segment size), which headers are refused (a GSO type never asked for, a checksum field outside
 * the packet), the header written for each kind of frame (plain, partial checksum, TSO), and
 * that finishing a partial checksum gives the sum a verifier accepts. No device needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "link/vnet.h"
#include "support/csum_ref.h"

struct hdr {
    uint8_t flags, gso_type;
    uint16_t hdr_len, gso_size, csum_start, csum_offset;
};

static void put_hdr(uint8_t out[VG_VNET_HDR_LEN], struct hdr h)
{
    memcpy(out, &h, VG_VNET_HDR_LEN);
}

static struct hdr get_hdr(const uint8_t *p)
{
    struct hdr h;
    memcpy(&h, p, VG_VNET_HDR_LEN);
    return h;
}

/* An IPv4 + TCP packet of plen payload octets at pkt; returns its length. The TCP checksum field
 * holds the pseudo-header sum (what a partial checksum carries). */
static size_t tcp_packet(uint8_t *pkt, size_t plen, uint8_t seed)
{
    size_t len = 20 + 20 + plen;
    memset(pkt, 0, 40);
    pkt[0] = 0x45;
    pkt[2] = (uint8_t)(len >> 8);
    pkt[3] = (uint8_t)len;
    pkt[8] = 64;
    pkt[9] = 6;
    const uint8_t src[4] = {192, 0, 2, 1}, dst[4] = {192, 0, 2, 2};
    memcpy(pkt + 12, src, 4);
    memcpy(pkt + 16, dst, 4);
    pkt[20] = 0x1f; pkt[21] = 0x90; pkt[22] = 0xc0; pkt[23] = 0x01;
    pkt[32] = 0x50;  /* data offset 5 */
    pkt[33] = 0x18;
    for (size_t i = 0; i < plen; i++)
        pkt[40 + i] = (uint8_t)(seed + i * 7u + (i >> 8));
    uint32_t pseudo = ref_sum_acc(pkt + 12, 8, 0) + 6u + (uint32_t)(len - 20);
    while (pseudo >> 16)
        pseudo = (pseudo & 0xffff) + (pseudo >> 16);
    pkt[36] = (uint8_t)(pseudo >> 8);
    pkt[37] = (uint8_t)pseudo;
    return len;
}

/* Whether the TCP checksum verifies: the sum over pseudo-header and segment is all ones. */
static int tcp_checksum_ok(const uint8_t *pkt, size_t len)
{
    uint32_t pseudo = ref_sum_acc(pkt + 12, 8, 0) + 6u + (uint32_t)(len - 20);
    return ref_sum_acc(pkt + 20, len - 20, pseudo) == 0xffff;
}

static void partial_checksum_is_vouched_for_and_finished(void **state)
{
    (void)state;
    static uint8_t pkt[65536];
    /* Sizes that end on every alignment, up to a GSO packet's 64 KiB. */
    const size_t sizes[] = {0, 1, 2, 3, 5, 7, 1460, 1461, 8191, 65495};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t len = tcp_packet(pkt, sizes[i], (uint8_t)i);
        uint8_t h[VG_VNET_HDR_LEN];
        put_hdr(h, (struct hdr){.flags = 1, .csum_start = 20, .csum_offset = 16});
        struct vg_vnet_rx rx;
        assert_int_equal(vg_vnet_parse(h, pkt, len, &rx), 0);
        assert_true(rx.partial);
        assert_int_equal(rx.rx_flags, VG_RX_CSUM_VALID);
        assert_false(tcp_checksum_ok(pkt, len) && sizes[i] > 0);
        vg_vnet_complete_csum(pkt, len, rx.csum_start, rx.csum_offset);
        assert_true(tcp_checksum_ok(pkt, len));
        /* One flipped octet no longer verifies: the completion summed the data. */
        pkt[len - 1] ^= 0x40;
        assert_false(tcp_checksum_ok(pkt, len));
    }
}

static void data_valid_and_gso_are_reported(void **state)
{
    (void)state;
    uint8_t pkt[64];
    size_t len = tcp_packet(pkt, 4, 1);
    uint8_t h[VG_VNET_HDR_LEN];
    struct vg_vnet_rx rx;

    put_hdr(h, (struct hdr){0});
    assert_int_equal(vg_vnet_parse(h, pkt, len, &rx), 0);
    assert_int_equal(rx.rx_flags, 0);
    assert_false(rx.partial);
    assert_int_equal(rx.gso_size, 0);

    put_hdr(h, (struct hdr){.flags = 2});   /* DATA_VALID */
    assert_int_equal(vg_vnet_parse(h, pkt, len, &rx), 0);
    assert_int_equal(rx.rx_flags, VG_RX_CSUM_VALID);
    assert_false(rx.partial);

    put_hdr(h, (struct hdr){.flags = 1, .gso_type = 1, .gso_size = 1448, .hdr_len = 40,
                            .csum_start = 20, .csum_offset = 16});
    assert_int_equal(vg_vnet_parse(h, pkt, len, &rx), 0);
    assert_int_equal(rx.gso_size, 1448);

    put_hdr(h, (struct hdr){.gso_type = 0x81, .gso_size = 1448});   /* TCPv4 | ECN */
    assert_int_equal(vg_vnet_parse(h, pkt, len, &rx), 0);
    assert_int_equal(rx.gso_size, 1448);
}

static void headers_never_asked_for_are_refused(void **state)
{
    (void)state;
    uint8_t pkt[64];
    size_t len = tcp_packet(pkt, 4, 1);
    uint8_t h[VG_VNET_HDR_LEN];
    struct vg_vnet_rx rx;
    const uint8_t types[] = {3 /* UDP */, 5 /* UDP_L4 */, 2 /* none such */};
    for (size_t i = 0; i < sizeof types; i++) {
        put_hdr(h, (struct hdr){.gso_type = types[i], .gso_size = 1000});
        assert_int_equal(vg_vnet_parse(h, pkt, len, &rx), -1);
    }
    /* A checksum field past the end would be written outside the packet. */
    put_hdr(h, (struct hdr){.flags = 1, .csum_start = 20, .csum_offset = (uint16_t)(len - 21)});
    assert_int_equal(vg_vnet_parse(h, pkt, len, &rx), -1);
    put_hdr(h, (struct hdr){.flags = 1, .csum_start = 0xffff, .csum_offset = 0xffff});
    assert_int_equal(vg_vnet_parse(h, pkt, len, &rx), -1);
}

/* A TSO frame whose TCP header carries the 12-octet timestamps option: hdr_len covers it, so the
 * kernel repeats the option on every piece it cuts (RFC 7323 §3.2: every segment carries it). */
static void tso_header_length_covers_the_tcp_options(void **state)
{
    (void)state;
    static uint8_t buf[64 + 65536];
    uint8_t *data = buf + 64;
    size_t len = tcp_packet(data, 20000, 5);
    data[32] = 0x80;                       /* data offset 8: 20 octets and 12 of options */
    const uint8_t ts[12] = {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2};
    memcpy(data + 40, ts, sizeof ts);
    struct vg_frame tso = {.data = data, .len = len, .l4_proto = 6, .gso_size = 1448,
                           .flags = VG_FRAME_CSUM_PARTIAL, .csum_start = 20, .csum_offset = 16};
    vg_vnet_put(&tso);
    struct hdr h = get_hdr(data - VG_VNET_HDR_LEN);
    assert_int_equal(h.gso_type, 1);
    assert_int_equal(h.gso_size, 1448);
    assert_int_equal(h.hdr_len, 52);
}

/* Over IPv6 the kernel is told TCPv6 (its segmentation of a frame called TCPv4 would cut it as
 * an IPv4 datagram), the headers are the fixed 40 octets and TCP's, and the kernel's coalesced
 * TCPv6 packets are taken as its TCPv4 ones are. */
static void ipv6_tso_is_tcpv6_both_ways(void **state)
{
    (void)state;
    static uint8_t buf[64 + 65536];
    uint8_t *data = buf + 64;
    memset(data, 0, 40 + 20);
    data[0] = 0x60;
    data[6] = 6;
    data[40 + 12] = 0x80;                  /* TCP header of 32 octets */
    struct vg_frame tso = {.data = data, .len = 40 + 32 + 20000, .l4_proto = 6, .gso_size = 1428,
                           .flags = VG_FRAME_CSUM_PARTIAL, .csum_start = 40, .csum_offset = 16};
    vg_vnet_put(&tso);
    struct hdr h = get_hdr(data - VG_VNET_HDR_LEN);
    assert_int_equal(h.gso_type, 4);
    assert_int_equal(h.gso_size, 1428);
    assert_int_equal(h.hdr_len, 72);
    assert_int_equal(h.csum_start, 40);
    uint8_t hv[VG_VNET_HDR_LEN];
    struct vg_vnet_rx rx;
    put_hdr(hv, (struct hdr){.gso_type = 4, .gso_size = 1428});
    assert_int_equal(vg_vnet_parse(hv, data, tso.len, &rx), 0);
    assert_int_equal(rx.gso_size, 1428);
}

static void frame_headers_say_what_the_kernel_must_do(void **state)
{
    (void)state;
    static uint8_t buf[64 + 65536];
    uint8_t *data = buf + 64;
    size_t len = tcp_packet(data, 20000, 3);

    struct vg_frame plain = {.data = data, .len = len, .l4_proto = 6};
    memset(buf, 0xee, 64);
    vg_vnet_put(&plain);
    struct hdr h = get_hdr(data - VG_VNET_HDR_LEN);
    assert_int_equal(h.flags, 0);
    assert_int_equal(h.gso_type, 0);
    assert_int_equal(h.gso_size, 0);
    assert_int_equal(buf[64 - VG_VNET_HDR_LEN - 1], 0xee);   /* nothing before the header */

    struct vg_frame tso = {.data = data, .len = len, .l4_proto = 6, .gso_size = 1448,
                           .flags = VG_FRAME_CSUM_PARTIAL, .csum_start = 20, .csum_offset = 16};
    vg_vnet_put(&tso);
    h = get_hdr(data - VG_VNET_HDR_LEN);
    assert_int_equal(h.flags, 1);          /* NEEDS_CSUM */
    assert_int_equal(h.gso_type, 1);       /* TCPv4 */
    assert_int_equal(h.gso_size, 1448);
    assert_int_equal(h.hdr_len, 40);
    assert_int_equal(h.csum_start, 20);
    assert_int_equal(h.csum_offset, 16);

    /* A partial checksum on a frame that is not cut. */
    struct vg_frame csum = {.data = data, .len = 60, .l4_proto = 6,
                            .flags = VG_FRAME_CSUM_PARTIAL, .csum_start = 20, .csum_offset = 16};
    vg_vnet_put(&csum);
    h = get_hdr(data - VG_VNET_HDR_LEN);
    assert_int_equal(h.flags, 1);
    assert_int_equal(h.gso_type, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(partial_checksum_is_vouched_for_and_finished),
        cmocka_unit_test(tso_header_length_covers_the_tcp_options),
        cmocka_unit_test(data_valid_and_gso_are_reported),
        cmocka_unit_test(headers_never_asked_for_are_refused),
        cmocka_unit_test(frame_headers_say_what_the_kernel_must_do),
        cmocka_unit_test(ipv6_tso_is_tcpv6_both_ways),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
