/* A completion-port echo server, written as the Windows documentation writes one: one thread,
 * one I/O completion port; connections arrive through AcceptEx (fetched with
 * WSAIoctl(SIO_GET_EXTENSION_FUNCTION_POINTER)), each accepted socket is associated with the
 * port, and a GetQueuedCompletionStatus loop drives WSARecv and WSASend on all of them.
 *
 *   iocp_echo_server [PORT [CLIENTS [MESSAGES]]]
 *
 * serves on PORT (default 27016) until CLIENTS connections (default: run forever) have come and
 * gone. With MESSAGES > 0 the program also runs its own clients in a second thread (the test
 * suite's way of running it on the loopback stack): CLIENTS connections at once, each sending
 * MESSAGES lines and checking every echo. */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <mswsock.h>
#include <windows.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#pragma comment(lib, "Ws2_32.lib")
#pragma comment(lib, "Mswsock.lib")

/* <windows.h> basics this program uses, for a build before vigil's windows.h has them. */
#ifndef ZeroMemory
#define ZeroMemory(p, n) memset((p), 0, (n))
#endif
#ifndef INFINITE
#define INFINITE 0xFFFFFFFF
#endif
#ifndef ERROR_IO_PENDING
#define ERROR_IO_PENDING 997L
#endif

#define DATA_BUFSIZE 1024
#define OUTSTANDING_ACCEPTS 4
#define ADDRLEN (sizeof(SOCKADDR_IN) + 16)

typedef enum { OP_ACCEPT, OP_READ, OP_WRITE } OPERATION;

/* One outstanding operation; the OVERLAPPED comes first, so the pointer
 * GetQueuedCompletionStatus returns is the record. */
typedef struct {
    OVERLAPPED Overlapped;
    OPERATION Op;
    SOCKET Socket;                /* the connection (for OP_ACCEPT: the socket AcceptEx fills) */
    WSABUF DataBuf;
    CHAR Buffer[DATA_BUFSIZE];
    DWORD BytesToSend, BytesSent;
} PER_IO_DATA;

static LPFN_ACCEPTEX lpfnAcceptEx;
static SOCKET ListenSocket;
static int Accepted, Closed, Echoed;

static int PostAccept(void)
{
    PER_IO_DATA *io = calloc(1, sizeof *io);
    DWORD bytes = 0;
    io->Op = OP_ACCEPT;
    io->Socket = WSASocket(AF_INET, SOCK_STREAM, IPPROTO_TCP, NULL, 0, WSA_FLAG_OVERLAPPED);
    if (!lpfnAcceptEx(ListenSocket, io->Socket, io->Buffer, 0, ADDRLEN, ADDRLEN, &bytes,
                      &io->Overlapped) &&
        WSAGetLastError() != ERROR_IO_PENDING) {
        printf("AcceptEx failed with error %d\n", WSAGetLastError());
        closesocket(io->Socket);
        free(io);
        return -1;
    }
    return 0;
}

static int PostRecv(PER_IO_DATA *io)
{
    DWORD flags = 0, bytes;
    ZeroMemory(&io->Overlapped, sizeof io->Overlapped);
    io->Op = OP_READ;
    io->DataBuf.buf = io->Buffer;
    io->DataBuf.len = DATA_BUFSIZE;
    if (WSARecv(io->Socket, &io->DataBuf, 1, &bytes, &flags, &io->Overlapped, NULL) ==
            SOCKET_ERROR &&
        WSAGetLastError() != WSA_IO_PENDING)
        return -1;
    return 0;
}

static int PostSend(PER_IO_DATA *io)
{
    DWORD bytes;
    ZeroMemory(&io->Overlapped, sizeof io->Overlapped);
    io->Op = OP_WRITE;
    io->DataBuf.buf = io->Buffer + io->BytesSent;
    io->DataBuf.len = io->BytesToSend - io->BytesSent;
    if (WSASend(io->Socket, &io->DataBuf, 1, &bytes, 0, &io->Overlapped, NULL) == SOCKET_ERROR &&
        WSAGetLastError() != WSA_IO_PENDING)
        return -1;
    return 0;
}

static void CloseConnection(PER_IO_DATA *io)
{
    closesocket(io->Socket);
    free(io);
    Closed++;
}

#include "echo_test_clients.h"   /* the test suite's clients, not part of the server */

int main(int argc, char **argv)
{
    WSADATA wsaData;
    u_short Port = (u_short)(argc > 1 ? atoi(argv[1]) : 27016);
    int Clients = argc > 2 ? atoi(argv[2]) : 0;
    int Messages = argc > 3 ? atoi(argv[3]) : 0;

    int iResult = WSAStartup(MAKEWORD(2, 2), &wsaData);
    if (iResult != 0) {
        printf("WSAStartup failed with error: %d\n", iResult);
        return 1;
    }
    HANDLE CompletionPort = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
    if (CompletionPort == NULL) {
        printf("CreateIoCompletionPort failed with error: %d\n", WSAGetLastError());
        return 1;
    }
    ListenSocket = WSASocket(AF_INET, SOCK_STREAM, IPPROTO_TCP, NULL, 0, WSA_FLAG_OVERLAPPED);
    struct sockaddr_in service;
    ZeroMemory(&service, sizeof service);
    service.sin_family = AF_INET;
    service.sin_addr.s_addr = htonl(INADDR_ANY);
    service.sin_port = htons(Port);
    if (bind(ListenSocket, (SOCKADDR *)&service, sizeof(service)) == SOCKET_ERROR ||
        listen(ListenSocket, SOMAXCONN) == SOCKET_ERROR) {
        printf("bind or listen failed with error: %d\n", WSAGetLastError());
        return 1;
    }
    /* The listening socket's AcceptEx completions come to the port with key 0. */
    CreateIoCompletionPort((HANDLE)ListenSocket, CompletionPort, (ULONG_PTR)0, 0);
    GUID GuidAcceptEx = WSAID_ACCEPTEX;
    DWORD dwBytes;
    if (WSAIoctl(ListenSocket, SIO_GET_EXTENSION_FUNCTION_POINTER, &GuidAcceptEx,
                 sizeof(GuidAcceptEx), &lpfnAcceptEx, sizeof(lpfnAcceptEx), &dwBytes, NULL,
                 NULL) == SOCKET_ERROR) {
        printf("WSAIoctl failed with error: %d\n", WSAGetLastError());
        return 1;
    }
    for (int i = 0; i < OUTSTANDING_ACCEPTS; i++)
        if (PostAccept() != 0)
            return 1;
    printf("Echo server on port %d: one thread, one completion port\n", Port);
    fflush(stdout);

    struct clients test = {Port, Clients, Messages, 0};
    pthread_t tester;
    if (Messages > 0)
        pthread_create(&tester, NULL, run_clients, &test);

    while (Clients == 0 || Closed < Clients) {
        DWORD BytesTransferred = 0;
        ULONG_PTR Key = 0;
        LPOVERLAPPED lpOverlapped = NULL;
        BOOL ok = GetQueuedCompletionStatus(CompletionPort, &BytesTransferred, &Key,
                                            &lpOverlapped, INFINITE);
        if (!ok && lpOverlapped == NULL) {
            printf("GetQueuedCompletionStatus failed with error: %d\n", WSAGetLastError());
            break;
        }
        PER_IO_DATA *io = (PER_IO_DATA *)lpOverlapped;
        if (io->Op == OP_ACCEPT) {
            if (!ok) {            /* the accept failed: the socket is of no use */
                closesocket(io->Socket);
                free(io);
                continue;
            }
            setsockopt(io->Socket, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT, (char *)&ListenSocket,
                       sizeof(ListenSocket));
            CreateIoCompletionPort((HANDLE)io->Socket, CompletionPort, (ULONG_PTR)io->Socket, 0);
            Accepted++;
            if (PostRecv(io) != 0)
                CloseConnection(io);
            PostAccept();
            continue;
        }
        if (!ok || BytesTransferred == 0) {   /* an error, or the client closed */
            CloseConnection(io);
            continue;
        }
        if (io->Op == OP_READ) {
            io->BytesToSend = BytesTransferred;
            io->BytesSent = 0;
        } else {
            io->BytesSent += BytesTransferred;
            Echoed += (int)BytesTransferred;
        }
        int r = io->BytesSent < io->BytesToSend ? PostSend(io) : PostRecv(io);
        if (r != 0)
            CloseConnection(io);
    }
    printf("Served %d connections (%d bytes echoed) from one thread\n", Accepted, Echoed);
    if (Messages > 0) {
        pthread_join(tester, NULL);
        printf("clients verified %d of %d echoes\n", test.verified, Clients * Messages);
    }
    /* Closing the listener completes the outstanding AcceptEx calls (WSA_OPERATION_ABORTED). */
    closesocket(ListenSocket);
    DWORD BytesTransferred;
    ULONG_PTR Key;
    LPOVERLAPPED lpOverlapped;
    while (GetQueuedCompletionStatus(CompletionPort, &BytesTransferred, &Key, &lpOverlapped, 0) ||
           lpOverlapped != NULL) {
        PER_IO_DATA *io = (PER_IO_DATA *)lpOverlapped;
        closesocket(io->Socket);
        free(io);
    }
    CloseHandle(CompletionPort);
    WSACleanup();
    return Messages > 0 && test.verified != Clients * Messages;
}
