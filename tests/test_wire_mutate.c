/* Randomized robustness: valid packets are mutated (bit flips, truncation, random length and
 * option bytes) and every parser must either reject them or describe data that lies inside the
 * input. Each input sits in a heap block of exactly its size, so under AddressSanitizer any read
 * past the end aborts the test. The seed is fixed, so a failure replays. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/prng.h"
#include "wire/wire.h"

#define ITERATIONS 100000
#define SRC 0xc0000201u
#define DST 0xc6336402u

static struct vg_prng rng;

static uint32_t rnd(uint32_t n) { return (uint32_t)vg_prng_below(&rng, n); }

/* A valid IPv4 datagram carrying TCP (random options and data), UDP or ICMP. */
static size_t make_packet(uint8_t *buf, size_t cap)
{
    uint8_t data[300];
    size_t dlen = rnd(sizeof data + 1);
    for (size_t i = 0; i < dlen; i++)
        data[i] = (uint8_t)rnd(256);
    const uint8_t *dp = dlen ? data : NULL;
    uint8_t *l4 = buf + VG_IPV4_HDR_LEN;
    size_t l4cap = cap - VG_IPV4_HDR_LEN, n;
    uint8_t proto;
    switch (rnd(3)) {
    case 0: {
        struct vg_tcp_hdr t = {.sport = (uint16_t)rnd(65536), .dport = (uint16_t)rnd(65536),
                               .seq = (uint32_t)vg_prng_next(&rng), .ack = (uint32_t)vg_prng_next(&rng),
                               .flags = (uint8_t)rnd(256), .wnd = (uint16_t)rnd(65536)};
        t.opt.has_mss = (uint8_t)rnd(2);
        t.opt.mss = (uint16_t)rnd(65536);
        t.opt.sack_permitted = (uint8_t)rnd(2);
        t.opt.has_ts = (uint8_t)rnd(2);
        t.opt.ts_val = (uint32_t)vg_prng_next(&rng);
        t.opt.has_wscale = (uint8_t)rnd(2);
        t.opt.wscale = (uint8_t)rnd(15);
        n = vg_tcp_write(l4, l4cap, &t, SRC, DST, dp, dlen);
        proto = VG_IPPROTO_TCP;
        break;
    }
    case 1:
        n = vg_udp_write(l4, l4cap, (uint16_t)rnd(65536), 53, SRC, DST, dp, dlen);
        proto = VG_IPPROTO_UDP;
        break;
    default: {
        const struct vg_icmp_hdr ic = {.type = 8, .id = (uint16_t)rnd(65536), .seq = (uint16_t)rnd(65536)};
        n = vg_icmp_write(l4, l4cap, &ic, dp, dlen);
        proto = VG_IPPROTO_ICMP;
        break;
    }
    }
    assert_true(n > 0);
    const struct vg_ipv4_hdr ip = {.ttl = 64, .proto = proto, .frag = 0x4000, .src = SRC, .dst = DST};
    assert_int_equal(vg_ipv4_write(buf, cap, &ip, n), VG_IPV4_HDR_LEN);
    return VG_IPV4_HDR_LEN + n;
}

/* Repairs a checksum at byte off of a region so that mutations reach the checks behind it. */
static void refix(uint8_t *p, size_t len, size_t off, uint32_t pseudo)
{
    if (off + 2 > len)
        return;
    p[off] = p[off + 1] = 0;
    vg_put16(p + off, vg_csum_fold(vg_csum_add(pseudo, p, len)));
}

static void mutate(uint8_t *p, size_t *len)
{
    int rounds = 1 + (int)rnd(4);
    for (int r = 0; r < rounds && *len; r++) {
        switch (rnd(7)) {
        case 0: /* bit flip */
            p[rnd((uint32_t)*len)] ^= (uint8_t)(1u << rnd(8));
            break;
        case 1: /* truncation */
            *len = rnd((uint32_t)*len + 1);
            break;
        case 2: { /* random IP total length or header length */
            if (*len >= 4)
                vg_put16(p + 2, (uint16_t)rnd(*len + 64));
            if (*len >= 1 && rnd(2))
                p[0] = (uint8_t)(0x40 | rnd(16));
            break;
        }
        case 3: { /* random TCP data offset or UDP length (same area of the L4 header) */
            size_t at = VG_IPV4_HDR_LEN + (rnd(2) ? 12 : 4);
            if (at < *len)
                p[at] = (uint8_t)rnd(256);
            break;
        }
        case 4: { /* random bytes in the TCP option area */
            size_t at = VG_IPV4_HDR_LEN + VG_TCP_HDR_LEN + rnd(VG_TCP_MAX_OPT_LEN);
            if (at < *len)
                p[at] = (uint8_t)(rnd(2) ? rnd(12) : rnd(256));
            break;
        }
        case 5: /* random byte anywhere */
            p[rnd((uint32_t)*len)] = (uint8_t)rnd(256);
            break;
        default: /* end the datagram right after a TCP header of random length, so an option
                    parser that reads too far runs off the allocation */
            if (p[9] == VG_IPPROTO_TCP && *len >= VG_IPV4_HDR_LEN + VG_TCP_HDR_LEN) {
                size_t doff = 5 + rnd(11);
                p[VG_IPV4_HDR_LEN + 12] = (uint8_t)(doff << 4);
                if (*len > VG_IPV4_HDR_LEN + doff * 4)
                    *len = VG_IPV4_HDR_LEN + doff * 4;
                vg_put16(p + 2, (uint16_t)*len);
            }
            break;
        }
    }
}

static void assert_inside(const uint8_t *buf, size_t len, const uint8_t *p, size_t plen)
{
    assert_true(p >= buf);
    assert_true((size_t)(p - buf) <= len);
    assert_true(plen <= len - (size_t)(p - buf));
}

/* Runs every parser on the whole input and, when IPv4 accepts it, on its payload. */
static void parse_all(const uint8_t *buf, size_t len, unsigned *accepted)
{
    const uint8_t *d;
    size_t dlen;
    struct vg_ipv4_hdr ip;
    if (vg_ipv4_parse(buf, len, &ip, &d, &dlen) == VG_WIRE_OK) {
        accepted[0]++;
        assert_inside(buf, len, d, dlen);
        assert_true(ip.hdr_len >= VG_IPV4_HDR_LEN && ip.hdr_len % 4 == 0);
        assert_ptr_equal(d, buf + ip.hdr_len);
        assert_int_equal(dlen, ip.total_len - ip.hdr_len);
        const uint8_t *l4 = d;
        size_t l4len = dlen;
        struct vg_tcp_hdr t;
        if (vg_tcp_parse(l4, l4len, ip.src, ip.dst, &t, &d, &dlen) == VG_WIRE_OK) {
            accepted[1]++;
            assert_inside(l4, l4len, d, dlen);
            assert_true(t.hdr_len >= VG_TCP_HDR_LEN && t.hdr_len <= l4len && t.hdr_len % 4 == 0);
            assert_ptr_equal(d, l4 + t.hdr_len);
        }
        struct vg_udp_hdr u;
        if (vg_udp_parse(l4, l4len, ip.src, ip.dst, &u, &d, &dlen) == VG_WIRE_OK) {
            accepted[2]++;
            assert_inside(l4, l4len, d, dlen);
            assert_true(u.len >= VG_UDP_HDR_LEN && u.len <= l4len);
            assert_int_equal(dlen, u.len - VG_UDP_HDR_LEN);
        }
        struct vg_icmp_hdr ic;
        if (vg_icmp_parse(l4, l4len, &ic, &d, &dlen) == VG_WIRE_OK) {
            accepted[3]++;
            assert_inside(l4, l4len, d, dlen);
        }
    }
    /* The L4 parsers on raw input, too: they must be safe on anything, not just on what IPv4
     * let through. */
    struct vg_tcp_hdr t;
    if (vg_tcp_parse(buf, len, SRC, DST, &t, &d, &dlen) == VG_WIRE_OK)
        assert_inside(buf, len, d, dlen);
    struct vg_udp_hdr u;
    if (vg_udp_parse(buf, len, SRC, DST, &u, &d, &dlen) == VG_WIRE_OK)
        assert_inside(buf, len, d, dlen);
    struct vg_icmp_hdr ic;
    if (vg_icmp_parse(buf, len, &ic, &d, &dlen) == VG_WIRE_OK)
        assert_inside(buf, len, d, dlen);
}

static void mutated_packets_are_rejected_or_stay_in_bounds(void **state)
{
    (void)state;
    const uint64_t seed = 0x5eed0001;
    vg_prng_seed(&rng, seed);
    unsigned accepted[4] = {0};
    static uint8_t work[600];
    for (int iter = 0; iter < ITERATIONS; iter++) {
        size_t len = make_packet(work, sizeof work);
        uint8_t proto = work[9];
        mutate(work, &len);
        /* Half the time, repair the checksums so the mutation is judged by the length and
         * option checks rather than stopped at the checksum. */
        if (rnd(2) && len >= VG_IPV4_HDR_LEN) {
            size_t ihl = (size_t)(work[0] & 0x0f) * 4;
            if (ihl >= VG_IPV4_HDR_LEN && ihl <= len) {
                size_t l4len = len - ihl;
                uint16_t tot = vg_get16(work + 2);
                if (tot >= ihl && tot <= len)
                    l4len = tot - ihl;
                uint32_t pseudo = vg_csum_pseudo(SRC, DST, proto, (uint16_t)l4len);
                if (proto == VG_IPPROTO_TCP)
                    refix(work + ihl, l4len, 16, pseudo);
                else if (proto == VG_IPPROTO_UDP && l4len >= VG_UDP_HDR_LEN &&
                         vg_get16(work + ihl + 4) <= l4len)
                    refix(work + ihl, vg_get16(work + ihl + 4), 6,
                          vg_csum_pseudo(SRC, DST, proto, vg_get16(work + ihl + 4)));
                else if (proto == VG_IPPROTO_ICMP)
                    refix(work + ihl, l4len, 2, 0);
                refix(work, ihl, 10, 0);
            }
        }
        uint8_t *exact = malloc(len ? len : 1);
        assert_non_null(exact);
        if (len)
            memcpy(exact, work, len);
        parse_all(exact, len, accepted);
        free(exact);
    }
    /* The mix must reach the deep paths, or the test proves little. */
    printf("seed %#llx: %d packets, accepted ip %u tcp %u udp %u icmp %u\n",
           (unsigned long long)seed, ITERATIONS, accepted[0], accepted[1], accepted[2], accepted[3]);
    assert_true(accepted[0] > ITERATIONS / 10);
    assert_true(accepted[1] > ITERATIONS / 100);
    assert_true(accepted[2] > ITERATIONS / 100);
    assert_true(accepted[3] > ITERATIONS / 100);
}

static void every_prefix_of_a_valid_packet_is_safe(void **state)
{
    (void)state;
    vg_prng_seed(&rng, 0x5eed0002);
    static uint8_t work[600];
    unsigned accepted[4] = {0};
    for (int iter = 0; iter < 200; iter++) {
        size_t full = make_packet(work, sizeof work);
        for (size_t len = 0; len <= full; len++) {
            uint8_t *exact = malloc(len ? len : 1);
            assert_non_null(exact);
            if (len)
                memcpy(exact, work, len);
            parse_all(exact, len, accepted);
            free(exact);
        }
    }
    /* Only the complete datagram (total_len == its length) passes IPv4. */
    assert_int_equal(accepted[0], 200);
}

/* The option rules of RFC 9293 §3.1 as plainly as they can be written, to compare against. */
static enum vg_wire_err model_opts(const uint8_t *o, size_t n, struct vg_tcp_opts *m)
{
    memset(m, 0, sizeof *m);
    size_t i = 0;
    while (i < n && o[i] != 0) {
        if (o[i] == 1) {
            i++;
            continue;
        }
        if (i + 1 >= n || o[i + 1] < 2 || i + o[i + 1] > n)
            return VG_WIRE_BAD_OPT;
        uint8_t kind = o[i], olen = o[i + 1];
        if (kind == 2 && olen == 4) {
            m->has_mss = 1;
            m->mss = (uint16_t)(o[i + 2] << 8 | o[i + 3]);
        } else if (kind == 3 && olen == 3) {
            m->has_wscale = 1;
            m->wscale = o[i + 2];
        } else if (kind == 4 && olen == 2) {
            m->sack_permitted = 1;
        } else if (kind == 8 && olen == 10) {
            m->has_ts = 1;
            m->ts_val = vg_get32(o + i + 2);
            m->ts_ecr = vg_get32(o + i + 6);
        }
        i += olen;
    }
    return VG_WIRE_OK;
}

/* Fills an option area with a random mix of good options, known kinds of the wrong length,
 * unknown kinds, NOPs, EOLs and noise. */
static void random_option_area(uint8_t *o, size_t n)
{
    static const uint8_t kinds[] = {0, 1, 2, 3, 4, 8, 5, 19, 30, 253};
    size_t i = 0;
    while (i < n) {
        uint8_t kind = kinds[rnd(sizeof kinds)];
        uint8_t good = kind == 2 ? 4 : kind == 3 ? 3 : kind == 4 ? 2 : kind == 8 ? 10 : (uint8_t)(2 + rnd(8));
        o[i++] = rnd(8) ? kind : (uint8_t)rnd(256);
        if (kind <= 1 || i >= n)
            continue;
        o[i++] = rnd(4) ? good : (uint8_t)rnd(12);
        for (size_t k = 2; k < good && i < n; k++)
            o[i++] = (uint8_t)rnd(256);
    }
}

static void option_parsing_matches_the_model_on_exact_buffers(void **state)
{
    (void)state;
    vg_prng_seed(&rng, 0x5eed0003);
    unsigned ok = 0, bad = 0;
    for (int iter = 0; iter < ITERATIONS; iter++) {
        size_t optlen = 4 * rnd(11);
        size_t dlen = rnd(4) ? 0 : rnd(8); /* mostly none: the header then ends the buffer */
        size_t len = VG_TCP_HDR_LEN + optlen + dlen;
        uint8_t *seg = malloc(len);
        assert_non_null(seg);
        memset(seg, 0, VG_TCP_HDR_LEN);
        seg[12] = (uint8_t)((VG_TCP_HDR_LEN + optlen) / 4 << 4);
        random_option_area(seg + VG_TCP_HDR_LEN, optlen);
        for (size_t i = 0; i < dlen; i++)
            seg[VG_TCP_HDR_LEN + optlen + i] = (uint8_t)rnd(256);
        vg_put16(seg + 16, vg_csum_fold(vg_csum_add(vg_csum_pseudo(SRC, DST, VG_IPPROTO_TCP, (uint16_t)len), seg, len)));

        struct vg_tcp_opts want;
        enum vg_wire_err want_err = model_opts(seg + VG_TCP_HDR_LEN, optlen, &want);
        struct vg_tcp_hdr h;
        const uint8_t *d;
        size_t got;
        enum vg_wire_err err = vg_tcp_parse(seg, len, SRC, DST, &h, &d, &got);
        assert_int_equal(err, want_err);
        if (err == VG_WIRE_OK) {
            ok++;
            assert_int_equal(h.opt.has_mss, want.has_mss);
            assert_int_equal(h.opt.mss, want.mss);
            assert_int_equal(h.opt.has_wscale, want.has_wscale);
            assert_int_equal(h.opt.wscale, want.wscale);
            assert_int_equal(h.opt.sack_permitted, want.sack_permitted);
            assert_int_equal(h.opt.has_ts, want.has_ts);
            assert_int_equal(h.opt.ts_val, want.ts_val);
            assert_int_equal(h.opt.ts_ecr, want.ts_ecr);
            assert_ptr_equal(d, seg + VG_TCP_HDR_LEN + optlen);
            assert_int_equal(got, dlen);
        } else {
            bad++;
        }
        free(seg);
    }
    printf("option areas: %u accepted, %u rejected\n", ok, bad);
    assert_true(ok > ITERATIONS / 10 && bad > ITERATIONS / 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mutated_packets_are_rejected_or_stay_in_bounds),
        cmocka_unit_test(every_prefix_of_a_valid_packet_is_safe),
        cmocka_unit_test(option_parsing_matches_the_model_on_exact_buffers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
