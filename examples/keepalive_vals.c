// keepalive_vals: per-connection keep-alive times with WSAIoctl(SIO_KEEPALIVE_VALS), as the
// Windows documentation of SIO_KEEPALIVE_VALS describes it: the struct tcp_keepalive (from
// <mstcpip.h> on Windows) switches keep-alive on or off and sets the idle time before the first
// probe and the interval between unanswered probes, both in milliseconds.
//
// It connects to a listener of its own on 127.0.0.1, sets 10 s / 1 s on the connection, and
// reads the result back with getsockopt.

#include <vigil/winsock2.h>
#include <vigil/mstcpip.h>
#include <stdio.h>
#include <string.h>

#define DEFAULT_PORT 27016

int main(void)
{
    WSADATA wsaData;
    SOCKET ListenSocket = INVALID_SOCKET, ConnectSocket = INVALID_SOCKET;
    struct sockaddr_in service;
    struct tcp_keepalive alive;
    DWORD dwBytesRet = 0;
    DWORD dwOptVal = 0;
    int iOptLen = sizeof (DWORD);
    int iResult;

    iResult = WSAStartup(MAKEWORD(2, 2), &wsaData);
    if (iResult != 0) {
        printf("WSAStartup failed with error: %d\n", iResult);
        return 1;
    }

    //----------------------
    // A listener to connect to
    memset(&service, 0, sizeof (service));
    service.sin_family = AF_INET;
    service.sin_addr.s_addr = inet_addr("127.0.0.1");
    service.sin_port = htons(DEFAULT_PORT);

    ListenSocket = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (ListenSocket == INVALID_SOCKET ||
        bind(ListenSocket, (SOCKADDR *) &service, sizeof (service)) == SOCKET_ERROR ||
        listen(ListenSocket, SOMAXCONN) == SOCKET_ERROR) {
        printf("listener failed with error: %d\n", WSAGetLastError());
        WSACleanup();
        return 1;
    }

    //----------------------
    // Connect to it
    ConnectSocket = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (ConnectSocket == INVALID_SOCKET) {
        printf("socket failed with error: %d\n", WSAGetLastError());
        WSACleanup();
        return 1;
    }
    iResult = connect(ConnectSocket, (SOCKADDR *) &service, sizeof (service));
    if (iResult == SOCKET_ERROR) {
        printf("connect failed with error: %d\n", WSAGetLastError());
        closesocket(ConnectSocket);
        WSACleanup();
        return 1;
    }

    //----------------------
    // Keep-alive for this connection: first probe after 10 seconds
    // of silence, then one every second.
    alive.onoff = TRUE;
    alive.keepalivetime = 10000;
    alive.keepaliveinterval = 1000;

    iResult = WSAIoctl(ConnectSocket, SIO_KEEPALIVE_VALS, &alive, sizeof (alive),
                       NULL, 0, &dwBytesRet, NULL, NULL);
    if (iResult == SOCKET_ERROR) {
        printf("WSAIoctl(SIO_KEEPALIVE_VALS) failed with error: %d\n", WSAGetLastError());
        closesocket(ConnectSocket);
        WSACleanup();
        return 1;
    }
    printf("WSAIoctl(SIO_KEEPALIVE_VALS) succeeded: keepalivetime %lu ms, keepaliveinterval %lu ms\n",
           (unsigned long) alive.keepalivetime, (unsigned long) alive.keepaliveinterval);

    //----------------------
    // SO_KEEPALIVE now reports the connection's state, and the
    // TCP-level options report its times in seconds.
    iResult = getsockopt(ConnectSocket, SOL_SOCKET, SO_KEEPALIVE, (char *) &dwOptVal, &iOptLen);
    if (iResult == SOCKET_ERROR)
        printf("getsockopt for SO_KEEPALIVE failed with error: %d\n", WSAGetLastError());
    else
        printf("SO_KEEPALIVE Value: %lu\n", (unsigned long) dwOptVal);

    iResult = getsockopt(ConnectSocket, IPPROTO_TCP, TCP_KEEPIDLE, (char *) &dwOptVal, &iOptLen);
    if (iResult == SOCKET_ERROR)
        printf("getsockopt for TCP_KEEPIDLE failed with error: %d\n", WSAGetLastError());
    else
        printf("TCP_KEEPIDLE Value: %lu s\n", (unsigned long) dwOptVal);

    iResult = getsockopt(ConnectSocket, IPPROTO_TCP, TCP_KEEPINTVL, (char *) &dwOptVal, &iOptLen);
    if (iResult == SOCKET_ERROR)
        printf("getsockopt for TCP_KEEPINTVL failed with error: %d\n", WSAGetLastError());
    else
        printf("TCP_KEEPINTVL Value: %lu s\n", (unsigned long) dwOptVal);

    //----------------------
    // onoff = FALSE switches it off again.
    alive.onoff = FALSE;
    iResult = WSAIoctl(ConnectSocket, SIO_KEEPALIVE_VALS, &alive, sizeof (alive),
                       NULL, 0, &dwBytesRet, NULL, NULL);
    if (iResult == SOCKET_ERROR)
        printf("WSAIoctl(SIO_KEEPALIVE_VALS) failed with error: %d\n", WSAGetLastError());
    iResult = getsockopt(ConnectSocket, SOL_SOCKET, SO_KEEPALIVE, (char *) &dwOptVal, &iOptLen);
    if (iResult != SOCKET_ERROR)
        printf("SO_KEEPALIVE Value: %lu\n", (unsigned long) dwOptVal);

    closesocket(ConnectSocket);
    closesocket(ListenSocket);
    WSACleanup();
    return 0;
}
