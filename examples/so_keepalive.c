// so_keepalive: the SO_KEEPALIVE example of the Windows Sockets setsockopt documentation,
// unchanged but for the header (<vigil/winsock2.h>) and printf for wprintf.
//
// It creates a socket, binds it, reads SO_KEEPALIVE with getsockopt (new sockets have it off),
// switches it on with setsockopt and reads it back.

#include <vigil/winsock2.h>
#include <stdio.h>

int main(void)
{
    //---------------------------------------
    // Declare variables
    WSADATA wsaData;

    SOCKET ListenSocket;
    struct sockaddr_in saClient;

    int iResult = 0;

    BOOL bOptVal = FALSE;
    int bOptLen = sizeof (BOOL);

    int iOptVal = 0;
    int iOptLen = sizeof (int);

    //---------------------------------------
    // Initialize Winsock
    iResult = WSAStartup(MAKEWORD(2, 2), &wsaData);
    if (iResult != NO_ERROR) {
        printf("Error at WSAStartup()\n");
        return 1;
    }
    //---------------------------------------
    // Create a listening socket
    ListenSocket = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (ListenSocket == INVALID_SOCKET) {
        printf("socket function failed with error: %d\n", WSAGetLastError());
        WSACleanup();
        return 1;
    }
    //---------------------------------------
    // Bind the socket to the local IP address
    // and port 27015
    saClient.sin_family = AF_INET;
    saClient.sin_addr.s_addr = inet_addr("127.0.0.1");
    saClient.sin_port = htons(27015);

    iResult = bind(ListenSocket, (SOCKADDR *) & saClient, sizeof (saClient));
    if (iResult == SOCKET_ERROR) {
        printf("bind failed with error %d\n", WSAGetLastError());
        closesocket(ListenSocket);
        WSACleanup();
        return 1;
    }
    //---------------------------------------
    // Initialize variables and call setsockopt.
    // The SO_KEEPALIVE parameter is a socket option
    // that makes the socket send keepalive messages
    // on the session. The SO_KEEPALIVE socket option
    // requires a boolean value to be passed to the
    // setsockopt function. If TRUE, the socket is
    // configured to send keepalive messages, if FALSE
    // the socket configured to NOT send keepalive messages.
    // This section of code tests the setsockopt function
    // by checking the status of SO_KEEPALIVE on the socket
    // using the getsockopt function.

    bOptVal = TRUE;

    iResult = getsockopt(ListenSocket, SOL_SOCKET, SO_KEEPALIVE, (char *) &iOptVal, &iOptLen);
    if (iResult == SOCKET_ERROR) {
        printf("getsockopt for SO_KEEPALIVE failed with error: %d\n", WSAGetLastError());
    } else
        printf("SO_KEEPALIVE Value: %d\n", iOptVal);

    iResult = setsockopt(ListenSocket, SOL_SOCKET, SO_KEEPALIVE, (char *) &bOptVal, bOptLen);
    if (iResult == SOCKET_ERROR) {
        printf("setsockopt for SO_KEEPALIVE failed with error: %d\n", WSAGetLastError());
    } else
        printf("Set SO_KEEPALIVE: ON\n");

    iResult = getsockopt(ListenSocket, SOL_SOCKET, SO_KEEPALIVE, (char *) &iOptVal, &iOptLen);
    if (iResult == SOCKET_ERROR) {
        printf("getsockopt for SO_KEEPALIVE failed with error: %d\n", WSAGetLastError());
    } else
        printf("SO_KEEPALIVE Value: %d\n", iOptVal);

    closesocket(ListenSocket);
    WSACleanup();
    return 0;
}
