/* An echo server with overlapped I/O and completion routines, written as the Windows Sockets
 * documentation writes one: each connection's WSARecv names a completion routine, which echoes
 * what arrived with WSASend (naming itself again) and then issues the next WSARecv; the main
 * thread sleeps alertably (SleepEx(INFINITE, TRUE)), which is where the routines run.
 *
 *   overlapped_server [PORT [CLIENTS [MESSAGES]]]
 *
 * accepts CLIENTS connections (default 1) on PORT (default 27015), serves them until each has
 * closed, and exits. With MESSAGES > 0 the program also runs its own clients in a second thread
 * (the test suite's way of running it on the loopback stack): CLIENTS connections, each sending
 * MESSAGES lines and checking every echo. */
#include <winsock2.h>
#include <windows.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#pragma comment(lib, "Ws2_32.lib")

/* <windows.h> basics this program uses, for a build before vigil's windows.h has them. */
#ifndef ZeroMemory
#define ZeroMemory(p, n) memset((p), 0, (n))
#endif
#ifndef INFINITE
#define INFINITE 0xFFFFFFFF
#endif
#ifndef WAIT_IO_COMPLETION
#define WAIT_IO_COMPLETION 0xC0
#endif

#define DATA_BUFSIZE 4096

typedef struct _SOCKET_INFORMATION {
    OVERLAPPED Overlapped;
    SOCKET Socket;
    CHAR Buffer[DATA_BUFSIZE];
    WSABUF DataBuf;
    DWORD BytesSEND;
    DWORD BytesRECV;
} SOCKET_INFORMATION, *LPSOCKET_INFORMATION;

static int OpenSockets;
static int Echoed;

void CALLBACK WorkerRoutine(DWORD Error, DWORD BytesTransferred, LPWSAOVERLAPPED Overlapped,
                            DWORD InFlags);

static void PostRecv(LPSOCKET_INFORMATION SI)
{
    DWORD Flags = 0, RecvBytes;
    SI->BytesRECV = 0;
    ZeroMemory(&(SI->Overlapped), sizeof(WSAOVERLAPPED));
    SI->DataBuf.len = DATA_BUFSIZE;
    SI->DataBuf.buf = SI->Buffer;
    if (WSARecv(SI->Socket, &(SI->DataBuf), 1, &RecvBytes, &Flags, &(SI->Overlapped),
                WorkerRoutine) == SOCKET_ERROR) {
        if (WSAGetLastError() != WSA_IO_PENDING) {
            printf("WSARecv() failed with error %d\n", WSAGetLastError());
            closesocket(SI->Socket);
            free(SI);
            OpenSockets--;
        }
    }
}

void CALLBACK WorkerRoutine(DWORD Error, DWORD BytesTransferred, LPWSAOVERLAPPED Overlapped,
                            DWORD InFlags)
{
    DWORD SendBytes;
    LPSOCKET_INFORMATION SI = (LPSOCKET_INFORMATION)Overlapped;
    (void)InFlags;

    if (Error != 0)
        printf("I/O operation failed with error %lu\n", (unsigned long)Error);
    if (Error != 0 || BytesTransferred == 0) {
        closesocket(SI->Socket);
        free(SI);
        OpenSockets--;
        return;
    }
    /* A receive completed (BytesRECV still 0), or part of the echo went out. */
    if (SI->BytesRECV == 0) {
        SI->BytesRECV = BytesTransferred;
        SI->BytesSEND = 0;
    } else {
        SI->BytesSEND += BytesTransferred;
    }
    if (SI->BytesRECV > SI->BytesSEND) {
        ZeroMemory(&(SI->Overlapped), sizeof(WSAOVERLAPPED));
        SI->DataBuf.buf = SI->Buffer + SI->BytesSEND;
        SI->DataBuf.len = SI->BytesRECV - SI->BytesSEND;
        if (WSASend(SI->Socket, &(SI->DataBuf), 1, &SendBytes, 0, &(SI->Overlapped),
                    WorkerRoutine) == SOCKET_ERROR) {
            if (WSAGetLastError() != WSA_IO_PENDING) {
                printf("WSASend() failed with error %d\n", WSAGetLastError());
                closesocket(SI->Socket);
                free(SI);
                OpenSockets--;
            }
        }
        return;
    }
    Echoed += (int)SI->BytesSEND;
    PostRecv(SI);
}

#include "echo_test_clients.h"   /* the test suite's clients, not part of the server */

int main(int argc, char **argv)
{
    WSADATA wsaData;
    u_short Port = (u_short)(argc > 1 ? atoi(argv[1]) : 27015);
    int Clients = argc > 2 ? atoi(argv[2]) : 1;
    int Messages = argc > 3 ? atoi(argv[3]) : 0;

    int Ret = WSAStartup(MAKEWORD(2, 2), &wsaData);
    if (Ret != 0) {
        printf("WSAStartup() failed with error %d\n", Ret);
        return 1;
    }
    SOCKET ListenSocket = WSASocket(AF_INET, SOCK_STREAM, 0, NULL, 0, WSA_FLAG_OVERLAPPED);
    if (ListenSocket == INVALID_SOCKET) {
        printf("WSASocket() failed with error %d\n", WSAGetLastError());
        return 1;
    }
    struct sockaddr_in InternetAddr;
    ZeroMemory(&InternetAddr, sizeof InternetAddr);
    InternetAddr.sin_family = AF_INET;
    InternetAddr.sin_addr.s_addr = htonl(INADDR_ANY);
    InternetAddr.sin_port = htons(Port);
    if (bind(ListenSocket, (PSOCKADDR)&InternetAddr, sizeof(InternetAddr)) == SOCKET_ERROR ||
        listen(ListenSocket, SOMAXCONN) == SOCKET_ERROR) {
        printf("bind() or listen() failed with error %d\n", WSAGetLastError());
        return 1;
    }
    printf("Listening on port %d for %d client(s)\n", Port, Clients);
    fflush(stdout);

    struct clients test = {Port, Clients, Messages, 0};
    pthread_t tester;
    if (Messages > 0)
        pthread_create(&tester, NULL, run_clients, &test);

    for (int i = 0; i < Clients; i++) {
        SOCKET AcceptSocket = accept(ListenSocket, NULL, NULL);
        if (AcceptSocket == INVALID_SOCKET) {
            printf("accept() failed with error %d\n", WSAGetLastError());
            return 1;
        }
        LPSOCKET_INFORMATION SI = calloc(1, sizeof(SOCKET_INFORMATION));
        SI->Socket = AcceptSocket;
        OpenSockets++;
        PostRecv(SI);
    }
    closesocket(ListenSocket);

    /* The completion routines run here, in the alertable wait. */
    while (OpenSockets > 0) {
        DWORD Index = SleepEx(INFINITE, TRUE);
        if (Index != WAIT_IO_COMPLETION) {
            printf("SleepEx() returned %lu\n", (unsigned long)Index);
            break;
        }
    }
    printf("Echoed %d bytes to %d client(s) with completion routines, all closed\n", Echoed,
           Clients);
    if (Messages > 0) {
        pthread_join(tester, NULL);
        printf("clients verified %d of %d echoes\n", test.verified, Clients * Messages);
    }
    WSACleanup();
    return Messages > 0 && test.verified != Clients * Messages;
}
