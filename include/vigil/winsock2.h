/* Windows Sockets 2 for vigil: include <vigil/winsock2.h> instead of <winsock2.h>, link -lvigil,
 * and code written for Windows compiles unchanged and gets the documented behaviour.
 *
 * Every Winsock name lives in this header, as a macro or typedef over the vg_ names of
 * <vigil/vigil_ws.h>; a file that does not include it sees none of them.
 *
 * Living beside the C library:
 *  - Use it instead of the host's socket headers: a file that includes it must not also include
 *    <sys/socket.h>, <netinet/in.h>, <arpa/inet.h>, <netdb.h> or <poll.h> (as on Windows, where
 *    they do not exist). Any other C library header may come before or after it.
 *  - fd_set, FD_SET ... and select are Winsock's (a count and an array of FD_SETSIZE sockets,
 *    64 unless the program defines FD_SETSIZE first: then define it and include this header
 *    before any C library header, since glibc's <sys/select.h> overwrites FD_SETSIZE). glibc declares its own fd_set, select and
 *    u_long (unsigned long, 64-bit) in <sys/select.h> and <sys/types.h>, which <stdlib.h> pulls in
 *    under _DEFAULT_SOURCE. So this header includes those two first, then maps the Winsock names
 *    onto vg_ names with macros: whichever order the includes come in, glibc's declarations keep
 *    their own types and the program's uses of fd_set, select and u_long reach Winsock's.
 *  - struct timeval is the C library's own (members tv_sec and tv_usec, both long on LP64
 *    Linux, which is Winsock's layout): defining a second one would clash with glibc's.
 *  - u_long is 32 bits, as on Windows (spec: u_long is a uint32_t). */
#ifndef VIGIL_WINSOCK2_H
#define VIGIL_WINSOCK2_H

#if defined(_SYS_SOCKET_H) || defined(_NETINET_IN_H) || defined(_ARPA_INET_H) || defined(_NETDB_H)
#error "<vigil/winsock2.h> replaces the host's socket headers: do not include <sys/socket.h>, <netinet/in.h>, <arpa/inet.h> or <netdb.h> in the same file"
#endif

/* FD_SETSIZE: 64 as on Windows, or the program's own value when it defined one before this
 * header. glibc's <sys/select.h> (which <sys/types.h> includes) would impose its 1024: keep the
 * program's value aside while the system headers are read. */
#if defined(FD_SETSIZE) && !defined(_SYS_SELECT_H)
#define VG_WS_PROGRAM_FD_SETSIZE
#pragma push_macro("FD_SETSIZE")
#undef FD_SETSIZE
#endif

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/select.h>

#if defined(VG_WS_PROGRAM_FD_SETSIZE)
#undef FD_SETSIZE
#pragma pop_macro("FD_SETSIZE")
#undef VG_WS_PROGRAM_FD_SETSIZE
#elif !(defined(FD_SETSIZE) && defined(__FD_SETSIZE) && FD_SETSIZE != __FD_SETSIZE)
#undef FD_SETSIZE
#define FD_SETSIZE 64
#endif

#include "vigil/vigil_ws.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Windows types. */
#define FAR
#define NEAR
#define PASCAL
#define WINAPI
#define WSAAPI
#define CALLBACK

#define u_char vg_u_char
#define u_short vg_u_short
#define u_int vg_u_int
#define u_long vg_u_long
typedef unsigned char vg_u_char;
typedef unsigned short vg_u_short;
typedef unsigned int vg_u_int;
typedef uint32_t vg_u_long;

typedef vg_socket_t SOCKET;
typedef vg_ws_handle_t HANDLE;
#define WSAEVENT HANDLE
#define LPWSAEVENT HANDLE *
typedef int BOOL;
typedef unsigned char BYTE;
typedef uint16_t WORD;
typedef uint32_t DWORD;
typedef int INT;
typedef unsigned int UINT;
typedef int32_t LONG;
typedef uint32_t ULONG;
typedef short SHORT;
typedef unsigned short USHORT;
typedef char CHAR;
typedef uintptr_t UINT_PTR;
typedef intptr_t INT_PTR;
typedef void *LPVOID;
typedef DWORD *LPDWORD;
typedef INT *LPINT;
typedef BOOL *LPBOOL;
typedef char *LPSTR;
typedef const char *LPCSTR;
typedef USHORT ADDRESS_FAMILY;
typedef vg_ws_farproc FARPROC;

#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif
#ifndef NO_ERROR
#define NO_ERROR 0L
#endif

#define MAKEWORD(low, high) ((WORD)(((BYTE)((low) & 0xff)) | ((WORD)((BYTE)((high) & 0xff))) << 8))
#define LOBYTE(w) ((BYTE)((w) & 0xff))
#define HIBYTE(w) ((BYTE)(((WORD)(w) >> 8) & 0xff))

#define INVALID_SOCKET VG_INVALID_SOCKET
#define SOCKET_ERROR VG_SOCKET_ERROR

/* ---- Structures. */
#define in_addr vg_in_addr
#define sockaddr vg_sockaddr
#define sockaddr_in vg_sockaddr_in
#define sockaddr_storage vg_sockaddr_storage
#define linger vg_linger
#define tcp_keepalive vg_tcp_keepalive
#define pollfd vg_wsapollfd
#define fd_set vg_fd_set

#define s_addr S_un.S_addr
#define s_host S_un.S_un_b.s_b2
#define s_net S_un.S_un_b.s_b1
#define s_imp S_un.S_un_w.s_w2
#define s_impno S_un.S_un_b.s_b4
#define s_lh S_un.S_un_b.s_b3

typedef struct vg_in_addr IN_ADDR, *PIN_ADDR, *LPIN_ADDR;
typedef struct vg_sockaddr SOCKADDR, *PSOCKADDR, *LPSOCKADDR;
typedef struct vg_sockaddr_in SOCKADDR_IN, *PSOCKADDR_IN, *LPSOCKADDR_IN;
typedef struct vg_sockaddr_storage SOCKADDR_STORAGE, *PSOCKADDR_STORAGE;
typedef struct vg_linger LINGER, *PLINGER, *LPLINGER;
typedef struct vg_wsadata WSADATA, *LPWSADATA;
typedef struct vg_wsapollfd WSAPOLLFD, *PWSAPOLLFD, *LPWSAPOLLFD;
typedef struct vg_wsaoverlapped WSAOVERLAPPED, *LPWSAOVERLAPPED;
typedef vg_wsa_completion_fn LPWSAOVERLAPPED_COMPLETION_ROUTINE;
typedef struct timeval TIMEVAL, *PTIMEVAL, *LPTIMEVAL;

typedef struct vg_fd_set {
    u_int fd_count;
    SOCKET fd_array[FD_SETSIZE];
} vg_fd_set;
typedef struct vg_fd_set FD_SET, *PFD_SET, *LPFD_SET;   /* FD_SET(...) below is the macro */

#define WSADESCRIPTION_LEN VG_WSADESCRIPTION_LEN
#define WSASYS_STATUS_LEN VG_WSASYS_STATUS_LEN

/* ---- fd_set operations, as Winsock defines them (a set never holds a socket twice). */
#undef FD_SET
#undef FD_CLR
#undef FD_ISSET
#undef FD_ZERO
static inline void vg_ws_fd_add_(SOCKET s, vg_fd_set *set)
{
    u_int i;
    for (i = 0; i < set->fd_count; i++)
        if (set->fd_array[i] == s)
            return;
    if (set->fd_count < FD_SETSIZE)
        set->fd_array[set->fd_count++] = s;
}
static inline void vg_ws_fd_del_(SOCKET s, vg_fd_set *set)
{
    u_int i;
    for (i = 0; i < set->fd_count; i++) {
        if (set->fd_array[i] == s) {
            for (; i + 1 < set->fd_count; i++)
                set->fd_array[i] = set->fd_array[i + 1];
            set->fd_count--;
            return;
        }
    }
}
#define FD_SET(fd, set) vg_ws_fd_add_((SOCKET)(fd), (vg_fd_set *)(set))
#define FD_CLR(fd, set) vg_ws_fd_del_((SOCKET)(fd), (vg_fd_set *)(set))
#define FD_ZERO(set) (((vg_fd_set *)(set))->fd_count = 0)
#define FD_ISSET(fd, set) vg_ws_fd_isset((SOCKET)(fd), (struct vg_fd_set *)(set))
#define __WSAFDIsSet vg_ws_fd_isset
/* select knows the size of this file's fd_set, so a set whose fd_count exceeds FD_SETSIZE is
 * refused (WSAEINVAL) instead of read past its end. */
static inline int vg_ws_select_(int nfds, vg_fd_set *readfds, vg_fd_set *writefds,
                                vg_fd_set *exceptfds, const struct timeval *timeout)
{
    return vg_ws_select_setsize(nfds, readfds, writefds, exceptfds, timeout, FD_SETSIZE);
}

/* ---- Constants, with the values of the Windows headers. */
#define AF_UNSPEC 0
#define AF_INET 2
#define AF_INET6 23
#define PF_UNSPEC AF_UNSPEC
#define PF_INET AF_INET
#define PF_INET6 AF_INET6

#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_RAW 3

#define IPPROTO_IP 0
#define IPPROTO_ICMP 1
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17

#define INADDR_ANY ((u_long)0x00000000)
#define INADDR_LOOPBACK 0x7f000001
#define INADDR_BROADCAST ((u_long)0xffffffff)
#define INADDR_NONE 0xffffffff

#define SOMAXCONN 0x7fffffff
#define SOMAXCONN_HINT(b) (-(b))

#define SOL_SOCKET 0xffff
#define SO_DEBUG 0x0001
#define SO_ACCEPTCONN 0x0002
#define SO_REUSEADDR 0x0004
#define SO_KEEPALIVE 0x0008
#define SO_DONTROUTE 0x0010
#define SO_BROADCAST 0x0020
#define SO_USELOOPBACK 0x0040
#define SO_LINGER 0x0080
#define SO_OOBINLINE 0x0100
#define SO_DONTLINGER ((int)(~SO_LINGER))
#define SO_EXCLUSIVEADDRUSE ((int)(~SO_REUSEADDR))
#define SO_SNDBUF 0x1001
#define SO_RCVBUF 0x1002
#define SO_SNDLOWAT 0x1003
#define SO_RCVLOWAT 0x1004
#define SO_SNDTIMEO 0x1005
#define SO_RCVTIMEO 0x1006
#define SO_ERROR 0x1007
#define SO_TYPE 0x1008

#define TCP_NODELAY 0x0001
#define TCP_KEEPALIVE 3
#define TCP_MAXSEG 4
#define TCP_MAXRT 5
#define TCP_MAXRTMS 14
#define TCP_KEEPCNT 16
#define TCP_KEEPIDLE TCP_KEEPALIVE
#define TCP_KEEPINTVL 17

#define MSG_OOB 0x1
#define MSG_PEEK 0x2
#define MSG_DONTROUTE 0x4
#define MSG_WAITALL 0x8

#define SD_RECEIVE 0x00
#define SD_SEND 0x01
#define SD_BOTH 0x02

/* ioctl codes: glibc's <sys/ioctl.h> has other values under some of these names. */
#undef IOCPARM_MASK
#undef IOC_VOID
#undef IOC_OUT
#undef IOC_IN
#undef IOC_INOUT
#undef FIONREAD
#undef FIONBIO
#undef SIOCATMARK
#define IOCPARM_MASK 0x7f
#define IOC_VOID 0x20000000
#define IOC_OUT 0x40000000
#define IOC_IN 0x80000000
#define IOC_INOUT (IOC_IN | IOC_OUT)
#define IOC_UNIX 0x00000000
#define IOC_WS2 0x08000000
#define IOC_PROTOCOL 0x10000000
#define IOC_VENDOR 0x18000000
#define _WSAIO(x, y) (IOC_VOID | (x) | (y))
#define _WSAIOR(x, y) (IOC_OUT | (x) | (y))
#define _WSAIOW(x, y) (IOC_IN | (x) | (y))
#define _WSAIORW(x, y) (IOC_INOUT | (x) | (y))
#define FIONREAD 0x4004667FL
#define FIONBIO 0x8004667EL
#define SIOCATMARK 0x40047307L
#define SIO_KEEPALIVE_VALS _WSAIOW(IOC_VENDOR, 4)

/* WSAPoll flags (Windows values, not glibc's). */
#undef POLLRDNORM
#undef POLLRDBAND
#undef POLLIN
#undef POLLPRI
#undef POLLWRNORM
#undef POLLOUT
#undef POLLWRBAND
#undef POLLERR
#undef POLLHUP
#undef POLLNVAL
#define POLLRDNORM 0x0100
#define POLLRDBAND 0x0200
#define POLLIN (POLLRDNORM | POLLRDBAND)
#define POLLPRI 0x0400
#define POLLWRNORM 0x0010
#define POLLOUT (POLLWRNORM)
#define POLLWRBAND 0x0020
#define POLLERR 0x0001
#define POLLHUP 0x0002
#define POLLNVAL 0x0004

/* ---- Error codes (WSAGetLastError). */
#define WSABASEERR 10000
#define WSAEINTR 10004
#define WSAEBADF 10009
#define WSAEACCES 10013
#define WSAEFAULT 10014
#define WSAEINVAL 10022
#define WSAEMFILE 10024
#define WSAEWOULDBLOCK 10035
#define WSAEINPROGRESS 10036
#define WSAEALREADY 10037
#define WSAENOTSOCK 10038
#define WSAEDESTADDRREQ 10039
#define WSAEMSGSIZE 10040
#define WSAEPROTOTYPE 10041
#define WSAENOPROTOOPT 10042
#define WSAEPROTONOSUPPORT 10043
#define WSAESOCKTNOSUPPORT 10044
#define WSAEOPNOTSUPP 10045
#define WSAEPFNOSUPPORT 10046
#define WSAEAFNOSUPPORT 10047
#define WSAEADDRINUSE 10048
#define WSAEADDRNOTAVAIL 10049
#define WSAENETDOWN 10050
#define WSAENETUNREACH 10051
#define WSAENETRESET 10052
#define WSAECONNABORTED 10053
#define WSAECONNRESET 10054
#define WSAENOBUFS 10055
#define WSAEISCONN 10056
#define WSAENOTCONN 10057
#define WSAESHUTDOWN 10058
#define WSAETOOMANYREFS 10059
#define WSAETIMEDOUT 10060
#define WSAECONNREFUSED 10061
#define WSAELOOP 10062
#define WSAENAMETOOLONG 10063
#define WSAEHOSTDOWN 10064
#define WSAEHOSTUNREACH 10065
#define WSAENOTEMPTY 10066
#define WSAEPROCLIM 10067
#define WSAEUSERS 10068
#define WSAEDQUOT 10069
#define WSAESTALE 10070
#define WSAEREMOTE 10071
#define WSASYSNOTREADY 10091
#define WSAVERNOTSUPPORTED 10092
#define WSANOTINITIALISED 10093
#define WSAEDISCON 10101
#define WSAENOMORE 10102
#define WSAECANCELLED 10103
#define WSASYSCALLFAILURE 10107
#define WSAHOST_NOT_FOUND 11001
#define WSATRY_AGAIN 11002
#define WSANO_RECOVERY 11003
#define WSANO_DATA 11004

/* ---- Calls. */
#define WSAStartup vg_ws_startup
#define WSACleanup vg_ws_cleanup
#define WSAGetLastError vg_ws_get_last_error
#define WSASetLastError vg_ws_set_last_error
#define socket vg_ws_socket
#define bind vg_ws_bind
#define listen vg_ws_listen
#define accept vg_ws_accept
#define connect vg_ws_connect
#define send vg_ws_send
#define recv vg_ws_recv
#define sendto vg_ws_sendto
#define recvfrom vg_ws_recvfrom
#define shutdown vg_ws_shutdown
#define closesocket vg_ws_closesocket
#define getsockname vg_ws_getsockname
#define getpeername vg_ws_getpeername
#define getsockopt vg_ws_getsockopt
#define setsockopt vg_ws_setsockopt
#define ioctlsocket vg_ws_ioctlsocket
#define WSAIoctl vg_ws_ioctl
#define select vg_ws_select_
#define WSAPoll vg_ws_poll
#define WSASetBlockingHook vg_ws_set_blocking_hook
#define WSAUnhookBlockingHook vg_ws_unhook_blocking_hook
#define WSAIsBlocking vg_ws_is_blocking
#define WSACancelBlockingCall vg_ws_cancel_blocking_call
#define WSACreateEvent vg_ws_create_event
#define WSACloseEvent vg_ws_close_event
#define WSASetEvent vg_ws_set_event
#define WSAResetEvent vg_ws_reset_event
#define WSA_INVALID_EVENT ((WSAEVENT)NULL)
#define WSA_INVALID_HANDLE 6
#define WSA_NOT_ENOUGH_MEMORY 8
#define WSA_INVALID_PARAMETER 87
#define WSA_OPERATION_ABORTED 995
#define WSA_IO_INCOMPLETE 996
#define WSA_IO_PENDING 997

/* ==== [resolver] name resolution: getaddrinfo, getnameinfo, gethostbyname, the hosts file and the DNS stub resolver ==== */
/* glibc's <unistd.h> declares gethostname(char *, size_t): read it before the macro below
 * renames the name, so its declaration keeps glibc's own function. */
#include <unistd.h>
#define addrinfo vg_addrinfo
#define hostent vg_hostent
#define h_addr h_addr_list[0]
typedef struct vg_addrinfo ADDRINFOA, *PADDRINFOA, ADDRINFO, *LPADDRINFO;
typedef struct vg_hostent HOSTENT, *PHOSTENT, *LPHOSTENT;
#define addrinfoW vg_addrinfo_w
typedef struct vg_addrinfo_w ADDRINFOW, *PADDRINFOW;
#define GetAddrInfoW vg_ws_getaddrinfo_w
#define FreeAddrInfoW vg_ws_freeaddrinfo_w
#define getaddrinfo vg_ws_getaddrinfo
#define GetAddrInfoA vg_ws_getaddrinfo
#define freeaddrinfo vg_ws_freeaddrinfo
#define getnameinfo vg_ws_getnameinfo
#define GetNameInfoA vg_ws_getnameinfo
#define gai_strerror vg_ws_gai_strerror
#define gai_strerrorA vg_ws_gai_strerror
#define gethostbyname vg_ws_gethostbyname
#define gethostbyaddr vg_ws_gethostbyaddr
#define gethostname vg_ws_gethostname
/* Also among the 10101-10112 codes; the same value either way. */
#ifndef WSATYPE_NOT_FOUND
#define WSATYPE_NOT_FOUND 10109
#endif
#define EAI_AGAIN WSATRY_AGAIN
#define EAI_BADFLAGS WSAEINVAL
#define EAI_FAIL WSANO_RECOVERY
#define EAI_FAMILY WSAEAFNOSUPPORT
#define EAI_MEMORY WSA_NOT_ENOUGH_MEMORY
#define EAI_NONAME WSAHOST_NOT_FOUND
#define EAI_SERVICE WSATYPE_NOT_FOUND
#define EAI_SOCKTYPE WSAESOCKTNOSUPPORT
#define EAI_NODATA 11004
#define h_errno vg_ws_get_last_error()
#define NO_DATA WSANO_DATA
#define HOST_NOT_FOUND WSAHOST_NOT_FOUND
#define TRY_AGAIN WSATRY_AGAIN
#define NO_RECOVERY WSANO_RECOVERY
#define NO_ADDRESS WSANO_DATA
#define WSANO_ADDRESS WSANO_DATA
#define AI_PASSIVE 0x00000001
#define AI_CANONNAME 0x00000002
#define AI_NUMERICHOST 0x00000004
#define AI_NUMERICSERV 0x00000008
#define AI_ALL 0x00000100
#define AI_ADDRCONFIG 0x00000400
#define AI_V4MAPPED 0x00000800
#define AI_NON_AUTHORITATIVE 0x00004000
#define AI_SECURE 0x00008000
#define AI_RETURN_PREFERRED_NAMES 0x00010000
#define AI_FQDN 0x00020000
#define AI_FILESERVER 0x00040000
#define AI_DISABLE_IDN_ENCODING 0x00080000
#define GAI_STRERROR_BUFFER_SIZE 1024
#define NI_MAXHOST 1025
#define NI_MAXSERV 32
#define NI_NOFQDN 0x01
#define NI_NUMERICHOST 0x02
#define NI_NAMEREQD 0x04
#define NI_NUMERICSERV 0x08
#define NI_DGRAM 0x10
/* ==== end [resolver] ==== */

/* ==== [eventselect] event selection: WSAEventSelect, WSAEnumNetworkEvents, WSAWaitForMultipleEvents ==== */
/* ==== end [eventselect] ==== */

/* ==== [overlapped] scatter/gather and overlapped I/O: WSASocket, WSASend, WSARecv, ..., completion routines, SleepEx ==== */
/* ==== end [overlapped] ==== */

/* ==== [iocp] I/O completion ports and the extension functions: CreateIoCompletionPort, ..., AcceptEx, ConnectEx ==== */
/* ==== end [iocp] ==== */

#define inet_addr vg_ws_inet_addr
#define inet_ntoa vg_ws_inet_ntoa
#define inet_pton vg_ws_inet_pton
#define inet_ntop vg_ws_inet_ntop
#define InetPtonA vg_ws_inet_pton
#define InetNtopA vg_ws_inet_ntop
#define htons vg_htons
#define htonl vg_htonl
#define ntohs vg_ntohs
#define ntohl vg_ntohl
#define Sleep vg_ws_sleep

#ifdef __cplusplus
}
#endif
#endif
