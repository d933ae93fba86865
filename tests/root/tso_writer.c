/* The TSO write path against the kernel, before the stack sends TSO frames itself: a hand-made
 * TCP endpoint on the TUN device (vg_tun with its offloads) answers one Linux connect, then
 * sends BYTES of the pattern as ONE frame of up to 64 KiB, marked as the rtloop marks a TSO frame
 * (vg_vnet_put: gso_type TCPv4, gso_size GSO, NEEDS_CSUM with only the pseudo-header sum in the
 * checksum field) and written in one write, as the rtloop does. The kernel must take it as the
 * GSO packet it describes (whole, for a local socket; cut at gso_size when forwarded) and
 * deliver every byte intact, and ACK it all.
 *
 *   tso_writer IFNAME PORT BYTES GSO      prints ready, then acked=N (the highest ACK, relative)
 *
 * The pattern: octet i is (i * 7 + i / 251) & 0xff. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>

#include "link/tun.h"
#include "link/vnet.h"

#include "../support/csum_ref.h"

#define ISS 1000u

static uint8_t frame[64 + 65536];
static uint8_t rbuf[16 + 65536];

static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }
static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)); put16(p + 2, (uint16_t)v); }

/* IPv4 + TCP headers at d for a segment from src:sport to dst:dport with plen payload octets
 * after a TCP header of thl octets; the TCP checksum field holds the pseudo-header sum. */
static void headers(uint8_t *d, const uint8_t src[4], const uint8_t dst[4], uint16_t sport,
                    uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, size_t thl,
                    size_t plen)
{
    size_t len = 20 + thl + plen;
    memset(d, 0, 20 + thl);
    d[0] = 0x45;
    put16(d + 2, (uint16_t)len);
    d[6] = 0x40;   /* DF */
    d[8] = 64;
    d[9] = 6;
    memcpy(d + 12, src, 4);
    memcpy(d + 16, dst, 4);
    put16(d + 10, (uint16_t)~ref_sum_acc(d, 20, 0));
    uint8_t *t = d + 20;
    put16(t, sport);
    put16(t + 2, dport);
    put32(t + 4, seq);
    put32(t + 8, ack);
    t[12] = (uint8_t)(thl / 4 << 4);
    t[13] = flags;
    put16(t + 14, 65535);
    put16(t + 16, ref_sum_acc(d + 12, 8, 6u + (uint32_t)(thl + plen)));
}

static long read_frame(struct vg_tun *tun, const uint8_t **pkt)
{
    struct pollfd p = {.fd = vg_tun_fd(tun), .events = POLLIN};
    if (poll(&p, 1, 10000) <= 0)
        return -1;
    long n = vg_tun_read(tun, rbuf, sizeof rbuf);
    if (n <= (long)VG_VNET_HDR_LEN)
        return n < 0 ? -1 : 0;
    *pkt = rbuf + VG_VNET_HDR_LEN;
    return n - (long)VG_VNET_HDR_LEN;
}

int main(int argc, char **argv)
{
    if (argc != 5)
        return 2;
    char err[256];
    struct vg_tun *tun = vg_tun_open(argv[1], 0, err, sizeof err);
    if (!tun) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    if (!(vg_tun_offloads(tun) & VG_OFFLOAD_TSO) || vg_tun_header_len(tun) != VG_VNET_HDR_LEN) {
        printf("no-tso\n");
        return 77;
    }
    uint16_t port = (uint16_t)atoi(argv[2]);
    size_t bytes = (size_t)atol(argv[3]);
    uint16_t gso = (uint16_t)atoi(argv[4]);
    printf("ready\n");
    fflush(stdout);

    uint8_t us[4], them[4];
    uint16_t cport = 0;
    uint32_t cseq = 0;
    const uint8_t *p;
    long n;
    /* The SYN. */
    for (;;) {
        if ((n = read_frame(tun, &p)) < 0)
            return 1;
        if (n >= 40 && p[9] == 6 && (p[33] & 0x02) && (p[22] << 8 | p[23]) == port)
            break;
    }
    memcpy(them, p + 12, 4);
    memcpy(us, p + 16, 4);
    cport = (uint16_t)(p[20] << 8 | p[21]);
    cseq = get32(p + 24) + 1;

    uint8_t *d = frame + 64;
    headers(d, us, them, port, cport, ISS, cseq, 0x12, 24, 0);
    d[40] = 2; d[41] = 4; put16(d + 42, 1460);   /* MSS */
    d[32] = 6 << 4;
    struct vg_frame f = {.data = d, .len = 44, .l4_proto = 6};
    vg_vnet_complete_csum(d, 44, 20, 16);
    vg_vnet_put(&f);
    vg_tun_write(tun, d - VG_VNET_HDR_LEN, f.len + VG_VNET_HDR_LEN);
    /* The handshake's ACK. */
    for (;;) {
        if ((n = read_frame(tun, &p)) < 0)
            return 1;
        if (n >= 40 && p[9] == 6 && (p[33] & 0x10) && get32(p + 28) == ISS + 1)
            break;
    }

    /* One frame, all the bytes, for the kernel to cut into gso-octet segments. */
    headers(d, us, them, port, cport, ISS + 1, cseq, 0x18, 20, bytes);
    for (size_t i = 0; i < bytes; i++)
        d[40 + i] = (uint8_t)(i * 7u + i / 251u);
    f = (struct vg_frame){.data = d, .len = 40 + bytes, .l4_proto = 6, .gso_size = gso,
                          .flags = VG_FRAME_CSUM_PARTIAL, .csum_start = 20, .csum_offset = 16};
    vg_vnet_put(&f);
    if (vg_tun_write(tun, d - VG_VNET_HDR_LEN, f.len + VG_VNET_HDR_LEN) != 0 ||
        vg_tun_stats(tun)->tx_refused) {
        printf("refused\n");
        return 1;
    }
    uint32_t acked = 0;
    while (acked < bytes) {
        if ((n = read_frame(tun, &p)) < 0)
            break;
        if (n >= 40 && p[9] == 6 && (p[33] & 0x10)) {
            uint32_t a = get32(p + 28) - (ISS + 1);
            if (a <= bytes && a > acked)
                acked = a;
        }
    }
    printf("acked=%u\n", (unsigned)acked);
    vg_tun_close(tun);
    return acked == bytes ? 0 : 3;
}
