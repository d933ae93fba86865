// tcp_keepcnt: the IPPROTO_TCP keep-alive options of Windows 10 (version 1709 and later):
// TCP_KEEPIDLE (seconds of silence before the first probe), TCP_KEEPINTVL (seconds between
// probes) and TCP_KEEPCNT (probes before the connection is dropped). As the Windows
// documentation says of TCP_KEEPCNT, "it is illegal to set TCP_KEEPCNT to a value greater
// than 255": that setsockopt fails with WSAEINVAL.
//
// On Windows these names come from <ws2tcpip.h>; here <vigil/ws2tcpip.h> has them.

#include <vigil/winsock2.h>
#include <vigil/ws2tcpip.h>
#include <stdio.h>

static void show(SOCKET s, int optname, const char *name)
{
    DWORD dwVal = 0;
    int iLen = sizeof (dwVal);
    if (getsockopt(s, IPPROTO_TCP, optname, (char *) &dwVal, &iLen) == SOCKET_ERROR)
        printf("getsockopt for %s failed with error: %d\n", name, WSAGetLastError());
    else
        printf("%s Value: %lu\n", name, (unsigned long) dwVal);
}

static void set(SOCKET s, int optname, const char *name, DWORD dwVal)
{
    if (setsockopt(s, IPPROTO_TCP, optname, (char *) &dwVal, sizeof (dwVal)) == SOCKET_ERROR)
        printf("setsockopt for %s = %lu failed with error: %d\n", name, (unsigned long) dwVal,
               WSAGetLastError());
    else
        printf("Set %s: %lu\n", name, (unsigned long) dwVal);
}

int main(void)
{
    WSADATA wsaData;
    SOCKET s;
    BOOL bOptVal = TRUE;
    int iResult;

    iResult = WSAStartup(MAKEWORD(2, 2), &wsaData);
    if (iResult != 0) {
        printf("WSAStartup failed with error: %d\n", iResult);
        return 1;
    }

    s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (s == INVALID_SOCKET) {
        printf("socket failed with error: %d\n", WSAGetLastError());
        WSACleanup();
        return 1;
    }

    // The system values first (profile windows-vista: 7200 s, 1 s, 10 probes).
    show(s, TCP_KEEPIDLE, "TCP_KEEPIDLE");
    show(s, TCP_KEEPINTVL, "TCP_KEEPINTVL");
    show(s, TCP_KEEPCNT, "TCP_KEEPCNT");

    // This socket's own: probe after 60 s, every 5 s, give up after 4.
    set(s, TCP_KEEPIDLE, "TCP_KEEPIDLE", 60);
    set(s, TCP_KEEPINTVL, "TCP_KEEPINTVL", 5);
    set(s, TCP_KEEPCNT, "TCP_KEEPCNT", 4);
    set(s, TCP_KEEPCNT, "TCP_KEEPCNT", 256);   // illegal: more than 255

    show(s, TCP_KEEPIDLE, "TCP_KEEPIDLE");
    show(s, TCP_KEEPINTVL, "TCP_KEEPINTVL");
    show(s, TCP_KEEPCNT, "TCP_KEEPCNT");

    // The values take effect once keep-alive is on.
    if (setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, (char *) &bOptVal, sizeof (bOptVal)) == SOCKET_ERROR)
        printf("setsockopt for SO_KEEPALIVE failed with error: %d\n", WSAGetLastError());
    else
        printf("Set SO_KEEPALIVE: ON\n");

    closesocket(s);
    WSACleanup();
    return 0;
}
