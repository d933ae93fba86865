/* Overlapped operations (WSARecv, WSASend, AcceptEx, ConnectEx, WSAIoctl with an OVERLAPPED):
 * one record per operation, one per-socket watch holding the socket's pending ones, and one
 * function (ws_op_complete) that decides how a completion reaches the program: a completion
 * port when the socket is associated with one, else the completion routine (an APC to the
 * issuing thread), else the event. Not a public header. */
#ifndef VG_WS_OVERLAPPED_INTERNAL_H
#define VG_WS_OVERLAPPED_INTERNAL_H

#include "api/ws.h"

/* OVERLAPPED.Internal holds an NTSTATUS as on Windows: STATUS_PENDING until the operation
 * completes, then its status (ws_ntstatus_of). */
#define WS_STATUS_PENDING 0x103u

enum ws_op_kind { WS_OP_RECV, WS_OP_SEND, WS_OP_ACCEPT, WS_OP_CONNECT, WS_OP_IOCTL, WS_OP_KINDS };

struct ws_op {
    enum ws_op_kind kind;
    struct vg_wsaoverlapped *ov;
    vg_wsa_completion_fn routine;
    struct ws_apc_queue *apcq;    /* the issuing thread's, for the routine */
    void *port;                   /* the port (HANDLE) and key it completes to, or NULL */
    uintptr_t key;
    uint32_t epoch0;              /* the socket's abort count when issued (spec A13) */
    vg_socket_t sock;             /* the socket a non-overlapped call waits on */
    /* recv/send: the program's WSABUF array, copied; done counts bytes moved so far. */
    struct vg_wsabuf *bufs;
    uint32_t nbufs;
    uint32_t done;
    uint32_t flags;
    struct vg_sockaddr *from;     /* WSARecvFrom */
    int *fromlen;
    /* AcceptEx: the socket that receives the connection, the output buffer's layout. */
    vg_socket_t accept_sock;
    char *out;
    uint32_t rxlen, laddrlen, raddrlen;
    uint8_t accepted;             /* the connection is on accept_sock, waiting for data */
    uint8_t dgram_wait;           /* a datagram receive waiting: counted in ws_ovl_dgram_waiting */
    struct ws_op *next;
};

/* A socket's overlapped state: its watch, its pending operations (a queue per kind, oldest
 * first: a receive waits behind earlier receives only) and the completion port it is
 * associated with. */
struct ws_ovl {
    struct ws_watch watch;
    struct ws_op *head[WS_OP_KINDS], **tail[WS_OP_KINDS];
    void *port;
    uintptr_t key;
};

/* so's record, made on first use (NULL when out of memory, or find only: NULL if none). */
struct ws_ovl *ws_ovl_of(struct ws_sock *so);
struct ws_ovl *ws_ovl_find(struct ws_sock *so);

/* A new operation issued by the calling thread on so (NULL when out of memory): the port and key
 * are so's at issue, Internal is STATUS_PENDING. */
struct ws_op *ws_op_new(struct ws_sock *so, enum ws_op_kind kind, struct vg_wsaoverlapped *ov,
                        vg_wsa_completion_fn routine);
/* Completes and frees op: Internal/InternalHigh/Offset (flags) set, then the port, routine or
 * event. err is a WSA error or 0. */
void ws_op_complete(struct ws_op *op, int err, uint32_t bytes, uint32_t flags);
/* Makes op pending on so (the watch then moves it forward as the connection changes). */
void ws_op_queue(struct ws_sock *so, struct ws_ovl *o, struct ws_op *op);
/* Tries op once: 1 when it completed (and was freed), 0 when it must wait. ws_overlapped_io.c
 * and ws_mswsock.c provide the kinds' steps. */
int ws_op_try(struct ws_sock *so, struct ws_op *op);
int ws_op_try_accept(struct ws_sock *so, struct ws_op *op);
int ws_op_try_connect(struct ws_sock *so, struct ws_op *op);
int ws_ovl_has_pending(const struct ws_ovl *o, enum ws_op_kind kind);
/* Moves so's pending operations forward now (the calling call changed the socket). */
void ws_ovl_progress(struct ws_sock *so);

/* A datagram socket's arrivals raise no stack event, so a pending datagram receive is looked at
 * by this layer's own waits (and its calls): ws_ovl_poll_dgram moves every such receive forward,
 * 1 if any completed. Free when none waits. */
extern size_t ws_ovl_dgram_waiting;
int ws_ovl_poll_dgram(void);

/* Status conversions: WSA error -> NTSTATUS (for Internal), NTSTATUS -> WSA error, and
 * NTSTATUS -> the Win32 error GetQueuedCompletionStatus reports through GetLastError. */
uint32_t ws_ntstatus_of(int wsa);
int ws_wsa_of_ntstatus(uint32_t st);
int ws_win32_of_ntstatus(uint32_t st);

/* SIO_GET_EXTENSION_FUNCTION_POINTER (ws_mswsock.c): the function a GUID names; 0 or a WSA
 * error. */
int ws_extension_function(const void *in, uint32_t inlen, void *out, uint32_t outlen,
                          uint32_t *bytes);

/* Completion ports (ws_iocp.c): queues a packet; 0, or -1 when out of memory or not a port. */
int ws_port_post(void *port, uintptr_t key, uint32_t bytes, struct vg_wsaoverlapped *ov,
                 uint32_t status);

#endif
