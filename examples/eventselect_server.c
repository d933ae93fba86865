// eventselect_server: an echo server written the way the Windows documentation writes a
// WSAEventSelect server: an array of sockets and one of event objects, one
// WSAWaitForMultipleEvents over all of them, WSAEnumNetworkEvents for what happened, FD_ACCEPT
// -> accept and WSAEventSelect, FD_READ -> recv and send back, FD_CLOSE -> closesocket.
//
// Every accepted connection gets its own keep-alive times (SIO_KEEPALIVE_VALS: 1000 ms of
// silence, then probes 100 ms apart), so a client that vanishes is found out by keep-alive:
// its FD_CLOSE carries WSAENETRESET in iErrorCode[FD_CLOSE_BIT].
//
// The clients are the test driver at the end of this file: a second thread connects a few
// clients one after the other, each sends a line and reads the echo; the last one then vanishes
// (vigil's vg_blackhole drops everything that arrives for it, as if its host were gone).
// Run with VIGIL_CLOCK=virtual and keep-alive's wait takes no time:
//
//   VIGIL_CLOCK=virtual ./eventselect_server
//
// Given a port and a count, as Microsoft's samples take their port, it serves that many
// connections from outside instead (no client thread) and exits 0 once all have closed, e.g.
// over a TUN device against Linux clients:
//
//   VIGIL_NET=tun:vg0:192.0.2.2/24 ./eventselect_server 27015 4

#include <winsock2.h>
#include <ws2tcpip.h>
#include <mstcpip.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#pragma comment(lib, "Ws2_32.lib")

#define DEFAULT_PORT 27015
#define DATA_BUFSIZE 512
#define CLIENTS 4

SOCKET SocketArray[WSA_MAXIMUM_WAIT_EVENTS];
WSAEVENT EventArray[WSA_MAXIMUM_WAIT_EVENTS];
DWORD EventTotal = 0;

static int CreateSocketInformation(SOCKET s, long NetworkEvents)
{
    WSAEVENT NewEvent = WSACreateEvent();
    if (NewEvent == WSA_INVALID_EVENT) {
        printf("WSACreateEvent failed with error %d\n", WSAGetLastError());
        return 1;
    }
    if (WSAEventSelect(s, NewEvent, NetworkEvents) == SOCKET_ERROR) {
        printf("WSAEventSelect failed with error %d\n", WSAGetLastError());
        WSACloseEvent(NewEvent);
        return 1;
    }
    SocketArray[EventTotal] = s;
    EventArray[EventTotal] = NewEvent;
    EventTotal++;
    return 0;
}

static void FreeSocketInformation(DWORD Index)
{
    closesocket(SocketArray[Index]);
    WSACloseEvent(EventArray[Index]);
    for (DWORD i = Index; i < EventTotal - 1; i++) {
        SocketArray[i] = SocketArray[i + 1];
        EventArray[i] = EventArray[i + 1];
    }
    EventTotal--;
}

static const char *ErrorName(int err)
{
    switch (err) {
    case WSAENETRESET: return "WSAENETRESET";
    case WSAETIMEDOUT: return "WSAETIMEDOUT";
    case WSAECONNRESET: return "WSAECONNRESET";
    case WSAECONNABORTED: return "WSAECONNABORTED";
    default: return "?";
    }
}

static int Server(SOCKET ListenSocket, int Connections)
{
    WSANETWORKEVENTS NetworkEvents;
    char Buffer[DATA_BUFSIZE];
    int Closed = 0;

    if (CreateSocketInformation(ListenSocket, FD_ACCEPT | FD_CLOSE) != 0)
        return 1;

    while (Closed < Connections) {
        DWORD Index = WSAWaitForMultipleEvents(EventTotal, EventArray, FALSE, WSA_INFINITE, FALSE);
        if (Index == WSA_WAIT_FAILED) {
            printf("WSAWaitForMultipleEvents failed with error %d\n", WSAGetLastError());
            return 1;
        }
        Index -= WSA_WAIT_EVENT_0;

        if (WSAEnumNetworkEvents(SocketArray[Index], EventArray[Index], &NetworkEvents) ==
            SOCKET_ERROR) {
            printf("WSAEnumNetworkEvents failed with error %d\n", WSAGetLastError());
            return 1;
        }

        if (NetworkEvents.lNetworkEvents & FD_ACCEPT) {
            if (NetworkEvents.iErrorCode[FD_ACCEPT_BIT] != 0) {
                printf("FD_ACCEPT failed with error %d\n", NetworkEvents.iErrorCode[FD_ACCEPT_BIT]);
                return 1;
            }
            SOCKET Accept = accept(SocketArray[Index], NULL, NULL);
            if (Accept == INVALID_SOCKET) {
                printf("accept failed with error %d\n", WSAGetLastError());
                return 1;
            }
            if (EventTotal >= WSA_MAXIMUM_WAIT_EVENTS) {
                printf("Too many connections - closing socket...\n");
                closesocket(Accept);
                continue;
            }
            struct tcp_keepalive alive = {1, 1000, 100};
            DWORD BytesReturned = 0;
            if (WSAIoctl(Accept, SIO_KEEPALIVE_VALS, &alive, sizeof(alive), NULL, 0,
                         &BytesReturned, NULL, NULL) == SOCKET_ERROR) {
                printf("WSAIoctl(SIO_KEEPALIVE_VALS) failed with error %d\n", WSAGetLastError());
                return 1;
            }
            if (CreateSocketInformation(Accept, FD_READ | FD_CLOSE) != 0)
                return 1;
            printf("Socket %u connected\n", (unsigned)(EventTotal - 1));
        }

        if (NetworkEvents.lNetworkEvents & FD_READ) {
            if (NetworkEvents.iErrorCode[FD_READ_BIT] != 0) {
                printf("FD_READ failed with error %d\n", NetworkEvents.iErrorCode[FD_READ_BIT]);
                return 1;
            }
            int RecvBytes = recv(SocketArray[Index], Buffer, sizeof(Buffer), 0);
            if (RecvBytes == SOCKET_ERROR) {
                if (WSAGetLastError() != WSAEWOULDBLOCK) {
                    printf("recv failed with error %d\n", WSAGetLastError());
                    return 1;
                }
            } else if (RecvBytes > 0) {
                printf("Bytes received: %d\n", RecvBytes);
                int SendBytes = send(SocketArray[Index], Buffer, RecvBytes, 0);
                if (SendBytes == SOCKET_ERROR) {
                    printf("send failed with error %d\n", WSAGetLastError());
                    return 1;
                }
                printf("Bytes sent: %d at %llu ms\n", SendBytes, (unsigned long long)vg_clock_ms());
            }
        }

        if (NetworkEvents.lNetworkEvents & FD_CLOSE) {
            int err = NetworkEvents.iErrorCode[FD_CLOSE_BIT];
            if (err != 0)
                printf("FD_CLOSE failed with error %d (%s) at %llu ms\n", err, ErrorName(err),
                       (unsigned long long)vg_clock_ms());
            else
                printf("Closing socket %u\n", (unsigned)Index);
            FreeSocketInformation(Index);
            Closed++;
        }
    }
    return 0;
}

// ---- The test driver: clients on a second thread (not part of the documented pattern).
#include <pthread.h>

static SOCKET Vanished = INVALID_SOCKET;
static unsigned long long VanishedAt;

static void *Clients(void *arg)
{
    (void)arg;
    struct sockaddr_in server;
    memset(&server, 0, sizeof(server));
    server.sin_family = AF_INET;
    server.sin_port = htons(DEFAULT_PORT);
    inet_pton(AF_INET, "127.0.0.1", &server.sin_addr);
    for (int i = 1; i <= CLIENTS; i++) {
        char line[64], echo[64];
        SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        if (s == INVALID_SOCKET || connect(s, (SOCKADDR *)&server, sizeof(server)) != 0) {
            printf("client %d: connect failed with error %d\n", i, WSAGetLastError());
            return NULL;
        }
        int len = snprintf(line, sizeof(line), "hello from client %d", i);
        int got = 0;
        if (send(s, line, len, 0) == len) {
            while (got < len) {
                int n = recv(s, echo + got, len - got, 0);
                if (n <= 0)
                    break;
                got += n;
            }
        }
        printf("client %d: echo \"%.*s\"\n", i, got, echo);
        if (i < CLIENTS) {
            closesocket(s);
            continue;
        }
        // The last client's host goes away without a word: nothing more arrives from it.
        vg_blackhole(s, 1);
        VanishedAt = vg_clock_ms();
        Vanished = s;
        printf("client %d vanishes at %llu ms\n", i, VanishedAt);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    // External mode: PORT N, both required together.
    int Port = DEFAULT_PORT, External = 0;
    if (argc != 1) {
        char *end1 = NULL, *end2 = NULL;
        long p = argc == 3 ? strtol(argv[1], &end1, 10) : 0;
        long n = argc == 3 ? strtol(argv[2], &end2, 10) : 0;
        if (argc != 3 || *end1 || *end2 || p < 1 || p > 65535 || n < 1 ||
            n > WSA_MAXIMUM_WAIT_EVENTS - 1) {
            fprintf(stderr, "usage: %s [PORT CONNECTIONS]  (PORT 1-65535, CONNECTIONS 1-%d)\n",
                    argv[0], WSA_MAXIMUM_WAIT_EVENTS - 1);
            return 2;
        }
        Port = (int)p;
        External = (int)n;
    }
    WSADATA wsaData;
    int iResult = WSAStartup(MAKEWORD(2, 2), &wsaData);
    if (iResult != 0) {
        printf("WSAStartup failed with error: %d\n", iResult);
        return 1;
    }
    SOCKET ListenSocket = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    struct sockaddr_in service;
    memset(&service, 0, sizeof(service));
    service.sin_family = AF_INET;
    service.sin_addr.s_addr = htonl(INADDR_ANY);
    service.sin_port = htons((u_short)Port);
    if (ListenSocket == INVALID_SOCKET ||
        bind(ListenSocket, (SOCKADDR *)&service, sizeof(service)) == SOCKET_ERROR ||
        listen(ListenSocket, SOMAXCONN) == SOCKET_ERROR) {
        printf("socket, bind or listen failed with error: %d\n", WSAGetLastError());
        WSACleanup();
        return 1;
    }
    int rc;
    if (External) {
        setvbuf(stdout, NULL, _IOLBF, 0);   // whoever drives it reads the lines as they come
        printf("Listening on port %d for %d connection(s)\n", Port, External);
        rc = Server(ListenSocket, External);
    } else {
        pthread_t clients;
        pthread_create(&clients, NULL, Clients, NULL);
        rc = Server(ListenSocket, CLIENTS);
        pthread_join(clients, NULL);
    }
    if (Vanished != INVALID_SOCKET)
        closesocket(Vanished);
    while (EventTotal > 0)
        FreeSocketInformation(0);
    WSACleanup();
    return rc;
}
