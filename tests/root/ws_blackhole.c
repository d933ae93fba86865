/* A Winsock server on VIGIL_NET=tun:... for test_tun_ws_blackhole.sh: accepts one connection,
 * turns keep-alive on (200 ms, then every 500 ms, 3 probes), optionally vg_blackhole()s it, and
 * waits in recv. It prints "listening", then "recv=R error=E" with what recv returned. */
#include <vigil/winsock2.h>
#include <vigil/mstcpip.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 3 || (strcmp(argv[2], "blackhole") && strcmp(argv[2], "open"))) {
        fprintf(stderr, "usage: ws_blackhole PORT blackhole|open\n");
        return 2;
    }
    WSADATA wsa;
    if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0) {
        printf("startup failed\n");
        return 1;
    }
    SOCKET l = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((u_short)atoi(argv[1]));
    a.sin_addr.s_addr = htonl(INADDR_ANY);
    if (bind(l, (struct sockaddr *)&a, sizeof a) == SOCKET_ERROR || listen(l, 1) == SOCKET_ERROR) {
        printf("listen failed with error: %d\n", WSAGetLastError());
        return 1;
    }
    printf("listening\n");
    fflush(stdout);
    SOCKET s = accept(l, NULL, NULL);
    if (s == INVALID_SOCKET) {
        printf("accept failed with error: %d\n", WSAGetLastError());
        return 1;
    }
    struct tcp_keepalive ka = {1, 200, 500};
    DWORD bytes = 0, count = 3;
    if (WSAIoctl(s, SIO_KEEPALIVE_VALS, &ka, sizeof ka, NULL, 0, &bytes, NULL, NULL) != 0 ||
        setsockopt(s, IPPROTO_TCP, TCP_KEEPCNT, (const char *)&count, sizeof count) != 0) {
        printf("keep-alive setup failed with error: %d\n", WSAGetLastError());
        return 1;
    }
    if (!strcmp(argv[2], "blackhole") && vg_blackhole(s, 1) != 0) {
        printf("vg_blackhole failed with error: %d\n", WSAGetLastError());
        return 1;
    }
    char buf[64];
    int r = recv(s, buf, sizeof buf, 0);
    printf("recv=%d error=%d\n", r, r == SOCKET_ERROR ? WSAGetLastError() : 0);
    closesocket(s);
    closesocket(l);
    WSACleanup();
    return 0;
}
