/* vigil's Winsock-compatible API under vigil's own names.
 *
 * Programs written for Windows include <vigil/winsock2.h>, which maps the Winsock names
 * (socket, setsockopt, WSAStartup, fd_set, struct sockaddr_in ...) onto the vg_ names declared
 * here. This header declares no Winsock name itself, so it can sit beside the C library's own
 * socket headers; it also carries the extensions a test program needs (the default stack's
 * clock, black-holing a connection, keep-alive introspection for a SOCKET, link state).
 *
 * Thread safety: every call may be made from any thread. One lock guards the default stack and
 * the socket table; a blocking call releases it while it waits. The last error is per thread,
 * as are the Winsock 1.1 blocking hook and the "blocking call in progress" state (rule A6.2). */
#ifndef VIGIL_VIGIL_WS_H
#define VIGIL_VIGIL_WS_H

#include <stddef.h>
#include <stdint.h>

#include "vigil/vg_api.h"

#include "vigil/vigil.h"

#ifdef __cplusplus
extern "C" {
#endif

/* SOCKET is UINT_PTR on Windows: pointer-sized and unsigned. */
typedef uintptr_t vg_socket_t;
#define VG_INVALID_SOCKET ((vg_socket_t)~(vg_socket_t)0)
#define VG_SOCKET_ERROR (-1)

/* Winsock's address structures, byte for byte (the members keep their Windows names). */
struct vg_in_addr {
    union {
        struct { uint8_t s_b1, s_b2, s_b3, s_b4; } S_un_b;
        struct { uint16_t s_w1, s_w2; } S_un_w;
        uint32_t S_addr;              /* network byte order */
    } S_un;
};

struct vg_sockaddr {
    uint16_t sa_family;
    char sa_data[14];
};

struct vg_sockaddr_in {
    uint16_t sin_family;
    uint16_t sin_port;                /* network byte order */
    struct vg_in_addr sin_addr;
    char sin_zero[8];
};

/* The member names are the SDK's (ws2def.h), reserved identifiers included. */
struct vg_sockaddr_storage {
    uint16_t ss_family;
    char __ss_pad1[6];
    int64_t __ss_align;
    char __ss_pad2[112];
};

/* IPv6 addresses as the SDK lays them out (in6addr.h, ws2def.h, ws2ipdef.h): in6_addr is 16
 * octets in network order, seen as bytes or as 16-bit words; sockaddr_in6 is 28 octets, its
 * scope either a number or the SDK's SCOPE_ID (zone and level bits). The nameless members are
 * C11, marked for C++ as for OVERLAPPED below. */
#if defined(__cplusplus) && defined(__GNUC__)
#define VG_WS_NAMELESS6 __extension__
#else
#define VG_WS_NAMELESS6
#endif
struct vg_in6_addr {
    union {
        uint8_t Byte[16];
        uint16_t Word[8];
    } u;
};

enum vg_scope_level {
    VG_SCOPE_LEVEL_INTERFACE = 1,
    VG_SCOPE_LEVEL_LINK = 2,
    VG_SCOPE_LEVEL_SUBNET = 3,
    VG_SCOPE_LEVEL_ADMIN = 4,
    VG_SCOPE_LEVEL_SITE = 5,
    VG_SCOPE_LEVEL_ORGANIZATION = 8,
    VG_SCOPE_LEVEL_GLOBAL = 14,
    VG_SCOPE_LEVEL_COUNT = 16
};

struct vg_scope_id {
    union {
        VG_WS_NAMELESS6 struct {
            unsigned int Zone : 28;
            unsigned int Level : 4;
        };
        uint32_t Value;
    };
};

struct vg_sockaddr_in6 {
    uint16_t sin6_family;
    uint16_t sin6_port;               /* network byte order */
    uint32_t sin6_flowinfo;
    struct vg_in6_addr sin6_addr;
    union {
        uint32_t sin6_scope_id;
        struct vg_scope_id sin6_scope_struct;
    };
};

/* in6addr_any (::) and in6addr_loopback (::1), exported as the SDK's are. */
VG_API extern const struct vg_in6_addr vg_in6addr_any;
VG_API extern const struct vg_in6_addr vg_in6addr_loopback;

#define VG_WSADESCRIPTION_LEN 256
#define VG_WSASYS_STATUS_LEN 128
/* The Win64 order: there the three legacy fields come before the strings (on Win32 after). */
struct vg_wsadata {
    uint16_t wVersion;                /* the version the program will use */
    uint16_t wHighVersion;            /* the highest version this implementation supports */
    unsigned short iMaxSockets;
    unsigned short iMaxUdpDg;
    char *lpVendorInfo;
    char szDescription[VG_WSADESCRIPTION_LEN + 1];
    char szSystemStatus[VG_WSASYS_STATUS_LEN + 1];
};

/* SIO_KEEPALIVE_VALS' argument (spec A12): times in milliseconds, u_long being 32-bit. */
struct vg_tcp_keepalive {
    uint32_t onoff;
    uint32_t keepalivetime;
    uint32_t keepaliveinterval;
};

struct vg_linger {
    uint16_t l_onoff;
    uint16_t l_linger;                /* seconds */
};

struct vg_wsapollfd {
    vg_socket_t fd;
    short events;
    short revents;
};

/* OVERLAPPED as the SDK has it (minwinbase.h): Offset/OffsetHigh share their place with
 * Pointer. The nameless struct is C11; C++ has it as an extension, marked so that -Wpedantic
 * stays quiet there too. */
#if defined(__cplusplus) && defined(__GNUC__)
#define VG_WS_NAMELESS __extension__
#else
#define VG_WS_NAMELESS
#endif
struct vg_wsaoverlapped {
    uintptr_t Internal;
    uintptr_t InternalHigh;
    union {
        VG_WS_NAMELESS struct {
            uint32_t Offset;
            uint32_t OffsetHigh;
        };
        void *Pointer;
    };
    void *hEvent;
};
typedef void (*vg_wsa_completion_fn)(uint32_t error, uint32_t transferred,
                                     struct vg_wsaoverlapped *overlapped, uint32_t flags);

/* Winsock's fd_set is a count and an array whose length (FD_SETSIZE) the program chooses when
 * it includes <vigil/winsock2.h>; the library reads fd_count entries, whatever that length. */
struct vg_fd_set;
struct timeval;                       /* the C library's: tv_sec and tv_usec, as on Windows */

/* Winsock 1.1 blocking hook: BOOL PASCAL FAR hook(void), passed as a FARPROC. */
typedef int (*vg_ws_farproc)();

VG_API int vg_ws_startup(uint16_t version, struct vg_wsadata *data);
VG_API int vg_ws_cleanup(void);
VG_API int vg_ws_get_last_error(void);
VG_API void vg_ws_set_last_error(int err);

VG_API vg_socket_t vg_ws_socket(int af, int type, int protocol);
VG_API int vg_ws_bind(vg_socket_t s, const struct vg_sockaddr *name, int namelen);
VG_API int vg_ws_listen(vg_socket_t s, int backlog);
VG_API vg_socket_t vg_ws_accept(vg_socket_t s, struct vg_sockaddr *addr, int *addrlen);
VG_API int vg_ws_connect(vg_socket_t s, const struct vg_sockaddr *name, int namelen);
VG_API int vg_ws_send(vg_socket_t s, const char *buf, int len, int flags);
VG_API int vg_ws_recv(vg_socket_t s, char *buf, int len, int flags);
VG_API int vg_ws_sendto(vg_socket_t s, const char *buf, int len, int flags, const struct vg_sockaddr *to,
                 int tolen);
VG_API int vg_ws_recvfrom(vg_socket_t s, char *buf, int len, int flags, struct vg_sockaddr *from,
                   int *fromlen);
VG_API int vg_ws_shutdown(vg_socket_t s, int how);
VG_API int vg_ws_closesocket(vg_socket_t s);
VG_API int vg_ws_getsockname(vg_socket_t s, struct vg_sockaddr *name, int *namelen);
VG_API int vg_ws_getpeername(vg_socket_t s, struct vg_sockaddr *name, int *namelen);

VG_API int vg_ws_getsockopt(vg_socket_t s, int level, int optname, char *optval, int *optlen);
VG_API int vg_ws_setsockopt(vg_socket_t s, int level, int optname, const char *optval, int optlen);
VG_API int vg_ws_ioctlsocket(vg_socket_t s, long cmd, uint32_t *argp);
VG_API int vg_ws_ioctl(vg_socket_t s, uint32_t code, void *in, uint32_t inlen, void *out, uint32_t outlen,
                uint32_t *bytes_returned, struct vg_wsaoverlapped *overlapped,
                vg_wsa_completion_fn completion);

VG_API int vg_ws_select(int nfds, struct vg_fd_set *readfds, struct vg_fd_set *writefds,
                 struct vg_fd_set *exceptfds, const struct timeval *timeout);
/* select for sets of setsize entries (the caller's FD_SETSIZE; <vigil/winsock2.h>'s select
 * passes it): a set with fd_count > setsize fails with WSAEINVAL before any entry is read.
 * vg_ws_select bounds fd_count only by the most sockets the table can hold. */
VG_API int vg_ws_select_setsize(int nfds, struct vg_fd_set *readfds, struct vg_fd_set *writefds,
                         struct vg_fd_set *exceptfds, const struct timeval *timeout,
                         unsigned int setsize);
VG_API int vg_ws_fd_isset(vg_socket_t s, struct vg_fd_set *set);
VG_API int vg_ws_poll(struct vg_wsapollfd *fds, uint32_t nfds, int timeout_ms);

/* Winsock 1.1 blocking hooks. Removed by Winsock 2, as on Windows: they work only after a
 * WSAStartup that negotiated version 1.x and fail with WSAEOPNOTSUPP under 2.x. */
VG_API vg_ws_farproc vg_ws_set_blocking_hook(vg_ws_farproc hook);
VG_API int vg_ws_unhook_blocking_hook(void);
VG_API int vg_ws_is_blocking(void);
VG_API int vg_ws_cancel_blocking_call(void);

/* Address conversion (Winsock: inet_addr, inet_ntoa, inet_pton, inet_ntop). */
VG_API uint32_t vg_ws_inet_addr(const char *cp);
VG_API char *vg_ws_inet_ntoa(struct vg_in_addr in);       /* a per-thread buffer */
VG_API int vg_ws_inet_pton(int af, const char *src, void *dst);
VG_API const char *vg_ws_inet_ntop(int af, const void *src, char *dst, size_t size);

/* Windows' Sleep(): runs the stack while it waits, so timers fire (and, under
 * VIGIL_CLOCK=virtual, the clock jumps instead of the program sleeping). */
VG_API void vg_ws_sleep(uint32_t ms);

/* ---- Kernel-like objects: a HANDLE is an opaque value, never a pointer the program may follow
 * (a stale or forged one is refused with WSA_INVALID_HANDLE). WSAEVENT is a HANDLE. */
typedef void *vg_ws_handle_t;
typedef vg_ws_handle_t vg_ws_event_t;
#define VG_WSA_INVALID_EVENT ((vg_ws_event_t)0)

/* Event objects (WSACreateEvent, ...): manual-reset, created unsignalled. The BOOL calls
 * return 1 (TRUE), or 0 (FALSE) with the error set: WSANOTINITIALISED, WSAEINPROGRESS,
 * WSA_INVALID_HANDLE; WSACreateEvent returns WSA_INVALID_EVENT with WSA_NOT_ENOUGH_MEMORY when
 * no handle is left. */
VG_API vg_ws_event_t vg_ws_create_event(void);
VG_API int vg_ws_close_event(vg_ws_event_t e);
VG_API int vg_ws_set_event(vg_ws_event_t e);
VG_API int vg_ws_reset_event(vg_ws_event_t e);

/* GUID and WSAPROTOCOL_INFO (WSASocket's lpProtocolInfo), with the SDK's layouts; vigil
 * reports no protocol catalogue, so the latter only appears in signatures. */
struct vg_guid {
    uint32_t Data1;
    uint16_t Data2, Data3;
    uint8_t Data4[8];
};
#define VG_MAX_PROTOCOL_CHAIN 7
#define VG_WSAPROTOCOL_LEN 255
struct vg_wsaprotocolchain {
    int ChainLen;
    uint32_t ChainEntries[VG_MAX_PROTOCOL_CHAIN];
};
#define VG_WSAPROTOCOL_INFO_MEMBERS                                                      \
    uint32_t dwServiceFlags1, dwServiceFlags2, dwServiceFlags3, dwServiceFlags4;         \
    uint32_t dwProviderFlags;                                                            \
    struct vg_guid ProviderId;                                                           \
    uint32_t dwCatalogEntryId;                                                           \
    struct vg_wsaprotocolchain ProtocolChain;                                            \
    int iVersion, iAddressFamily, iMaxSockAddr, iMinSockAddr, iSocketType, iProtocol;    \
    int iProtocolMaxOffset, iNetworkByteOrder, iSecurityScheme;                          \
    uint32_t dwMessageSize, dwProviderReserved
struct vg_wsaprotocol_infoa {
    VG_WSAPROTOCOL_INFO_MEMBERS;
    char szProtocol[VG_WSAPROTOCOL_LEN + 1];
};
struct vg_wsaprotocol_infow {
    VG_WSAPROTOCOL_INFO_MEMBERS;
    uint16_t szProtocol[VG_WSAPROTOCOL_LEN + 1];   /* WCHAR: UTF-16, as on Windows */
};

/* ==== [resolver] name resolution: getaddrinfo, getnameinfo, gethostbyname, the hosts file and the DNS stub resolver ==== */
/* Sources, in order: numeric addresses, "localhost" (127.0.0.1), the stack's own name
 * (gethostname: VIGIL_HOSTNAME, default "vigil"), the hosts(5) file VIGIL_HOSTS names (none by
 * default), then a DNS stub resolver asking the server VIGIL_DNS names (ADDR or ADDR:PORT;
 * unset: no DNS) through this stack's own UDP, and TCP for a truncated answer. The host's
 * /etc/hosts and /etc/resolv.conf are never read. getaddrinfo and getnameinfo return the WSA
 * error (the EAI_ codes are WSA codes) and also set the thread's last error. */
struct vg_addrinfo {              /* Windows' member order: ai_addrlen before ai_canonname */
    int ai_flags;
    int ai_family;
    int ai_socktype;
    int ai_protocol;
    size_t ai_addrlen;
    char *ai_canonname;
    struct vg_sockaddr *ai_addr;
    struct vg_addrinfo *ai_next;
};

struct vg_hostent {
    char *h_name;
    char **h_aliases;
    short h_addrtype;
    short h_length;
    char **h_addr_list;
};

VG_API int vg_ws_getaddrinfo(const char *node, const char *service, const struct vg_addrinfo *hints,
                             struct vg_addrinfo **res);
VG_API void vg_ws_freeaddrinfo(struct vg_addrinfo *ai);
VG_API int vg_ws_getnameinfo(const struct vg_sockaddr *sa, int salen, char *host, uint32_t hostlen,
                             char *serv, uint32_t servlen, int flags);
VG_API char *vg_ws_gai_strerror(int err);                 /* a per-thread buffer */
/* A per-thread hostent, valid until the thread's next gethostbyname/gethostbyaddr. */
VG_API struct vg_hostent *vg_ws_gethostbyname(const char *name);
VG_API struct vg_hostent *vg_ws_gethostbyaddr(const char *addr, int len, int type);
VG_API int vg_ws_gethostname(char *name, int namelen);

/* GetAddrInfoW and FreeAddrInfoW: the same lookup with UTF-16 strings (WCHAR is 16 bits on
 * Windows: pass u"name", not L"name", whose wchar_t is 32 bits on Linux). Names are ASCII
 * (no IDN yet): a name with other characters is WSAHOST_NOT_FOUND. */
struct vg_addrinfo_w {
    int ai_flags;
    int ai_family;
    int ai_socktype;
    int ai_protocol;
    size_t ai_addrlen;
    uint16_t *ai_canonname;
    struct vg_sockaddr *ai_addr;
    struct vg_addrinfo_w *ai_next;
};
VG_API int vg_ws_getaddrinfo_w(const uint16_t *node, const uint16_t *service,
                               const struct vg_addrinfo_w *hints, struct vg_addrinfo_w **res);
VG_API void vg_ws_freeaddrinfo_w(struct vg_addrinfo_w *ai);

/* What the stub resolver did since the process began (an extension, for tests and
 * diagnostics): every answer it did not believe is counted by why. */
struct vg_ws_resolver_stats {
    uint64_t queries_sent;        /* UDP datagrams sent, retries included */
    uint64_t tcp_queries;         /* questions asked again over TCP after a truncated answer */
    uint64_t ignored_source;      /* datagrams from another address or port than the server's */
    uint64_t ignored_not_ours;    /* another ID, not a response, or another question */
    uint64_t ignored_malformed;   /* ours, but unreadable (bounds, compression loops, ...) */
    uint64_t hosts_bad_lines;     /* bad lines in the VIGIL_HOSTS file when last read */
};
VG_API void vg_ws_resolver_stats(struct vg_ws_resolver_stats *out);
/* ==== end [resolver] ==== */

/* ==== [eventselect] event selection: WSAEventSelect, WSAEnumNetworkEvents, WSAWaitForMultipleEvents ==== */
/* What happened to a socket since WSAEnumNetworkEvents last asked: FD_ bits (Windows' long is
 * 32-bit) and, per bit, the error that came with it (0 for success). */
#define VG_FD_MAX_EVENTS 10
struct vg_wsanetworkevents {
    int32_t lNetworkEvents;
    int iErrorCode[VG_FD_MAX_EVENTS];
};
/* 0, or SOCKET_ERROR with WSANOTINITIALISED, WSAENETDOWN, WSAEINPROGRESS, WSAENOTSOCK or
 * WSAEINVAL (event is no event object; lNetworkEvents 0 cancels and ignores event). Makes the
 * socket non-blocking. */
VG_API int vg_ws_event_select(vg_socket_t s, vg_ws_event_t event, int32_t lNetworkEvents);
/* Copies and clears the socket's recorded events and resets event (if not NULL); 0, or
 * SOCKET_ERROR with the errors above or WSAEFAULT (network_events NULL). */
VG_API int vg_ws_enum_network_events(vg_socket_t s, vg_ws_event_t event,
                                     struct vg_wsanetworkevents *network_events);
/* WSA_WAIT_EVENT_0 + i, WSA_WAIT_TIMEOUT, WSA_WAIT_IO_COMPLETION (alertable: APCs ran), or
 * WSA_WAIT_FAILED with WSANOTINITIALISED, WSAEINPROGRESS, WSA_INVALID_PARAMETER (count 0 or
 * above WSA_MAXIMUM_WAIT_EVENTS, events NULL), WSA_INVALID_HANDLE, WSAENETDOWN or WSAEINTR. */
VG_API uint32_t vg_ws_wait_for_multiple_events(uint32_t count, const vg_ws_event_t *events,
                                               int wait_all, uint32_t timeout_ms, int alertable);
/* ==== end [eventselect] ==== */

/* ==== [overlapped] scatter/gather and overlapped I/O: WSASocket, WSASend, WSARecv, ..., completion routines, SleepEx ==== */
/* WSABUF, with the SDK's layout (ULONG len, then CHAR *buf). */
struct vg_wsabuf {
    uint32_t len;
    char *buf;
};
/* WSASocket: protocol_info must be NULL (WSAEINVAL otherwise), group 0. Every socket here can
 * take overlapped calls, with or without WSA_FLAG_OVERLAPPED. */
VG_API vg_socket_t vg_ws_wsasocket(int af, int type, int protocol,
                                   struct vg_wsaprotocol_infoa *protocol_info, unsigned int group,
                                   uint32_t flags);
VG_API vg_socket_t vg_ws_wsasocketw(int af, int type, int protocol,
                                    struct vg_wsaprotocol_infow *protocol_info, unsigned int group,
                                    uint32_t flags);
/* WSASend, WSARecv, WSASendTo, WSARecvFrom. Without overlapped and routine they are send/recv
 * over the buffer array. With them: 0 when the operation completed at once (its completion is
 * still delivered: port, routine or event), else SOCKET_ERROR with WSA_IO_PENDING. */
VG_API int vg_ws_wsasend(vg_socket_t s, struct vg_wsabuf *bufs, uint32_t nbufs, uint32_t *sent,
                         uint32_t flags, struct vg_wsaoverlapped *ov, vg_wsa_completion_fn done);
VG_API int vg_ws_wsarecv(vg_socket_t s, struct vg_wsabuf *bufs, uint32_t nbufs, uint32_t *recvd,
                         uint32_t *flags, struct vg_wsaoverlapped *ov, vg_wsa_completion_fn done);
VG_API int vg_ws_wsasendto(vg_socket_t s, struct vg_wsabuf *bufs, uint32_t nbufs, uint32_t *sent,
                           uint32_t flags, const struct vg_sockaddr *to, int tolen,
                           struct vg_wsaoverlapped *ov, vg_wsa_completion_fn done);
VG_API int vg_ws_wsarecvfrom(vg_socket_t s, struct vg_wsabuf *bufs, uint32_t nbufs,
                             uint32_t *recvd, uint32_t *flags, struct vg_sockaddr *from,
                             int *fromlen, struct vg_wsaoverlapped *ov, vg_wsa_completion_fn done);
/* WSAGetOverlappedResult: BOOL; FALSE with WSA_IO_INCOMPLETE while pending and wait is 0, or
 * with the operation's own error. */
VG_API int vg_ws_get_overlapped_result(vg_socket_t s, struct vg_wsaoverlapped *ov,
                                       uint32_t *transferred, int wait, uint32_t *flags);
/* SleepEx: 0 when the time passed, WAIT_IO_COMPLETION (0xC0) when alertable and completion
 * routines (APCs) ran. ms 0xFFFFFFFF is INFINITE. */
VG_API uint32_t vg_ws_sleep_ex(uint32_t ms, int alertable);
/* ==== end [overlapped] ==== */

/* ==== [iocp] I/O completion ports and the extension functions: CreateIoCompletionPort, ..., AcceptEx, ConnectEx ==== */
/* OVERLAPPED_ENTRY, with the SDK's layout. */
struct vg_overlapped_entry {
    uintptr_t lpCompletionKey;
    struct vg_wsaoverlapped *lpOverlapped;
    uintptr_t Internal;
    uint32_t dwNumberOfBytesTransferred;
};
#define VG_INVALID_HANDLE_VALUE ((vg_ws_handle_t)(intptr_t)-1)
/* CreateIoCompletionPort: file INVALID_HANDLE_VALUE makes a port (existing must be NULL);
 * file a SOCKET (cast to HANDLE) associates it with existing, or with a new port when existing
 * is NULL. NULL on failure, GetLastError: ERROR_INVALID_HANDLE (6), ERROR_INVALID_PARAMETER (87,
 * e.g. a socket already associated), ERROR_NOT_ENOUGH_MEMORY (8). */
VG_API vg_ws_handle_t vg_ws_create_io_completion_port(vg_ws_handle_t file, vg_ws_handle_t existing,
                                                      uintptr_t key, uint32_t nthreads);
/* GetQueuedCompletionStatus: TRUE for a successful operation's packet; FALSE with *ov set for a
 * failed one (GetLastError its Win32 error), FALSE with *ov NULL on timeout (WAIT_TIMEOUT, 258)
 * or a bad port (ERROR_INVALID_HANDLE), or when the port is closed meanwhile
 * (ERROR_ABANDONED_WAIT_0, 735). */
VG_API int vg_ws_get_queued_completion_status(vg_ws_handle_t port, uint32_t *bytes, uintptr_t *key,
                                              struct vg_wsaoverlapped **ov, uint32_t ms);
/* GetQueuedCompletionStatusEx: up to count packets at once, oldest first. FALSE with
 * WAIT_TIMEOUT, or WAIT_IO_COMPLETION (192) when alertable and APCs ran instead. */
VG_API int vg_ws_get_queued_completion_status_ex(vg_ws_handle_t port,
                                                 struct vg_overlapped_entry *entries,
                                                 uint32_t count, uint32_t *removed, uint32_t ms,
                                                 int alertable);
VG_API int vg_ws_post_queued_completion_status(vg_ws_handle_t port, uint32_t bytes, uintptr_t key,
                                               struct vg_wsaoverlapped *ov);
/* CloseHandle for the objects behind a HANDLE: completion ports and event objects. */
VG_API int vg_ws_close_handle(vg_ws_handle_t h);
/* The <mswsock.h> extensions (also fetched by WSAIoctl(SIO_GET_EXTENSION_FUNCTION_POINTER)).
 * AcceptEx's address blocks must each be at least sizeof(sockaddr_in) + 16 bytes. */
VG_API int vg_ws_accept_ex(vg_socket_t listener, vg_socket_t accept_sock, void *out,
                           uint32_t rxlen, uint32_t laddrlen, uint32_t raddrlen, uint32_t *bytes,
                           struct vg_wsaoverlapped *ov);
VG_API void vg_ws_get_accept_ex_sockaddrs(void *out, uint32_t rxlen, uint32_t laddrlen,
                                          uint32_t raddrlen, struct vg_sockaddr **local,
                                          int *locallen, struct vg_sockaddr **remote,
                                          int *remotelen);
VG_API int vg_ws_connect_ex(vg_socket_t s, const struct vg_sockaddr *name, int namelen,
                            void *sendbuf, uint32_t sendlen, uint32_t *sent,
                            struct vg_wsaoverlapped *ov);
/* ==== end [iocp] ==== */

static inline uint16_t vg_htons(uint16_t x)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return x;
#else
    return (uint16_t)((x << 8) | (x >> 8));
#endif
}
static inline uint32_t vg_htonl(uint32_t x)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return x;
#else
    return (x << 24) | ((x << 8) & 0x00ff0000u) | ((x >> 8) & 0x0000ff00u) | (x >> 24);
#endif
}
static inline uint16_t vg_ntohs(uint16_t x) { return vg_htons(x); }
static inline uint32_t vg_ntohl(uint32_t x) { return vg_htonl(x); }

/* ---- Extensions: what a test program needs beyond Winsock. Each returns 0 or SOCKET_ERROR
 * (with WSAGetLastError set, errors in the order of spec rule A6) unless it says otherwise. */

/* The default stack's clock in milliseconds (virtual or real, per VIGIL_CLOCK); 0 before
 * WSAStartup. */
VG_API uint64_t vg_clock_ms(void);

/* While on, every segment that arrives for the connection of s is dropped, as if its peer had
 * vanished (s's own segments still leave). */
VG_API int vg_blackhole(vg_socket_t s, int on);

/* Spec C4 for a socket: keep-alive state, effective time, interval and count, probes sent and
 * unanswered, microseconds until the next probe and until the abort. WSAENOPROTOOPT on a
 * datagram socket. */
VG_API int vg_ws_keepalive_info(vg_socket_t s, struct vg_keepalive_info *out);

/* The default network's link (spec A6.3): while down, calls fail with WSAENETDOWN. */
VG_API int vg_ws_set_link_up(int up);

/* A copy of the default stack's counters (probes sent, aborts, ...). */
VG_API int vg_ws_stack_stats(struct vg_stack_stats *out);

/* ==== [structure] the waits under the calls ==== */
/* How many times a thread blocked in a Winsock call woke up to look again since this
 * WSAStartup period began (0 when not started). For tests and benchmarks: a waiter should wake
 * when what it waits on changed, not on every other call. */
VG_API uint64_t vg_ws_wakeups(void);
/* The same, for the calling thread's blocked calls only (since the thread began). */
VG_API uint64_t vg_ws_thread_wakeups(void);
/* ==== end [structure] ==== */

/* The stack's events as they happen (keep-alive probes, aborts...), with the SOCKET they
 * concern (INVALID_SOCKET for a connection no socket holds yet). The callback runs while the
 * stack works: a Winsock call made from it fails with WSAEINPROGRESS (A6.2). NULL removes it. */
typedef void (*vg_ws_event_fn)(void *ctx, vg_socket_t s, const struct vg_event *ev);
VG_API void vg_ws_set_event_hook(vg_ws_event_fn fn, void *ctx);

/* Why the last WSAStartup failed (bad VIGIL_NET, VIGIL_PROFILE, VIGIL_REG ...), "" if it did
 * not. The same sentence is printed on stderr when it happens. */
VG_API const char *vg_ws_startup_error(void);

#ifdef __cplusplus
}
#endif
#endif
