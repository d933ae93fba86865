/* Name resolution as Windows documents it (getaddrinfo, getnameinfo, gethostbyname,
 * gethostbyaddr, gethostname, gai_strerror), from each source in order: numeric addresses,
 * localhost, the VIGIL_HOSTS file, and the DNS stub resolver talking through the stack's own
 * UDP (and TCP) to a scripted DNS server written here: vigil sockets on 127.0.0.53:53 answering
 * from a table, on a thread of their own. The answering tests run in real time (the server
 * thread answers in microseconds, well inside the first 1 s wait); the silent server's retry
 * schedule runs in virtual time, where its instants are exact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "test_api_support.h"
#include "api/ws_dns_wire.h"

#define SERVER "127.0.0.53"
#define SERVER_ADDR 0x7f000035u

static u_long ip(int a, int b, int c, int d)
{
    return htonl((u_long)a << 24 | (u_long)b << 16 | (u_long)c << 8 | (u_long)d);
}

static struct vg_ws_resolver_stats stats(void)
{
    struct vg_ws_resolver_stats s;
    vg_ws_resolver_stats(&s);
    return s;
}


static int start_clock(const char *clock)
{
    setenv("VIGIL_CLOCK", clock, 1);
    setenv("VIGIL_NET", "loopback", 1);
    unsetenv("VIGIL_REG");
    unsetenv("VIGIL_PROFILE");
    WSADATA wsa;
    return WSAStartup(MAKEWORD(2, 2), &wsa);
}

static int teardown(void **state)
{
    (void)state;
    api_stop();
    unsetenv("VIGIL_DNS");
    unsetenv("VIGIL_HOSTS");
    unsetenv("VIGIL_HOSTNAME");
    return 0;
}

/* ---- The scripted DNS server. */

struct msg {
    unsigned char b[2048];
    size_t n;
};

static void put16(struct msg *m, unsigned v)
{
    m->b[m->n++] = (unsigned char)(v >> 8);
    m->b[m->n++] = (unsigned char)v;
}

static void put_name(struct msg *m, const char *name)
{
    while (*name) {
        const char *dot = strchr(name, '.');
        size_t l = dot ? (size_t)(dot - name) : strlen(name);
        m->b[m->n++] = (unsigned char)l;
        memcpy(m->b + m->n, name, l);
        m->n += l;
        name += l + (dot ? 1 : 0);
    }
    m->b[m->n++] = 0;
}

/* A response header and the query's question copied; answers follow. */
static void begin(struct msg *m, const unsigned char *q, size_t qlen, unsigned id, unsigned rcode,
                  unsigned ancount, int tc)
{
    m->n = 0;
    put16(m, id);
    put16(m, 0x8180u | rcode | (tc ? 0x0200u : 0));
    put16(m, 1);
    put16(m, ancount);
    put16(m, 0);
    put16(m, 0);
    memcpy(m->b + m->n, q + 12, qlen - 12);
    m->n += qlen - 12;
}

static void rr_head(struct msg *m, const char *owner, unsigned type, unsigned rdlen)
{
    if (owner)
        put_name(m, owner);
    else
        put16(m, 0xc00c);         /* a pointer to the question's name */
    put16(m, type);
    put16(m, 1);
    put16(m, 0);
    put16(m, 60);
    put16(m, rdlen);
}

static void rr_a(struct msg *m, const char *owner, u_long a_net)
{
    rr_head(m, owner, 1, 4);
    memcpy(m->b + m->n, &a_net, 4);
    m->n += 4;
}

static void rr_aaaa(struct msg *m, const char *owner, const char *text)
{
    rr_head(m, owner, 28, 16);
    assert_int_equal(inet_pton(AF_INET6, text, m->b + m->n), 1);
    m->n += 16;
}

static void rr_name(struct msg *m, const char *owner, unsigned type, const char *target)
{
    struct msg t = {.n = 0};
    put_name(&t, target);
    rr_head(m, owner, type, (unsigned)t.n);
    memcpy(m->b + m->n, t.b, t.n);
    m->n += t.n;
}

static void qname_of(const unsigned char *q, size_t qlen, char *out, unsigned *qtype)
{
    size_t o = 12, w = 0;
    while (o < qlen && q[o]) {
        if (w)
            out[w++] = '.';
        memcpy(out + w, q + o + 1, q[o]);
        w += q[o];
        o += 1u + q[o];
    }
    out[w] = '\0';
    for (size_t i = 0; i < w; i++)   /* a server answers whatever the case (RFC 4343) */
        if (out[i] >= 'A' && out[i] <= 'Z')
            out[i] = (char)(out[i] + 32);
    *qtype = (unsigned)(q[o + 1] << 8 | q[o + 2]);
}

static struct {
    pthread_t thread;
    SOCKET udp, alt, tcp;
    volatile int stop;
} srv;

/* The answer for one query; over TCP (tcp 1) the truncated name gets its whole answer. */
static void answer(const unsigned char *q, size_t qlen, int tcp, struct msg *m, int *extra)
{
    char name[256];
    unsigned qtype;
    qname_of(q, qlen, name, &qtype);
    unsigned id = (unsigned)(q[0] << 8 | q[1]);
    *extra = 0;
    if (strcmp(name, "host.test") == 0) {
        begin(m, q, qlen, id, 0, 2, 0);
        rr_a(m, NULL, ip(192, 0, 2, 10));
        rr_a(m, NULL, ip(192, 0, 2, 11));
    } else if (strcmp(name, "www.test") == 0) {
        begin(m, q, qlen, id, 0, 3, 0);
        rr_name(m, NULL, 5, "alias.test");
        rr_name(m, "alias.test", 5, "host2.test");
        rr_a(m, "host2.test", ip(192, 0, 2, 20));
    } else if (strcmp(name, "fail.test") == 0) {
        begin(m, q, qlen, id, 2, 0, 0);
    } else if (strcmp(name, "refused.test") == 0) {
        begin(m, q, qlen, id, 5, 0, 0);
    } else if (strcmp(name, "nodata.test") == 0) {
        begin(m, q, qlen, id, 0, 0, 0);
    } else if (strcmp(name, "spoof.test") == 0) {
        *extra = 1;               /* the bad answers go first: see serve_udp */
        begin(m, q, qlen, id, 0, 1, 0);
        rr_a(m, NULL, ip(192, 0, 2, 30));
    } else if (strcmp(name, "big.test") == 0 && !tcp) {
        begin(m, q, qlen, id, 0, 0, 1);
    } else if (strcmp(name, "big.test") == 0) {
        begin(m, q, qlen, id, 0, 20, 0);
        for (int i = 1; i <= 20; i++)
            rr_a(m, NULL, ip(10, 0, 0, i));
    } else if (strcmp(name, "six.test") == 0 && qtype == 28) {
        begin(m, q, qlen, id, 0, 2, 0);
        rr_aaaa(m, NULL, "2001:db8::60");
        rr_aaaa(m, NULL, "2001:db8::61");
    } else if (strcmp(name, "six.test") == 0) {
        begin(m, q, qlen, id, 0, 1, 0);
        rr_a(m, NULL, ip(192, 0, 2, 60));
    } else if (strcmp(name, "0.3.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa") == 0 &&
               qtype == 12) {
        begin(m, q, qlen, id, 0, 1, 0);
        rr_name(m, NULL, 12, "host6.test");
    } else if (strcmp(name, "30.2.0.192.in-addr.arpa") == 0 && qtype == 12) {
        begin(m, q, qlen, id, 0, 1, 0);
        rr_name(m, NULL, 12, "host3.test");
    } else {
        begin(m, q, qlen, id, 3, 0, 0);
    }
}

static void serve_udp(void)
{
    unsigned char q[512];
    struct sockaddr_in from;
    int fl = sizeof from;
    int n = recvfrom(srv.udp, (char *)q, sizeof q, 0, (SOCKADDR *)&from, &fl);
    if (n < 17)
        return;
    struct msg m;
    int extra;
    answer(q, (size_t)n, 0, &m, &extra);
    if (extra) {
        /* The right answer from the wrong source; then another ID; then our ID with a
         * compression loop (the answer's owner points at itself); then the right one. */
        sendto(srv.alt, (const char *)m.b, (int)m.n, 0, (SOCKADDR *)&from, fl);
        struct msg bad = m;
        bad.b[1] ^= 1;
        sendto(srv.udp, (const char *)bad.b, (int)bad.n, 0, (SOCKADDR *)&from, fl);
        bad = m;
        size_t rr = (size_t)n;    /* the answer record starts where the query ended */
        bad.b[rr] = (unsigned char)(0xc0 | rr >> 8);
        bad.b[rr + 1] = (unsigned char)rr;
        sendto(srv.udp, (const char *)bad.b, (int)bad.n, 0, (SOCKADDR *)&from, fl);
    }
    sendto(srv.udp, (const char *)m.b, (int)m.n, 0, (SOCKADDR *)&from, fl);
}

static void serve_tcp(void)
{
    SOCKET c = accept(srv.tcp, NULL, NULL);
    if (c == INVALID_SOCKET)
        return;
    unsigned char q[514];
    int have = 0;
    while (have < 2 || have < 2 + (q[0] << 8 | q[1])) {
        int n = recv(c, (char *)q + have, (int)sizeof q - have, 0);
        if (n <= 0)
            break;
        have += n;
    }
    if (have >= 2 + 17) {
        struct msg m;
        int extra;
        answer(q + 2, (size_t)have - 2, 1, &m, &extra);
        unsigned char len[2] = {(unsigned char)(m.n >> 8), (unsigned char)m.n};
        send(c, (const char *)len, 2, 0);
        send(c, (const char *)m.b, (int)m.n, 0);
    }
    shutdown(c, SD_SEND);
    char sink[64];
    while (recv(c, sink, sizeof sink, 0) > 0)
        ;
    closesocket(c);
}

static void *server_main(void *arg)
{
    (void)arg;
    while (!srv.stop) {
        fd_set r;
        FD_ZERO(&r);
        FD_SET(srv.udp, &r);
        FD_SET(srv.tcp, &r);
        if (select(0, &r, NULL, NULL, NULL) <= 0)
            break;
        if (FD_ISSET(srv.udp, &r))
            serve_udp();
        if (FD_ISSET(srv.tcp, &r))
            serve_tcp();
    }
    return NULL;
}

static SOCKET bound(int type, const char *addr, u_short port)
{
    SOCKET s = socket(AF_INET, type, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    inet_pton(AF_INET, addr, &sa.sin_addr);
    if (s == INVALID_SOCKET || bind(s, (SOCKADDR *)&sa, sizeof sa) != 0)
        return INVALID_SOCKET;
    return s;
}

static int server_setup(void **state)
{
    (void)state;
    assert_int_equal(start_clock("real"), 0);
    setenv("VIGIL_DNS", SERVER, 1);
    srv.stop = 0;
    srv.udp = bound(SOCK_DGRAM, SERVER, 53);
    srv.alt = bound(SOCK_DGRAM, "127.0.0.54", 53);
    srv.tcp = bound(SOCK_STREAM, SERVER, 53);
    assert_true(srv.udp != INVALID_SOCKET && srv.alt != INVALID_SOCKET && srv.tcp != INVALID_SOCKET);
    assert_int_equal(listen(srv.tcp, 5), 0);
    assert_int_equal(pthread_create(&srv.thread, NULL, server_main, NULL), 0);
    return 0;
}

static int server_teardown(void **state)
{
    srv.stop = 1;
    SOCKET s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to;
    memset(&to, 0, sizeof to);
    to.sin_family = AF_INET;
    to.sin_port = htons(53);
    to.sin_addr.s_addr = htonl(SERVER_ADDR);
    sendto(s, "x", 1, 0, (SOCKADDR *)&to, sizeof to);
    pthread_join(srv.thread, NULL);
    closesocket(s);
    closesocket(srv.udp);
    closesocket(srv.alt);
    closesocket(srv.tcp);
    return teardown(state);
}

static u_long first_addr(const struct addrinfo *ai)
{
    return ((const struct sockaddr_in *)ai->ai_addr)->sin_addr.s_addr;
}

static int lookup(const char *name, int flags, struct addrinfo **res)
{
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    hints.ai_flags = flags;
    return getaddrinfo(name, "80", &hints, res);
}

/* ---- DNS answers. */

static void dns_a_records_in_order(void **state)
{
    (void)state;
    struct vg_ws_resolver_stats s0 = stats();
    struct addrinfo *res = NULL;
    assert_int_equal(lookup("host.test", AI_CANONNAME, &res), 0);
    assert_non_null(res);
    assert_int_equal(first_addr(res), ip(192, 0, 2, 10));
    assert_string_equal(res->ai_canonname, "host.test");
    assert_int_equal(res->ai_socktype, SOCK_STREAM);
    assert_int_equal(res->ai_protocol, IPPROTO_TCP);
    assert_int_equal(res->ai_addrlen, sizeof(struct sockaddr_in));
    assert_int_equal(((struct sockaddr_in *)res->ai_addr)->sin_port, htons(80));
    assert_non_null(res->ai_next);
    assert_int_equal(first_addr(res->ai_next), ip(192, 0, 2, 11));
    assert_null(res->ai_next->ai_next);
    assert_null(res->ai_next->ai_canonname);
    freeaddrinfo(res);
    assert_true(stats().queries_sent > s0.queries_sent);
    /* The same name in capitals: DNS names compare without case. */
    assert_int_equal(lookup("HOST.Test", 0, &res), 0);
    freeaddrinfo(res);
}

static void dns_cname_chain_is_followed(void **state)
{
    (void)state;
    struct addrinfo *res = NULL;
    assert_int_equal(lookup("www.test", AI_CANONNAME, &res), 0);
    assert_int_equal(first_addr(res), ip(192, 0, 2, 20));
    assert_string_equal(res->ai_canonname, "host2.test");
    assert_null(res->ai_next);
    freeaddrinfo(res);
}

static void dns_errors_as_windows_maps_them(void **state)
{
    (void)state;
    struct addrinfo *res = (struct addrinfo *)1;
    WSASetLastError(0);
    assert_int_equal(lookup("nx.test", 0, &res), WSAHOST_NOT_FOUND);
    assert_int_equal(WSAGetLastError(), WSAHOST_NOT_FOUND);
    assert_null(res);
    assert_int_equal(EAI_NONAME, WSAHOST_NOT_FOUND);
    assert_int_equal(lookup("fail.test", 0, &res), WSATRY_AGAIN);
    assert_int_equal(WSAGetLastError(), EAI_AGAIN);
    assert_int_equal(lookup("refused.test", 0, &res), WSANO_RECOVERY);
    assert_int_equal(lookup("nodata.test", 0, &res), WSANO_DATA);
    assert_int_equal(WSAGetLastError(), EAI_NODATA);
    assert_null(gethostbyname("nx.test"));
    assert_int_equal(WSAGetLastError(), WSAHOST_NOT_FOUND);
}

static void dns_bad_answers_are_ignored_and_counted(void **state)
{
    (void)state;
    struct vg_ws_resolver_stats s0 = stats();
    struct addrinfo *res = NULL;
    assert_int_equal(lookup("spoof.test", 0, &res), 0);
    assert_int_equal(first_addr(res), ip(192, 0, 2, 30));
    freeaddrinfo(res);
    struct vg_ws_resolver_stats s1 = stats();
    assert_int_equal(s1.ignored_source - s0.ignored_source, 1);
    assert_int_equal(s1.ignored_not_ours - s0.ignored_not_ours, 1);
    assert_int_equal(s1.ignored_malformed - s0.ignored_malformed, 1);
}

static void dns_truncated_answer_is_asked_again_over_tcp(void **state)
{
    (void)state;
    struct vg_ws_resolver_stats s0 = stats();
    struct addrinfo *res = NULL;
    assert_int_equal(lookup("big.test", 0, &res), 0);
    int n = 0;
    for (struct addrinfo *a = res; a; a = a->ai_next)
        assert_int_equal(first_addr(a), ip(10, 0, 0, ++n));
    assert_int_equal(n, VG_DNS_ADDRS_MAX);   /* the first 16 of 20 */
    freeaddrinfo(res);
    assert_int_equal(stats().tcp_queries - s0.tcp_queries, 1);
}

static void dns_reverse_lookup_by_ptr(void **state)
{
    (void)state;
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(443);
    sa.sin_addr.s_addr = ip(192, 0, 2, 30);
    char host[NI_MAXHOST], serv[NI_MAXSERV];
    assert_int_equal(getnameinfo((SOCKADDR *)&sa, sizeof sa, host, sizeof host, serv, sizeof serv, 0), 0);
    assert_string_equal(host, "host3.test");
    assert_string_equal(serv, "https");
    assert_int_equal(getnameinfo((SOCKADDR *)&sa, sizeof sa, host, sizeof host, NULL, 0, NI_NOFQDN | NI_NAMEREQD), 0);
    assert_string_equal(host, "host3");
    struct hostent *h = gethostbyaddr((const char *)&sa.sin_addr, 4, AF_INET);
    assert_non_null(h);
    assert_string_equal(h->h_name, "host3.test");
    /* No PTR record: the numeric form, or WSAHOST_NOT_FOUND under NI_NAMEREQD. */
    sa.sin_addr.s_addr = ip(192, 0, 2, 99);
    assert_int_equal(getnameinfo((SOCKADDR *)&sa, sizeof sa, host, sizeof host, NULL, 0, 0), 0);
    assert_string_equal(host, "192.0.2.99");
    assert_int_equal(getnameinfo((SOCKADDR *)&sa, sizeof sa, host, sizeof host, NULL, 0, NI_NAMEREQD),
                     WSAHOST_NOT_FOUND);
}

/* ---- No answer at all: four queries at 0, 1, 3 and 7 s, then WSATRY_AGAIN at 11 s. */

static void dns_silence_retries_then_try_again(void **state)
{
    (void)state;
    assert_int_equal(start_clock("virtual"), 0);
    setenv("VIGIL_DNS", SERVER ":5353", 1);
    SOCKET silent = bound(SOCK_DGRAM, SERVER, 5353);   /* receives, never answers */
    assert_true(silent != INVALID_SOCKET);
    struct vg_ws_resolver_stats s0 = stats();
    uint64_t t0 = vg_clock_ms();
    struct addrinfo *res = NULL;
    assert_int_equal(lookup("quiet.test", 0, &res), WSATRY_AGAIN);
    assert_int_equal(WSAGetLastError(), WSATRY_AGAIN);
    assert_int_equal(vg_clock_ms() - t0, 11000);
    assert_int_equal(stats().queries_sent - s0.queries_sent, 4);
    /* The four copies reached the server, all alike (one question, one ID), from one port. */
    char first[512], dgram[512];
    struct sockaddr_in from, from0;
    int n0 = 0;
    for (int i = 0; i < 4; i++) {
        int fl = sizeof from;
        set_nonblocking(silent, 1);
        int n = recvfrom(silent, dgram, sizeof dgram, 0, (SOCKADDR *)&from, &fl);
        assert_true(n > 12);
        if (i == 0) {
            memcpy(first, dgram, (size_t)n);
            n0 = n;
            from0 = from;
        } else {
            assert_int_equal(n, n0);
            assert_memory_equal(dgram, first, (size_t)n);
            assert_int_equal(from.sin_port, from0.sin_port);
        }
    }
    assert_int_equal((unsigned char)first[2] & 0x01, 1);   /* RD */
    assert_true(ntohs(from0.sin_port) >= 49152);
    closesocket(silent);
}

static void dns_query_ids_differ(void **state)
{
    (void)state;
    assert_int_equal(start_clock("virtual"), 0);
    setenv("VIGIL_DNS", SERVER ":5353", 1);
    SOCKET silent = bound(SOCK_DGRAM, SERVER, 5353);
    struct addrinfo *res = NULL;
    unsigned ids[3];
    u_short ports[3];
    for (int i = 0; i < 3; i++) {
        assert_int_equal(lookup("quiet.test", 0, &res), WSATRY_AGAIN);
        char d[512];
        struct sockaddr_in from;
        for (int k = 0; k < 4; k++) {
            int fl = sizeof from;
            assert_true(recvfrom(silent, d, sizeof d, 0, (SOCKADDR *)&from, &fl) > 12);
        }
        ids[i] = (unsigned)((unsigned char)d[0] << 8 | (unsigned char)d[1]);
        ports[i] = from.sin_port;
    }
    assert_false(ids[0] == ids[1] && ids[1] == ids[2]);
    assert_false(ports[0] == ports[1] && ports[1] == ports[2]);
    closesocket(silent);
}

/* ---- Without DNS: numeric, localhost, the hosts file; and the errors. */

static void no_dns_names_are_not_found(void **state)
{
    (void)state;
    assert_int_equal(start_clock("virtual"), 0);
    unsetenv("VIGIL_DNS");
    struct vg_ws_resolver_stats s0 = stats();
    struct addrinfo *res = NULL;
    uint64_t t0 = vg_clock_ms();
    assert_int_equal(lookup("example.com", 0, &res), WSAHOST_NOT_FOUND);
    assert_int_equal(vg_clock_ms(), t0);
    assert_int_equal(stats().queries_sent, s0.queries_sent);
    setenv("VIGIL_DNS", "1.2.3", 1);
    assert_int_equal(lookup("example.com", 0, &res), WSANO_RECOVERY);
}


/* localhost as Windows with IPv6 gives it: ::1, then 127.0.0.1, and nothing else (freed). */
static void assert_loopback_pair(struct addrinfo *res)
{
    assert_int_equal(res->ai_family, AF_INET6);
    assert_true(IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)res->ai_addr)->sin6_addr));
    assert_non_null(res->ai_next);
    assert_int_equal(res->ai_next->ai_family, AF_INET);
    assert_int_equal(first_addr(res->ai_next), htonl(INADDR_LOOPBACK));
    assert_null(res->ai_next->ai_next);
    freeaddrinfo(res);
}
static void numeric_and_passive(void **state)
{
    (void)state;
    assert_int_equal(start_clock("virtual"), 0);
    struct addrinfo *res = NULL, hints;
    assert_int_equal(lookup("192.0.2.7", AI_CANONNAME, &res), 0);
    assert_int_equal(first_addr(res), ip(192, 0, 2, 7));
    assert_string_equal(res->ai_canonname, "192.0.2.7");
    freeaddrinfo(res);
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    hints.ai_flags = AI_PASSIVE;
    assert_int_equal(getaddrinfo(NULL, "27015", &hints, &res), 0);
    assert_int_equal(first_addr(res), htonl(INADDR_ANY));
    assert_int_equal(((struct sockaddr_in *)res->ai_addr)->sin_port, htons(27015));
    assert_null(res->ai_canonname);
    /* What the Getting Started server does with it. */
    SOCKET l = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
    assert_int_equal(bind(l, res->ai_addr, (int)res->ai_addrlen), 0);
    closesocket(l);
    freeaddrinfo(res);
    hints.ai_flags = 0;
    assert_int_equal(getaddrinfo(NULL, "http", &hints, &res), 0);
    assert_int_equal(first_addr(res), htonl(INADDR_LOOPBACK));
    assert_int_equal(((struct sockaddr_in *)res->ai_addr)->sin_port, htons(80));
    freeaddrinfo(res);
    /* No hints: AF_UNSPEC, socktype and protocol 0; with IPv6 stream sockets opening, ::1
     * first and then 127.0.0.1, as Windows with IPv6 installed. */
    assert_int_equal(getaddrinfo("localhost", NULL, NULL, &res), 0);
    assert_int_equal(res->ai_socktype, 0);
    assert_int_equal(res->ai_protocol, 0);
    assert_loopback_pair(res);
    /* A datagram hint, by type or by UDP, the same: AF_INET6 datagram sockets open too. */
    for (int by_proto = 0; by_proto < 2; by_proto++) {
        memset(&hints, 0, sizeof hints);
        if (by_proto)
            hints.ai_protocol = IPPROTO_UDP;
        else
            hints.ai_socktype = SOCK_DGRAM;
        assert_int_equal(getaddrinfo("localhost", NULL, &hints, &res), 0);
        assert_int_equal(res->ai_socktype, by_proto ? 0 : SOCK_DGRAM);
        assert_loopback_pair(res);
    }
    assert_int_equal(lookup("LocalHost", AI_CANONNAME, &res), 0);
    assert_string_equal(res->ai_canonname, "localhost");
    freeaddrinfo(res);
}

static void getaddrinfo_wide(void **state)
{
    (void)state;
    assert_int_equal(start_clock("virtual"), 0);
    ADDRINFOW hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_CANONNAME;
    static const uint16_t name[] = {'L', 'o', 'c', 'a', 'l', 'h', 'o', 's', 't', 0};
    static const uint16_t port[] = {'8', '0', 0};
    assert_int_equal(GetAddrInfoW(name, port, &hints, &res), 0);
    assert_non_null(res);
    struct sockaddr_in *sin = (struct sockaddr_in *)res->ai_addr;
    assert_int_equal(sin->sin_addr.s_addr, htonl(INADDR_LOOPBACK));
    assert_int_equal(sin->sin_port, htons(80));
    static const uint16_t canon[] = {'l', 'o', 'c', 'a', 'l', 'h', 'o', 's', 't', 0};
    assert_memory_equal(res->ai_canonname, canon, sizeof canon);
    assert_int_equal(res->ai_socktype, SOCK_STREAM);
    FreeAddrInfoW(res);
    static const uint16_t accented[] = {'h', 0xe9, 0};
    assert_int_equal(GetAddrInfoW(accented, port, &hints, &res), WSAHOST_NOT_FOUND);
    assert_int_equal(WSAGetLastError(), WSAHOST_NOT_FOUND);
    assert_null(res);
    /* IPv6: the sockaddr_in6 copied whole (28 octets). */
    hints.ai_family = AF_INET6;
    assert_int_equal(GetAddrInfoW(name, port, &hints, &res), 0);
    assert_int_equal(res->ai_family, AF_INET6);
    assert_int_equal(res->ai_addrlen, sizeof(struct sockaddr_in6));
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)res->ai_addr;
    assert_true(IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr));
    assert_int_equal(sin6->sin6_port, htons(80));
    FreeAddrInfoW(res);
}

static void getaddrinfo_errors(void **state)
{
    (void)state;
    struct addrinfo *res = NULL, hints;
    assert_int_equal(getaddrinfo("localhost", "80", NULL, &res), WSANOTINITIALISED);
    assert_int_equal(start_clock("virtual"), 0);
    assert_int_equal(getaddrinfo(NULL, NULL, NULL, &res), WSAHOST_NOT_FOUND);
    assert_int_equal(lookup("example.test", AI_NUMERICHOST, &res), WSAHOST_NOT_FOUND);
    assert_int_equal(lookup(NULL, AI_CANONNAME, &res), EAI_BADFLAGS);
    assert_int_equal(lookup("localhost", 0x00100000, &res), EAI_BADFLAGS);
    assert_int_equal(WSAGetLastError(), WSAEINVAL);
    assert_int_equal(lookup("localhost", AI_CANONNAME | AI_FQDN, &res), EAI_BADFLAGS);
    /* Flags Windows defines that change nothing for IPv4 alone are accepted. */
    assert_int_equal(lookup("localhost", AI_ADDRCONFIG | AI_V4MAPPED | AI_ALL, &res), 0);
    assert_int_equal(first_addr(res), htonl(INADDR_LOOPBACK));
    freeaddrinfo(res);
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_APPLETALK;
    assert_int_equal(getaddrinfo("localhost", "80", &hints, &res), EAI_FAMILY);
    assert_int_equal(WSAGetLastError(), WSAEAFNOSUPPORT);
    hints.ai_family = 99;
    assert_int_equal(getaddrinfo("localhost", "80", &hints, &res), WSAEAFNOSUPPORT);
    hints.ai_family = AF_INET;
    hints.ai_socktype = 99;
    assert_int_equal(getaddrinfo("localhost", "80", &hints, &res), EAI_SOCKTYPE);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_UDP;
    assert_int_equal(getaddrinfo("localhost", "80", &hints, &res), WSAESOCKTNOSUPPORT);
    hints.ai_socktype = SOCK_DGRAM;
    assert_int_equal(getaddrinfo("localhost", "domain", &hints, &res), 0);
    assert_int_equal(res->ai_socktype, SOCK_DGRAM);
    assert_int_equal(((struct sockaddr_in *)res->ai_addr)->sin_port, htons(53));
    freeaddrinfo(res);
    hints.ai_next = &hints;       /* Windows: members other than the four must be 0 */
    assert_int_equal(getaddrinfo("localhost", "80", &hints, &res), WSANO_RECOVERY);
    assert_int_equal(lookup("localhost", 0, NULL), WSAEINVAL);
    assert_int_equal(getaddrinfo("localhost", "nosuchservice", NULL, &res), EAI_SERVICE);
    assert_int_equal(WSAGetLastError(), WSATYPE_NOT_FOUND);
    assert_int_equal(lookup("localhost", AI_NUMERICSERV, &res), 0);   /* "80" is numeric */
    freeaddrinfo(res);
    memset(&hints, 0, sizeof hints);
    hints.ai_flags = AI_NUMERICSERV;
    assert_int_equal(getaddrinfo("localhost", "http", &hints, &res), WSAHOST_NOT_FOUND);
    assert_int_equal(getaddrinfo("localhost", "65536", NULL, &res), WSATYPE_NOT_FOUND);
    assert_string_equal(gai_strerror(WSAHOST_NOT_FOUND), "No such host is known.");
    /* inet_ntop as Windows: a buffer too small or NULL is ERROR_INVALID_PARAMETER (87). */
    u_long bin = ip(198, 51, 100, 7);
    char text[16];
    assert_string_equal(inet_ntop(AF_INET, &bin, text, sizeof text), "198.51.100.7");
    assert_null(inet_ntop(AF_INET, &bin, text, 12));
    assert_int_equal(WSAGetLastError(), WSA_INVALID_PARAMETER);
    assert_null(inet_ntop(AF_INET, &bin, NULL, 16));
    assert_int_equal(WSAGetLastError(), WSA_INVALID_PARAMETER);
    assert_null(inet_ntop(AF_APPLETALK, &bin, text, sizeof text));
    assert_int_equal(WSAGetLastError(), WSAEAFNOSUPPORT);
}

static void hosts_file(void **state)
{
    (void)state;
    char path[] = "/tmp/vigil-hosts-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "# the lab\n192.0.2.40 db.lab db   # the database\n");
    fprintf(f, "not-an-address bad.lab\n192.0.2.41\n2001:db8::1 six.lab\n");
    for (int i = 0; i < 2000; i++)
        fputc('x', f);
    fprintf(f, "\n192.0.2.42 db.lab\n192.0.2.43 web.lab\n");
    fclose(f);
    setenv("VIGIL_HOSTS", path, 1);
    assert_int_equal(start_clock("virtual"), 0);
    struct addrinfo *res = NULL;
    assert_int_equal(lookup("DB", AI_CANONNAME, &res), 0);   /* an alias, any case */
    assert_int_equal(first_addr(res), ip(192, 0, 2, 40));
    assert_string_equal(res->ai_canonname, "db.lab");
    assert_null(res->ai_next);
    freeaddrinfo(res);
    assert_int_equal(lookup("db.lab", 0, &res), 0);        /* every line naming it */
    assert_int_equal(first_addr(res), ip(192, 0, 2, 40));
    assert_non_null(res->ai_next);
    assert_int_equal(first_addr(res->ai_next), ip(192, 0, 2, 42));
    freeaddrinfo(res);
    assert_int_equal(stats().hosts_bad_lines, 3);   /* no address, no name, overlong */
    assert_int_equal(lookup("web.lab", 0, &res), 0);
    assert_int_equal(first_addr(res), ip(192, 0, 2, 43));
    freeaddrinfo(res);
    assert_int_equal(lookup("six.lab", 0, &res), WSAHOST_NOT_FOUND);
    assert_int_equal(lookup("bad.lab", 0, &res), WSAHOST_NOT_FOUND);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = ip(192, 0, 2, 43);
    char host[NI_MAXHOST];
    assert_int_equal(getnameinfo((SOCKADDR *)&sa, sizeof sa, host, sizeof host, NULL, 0, NI_NAMEREQD), 0);
    assert_string_equal(host, "web.lab");
    unlink(path);
}

static void getnameinfo_numeric_and_errors(void **state)
{
    (void)state;
    assert_int_equal(start_clock("virtual"), 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(80);
    sa.sin_addr.s_addr = ip(192, 0, 2, 1);
    char host[NI_MAXHOST], serv[NI_MAXSERV];
    assert_int_equal(getnameinfo((SOCKADDR *)&sa, sizeof sa, host, sizeof host, serv, sizeof serv,
                                 NI_NUMERICHOST | NI_NUMERICSERV), 0);
    assert_string_equal(host, "192.0.2.1");
    assert_string_equal(serv, "80");
    assert_int_equal(getnameinfo((SOCKADDR *)&sa, sizeof sa, NULL, 0, serv, sizeof serv, NI_DGRAM), 0);
    assert_string_equal(serv, "http");
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(getnameinfo((SOCKADDR *)&sa, sizeof sa, host, sizeof host, NULL, 0, 0), 0);
    assert_string_equal(host, "localhost");
    sa.sin_addr.s_addr = ip(192, 0, 2, 1);
    assert_int_equal(getnameinfo((SOCKADDR *)&sa, sizeof sa, host, sizeof host, NULL, 0, NI_NAMEREQD),
                     WSAHOST_NOT_FOUND);
    assert_int_equal(getnameinfo((SOCKADDR *)&sa, sizeof sa, host, 5, NULL, 0, NI_NUMERICHOST), WSAEFAULT);
    assert_int_equal(getnameinfo((SOCKADDR *)&sa, sizeof sa - 1, host, sizeof host, NULL, 0, 0), WSAEFAULT);
    assert_int_equal(getnameinfo((SOCKADDR *)&sa, sizeof sa, NULL, 0, NULL, 0, 0), EAI_NONAME);
    assert_int_equal(getnameinfo((SOCKADDR *)&sa, sizeof sa, host, sizeof host, NULL, 0, 0x40), EAI_BADFLAGS);
    sa.sin_family = AF_APPLETALK;
    assert_int_equal(getnameinfo((SOCKADDR *)&sa, sizeof sa, host, sizeof host, NULL, 0, 0), EAI_FAMILY);
    assert_int_equal(WSAGetLastError(), WSAEAFNOSUPPORT);
    /* An AF_INET6 address in a sockaddr_in's 16 octets is cut short: WSAEFAULT. */
    sa.sin_family = AF_INET6;
    assert_int_equal(getnameinfo((SOCKADDR *)&sa, sizeof sa, host, sizeof host, NULL, 0, 0), WSAEFAULT);
}

static void *other_thread_lookup(void *arg)
{
    (void)arg;
    return gethostbyname("localhost");
}

static void gethostbyname_and_gethostname(void **state)
{
    (void)state;
    char name[256];
    assert_int_equal(gethostname(name, sizeof name), SOCKET_ERROR);
    assert_int_equal(WSAGetLastError(), WSANOTINITIALISED);
    assert_int_equal(start_clock("virtual"), 0);
    assert_int_equal(gethostname(name, sizeof name), 0);
    assert_string_equal(name, "vigil");
    assert_int_equal(gethostname(name, 5), SOCKET_ERROR);
    assert_int_equal(WSAGetLastError(), WSAEFAULT);
    setenv("VIGIL_HOSTNAME", "box.lab", 1);
    assert_int_equal(gethostname(name, sizeof name), 0);
    assert_string_equal(name, "box.lab");
    struct hostent *h = gethostbyname(name);
    assert_non_null(h);
    assert_string_equal(h->h_name, "box.lab");
    assert_int_equal(h->h_addrtype, AF_INET);
    assert_int_equal(h->h_length, 4);
    struct in_addr a;
    memcpy(&a, h->h_addr, 4);
    assert_int_equal(a.s_addr, htonl(INADDR_LOOPBACK));   /* the loopback stack's address */
    assert_null(h->h_addr_list[1]);
    assert_null(h->h_aliases[0]);
    struct hostent *again = gethostbyname("192.0.2.5");
    assert_ptr_equal(again, h);   /* one buffer per thread, reused */
    memcpy(&a, again->h_addr, 4);
    assert_int_equal(a.s_addr, ip(192, 0, 2, 5));
    pthread_t t;
    void *theirs;
    assert_int_equal(pthread_create(&t, NULL, other_thread_lookup, NULL), 0);
    pthread_join(t, &theirs);
    assert_non_null(theirs);
    assert_ptr_not_equal(theirs, h);
    assert_null(gethostbyname("no-such-name"));
    assert_int_equal(WSAGetLastError(), WSAHOST_NOT_FOUND);
    assert_null(gethostbyaddr("\x7f\0\0\1", 4, AF_INET6));
    assert_int_equal(WSAGetLastError(), WSAEAFNOSUPPORT);
    assert_null(gethostbyaddr("\x7f\0\0\1", 3, AF_INET));
    assert_int_equal(WSAGetLastError(), WSAEFAULT);
    h = gethostbyaddr("\x7f\0\0\1", 4, AF_INET);
    assert_non_null(h);
    assert_string_equal(h->h_name, "localhost");
}

/* ---- The wire code alone. */

static void wire_compression_loops_and_bad_names(void **state)
{
    (void)state;
    uint8_t q[512];
    char label64[80];
    memset(label64, 'x', 64);
    label64[64] = '\0';
    assert_int_equal(vg_dns_build_query(q, sizeof q, 1, label64, VG_DNS_TYPE_A), -1);
    assert_int_equal(vg_dns_build_query(q, sizeof q, 1, "a..b", VG_DNS_TYPE_A), -1);
    assert_int_equal(vg_dns_build_query(q, sizeof q, 1, "", VG_DNS_TYPE_A), -1);
    int n = vg_dns_build_query(q, sizeof q, 0x1234, "a.example.", VG_DNS_TYPE_A);
    assert_true(n > 0);
    /* The answer: header + question, then one A record whose owner is a pointer. */
    uint8_t m[600];
    memcpy(m, q, (size_t)n);
    m[2] = 0x81;
    m[3] = 0x80;
    m[7] = 1;
    size_t o = (size_t)n;
    const uint8_t rr[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1};
    memcpy(m + o, rr, sizeof rr);
    struct vg_dns_answer a;
    assert_int_equal(vg_dns_parse_answer(m, o + sizeof rr, 0x1234, "a.example", VG_DNS_TYPE_A, &a),
                     VG_DNS_ANSWER);
    assert_int_equal(a.naddrs, 1);
    assert_int_equal(a.addrs[0], 0xc0000201u);
    assert_int_equal(vg_dns_parse_answer(m, o + sizeof rr, 0x1235, "a.example", VG_DNS_TYPE_A, &a),
                     VG_DNS_NOT_OURS);
    assert_int_equal(vg_dns_parse_answer(m, o + sizeof rr, 0x1234, "b.example", VG_DNS_TYPE_A, &a),
                     VG_DNS_NOT_OURS);
    /* Owner pointing at itself, and forwards: loops refused. */
    m[o] = (uint8_t)(0xc0 | o >> 8);
    m[o + 1] = (uint8_t)o;
    assert_int_equal(vg_dns_parse_answer(m, o + sizeof rr, 0x1234, "a.example", VG_DNS_TYPE_A, &a),
                     VG_DNS_MALFORMED);
    m[o + 1] = (uint8_t)(o + 2);
    assert_int_equal(vg_dns_parse_answer(m, o + sizeof rr, 0x1234, "a.example", VG_DNS_TYPE_A, &a),
                     VG_DNS_MALFORMED);
    /* Two names pointing at each other through the question. */
    m[12] = 0xc0;
    m[13] = (uint8_t)o;
    m[o] = 0xc0;
    m[o + 1] = 12;
    assert_int_equal(vg_dns_parse_answer(m, o + sizeof rr, 0x1234, "a.example", VG_DNS_TYPE_A, &a),
                     VG_DNS_NOT_OURS);
    /* Cut short anywhere: never read past the end. */
    memcpy(m, q, (size_t)n);
    m[2] = 0x81;
    m[3] = 0x80;
    m[7] = 1;
    memcpy(m + o, rr, sizeof rr);
    for (size_t cut = o; cut < o + sizeof rr; cut++)
        assert_int_equal(vg_dns_parse_answer(m, cut, 0x1234, "a.example", VG_DNS_TYPE_A, &a),
                         VG_DNS_MALFORMED);
    char ptr[32];
    vg_dns_ptr_name(0xc0000201u, ptr);
    assert_string_equal(ptr, "1.2.0.192.in-addr.arpa");
}

/* ---- IPv6. */

static const struct sockaddr_in6 *sin6_of(const struct addrinfo *ai)
{
    assert_int_equal(ai->ai_family, AF_INET6);
    assert_int_equal(ai->ai_addrlen, sizeof(struct sockaddr_in6));
    assert_int_equal(ai->ai_addr->sa_family, AF_INET6);
    return (const struct sockaddr_in6 *)ai->ai_addr;
}

static void assert_addr6(const struct addrinfo *ai, const char *text)
{
    char got[INET6_ADDRSTRLEN];
    assert_non_null(inet_ntop(AF_INET6, &sin6_of(ai)->sin6_addr, got, sizeof got));
    assert_string_equal(got, text);
}

static int lookup6(const char *name, int family, int flags, struct addrinfo **res)
{
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = family;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = flags;
    return getaddrinfo(name, "80", &hints, res);
}

static void dns_aaaa_records(void **state)
{
    (void)state;
    struct vg_ws_resolver_stats s0 = stats();
    struct addrinfo *res = NULL;
    assert_int_equal(lookup6("six.test", AF_INET6, AI_CANONNAME, &res), 0);
    assert_addr6(res, "2001:db8::60");
    assert_int_equal(sin6_of(res)->sin6_port, htons(80));
    assert_string_equal(res->ai_canonname, "six.test");
    assert_non_null(res->ai_next);
    assert_addr6(res->ai_next, "2001:db8::61");
    assert_null(res->ai_next->ai_next);
    freeaddrinfo(res);
    assert_int_equal(stats().queries_sent - s0.queries_sent, 1);   /* AAAA only */
    /* A name with A records only: no IPv6 data, or its IPv4 addresses mapped (AI_V4MAPPED). */
    assert_int_equal(lookup6("host.test", AF_INET6, 0, &res), WSANO_DATA);
    assert_int_equal(lookup6("host.test", AF_INET6, AI_V4MAPPED, &res), 0);
    assert_addr6(res, "::ffff:192.0.2.10");
    assert_addr6(res->ai_next, "::ffff:192.0.2.11");
    freeaddrinfo(res);
    /* AI_V4MAPPED alone does not map when there is IPv6; with AI_ALL both, IPv6 first. */
    assert_int_equal(lookup6("six.test", AF_INET6, AI_V4MAPPED, &res), 0);
    assert_addr6(res, "2001:db8::60");
    assert_null(res->ai_next->ai_next);
    freeaddrinfo(res);
    assert_int_equal(lookup6("six.test", AF_INET6, AI_V4MAPPED | AI_ALL, &res), 0);
    assert_addr6(res, "2001:db8::60");
    assert_addr6(res->ai_next, "2001:db8::61");
    assert_addr6(res->ai_next->ai_next, "::ffff:192.0.2.60");
    assert_null(res->ai_next->ai_next->ai_next);
    freeaddrinfo(res);
    /* NXDOMAIN for AAAA as for A. */
    assert_int_equal(lookup6("nx.test", AF_INET6, 0, &res), WSAHOST_NOT_FOUND);
}

/* AF_UNSPEC returns only what socket() can open: until IPv6 sockets exist, IPv4 alone (and no
 * AAAA question), so a program that opens its first result, as Microsoft's Getting Started
 * client does, still connects. */
static void unspec_gives_what_a_socket_opens(void **state)
{
    (void)state;
    struct vg_ws_resolver_stats s0 = stats();
    struct addrinfo *res = NULL;
    assert_int_equal(lookup6("six.test", AF_UNSPEC, 0, &res), 0);
    int n = 0;
    for (struct addrinfo *a = res; a; a = a->ai_next, n++) {
        SOCKET s = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        assert_true(s != INVALID_SOCKET);
        closesocket(s);
    }
    assert_true(n >= 1);
    freeaddrinfo(res);
    SOCKET s6 = socket(AF_INET6, SOCK_STREAM, 0);
    if (s6 == INVALID_SOCKET) {
        assert_int_equal(WSAGetLastError(), WSAEAFNOSUPPORT);
        assert_int_equal(stats().queries_sent - s0.queries_sent, 1);   /* A only */
    } else {
        closesocket(s6);
    }
}

static void dns_reverse_lookup_in_ip6_arpa(void **state)
{
    (void)state;
    struct sockaddr_in6 sa;
    memset(&sa, 0, sizeof sa);
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons(80);
    assert_int_equal(inet_pton(AF_INET6, "2001:db8::30", &sa.sin6_addr), 1);
    char host[NI_MAXHOST], serv[NI_MAXSERV];
    assert_int_equal(getnameinfo((SOCKADDR *)&sa, sizeof sa, host, sizeof host, serv, sizeof serv,
                                 NI_NAMEREQD), 0);
    assert_string_equal(host, "host6.test");
    assert_string_equal(serv, "http");
    assert_int_equal(inet_pton(AF_INET6, "2001:db8::99", &sa.sin6_addr), 1);
    assert_int_equal(getnameinfo((SOCKADDR *)&sa, sizeof sa, host, sizeof host, NULL, 0, 0), 0);
    assert_string_equal(host, "2001:db8::99");
    assert_int_equal(getnameinfo((SOCKADDR *)&sa, sizeof sa, host, sizeof host, NULL, 0, NI_NAMEREQD),
                     WSAHOST_NOT_FOUND);
}

static void ipv6_numeric_localhost_and_passive(void **state)
{
    (void)state;
    assert_int_equal(start_clock("virtual"), 0);
    struct addrinfo *res = NULL;
    assert_int_equal(lookup6("2001:DB8:0::1", AF_INET6, AI_CANONNAME | AI_NUMERICHOST, &res), 0);
    assert_addr6(res, "2001:db8::1");
    assert_int_equal(sin6_of(res)->sin6_port, htons(80));
    assert_int_equal(sin6_of(res)->sin6_scope_id, 0);
    assert_int_equal(sin6_of(res)->sin6_flowinfo, 0);
    assert_string_equal(res->ai_canonname, "2001:DB8:0::1");
    assert_null(res->ai_next);
    freeaddrinfo(res);
    /* A numeric IPv6 host under AF_UNSPEC is IPv6 (whatever socket() opens); a scope follows %. */
    assert_int_equal(lookup6("fe80::1%4", AF_UNSPEC, 0, &res), 0);
    assert_addr6(res, "fe80::1");
    assert_int_equal(sin6_of(res)->sin6_scope_id, 4);
    freeaddrinfo(res);
    assert_int_equal(lookup6("fe80::1%", AF_INET6, AI_NUMERICHOST, &res), WSAHOST_NOT_FOUND);
    assert_int_equal(lookup6("1::2::3", AF_INET6, AI_NUMERICHOST, &res), WSAHOST_NOT_FOUND);
    /* One family's numeric host under the other family is no host. */
    assert_int_equal(lookup6("::1", AF_INET, 0, &res), WSAHOST_NOT_FOUND);
    assert_int_equal(lookup6("192.0.2.7", AF_INET6, 0, &res), WSAHOST_NOT_FOUND);
    assert_int_equal(lookup6("192.0.2.7", AF_INET6, AI_V4MAPPED, &res), 0);
    assert_addr6(res, "::ffff:192.0.2.7");
    freeaddrinfo(res);
    /* localhost: ::1 for AF_INET6. */
    assert_int_equal(lookup6("localhost", AF_INET6, AI_CANONNAME, &res), 0);
    assert_true(IN6_IS_ADDR_LOOPBACK(&sin6_of(res)->sin6_addr));
    assert_string_equal(res->ai_canonname, "localhost");
    assert_null(res->ai_next);
    freeaddrinfo(res);
    /* No node: :: with AI_PASSIVE, else ::1. */
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_INET6;
    hints.ai_flags = AI_PASSIVE;
    assert_int_equal(getaddrinfo(NULL, "27015", &hints, &res), 0);
    assert_true(IN6_IS_ADDR_UNSPECIFIED(&sin6_of(res)->sin6_addr));
    assert_int_equal(sin6_of(res)->sin6_port, htons(27015));
    freeaddrinfo(res);
    hints.ai_flags = 0;
    assert_int_equal(getaddrinfo(NULL, "27015", &hints, &res), 0);
    assert_true(IN6_IS_ADDR_LOOPBACK(&sin6_of(res)->sin6_addr));
    freeaddrinfo(res);
    /* localhost under AF_UNSPEC: ::1 first when socket() opens AF_INET6 (as Windows), and
     * 127.0.0.1 last either way. */
    assert_int_equal(getaddrinfo("localhost", NULL, NULL, &res), 0);
    SOCKET s6 = socket(AF_INET6, SOCK_STREAM, 0);
    struct addrinfo *last = res;
    if (s6 != INVALID_SOCKET) {
        closesocket(s6);
        assert_true(IN6_IS_ADDR_LOOPBACK(&sin6_of(res)->sin6_addr));
        last = res->ai_next;
    }
    assert_int_equal(last->ai_family, AF_INET);
    assert_int_equal(first_addr(last), htonl(INADDR_LOOPBACK));
    assert_null(last->ai_next);
    freeaddrinfo(res);
}

static void getnameinfo_ipv6_numeric(void **state)
{
    (void)state;
    assert_int_equal(start_clock("virtual"), 0);
    struct sockaddr_in6 sa;
    memset(&sa, 0, sizeof sa);
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons(443);
    assert_int_equal(inet_pton(AF_INET6, "2001:0db8:0000:0000:0001:0000:0000:0001", &sa.sin6_addr), 1);
    char host[NI_MAXHOST], serv[NI_MAXSERV];
    assert_int_equal(getnameinfo((SOCKADDR *)&sa, sizeof sa, host, sizeof host, serv, sizeof serv,
                                 NI_NUMERICHOST | NI_NUMERICSERV), 0);
    assert_string_equal(host, "2001:db8::1:0:0:1");
    assert_string_equal(serv, "443");
    assert_int_equal(inet_pton(AF_INET6, "fe80::1", &sa.sin6_addr), 1);
    sa.sin6_scope_id = 3;
    assert_int_equal(getnameinfo((SOCKADDR *)&sa, sizeof sa, host, sizeof host, NULL, 0, NI_NUMERICHOST), 0);
    assert_string_equal(host, "fe80::1%3");
    sa.sin6_scope_id = 0;
    sa.sin6_addr = in6addr_loopback;
    assert_int_equal(getnameinfo((SOCKADDR *)&sa, sizeof sa, host, sizeof host, NULL, 0, 0), 0);
    assert_string_equal(host, "localhost");
    assert_int_equal(getnameinfo((SOCKADDR *)&sa, sizeof sa - 1, host, sizeof host, NULL, 0, 0), WSAEFAULT);
    assert_int_equal(getnameinfo((SOCKADDR *)&sa, sizeof sa, host, 3, NULL, 0, NI_NUMERICHOST), WSAEFAULT);
}

static void hosts_file_ipv6(void **state)
{
    (void)state;
    char path[] = "/tmp/vigil-hosts6-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "2001:db8::1 six.lab six\n192.0.2.50 both.lab\n2001:DB8::50 both.lab\n");
    fprintf(f, "1::2::3 broken.lab\n");
    fclose(f);
    setenv("VIGIL_HOSTS", path, 1);
    assert_int_equal(start_clock("virtual"), 0);
    struct addrinfo *res = NULL;
    assert_int_equal(lookup6("SIX", AF_INET6, AI_CANONNAME, &res), 0);
    assert_addr6(res, "2001:db8::1");
    assert_string_equal(res->ai_canonname, "six.lab");
    freeaddrinfo(res);
    assert_int_equal(stats().hosts_bad_lines, 1);   /* the malformed IPv6 address */
    assert_int_equal(lookup6("both.lab", AF_INET6, 0, &res), 0);
    assert_addr6(res, "2001:db8::50");
    assert_null(res->ai_next);
    freeaddrinfo(res);
    assert_int_equal(lookup6("both.lab", AF_INET, 0, &res), 0);
    assert_int_equal(first_addr(res), ip(192, 0, 2, 50));
    assert_null(res->ai_next);
    freeaddrinfo(res);
    assert_int_equal(lookup6("six.lab", AF_INET, 0, &res), WSAHOST_NOT_FOUND);
    struct sockaddr_in6 sa;
    memset(&sa, 0, sizeof sa);
    sa.sin6_family = AF_INET6;
    assert_int_equal(inet_pton(AF_INET6, "2001:db8::50", &sa.sin6_addr), 1);
    char host[NI_MAXHOST];
    assert_int_equal(getnameinfo((SOCKADDR *)&sa, sizeof sa, host, sizeof host, NULL, 0, NI_NAMEREQD), 0);
    assert_string_equal(host, "both.lab");
    unlink(path);
}

static void wire_aaaa_and_ip6_arpa(void **state)
{
    (void)state;
    uint8_t q[512];
    int n = vg_dns_build_query(q, sizeof q, 0x4321, "v6.example", VG_DNS_TYPE_AAAA);
    assert_true(n > 0);
    assert_int_equal(q[n - 3], VG_DNS_TYPE_AAAA);
    uint8_t m[600];
    memcpy(m, q, (size_t)n);
    m[2] = 0x81;
    m[3] = 0x80;
    m[7] = 1;
    size_t o = (size_t)n;
    const uint8_t rr[] = {0xc0, 0x0c, 0, 28, 0, 1, 0, 0, 0, 60, 0, 16,
                          0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7};
    memcpy(m + o, rr, sizeof rr);
    struct vg_dns_answer a;
    assert_int_equal(vg_dns_parse_answer(m, o + sizeof rr, 0x4321, "v6.example", VG_DNS_TYPE_AAAA, &a),
                     VG_DNS_ANSWER);
    assert_int_equal(a.naddrs6, 1);
    assert_int_equal(a.naddrs, 0);
    assert_memory_equal(a.addrs6[0], rr + 12, 16);
    for (size_t cut = o; cut < o + sizeof rr; cut++)
        assert_int_equal(vg_dns_parse_answer(m, cut, 0x4321, "v6.example", VG_DNS_TYPE_AAAA, &a),
                         VG_DNS_MALFORMED);
    /* An AAAA record of 4 octets (an A record's) is not believed. */
    const uint8_t short_rr[] = {0xc0, 0x0c, 0, 28, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1};
    memcpy(m + o, short_rr, sizeof short_rr);
    assert_int_equal(vg_dns_parse_answer(m, o + sizeof short_rr, 0x4321, "v6.example",
                                         VG_DNS_TYPE_AAAA, &a), VG_DNS_MALFORMED);
    char ptr[VG_DNS_PTR6_LEN];
    vg_dns_ptr6_name(rr + 12, ptr);
    assert_string_equal(ptr, "7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
}

int main(void)
{
    unsetenv("VIGIL_DNS");
    unsetenv("VIGIL_HOSTS");
    unsetenv("VIGIL_HOSTNAME");
    unsetenv("VIGIL_SEED");
#define S(f) cmocka_unit_test_setup_teardown(f, server_setup, server_teardown)
#define T(f) cmocka_unit_test_teardown(f, teardown)
    const struct CMUnitTest tests[] = {
        S(dns_a_records_in_order),
        S(dns_cname_chain_is_followed),
        S(dns_errors_as_windows_maps_them),
        S(dns_bad_answers_are_ignored_and_counted),
        S(dns_truncated_answer_is_asked_again_over_tcp),
        S(dns_reverse_lookup_by_ptr),
        S(dns_aaaa_records),
        S(unspec_gives_what_a_socket_opens),
        S(dns_reverse_lookup_in_ip6_arpa),
        T(dns_silence_retries_then_try_again),
        T(dns_query_ids_differ),
        T(no_dns_names_are_not_found),
        T(numeric_and_passive),
        T(getaddrinfo_errors),
        T(getaddrinfo_wide),
        T(hosts_file),
        T(getnameinfo_numeric_and_errors),
        T(gethostbyname_and_gethostname),
        T(wire_compression_loops_and_bad_names),
        T(ipv6_numeric_localhost_and_passive),
        T(getnameinfo_ipv6_numeric),
        T(hosts_file_ipv6),
        T(wire_aaaa_and_ip6_arpa),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
