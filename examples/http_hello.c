/* http_hello: a small HTTP/1.1 server written the way Windows Sockets code is written, against
 * <vigil/winsock2.h>. Each connection gets keep-alive (SIO_KEEPALIVE_VALS: 10 s idle, 1 s between
 * probes), so a client that vanishes while holding a persistent connection is noticed.
 *
 *   VIGIL_NET=tun:vg0:192.0.2.2/24,2001:db8::2/64 ./http_hello [PORT [MAX_REQUESTS]]
 *
 * then, from the kernel's side of the device (scripts/netns-lab sets one up):
 *   curl http://192.0.2.2:8080/   or   curl -6 'http://[2001:db8::2]:8080/'
 * It listens on one dual-stack socket (AF_INET6, IPV6_V6ONLY off), so both families reach it.
 * GET and HEAD of / answer a short text; other paths are 404, other methods 405. Connections are
 * persistent unless the client asks otherwise (HTTP/1.0, "Connection: close"). With MAX_REQUESTS
 * the server stops after answering that many requests (the tests use it). */
#include <stdio.h>
#include <stdlib.h>
#include <ctype.h>
#include <string.h>

#include <vigil/winsock2.h>
#include <vigil/ws2tcpip.h>

#define REQUEST_MAX 8192
#define BODY "Hello from vigil, a userspace TCP/IP stack.\n"

struct request {
    char method[16];
    char path[256];
    int keep_open;       /* HTTP/1.1 without "Connection: close" */
};

static int send_all(SOCKET s, const char *buf, int len)
{
    while (len > 0) {
        int n = send(s, buf, len, 0);
        if (n == SOCKET_ERROR)
            return SOCKET_ERROR;
        buf += n;
        len -= n;
    }
    return 0;
}

/* Reads up to the blank line that ends the header block. Returns the header length (the bytes
 * after it stay in buf, counted in *have), 0 when the client closed between requests, -1 on an
 * error or a header block too large. */
static int read_head(SOCKET s, char *buf, int *have)
{
    for (;;) {
        buf[*have] = '\0';
        char *end = strstr(buf, "\r\n\r\n");
        if (end)
            return (int)(end - buf) + 4;
        if (*have >= REQUEST_MAX - 1)
            return -1;
        int n = recv(s, buf + *have, REQUEST_MAX - 1 - *have, 0);
        if (n == 0)
            return *have == 0 ? 0 : -1;
        if (n == SOCKET_ERROR) {
            printf("recv failed with error %d\n", WSAGetLastError());
            return -1;
        }
        *have += n;
    }
}

/* Whether s starts with prefix, ignoring case (header names and values are case-insensitive). */
static int starts_nocase(const char *s, const char *prefix)
{
    for (; *prefix; s++, prefix++)
        if (tolower((unsigned char)*s) != tolower((unsigned char)*prefix))
            return 0;
    return 1;
}

static int header_says(const char *head, const char *name, const char *value)
{
    size_t nlen = strlen(name);
    for (const char *line = strstr(head, "\r\n"); line && line[2]; line = strstr(line + 2, "\r\n")) {
        const char *h = line + 2;
        if (starts_nocase(h, name) && h[nlen] == ':') {
            const char *v = h + nlen + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            return starts_nocase(v, value);
        }
    }
    return 0;
}

static int parse_request(char *head, struct request *rq)
{
    char version[16];
    if (sscanf(head, "%15s %255s %15s", rq->method, rq->path, version) != 3 ||
        strncmp(version, "HTTP/1.", 7) != 0)
        return -1;
    int http11 = strcmp(version, "HTTP/1.0") != 0;
    rq->keep_open = http11 ? !header_says(head, "Connection", "close")
                           : header_says(head, "Connection", "keep-alive");
    return 0;
}

static int respond(SOCKET s, const struct request *rq)
{
    const char *status = "200 OK", *body = BODY;
    if (strcmp(rq->method, "GET") != 0 && strcmp(rq->method, "HEAD") != 0) {
        status = "405 Method Not Allowed";
        body = "Only GET and HEAD here.\n";
    } else if (strcmp(rq->path, "/") != 0) {
        status = "404 Not Found";
        body = "Nothing here but /.\n";
    }
    char head[512];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %s\r\nServer: vigil-http-hello\r\nContent-Type: text/plain\r\n"
                     "Content-Length: %u\r\nConnection: %s\r\n%s\r\n",
                     status, (unsigned)strlen(body), rq->keep_open ? "keep-alive" : "close",
                     status[0] == '4' && status[2] == '5' ? "Allow: GET, HEAD\r\n" : "");
    if (send_all(s, head, n) == SOCKET_ERROR)
        return SOCKET_ERROR;
    if (strcmp(rq->method, "HEAD") != 0 && send_all(s, body, (int)strlen(body)) == SOCKET_ERROR)
        return SOCKET_ERROR;
    printf("%s %s -> %s\n", rq->method, rq->path, status);
    return 0;
}

/* Serves the requests of one connection; returns how many were answered. */
static long serve_connection(SOCKET s, long budget)
{
    static char buf[REQUEST_MAX];
    int have = 0;
    long answered = 0;
    while (answered < budget) {
        int headlen = read_head(s, buf, &have);
        if (headlen <= 0)
            break;
        struct request rq;
        buf[headlen - 2] = '\0';     /* the head ends at its last CRLF */
        int bad = parse_request(buf, &rq);
        if (bad) {
            const char *msg = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
            send_all(s, msg, (int)strlen(msg));
            break;
        }
        if (respond(s, &rq) == SOCKET_ERROR)
            break;
        answered++;
        /* Request bodies are not expected (GET/HEAD); what follows the head is the next one. */
        memmove(buf, buf + headlen, (size_t)(have - headlen));
        have -= headlen;
        if (!rq.keep_open)
            break;
    }
    return answered;
}

int main(int argc, char **argv)
{
    unsigned short port = (unsigned short)(argc > 1 ? atoi(argv[1]) : 8080);
    long budget = argc > 2 ? atol(argv[2]) : -1;
    WSADATA wsaData;
    int iResult = WSAStartup(MAKEWORD(2, 2), &wsaData);
    if (iResult != 0) {
        printf("WSAStartup failed with error: %d\n", iResult);
        return 1;
    }
    /* One dual-stack socket serves IPv6 and IPv4 clients (IPv4 ones as ::ffff:a.b.c.d), as
     * Windows servers are written today; IPV6_V6ONLY is TRUE unless turned off. */
    SOCKET listener = socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP);
    if (listener == INVALID_SOCKET) {
        printf("socket failed with error: %d\n", WSAGetLastError());
        WSACleanup();
        return 1;
    }
    DWORD v6only = 0;
    if (setsockopt(listener, IPPROTO_IPV6, IPV6_V6ONLY, (const char *)&v6only, sizeof v6only) ==
        SOCKET_ERROR)
        printf("setsockopt(IPV6_V6ONLY) failed with error: %d\n", WSAGetLastError());
    struct sockaddr_in6 addr;
    memset(&addr, 0, sizeof addr);
    addr.sin6_family = AF_INET6;
    addr.sin6_addr = in6addr_any;
    addr.sin6_port = htons(port);
    if (bind(listener, (struct sockaddr *)&addr, sizeof addr) == SOCKET_ERROR ||
        listen(listener, SOMAXCONN) == SOCKET_ERROR) {
        printf("bind/listen failed with error: %d\n", WSAGetLastError());
        closesocket(listener);
        WSACleanup();
        return 1;
    }
    printf("listening on port %u\n", (unsigned)port);
    fflush(stdout);

    long served = 0;
    while (budget < 0 || served < budget) {
        struct sockaddr_in6 peer;
        int peerlen = sizeof peer;
        SOCKET client = accept(listener, (struct sockaddr *)&peer, &peerlen);
        if (client == INVALID_SOCKET) {
            printf("accept failed with error: %d\n", WSAGetLastError());
            break;
        }
        struct tcp_keepalive ka = {1, 10000, 1000};
        DWORD returned = 0;
        if (WSAIoctl(client, SIO_KEEPALIVE_VALS, &ka, sizeof ka, NULL, 0, &returned, NULL, NULL) ==
            SOCKET_ERROR)
            printf("WSAIoctl(SIO_KEEPALIVE_VALS) failed with error: %d\n", WSAGetLastError());
        char text[INET6_ADDRSTRLEN];
        if (!inet_ntop(AF_INET6, &peer.sin6_addr, text, sizeof text))
            strcpy(text, "?");
        printf("connection from [%s]:%u\n", text, (unsigned)ntohs(peer.sin6_port));
        served += serve_connection(client, budget < 0 ? 1L << 30 : budget - served);
        fflush(stdout);
        shutdown(client, SD_SEND);
        closesocket(client);
    }
    closesocket(listener);
    WSACleanup();
    return 0;
}
