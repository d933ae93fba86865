/* getaddrinfo through vigil's stub resolver on a real device: resolves argv[1] and prints
 * "rc=ERR naddrs=N first=ADDR canon=NAME tcp=T queries=Q" (T: questions asked again over TCP). */
#include <stdio.h>
#include <string.h>

#include "vigil/winsock2.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: ws_resolve NAME\n");
        return 2;
    }
    WSADATA wsa;
    if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0) {
        fprintf(stderr, "WSAStartup failed: %s\n", vg_ws_startup_error());
        return 1;
    }
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_CANONNAME;
    int rc = getaddrinfo(argv[1], "80", &hints, &res);
    int n = 0;
    char first[16] = "-";
    for (struct addrinfo *a = res; a; a = a->ai_next, n++)
        if (!n)
            inet_ntop(AF_INET, &((struct sockaddr_in *)a->ai_addr)->sin_addr, first, sizeof first);
    struct vg_ws_resolver_stats st;
    vg_ws_resolver_stats(&st);
    printf("rc=%d naddrs=%d first=%s canon=%s tcp=%llu queries=%llu\n", rc, n, first,
           res && res->ai_canonname ? res->ai_canonname : "-", (unsigned long long)st.tcp_queries,
           (unsigned long long)st.queries_sent);
    freeaddrinfo(res);
    WSACleanup();
    return 0;
}
