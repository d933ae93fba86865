/* The test clients of the echo server examples (overlapped_server.c, iocp_echo_server.c): not
 * part of a server as Windows' documentation writes one, but what runs it in the test suite. A
 * second thread connects `count` plain blocking sockets to 127.0.0.1:port, sends `messages`
 * lines on each, reads every echo back and counts those that came back unchanged. */
#ifndef VIGIL_EXAMPLE_ECHO_TEST_CLIENTS_H
#define VIGIL_EXAMPLE_ECHO_TEST_CLIENTS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct clients {
    u_short port;
    int count, messages, verified;
};

static void *run_clients(void *arg)
{
    struct clients *c = arg;
    SOCKET *s = calloc((size_t)c->count, sizeof *s);
    struct sockaddr_in sa;
    ZeroMemory(&sa, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(c->port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (!s)
        return NULL;
    for (int i = 0; i < c->count; i++) {
        s[i] = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        if (connect(s[i], (SOCKADDR *)&sa, sizeof sa) == SOCKET_ERROR) {
            printf("client connect failed with error %d\n", WSAGetLastError());
            free(s);
            return NULL;
        }
    }
    for (int m = 0; m < c->messages; m++) {
        char line[64], back[64];
        for (int i = 0; i < c->count; i++) {
            int n = snprintf(line, sizeof line, "client %d message %d\n", i, m);
            send(s[i], line, n, 0);
        }
        for (int i = 0; i < c->count; i++) {
            int n = snprintf(line, sizeof line, "client %d message %d\n", i, m), got = 0;
            while (got < n) {
                int r = recv(s[i], back + got, n - got, 0);
                if (r <= 0)
                    break;
                got += r;
            }
            if (got == n && memcmp(line, back, (size_t)n) == 0)
                c->verified++;
        }
    }
    for (int i = 0; i < c->count; i++)
        closesocket(s[i]);
    free(s);
    return NULL;
}

#endif
