// keepalive_netreset: what a program sees when keep-alive finds that the peer is gone. As the
// Windows documentation of recv says, WSAENETRESET means "the connection has been broken due to
// keep-alive activity detecting a failure while the operation was in progress"; after that the
// socket is no longer connected and calls fail with WSAENOTCONN.
//
// The peer "vanishes" through vigil's vg_blackhole(), which drops everything that arrives for
// the connection (nothing of the kind exists in Winsock). Keep-alive is left at the system
// default: a first probe after two hours of silence, then one a second, ten in all. Before it
// waits, the program says what it waits for and when the wait will end. Run with
// VIGIL_CLOCK=virtual and the two hours take no time:
//
//   VIGIL_CLOCK=virtual ./keepalive_netreset
//
// Under the real clock (the default) the wait is real: give the connection its own times, in
// milliseconds, with SIO_KEEPALIVE_VALS, and it is over in 300 + 10 x 100 ms:
//
//   ./keepalive_netreset 300 100          (KEEPALIVETIME_MS KEEPALIVEINTERVAL_MS)

#include <vigil/winsock2.h>
#include <vigil/mstcpip.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_PORT 27017
#define DEFAULT_BUFLEN 512

static const char *name_of(int err)
{
    switch (err) {
    case WSAENETRESET: return "WSAENETRESET";
    case WSAENOTCONN: return "WSAENOTCONN";
    case WSAETIMEDOUT: return "WSAETIMEDOUT";
    case WSAECONNRESET: return "WSAECONNRESET";
    default: return "?";
    }
}

// A whole number of milliseconds in [1, 2^32 - 1], or 0.
static unsigned long parse_ms(const char *s)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*s < '0' || *s > '9' || *end || v == 0 || v > 0xffffffffull)
        return 0;
    return (unsigned long) v;
}

int main(int argc, char **argv)
{
    WSADATA wsaData;
    SOCKET ListenSocket, ConnectSocket, ClientSocket;
    struct sockaddr_in service;
    char recvbuf[DEFAULT_BUFLEN];
    BOOL bOptVal = TRUE;
    int iResult, err;
    unsigned long long start;
    struct tcp_keepalive alive;
    struct vg_keepalive_info info;
    const char *clock = getenv("VIGIL_CLOCK");
    DWORD dwBytesRet = 0;

    memset(&alive, 0, sizeof (alive));
    if (argc == 3) {
        alive.onoff = TRUE;
        alive.keepalivetime = parse_ms(argv[1]);
        alive.keepaliveinterval = parse_ms(argv[2]);
    }
    if (argc != 1 && (argc != 3 || !alive.keepalivetime || !alive.keepaliveinterval)) {
        printf("usage: keepalive_netreset [KEEPALIVETIME_MS KEEPALIVEINTERVAL_MS]\n"
               "  (whole milliseconds, at least 1; without them the system's two hours)\n");
        return 2;
    }

    iResult = WSAStartup(MAKEWORD(2, 2), &wsaData);
    if (iResult != 0) {
        printf("WSAStartup failed with error: %d\n", iResult);
        return 1;
    }

    //----------------------
    // Both ends of a connection, on 127.0.0.1
    memset(&service, 0, sizeof (service));
    service.sin_family = AF_INET;
    service.sin_addr.s_addr = inet_addr("127.0.0.1");
    service.sin_port = htons(DEFAULT_PORT);

    ListenSocket = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (bind(ListenSocket, (SOCKADDR *) &service, sizeof (service)) == SOCKET_ERROR ||
        listen(ListenSocket, SOMAXCONN) == SOCKET_ERROR) {
        printf("listener failed with error: %d\n", WSAGetLastError());
        WSACleanup();
        return 1;
    }
    ConnectSocket = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (connect(ConnectSocket, (SOCKADDR *) &service, sizeof (service)) == SOCKET_ERROR) {
        printf("connect failed with error: %d\n", WSAGetLastError());
        WSACleanup();
        return 1;
    }
    ClientSocket = accept(ListenSocket, NULL, NULL);
    if (ClientSocket == INVALID_SOCKET) {
        printf("accept failed with error: %d\n", WSAGetLastError());
        WSACleanup();
        return 1;
    }
    closesocket(ListenSocket);

    //----------------------
    // Keep-alive on, with the system's times
    if (setsockopt(ConnectSocket, SOL_SOCKET, SO_KEEPALIVE, (char *) &bOptVal, sizeof (bOptVal)) == SOCKET_ERROR) {
        printf("setsockopt for SO_KEEPALIVE failed with error: %d\n", WSAGetLastError());
        WSACleanup();
        return 1;
    }
    printf("Set SO_KEEPALIVE: ON\n");
    if (alive.onoff) {
        iResult = WSAIoctl(ConnectSocket, SIO_KEEPALIVE_VALS, &alive, sizeof (alive),
                           NULL, 0, &dwBytesRet, NULL, NULL);
        if (iResult == SOCKET_ERROR) {
            printf("WSAIoctl(SIO_KEEPALIVE_VALS) failed with error: %d\n", WSAGetLastError());
            WSACleanup();
            return 1;
        }
    }

    //----------------------
    // What the wait will be (vigil extension: the connection's effective keep-alive)
    if (vg_ws_keepalive_info(ConnectSocket, &info) != 0) {
        printf("vg_ws_keepalive_info failed with error: %d\n", WSAGetLastError());
        WSACleanup();
        return 1;
    }
    printf("Waiting for keep-alive: first probe after %lu ms of silence, then %lu probes "
           "%lu ms apart;\nrecv should fail with WSAENETRESET after %llu ms (%s clock%s)\n",
           (unsigned long) info.time_ms, (unsigned long) info.count,
           (unsigned long) info.interval_ms,
           (unsigned long long) info.time_ms +
               (unsigned long long) info.count * info.interval_ms,
           clock && !strcmp(clock, "virtual") ? "virtual" : "real",
           clock && !strcmp(clock, "virtual") ? ", no time at all"
           : alive.onoff ? ""
                         : "; that is real time: keepalive_netreset 300 100 shortens it");

    //----------------------
    // The peer vanishes (vigil extension)
    vg_blackhole(ConnectSocket, 1);
    start = (unsigned long long) vg_clock_ms();
    printf("Peer black-holed; blocking in recv...\n");
    fflush(stdout);   // said before the wait, even into a pipe

    //----------------------
    // Nothing will ever arrive: keep-alive ends the wait
    iResult = recv(ConnectSocket, recvbuf, DEFAULT_BUFLEN, 0);
    if (iResult == SOCKET_ERROR) {
        err = WSAGetLastError();
        printf("recv failed with error %d (%s) after %llu ms\n", err, name_of(err),
               (unsigned long long) vg_clock_ms() - start);
    } else
        printf("recv returned %d\n", iResult);

    //----------------------
    // The connection is gone
    iResult = recv(ConnectSocket, recvbuf, DEFAULT_BUFLEN, 0);
    if (iResult == SOCKET_ERROR) {
        err = WSAGetLastError();
        printf("recv failed with error %d (%s)\n", err, name_of(err));
    } else
        printf("recv returned %d\n", iResult);

    //----------------------
    // The peer was told with a reset
    iResult = recv(ClientSocket, recvbuf, DEFAULT_BUFLEN, 0);
    if (iResult == SOCKET_ERROR) {
        err = WSAGetLastError();
        printf("peer's recv failed with error %d (%s)\n", err, name_of(err));
    }

    closesocket(ConnectSocket);
    closesocket(ClientSocket);
    WSACleanup();
    return 0;
}
