/* The Linux side of bench_tun_wire and bench_tun_paths: plain sockets on the kernel's TCP.
 *
 *   tun_wire_peer send HOST PORT SECONDS   connects, sends zeros for SECONDS, half-closes and
 *                                          waits for the other side's close; prints
 *                                          bytes=, seconds= (until that close) and gbit_per_s=
 *   tun_wire_peer send-bytes HOST PORT N [CC]
 *                                          the same, but sends N bytes of zeros (bench_tun_paths:
 *                                          a fixed amount each way, whatever the rate), with
 *                                          congestion control CC (TCP_CONGESTION: root may name
 *                                          any the kernel has, whatever the namespace allows)
 *   tun_wire_peer sink PORT                accepts one connection, reads until EOF, closes;
 *                                          prints ready first, then the same three lines
 *                                          (from accept to EOF)
 *   tun_wire_peer offload-off IFNAME       turns checksum offload, scatter-gather, TSO, GSO and
 *                                          GRO off (the legacy SIOCETHTOOL requests; no ethtool
 *                                          needed)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/vgb_clock.h"

#define CHUNK (256 * 1024)

static void result(uint64_t bytes, double secs)
{
    printf("bytes=%llu\nseconds=%.6f\ngbit_per_s=%.3f\n", (unsigned long long)bytes, secs,
           secs > 0 ? (double)bytes * 8 / secs / 1e9 : 0.0);
}

/* Sends for secs seconds, or (secs < 0) exactly limit bytes. */
static int do_send(const char *host, int port, double secs, uint64_t limit, const char *cc)
{
    static char buf[CHUNK];
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &to.sin_addr) != 1)
        return 2;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s >= 0 && cc && setsockopt(s, IPPROTO_TCP, TCP_CONGESTION, cc, (socklen_t)strlen(cc)) != 0) {
        fprintf(stderr, "TCP_CONGESTION %s: %s\n", cc, strerror(errno));
        return 1;
    }
    if (s < 0 || connect(s, (struct sockaddr *)&to, sizeof to) != 0) {
        fprintf(stderr, "connect: %s\n", strerror(errno));
        return 1;
    }
    uint64_t sent = 0;
    double t0 = vgb_wall_seconds(), end = t0 + secs;
    while (secs >= 0 ? vgb_wall_seconds() < end : sent < limit) {
        size_t len = secs >= 0 || limit - sent > sizeof buf ? sizeof buf : (size_t)(limit - sent);
        ssize_t n = send(s, buf, len, MSG_NOSIGNAL);
        if (n < 0) {
            fprintf(stderr, "send: %s\n", strerror(errno));
            return 1;
        }
        sent += (uint64_t)n;
    }
    shutdown(s, SHUT_WR);
    while (read(s, buf, sizeof buf) > 0)
        ;
    result(sent, vgb_wall_seconds() - t0);
    close(s);
    return 0;
}

static int do_sink(int port)
{
    static char buf[CHUNK];
    int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in at = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (bind(l, (struct sockaddr *)&at, sizeof at) != 0 || listen(l, 1) != 0) {
        fprintf(stderr, "listen: %s\n", strerror(errno));
        return 1;
    }
    printf("ready\n");
    fflush(stdout);
    int s = accept(l, NULL, NULL);
    if (s < 0)
        return 1;
    double t0 = vgb_wall_seconds();
    uint64_t got = 0;
    ssize_t n;
    while ((n = read(s, buf, sizeof buf)) > 0)
        got += (uint64_t)n;
    result(got, vgb_wall_seconds() - t0);
    close(s);
    close(l);
    return 0;
}

static int offload_off(const char *ifname)
{
    static const uint32_t cmds[] = {ETHTOOL_STSO,   ETHTOOL_SGSO, ETHTOOL_SGRO,
                                    ETHTOOL_STXCSUM, ETHTOOL_SRXCSUM, ETHTOOL_SSG};
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    int rc = 0;
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        struct ethtool_value v = {.cmd = cmds[i], .data = 0};
        struct ifreq ifr;
        memset(&ifr, 0, sizeof ifr);
        snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
        ifr.ifr_data = (char *)&v;
        if (ioctl(s, SIOCETHTOOL, &ifr) != 0) {
            fprintf(stderr, "SIOCETHTOOL %#x on %s: %s\n", cmds[i], ifname, strerror(errno));
            rc = 1;
        }
    }
    close(s);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 5 && !strcmp(argv[1], "send"))
        return do_send(argv[2], atoi(argv[3]), atof(argv[4]), 0, NULL);
    if ((argc == 5 || argc == 6) && !strcmp(argv[1], "send-bytes"))
        return do_send(argv[2], atoi(argv[3]), -1, strtoull(argv[4], NULL, 10),
                       argc == 6 ? argv[5] : NULL);
    if (argc == 3 && !strcmp(argv[1], "sink"))
        return do_sink(atoi(argv[2]));
    if (argc == 3 && !strcmp(argv[1], "offload-off"))
        return offload_off(argv[2]);
    fprintf(stderr, "usage: tun_wire_peer send HOST PORT SECONDS | send-bytes HOST PORT N [CC] | sink PORT | offload-off IF\n");
    return 2;
}
