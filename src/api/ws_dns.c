/* The DNS stub resolver's transport: one question to the server VIGIL_DNS names, through this
 * stack's own UDP (and TCP when the answer comes back truncated), never the host's resolver.
 *
 * Schedule (virtual time makes it exact): the query is sent at t, and again at t+1 s, t+3 s and
 * t+7 s (waits of 1, 2, 4 and 4 s); no acceptable answer by t+11 s is WSATRY_AGAIN. An answer to
 * any of the copies counts (they carry the same ID). A datagram from another address or port,
 * with another ID or question, or unreadable, is ignored and counted, and the wait goes on.
 * The query ID and the source port are drawn from the stack's randomness (RFC 5452 §9.2): a
 * fresh UDP socket bound to a random port per question. TTLs are ignored: nothing is cached. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/ws.h"
#include "api/ws_resolve.h"
#include "stack/stack.h"

static const uint32_t try_ms[] = {1000, 2000, 4000, 4000};
#define TCP_TIMEOUT_MS 5000u
#define DNS_PORT 53

struct vg_ws_resolver_stats ws_dns_stats;

/* VIGIL_DNS: ADDR or ADDR:PORT. 1 when set and good, 0 when unset, -1 when bad (said once). */
static int dns_server(uint32_t *addr, uint16_t *port)
{
    static char warned_for[64];
    const char *v = getenv("VIGIL_DNS");
    if (!v || !*v)
        return 0;
    char host[32];
    const char *colon = strchr(v, ':');
    size_t hl = colon ? (size_t)(colon - v) : strlen(v);
    unsigned long p = DNS_PORT;
    int ok = hl < sizeof host;
    if (ok) {
        memcpy(host, v, hl);
        host[hl] = '\0';
        uint32_t a;
        ok = vg_ws_inet_pton(VG_WS_AF_INET, host, &a) == 1;
        *addr = vg_ntohl(a);
    }
    if (ok && colon) {
        char *end;
        p = strtoul(colon + 1, &end, 10);
        ok = colon[1] >= '0' && colon[1] <= '9' && !*end && p >= 1 && p <= 65535;
    }
    if (!ok) {
        if (strncmp(warned_for, v, sizeof warned_for - 1) != 0) {
            fprintf(stderr, "vigil: VIGIL_DNS must be ADDR or ADDR:PORT (IPv4, port 1-65535), "
                            "got '%s'\n", v);
            snprintf(warned_for, sizeof warned_for, "%s", v);
        }
        return -1;
    }
    *port = (uint16_t)p;
    return 1;
}

/* A socket of the table for the resolver's own use, so that the layer's wake-ups reach it. */
static struct ws_sock *own_socket(int type)
{
    struct ws_sock *so = ws_sock_new(type);
    if (!so)
        return NULL;
    vg_stack *stack = ws_t.net->stack;
    if (type == VG_WS_SOCK_DGRAM) {
        so->udp = vg_udp_open(stack);
        if (so->udp && vg_udp_bind(so->udp, 0, 0) != 0) {
            vg_udp_close(so->udp);
            so->udp = NULL;
        }
    } else {
        so->tcb = vg_tcp_open(stack);
        if (so->tcb)
            vg_tcp_set_user(so->tcb, so);
    }
    if (!so->udp && !so->tcb) {
        ws_sock_free(so);
        return NULL;
    }
    return so;
}

static void release(struct ws_sock *so)
{
    if (so->tcb) {
        /* The graceful close carries on in the background, as closesocket's does. */
        vg_tcp_set_user(so->tcb, NULL);
        vg_tcp_close(so->tcb, ws_now(ws_t.net));
    } else {
        vg_udp_close(so->udp);
    }
    ws_sock_closing(so);
    ws_sock_free(so);
}

static int udp_ready(void *ctx)
{
    struct ws_sock *so = ws_sock_find(*(vg_socket_t *)ctx);
    return !so || vg_udp_has_datagram(so->udp);
}

static int tcp_connected(void *ctx)
{
    struct ws_sock *so = ws_sock_find(*(vg_socket_t *)ctx);
    return !so || vg_tcp_state(so->tcb) != VG_TCP_SYN_SENT;
}

static int tcp_readable(void *ctx)
{
    struct ws_sock *so = ws_sock_find(*(vg_socket_t *)ctx);
    if (!so)
        return 1;
    enum vg_tcp_state st = vg_tcp_state(so->tcb);
    return vg_tcp_readable(so->tcb) > 0 || vg_tcp_eof(so->tcb) ||
           (st != VG_TCP_ESTABLISHED && st != VG_TCP_FIN_WAIT_1 && st != VG_TCP_FIN_WAIT_2);
}

/* Waits on so's queue; so is looked up again after (NULL: WSACleanup took it). */
static int wait_sock(struct ws_sock **so, int (*ready)(void *), vg_time deadline)
{
    vg_socket_t h = (*so)->handle;
    struct ws_waitq *qs[1] = {&(*so)->waitq};
    int e = ws_wait_on(ready, &h, deadline, qs, 1, 0);
    *so = ws_sock_find(h);
    if (!*so)
        return VG_WSAEINTR;
    return e;
}

/* RFC 1035 §4.2.2 / RFC 7766: the same query, framed by a two-octet length, over one TCP
 * connection to the same server. */
static int ask_tcp(uint32_t addr, uint16_t port, const uint8_t *q, size_t qlen, uint16_t id,
                   const char *name, uint16_t qtype, struct vg_dns_answer *ans)
{
    struct ws_sock *so = own_socket(VG_WS_SOCK_STREAM);
    if (!so)
        return VG_WSA_NOT_ENOUGH_MEMORY;
    ws_dns_stats.tcp_queries++;
    vg_time deadline = ws_deadline_ms(TCP_TIMEOUT_MS);
    int rc = VG_WSATRY_AGAIN;
    uint8_t *msg = NULL;
    vg_addr server = vg_addr_v4(addr);   /* VIGIL_DNS names an IPv4 server */
    if (vg_tcp_connect_addr(so->tcb, &server, port, ws_now(ws_t.net)) != 0)
        goto out;
    while (vg_tcp_state(so->tcb) == VG_TCP_SYN_SENT) {
        int e = wait_sock(&so, tcp_connected, deadline);
        if (!so)
            return e;
        if (e)
            goto out;
    }
    uint8_t framed[2 + VG_DNS_UDP_MAX];
    framed[0] = (uint8_t)(qlen >> 8);
    framed[1] = (uint8_t)qlen;
    memcpy(framed + 2, q, qlen);
    if (vg_tcp_send(so->tcb, framed, qlen + 2, ws_now(ws_t.net)) != (long)(qlen + 2))
        goto out;
    uint8_t lenbuf[2];
    size_t have = 0, want = 2;
    for (;;) {
        long n = msg ? vg_tcp_recv(so->tcb, msg + have, want - have, ws_now(ws_t.net))
                     : vg_tcp_recv(so->tcb, lenbuf + have, want - have, ws_now(ws_t.net));
        if (n > 0) {
            have += (size_t)n;
            if (have < want)
                continue;
            if (msg)
                break;
            want = (size_t)lenbuf[0] << 8 | lenbuf[1];
            have = 0;
            msg = want ? malloc(want) : NULL;
            if (!msg) {
                rc = want ? VG_WSA_NOT_ENOUGH_MEMORY : VG_WSATRY_AGAIN;
                goto out;
            }
            continue;
        }
        if (n == 0 || n != -VG_ERR_WOULDBLOCK)
            goto out;             /* closed before the whole answer: no answer */
        int e = wait_sock(&so, tcp_readable, deadline);
        if (!so) {
            free(msg);
            return e;
        }
        if (e)
            goto out;
    }
    switch (vg_dns_parse_answer(msg, want, id, name, qtype, ans)) {
    case VG_DNS_ANSWER:
        rc = 0;
        break;
    case VG_DNS_NOT_OURS:
        ws_dns_stats.ignored_not_ours++;
        break;
    case VG_DNS_MALFORMED:
        ws_dns_stats.ignored_malformed++;
        break;
    }
out:
    free(msg);
    release(so);
    return rc;
}

/* Reads what arrived on the UDP socket: 0 with ans filled in, 1 to go on waiting, 2 when the
 * answer was truncated. */
static int take_datagrams(struct ws_sock *so, uint32_t addr, uint16_t port, uint16_t id,
                          const char *name, uint16_t qtype, struct vg_dns_answer *ans)
{
    uint8_t buf[VG_DNS_UDP_MAX * 8];
    while (vg_udp_has_datagram(so->udp)) {
        size_t whole = vg_udp_pending(so->udp);
        uint32_t from;
        uint16_t fport;
        long n = vg_udp_recvfrom(so->udp, buf, sizeof buf, &from, &fport);
        if (n < 0)
            break;
        if (from != addr || fport != port) {
            ws_dns_stats.ignored_source++;
            continue;
        }
        if (whole > sizeof buf) {
            ws_dns_stats.ignored_malformed++;
            continue;
        }
        switch (vg_dns_parse_answer(buf, (size_t)n, id, name, qtype, ans)) {
        case VG_DNS_ANSWER:
            return ans->truncated ? 2 : 0;
        case VG_DNS_NOT_OURS:
            ws_dns_stats.ignored_not_ours++;
            break;
        case VG_DNS_MALFORMED:
            ws_dns_stats.ignored_malformed++;
            break;
        }
    }
    return 1;
}

int ws_dns_ask(const char *name, uint16_t qtype, struct vg_dns_answer *ans)
{
    uint32_t addr = 0;
    uint16_t port = 0;
    int have = dns_server(&addr, &port);
    if (have <= 0)
        return have < 0 ? VG_WSANO_RECOVERY : VG_WSAHOST_NOT_FOUND;
    uint8_t q[VG_DNS_UDP_MAX];
    uint16_t id = (uint16_t)vg_stack_random(ws_t.net->stack);
    int qlen = vg_dns_build_query(q, sizeof q, id, name, qtype);
    if (qlen < 0)
        return VG_WSAHOST_NOT_FOUND;   /* not a name DNS can carry */
    struct ws_sock *so = own_socket(VG_WS_SOCK_DGRAM);
    if (!so)
        return VG_WSA_NOT_ENOUGH_MEMORY;
    int rc = VG_WSATRY_AGAIN;
    for (size_t t = 0; t < sizeof try_ms / sizeof try_ms[0]; t++) {
        vg_udp_sendto(so->udp, q, (size_t)qlen, addr, port, ws_now(ws_t.net));
        ws_dns_stats.queries_sent++;
        /* The query's arrival is a stack event of the receiving socket (VG_EV_UDP_READABLE):
         * a server on this same stack blocked on it is woken by its queue. */
        vg_time deadline = ws_deadline_ms(try_ms[t]);
        for (;;) {
            int e = wait_sock(&so, udp_ready, deadline);
            if (!so)
                return e;
            int got = take_datagrams(so, addr, port, id, name, qtype, ans);
            if (got == 0) {
                rc = 0;
                goto out;
            }
            if (got == 2) {
                release(so);
                return ask_tcp(addr, port, q, (size_t)qlen, id, name, qtype, ans);
            }
            if (e == VG_WSAETIMEDOUT)
                break;
            if (e) {
                rc = e;
                goto out;
            }
        }
    }
out:
    release(so);
    return rc;
}
