/* Windows Sockets 2 for vigil: include <vigil/winsock2.h> instead of <winsock2.h>, link -lvigil,
 * and code written for Windows compiles unchanged and gets the documented behaviour.
 *
 * Every Winsock name lives in this header, as a macro or typedef over the vg_ names of
 * <vigil/vigil_ws.h>; a file that does not include it sees none of them. Sources that say
 * #include <winsock2.h> (or <ws2tcpip.h>, <windows.h> ...) get it unchanged through
 * include/vigil/win (pkg-config vigil-win). Values, layouts (Win64's, LLP64) and signatures
 * equal the Windows SDK's wherever both define a name (tests/test_win_headers.sh).
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
typedef uintptr_t ULONG_PTR;
typedef intptr_t LONG_PTR;
typedef uintptr_t DWORD_PTR;
typedef ULONG_PTR SIZE_T;
/* WCHAR is Windows' 16-bit UTF-16 unit (glibc's wchar_t is 32-bit): write u"..." for L"...". */
typedef uint16_t WCHAR;
typedef WCHAR *LPWSTR, *PWSTR;
typedef const WCHAR *LPCWSTR, *PCWSTR;
typedef HANDLE *LPHANDLE, *PHANDLE;
typedef void *LPVOID, *PVOID;
typedef const void *LPCVOID;
typedef BYTE *LPBYTE, *PBYTE;
typedef WORD *LPWORD;
typedef DWORD *PDWORD;
typedef ULONG *PULONG;
typedef CHAR *PCHAR;
typedef DWORD *LPDWORD;
typedef INT *LPINT;
typedef BOOL *LPBOOL;
typedef char *LPSTR, *PSTR;
typedef const char *LPCSTR, *PCSTR;
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
#define WSAData vg_wsadata
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
typedef struct vg_sockaddr_storage SOCKADDR_STORAGE, *PSOCKADDR_STORAGE, *LPSOCKADDR_STORAGE;
typedef struct vg_linger LINGER, *PLINGER, *LPLINGER;

/* IPv6 addresses (in6addr.h, ws2def.h, ws2ipdef.h, ws2tcpip.h). */
#define in6_addr vg_in6_addr
#define in_addr6 vg_in6_addr
#define sockaddr_in6 vg_sockaddr_in6
#define _S6_un u
#define _S6_u8 Byte
#define s6_addr _S6_un._S6_u8
#define s6_bytes u.Byte
#define s6_words u.Word
typedef struct vg_in6_addr IN6_ADDR, *PIN6_ADDR, *LPIN6_ADDR;
typedef enum vg_scope_level SCOPE_LEVEL;
#define ScopeLevelInterface VG_SCOPE_LEVEL_INTERFACE
#define ScopeLevelLink VG_SCOPE_LEVEL_LINK
#define ScopeLevelSubnet VG_SCOPE_LEVEL_SUBNET
#define ScopeLevelAdmin VG_SCOPE_LEVEL_ADMIN
#define ScopeLevelSite VG_SCOPE_LEVEL_SITE
#define ScopeLevelOrganization VG_SCOPE_LEVEL_ORGANIZATION
#define ScopeLevelGlobal VG_SCOPE_LEVEL_GLOBAL
#define ScopeLevelCount VG_SCOPE_LEVEL_COUNT
typedef struct vg_scope_id SCOPE_ID, *PSCOPE_ID;
typedef struct vg_sockaddr_in6 SOCKADDR_IN6, *PSOCKADDR_IN6, *LPSOCKADDR_IN6;
#define IN6ADDR_ANY_INIT { { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 } } }
#define IN6ADDR_LOOPBACK_INIT { { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 } } }
#define in6addr_any vg_in6addr_any
#define in6addr_loopback vg_in6addr_loopback
#define INET_ADDRSTRLEN 22
#define INET6_ADDRSTRLEN 65

/* The SDK's IN6_* tests and setters (ws2tcpip.h), as functions: they read the bytes, so their
 * answers do not depend on the host's byte order. */
static inline int vg_in6_zero_(const struct vg_in6_addr *a, int n)
{
    for (int i = 0; i < n; i++)
        if (a->u.Byte[i])
            return 0;
    return 1;
}
static inline int vg_in6_is_unspecified_(const struct vg_in6_addr *a) { return vg_in6_zero_(a, 16); }
static inline int vg_in6_is_loopback_(const struct vg_in6_addr *a)
{
    return vg_in6_zero_(a, 15) && a->u.Byte[15] == 1;
}
static inline int vg_in6_is_multicast_(const struct vg_in6_addr *a) { return a->u.Byte[0] == 0xff; }
static inline int vg_in6_is_linklocal_(const struct vg_in6_addr *a)
{
    return a->u.Byte[0] == 0xfe && (a->u.Byte[1] & 0xc0) == 0x80;
}
static inline int vg_in6_is_sitelocal_(const struct vg_in6_addr *a)
{
    return a->u.Byte[0] == 0xfe && (a->u.Byte[1] & 0xc0) == 0xc0;
}
static inline int vg_in6_is_v4mapped_(const struct vg_in6_addr *a)
{
    return vg_in6_zero_(a, 10) && a->u.Byte[10] == 0xff && a->u.Byte[11] == 0xff;
}
/* ::a.b.c.d, except :: and ::1 (and ::0.0.0.x with the same two bytes zero, as the SDK says). */
static inline int vg_in6_is_v4compat_(const struct vg_in6_addr *a)
{
    return vg_in6_zero_(a, 12) &&
           !(a->u.Byte[12] == 0 && a->u.Byte[13] == 0 && a->u.Byte[14] == 0 &&
             (a->u.Byte[15] == 0 || a->u.Byte[15] == 1));
}
static inline int vg_in6_mc_scope_(const struct vg_in6_addr *a, int scope)
{
    return vg_in6_is_multicast_(a) && (a->u.Byte[1] & 0xf) == scope;
}
static inline int vg_in6_is_mc_nodelocal_(const struct vg_in6_addr *a) { return vg_in6_mc_scope_(a, 1); }
static inline int vg_in6_is_mc_linklocal_(const struct vg_in6_addr *a) { return vg_in6_mc_scope_(a, 2); }
static inline int vg_in6_is_mc_sitelocal_(const struct vg_in6_addr *a) { return vg_in6_mc_scope_(a, 5); }
static inline int vg_in6_is_mc_orglocal_(const struct vg_in6_addr *a) { return vg_in6_mc_scope_(a, 8); }
static inline int vg_in6_is_mc_global_(const struct vg_in6_addr *a) { return vg_in6_mc_scope_(a, 0xe); }
static inline int vg_in6addr_isany_(const struct vg_sockaddr_in6 *a)
{
    return a->sin6_family == 23 /* AF_INET6 */ && vg_in6_is_unspecified_(&a->sin6_addr);
}
static inline int vg_in6addr_isloopback_(const struct vg_sockaddr_in6 *a)
{
    return a->sin6_family == 23 /* AF_INET6 */ && vg_in6_is_loopback_(&a->sin6_addr);
}
static inline void vg_in6_set_unspecified_(struct vg_in6_addr *a)
{
    for (int i = 0; i < 16; i++)
        a->u.Byte[i] = 0;
}
static inline void vg_in6_set_loopback_(struct vg_in6_addr *a)
{
    vg_in6_set_unspecified_(a);
    a->u.Byte[15] = 1;
}
static inline void vg_in6addr_set_(struct vg_sockaddr_in6 *a, int loopback)
{
    a->sin6_family = 23;              /* AF_INET6 */
    a->sin6_port = 0;
    a->sin6_flowinfo = 0;
    if (loopback)
        vg_in6_set_loopback_(&a->sin6_addr);
    else
        vg_in6_set_unspecified_(&a->sin6_addr);
    a->sin6_scope_id = 0;
}
static inline void vg_in6addr_setany_(struct vg_sockaddr_in6 *a) { vg_in6addr_set_(a, 0); }
static inline void vg_in6addr_setloopback_(struct vg_sockaddr_in6 *a) { vg_in6addr_set_(a, 1); }
static inline int vg_in6_addr_equal_(const struct vg_in6_addr *a, const struct vg_in6_addr *b)
{
    for (int i = 0; i < 16; i++)
        if (a->u.Byte[i] != b->u.Byte[i])
            return 0;
    return 1;
}
#define IN6_ADDR_EQUAL vg_in6_addr_equal_
#define IN6_ARE_ADDR_EQUAL IN6_ADDR_EQUAL
#define IN6_IS_ADDR_UNSPECIFIED vg_in6_is_unspecified_
#define IN6_IS_ADDR_LOOPBACK vg_in6_is_loopback_
#define IN6_IS_ADDR_MULTICAST vg_in6_is_multicast_
#define IN6_IS_ADDR_LINKLOCAL vg_in6_is_linklocal_
#define IN6_IS_ADDR_SITELOCAL vg_in6_is_sitelocal_
#define IN6_IS_ADDR_V4MAPPED vg_in6_is_v4mapped_
#define IN6_IS_ADDR_V4COMPAT vg_in6_is_v4compat_
#define IN6_IS_ADDR_MC_NODELOCAL vg_in6_is_mc_nodelocal_
#define IN6_IS_ADDR_MC_LINKLOCAL vg_in6_is_mc_linklocal_
#define IN6_IS_ADDR_MC_SITELOCAL vg_in6_is_mc_sitelocal_
#define IN6_IS_ADDR_MC_ORGLOCAL vg_in6_is_mc_orglocal_
#define IN6_IS_ADDR_MC_GLOBAL vg_in6_is_mc_global_
#define IN6ADDR_ISANY vg_in6addr_isany_
#define IN6ADDR_ISLOOPBACK vg_in6addr_isloopback_
#define IN6_SET_ADDR_UNSPECIFIED vg_in6_set_unspecified_
#define IN6_SET_ADDR_LOOPBACK vg_in6_set_loopback_
#define IN6ADDR_SETANY vg_in6addr_setany_
#define IN6ADDR_SETLOOPBACK vg_in6addr_setloopback_
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

/* IPPROTO_IP options (ws2ipdef.h). */
#define IP_TOS 3
#define IP_TTL 4

/* IPPROTO_IPV6 options (ws2ipdef.h). */
#define IPV6_HOPOPTS 1
#define IPV6_HDRINCL 2
#define IPV6_UNICAST_HOPS 4
#define IPV6_MULTICAST_IF 9
#define IPV6_MULTICAST_HOPS 10
#define IPV6_MULTICAST_LOOP 11
#define IPV6_ADD_MEMBERSHIP 12
#define IPV6_JOIN_GROUP IPV6_ADD_MEMBERSHIP
#define IPV6_DROP_MEMBERSHIP 13
#define IPV6_LEAVE_GROUP IPV6_DROP_MEMBERSHIP
#define IPV6_DONTFRAG 14
#define IPV6_PKTINFO 19
#define IPV6_HOPLIMIT 21
#define IPV6_PROTECTION_LEVEL 23
#define IPV6_RECVIF 24
#define IPV6_RECVDSTADDR 25
#define IPV6_CHECKSUM 26
#define IPV6_V6ONLY 27
#define IPV6_IFLIST 28
#define IPV6_ADD_IFLIST 29
#define IPV6_DEL_IFLIST 30
#define IPV6_UNICAST_IF 31
#define IPV6_RTHDR 32
#define IPV6_GET_IFLIST 33
#define IPV6_RECVRTHDR 38
#define IPV6_TCLASS 39
#define IPV6_RECVTCLASS 40
#define IPV6_ECN 50
#define IPV6_PKTINFO_EX 51
#define IPV6_WFP_REDIRECT_RECORDS 60
#define IPV6_WFP_REDIRECT_CONTEXT 70
#define IPV6_MTU_DISCOVER 71
#define IPV6_MTU 72
#define IPV6_NRT_INTERFACE 74
#define IPV6_RECVERR 75
#define IPV6_USER_MTU 76

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

/* ---- More of the SDK's constants: values for code that names them. vigil speaks TCP and UDP
 * over IPv4; what it does not implement fails as Windows fails an unsupported one: socket()
 * with WSAEAFNOSUPPORT, WSAESOCKTNOSUPPORT or WSAEPROTONOSUPPORT, an option with
 * WSAENOPROTOOPT, a WSAIoctl code with WSAEINVAL. */
/* Address families (winsock2.h), and their PF_ twins. */
#define AF_12844 25
#define AF_APPLETALK 16
#define AF_ATM 22
#define AF_BAN 21
#define AF_BTH 32
#define AF_CCITT 10
#define AF_CHAOS 5
#define AF_CLUSTER 24
#define AF_DATAKIT 9
#define AF_DECnet 12
#define AF_DLI 13
#define AF_ECMA 8
#define AF_FIREFOX 19
#define AF_HYLINK 15
#define AF_ICLFXBM 31
#define AF_IMPLINK 3
#define AF_IPX AF_NS
#define AF_IRDA 26
#define AF_ISO 7
#define AF_LAT 14
#define AF_MAX 33
#define AF_NETBIOS 17
#define AF_NETDES 28
#define AF_NS 6
#define AF_OSI AF_ISO
#define AF_PUP 4
#define AF_SNA 11
#define AF_TCNMESSAGE 30
#define AF_TCNPROCESS 29
#define AF_UNIX 1
#define AF_UNKNOWN1 20
#define AF_VOICEVIEW 18
#define PF_APPLETALK AF_APPLETALK
#define PF_ATM AF_ATM
#define PF_BAN AF_BAN
#define PF_BTH AF_BTH
#define PF_CCITT AF_CCITT
#define PF_CHAOS AF_CHAOS
#define PF_DATAKIT AF_DATAKIT
#define PF_DECnet AF_DECnet
#define PF_DLI AF_DLI
#define PF_ECMA AF_ECMA
#define PF_FIREFOX AF_FIREFOX
#define PF_HYLINK AF_HYLINK
#define PF_IMPLINK AF_IMPLINK
#define PF_IPX AF_IPX
#define PF_ISO AF_ISO
#define PF_LAT AF_LAT
#define PF_MAX AF_MAX
#define PF_NS AF_NS
#define PF_OSI AF_OSI
#define PF_PUP AF_PUP
#define PF_SNA AF_SNA
#define PF_UNIX AF_UNIX
#define PF_UNKNOWN1 AF_UNKNOWN1
#define PF_VOICEVIEW AF_VOICEVIEW
/* Socket types. */
#define SOCK_RDM 4
#define SOCK_SEQPACKET 5
/* Protocol numbers (ws2def.h's IPPROTO). */
#define IPPROTO_AH 51
#define IPPROTO_CBT 7
#define IPPROTO_DSTOPTS 60
#define IPPROTO_EGP 8
#define IPPROTO_ESP 50
#define IPPROTO_FRAGMENT 44
#define IPPROTO_GGP 3
#define IPPROTO_HOPOPTS 0
#define IPPROTO_ICLFXBM 78
#define IPPROTO_ICMPV6 58
#define IPPROTO_IDP 22
#define IPPROTO_IGMP 2
#define IPPROTO_IGP 9
#define IPPROTO_IPV4 4
#define IPPROTO_IPV6 41
#define IPPROTO_L2TP 115
#define IPPROTO_MAX 256
#define IPPROTO_ND 77
#define IPPROTO_NONE 59
#define IPPROTO_PGM 113
#define IPPROTO_PIM 103
#define IPPROTO_PUP 12
#define IPPROTO_RAW 255
#define IPPROTO_RDP 27
#define IPPROTO_ROUTING 43
#define IPPROTO_SCTP 132
#define IPPROTO_ST 5
/* Classful address masks. */
#define IN_CLASSA_HOST 0x00ffffff
#define IN_CLASSA_MAX 128
#define IN_CLASSA_NET 0xff000000
#define IN_CLASSA_NSHIFT 24
#define IN_CLASSB_HOST 0x0000ffff
#define IN_CLASSB_MAX 65536
#define IN_CLASSB_NET 0xffff0000
#define IN_CLASSB_NSHIFT 16
#define IN_CLASSC_HOST 0x000000ff
#define IN_CLASSC_NET 0xffffff00
#define IN_CLASSC_NSHIFT 8
#define IN_CLASSD_HOST 0x0fffffff
#define IN_CLASSD_NET 0xf0000000
#define IN_CLASSD_NSHIFT 28
/* IPPROTO_IP options (ws2ipdef.h): setsockopt takes IP_TOS and IP_TTL only. */
#define IP_ADD_IFLIST 29
#define IP_ADD_MEMBERSHIP 12
#define IP_ADD_SOURCE_MEMBERSHIP 15
#define IP_BLOCK_SOURCE 17
#define IP_DEL_IFLIST 30
#define IP_DONTFRAGMENT 14
#define IP_DROP_MEMBERSHIP 13
#define IP_DROP_SOURCE_MEMBERSHIP 16
#define IP_ECN 50
#define IP_GET_IFLIST 33
#define IP_HDRINCL 2
#define IP_HOPLIMIT 21
#define IP_IFLIST 28
#define IP_MTU 73
#define IP_MTU_DISCOVER 71
#define IP_MULTICAST_IF 9
#define IP_MULTICAST_LOOP 11
#define IP_MULTICAST_TTL 10
#define IP_NRT_INTERFACE 74
#define IP_OPTIONS 1
#define IP_ORIGINAL_ARRIVAL_IF 47
#define IP_PKTINFO 19
#define IP_PKTINFO_EX 51
#define IP_RECEIVE_BROADCAST 22
#define IP_RECVDSTADDR 25
#define IP_RECVERR 75
#define IP_RECVIF 24
#define IP_RECVRTHDR 38
#define IP_RECVTCLASS 40
#define IP_RECVTOS 40
#define IP_RECVTTL 21
#define IP_RTHDR 32
#define IP_TCLASS 39
#define IP_UNBLOCK_SOURCE 18
#define IP_UNICAST_IF 31
#define IP_UNSPECIFIED_HOP_LIMIT -1
#define IP_UNSPECIFIED_TYPE_OF_SERVICE -1
#define IP_USER_MTU 76
#define IP_WFP_REDIRECT_CONTEXT 70
#define IP_WFP_REDIRECT_RECORDS 60
/* Socket options of Winsock 2 (group and QoS era). */
#define SO_GROUP_ID 0x2001
#define SO_GROUP_PRIORITY 0x2002
#define SO_MAX_MSG_SIZE 0x2003
/* TCP options (ws2tcpip.h). */
#define TCP_EXPEDITED_1122 0x0002
/* WSAIoctl codes (winsock2.h, mstcpip.h): vigil implements SIO_KEEPALIVE_VALS. */
#define SIO_ABSORB_RTRALERT _WSAIOW(IOC_VENDOR, 5)
#define SIO_ACQUIRE_PORT_RESERVATION _WSAIOW(IOC_VENDOR, 100)
#define SIO_APPLY_TRANSPORT_SETTING _WSAIOW(IOC_VENDOR, 19)
#define SIO_ASSOCIATE_PORT_RESERVATION _WSAIOW(IOC_VENDOR, 102)
#define SIO_INDEX_ADD_MCAST _WSAIOW(IOC_VENDOR, 10)
#define SIO_INDEX_BIND _WSAIOW(IOC_VENDOR, 8)
#define SIO_INDEX_DEL_MCAST _WSAIOW(IOC_VENDOR, 11)
#define SIO_INDEX_MCASTIF _WSAIOW(IOC_VENDOR, 9)
#define SIO_LIMIT_BROADCASTS _WSAIOW(IOC_VENDOR, 7)
#define SIO_LOOPBACK_FAST_PATH _WSAIOW(IOC_VENDOR, 16)
#define SIO_QUERY_TRANSPORT_SETTING _WSAIOW(IOC_VENDOR, 20)
#define SIO_RCVALL _WSAIOW(IOC_VENDOR, 1)
#define SIO_RCVALL_IF _WSAIOW(IOC_VENDOR, 14)
#define SIO_RCVALL_IGMPMCAST _WSAIOW(IOC_VENDOR, 3)
#define SIO_RCVALL_MCAST _WSAIOW(IOC_VENDOR, 2)
#define SIO_RCVALL_MCAST_IF _WSAIOW(IOC_VENDOR, 13)
#define SIO_RELEASE_PORT_RESERVATION _WSAIOW(IOC_VENDOR, 101)
#define SIO_TCP_INITIAL_RTO _WSAIOW(IOC_VENDOR, 17)
#define SIO_TCP_SET_ACK_FREQUENCY _WSAIOW(IOC_VENDOR, 23)
#define SIO_TCP_SET_ICW _WSAIOW(IOC_VENDOR, 22)
#define SIO_UCAST_IF _WSAIOW(IOC_VENDOR, 6)
#define SIO_ADDRESS_LIST_CHANGE _WSAIO(IOC_WS2, 23)
#define SIO_ADDRESS_LIST_QUERY _WSAIOR(IOC_WS2, 22)
#define SIO_ADDRESS_LIST_SORT _WSAIORW(IOC_WS2, 25)
#define SIO_ASSOCIATE_HANDLE _WSAIOW(IOC_WS2, 1)
#define SIO_ENABLE_CIRCULAR_QUEUEING _WSAIO(IOC_WS2, 2)
#define SIO_FIND_ROUTE _WSAIOR(IOC_WS2, 3)
#define SIO_FLUSH _WSAIO(IOC_WS2, 4)
#define SIO_GET_BROADCAST_ADDRESS _WSAIOR(IOC_WS2, 5)
#define SIO_GET_GROUP_QOS _WSAIORW(IOC_WS2, 8)
#define SIO_GET_QOS _WSAIORW(IOC_WS2, 7)
#define SIO_MULTICAST_SCOPE _WSAIOW(IOC_WS2, 10)
#define SIO_MULTIPOINT_LOOPBACK _WSAIOW(IOC_WS2, 9)
#define SIO_NSP_NOTIFY_CHANGE _WSAIOW(IOC_WS2, 25)
#define SIO_QUERY_TARGET_PNP_HANDLE _WSAIOR(IOC_WS2, 24)
#define SIO_RESERVED_1 _WSAIOW(IOC_WS2, 26)
#define SIO_RESERVED_2 _WSAIOW(IOC_WS2, 33)
#define SIO_ROUTING_INTERFACE_CHANGE _WSAIOW(IOC_WS2, 21)
#define SIO_ROUTING_INTERFACE_QUERY _WSAIORW(IOC_WS2, 20)
#define SIO_SET_GROUP_QOS _WSAIOW(IOC_WS2, 12)
#define SIO_SET_QOS _WSAIOW(IOC_WS2, 11)
#define SIO_TRANSLATE_HANDLE _WSAIORW(IOC_WS2, 13)

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
#define WSAEINVALIDPROCTABLE 10104
#define WSAEINVALIDPROVIDER 10105
#define WSAEPROVIDERFAILEDINIT 10106
#define WSASYSCALLFAILURE 10107
#define WSASERVICE_NOT_FOUND 10108
#define WSATYPE_NOT_FOUND 10109
#define WSA_E_NO_MORE 10110
#define WSA_E_CANCELLED 10111
#define WSAEREFUSED 10112
/* Name resolution (gethostbyname, getaddrinfo): h_errno's values, offset by 11000. */
#define WSAHOST_NOT_FOUND 11001
#define WSATRY_AGAIN 11002
#define WSANO_RECOVERY 11003
#define WSANO_DATA 11004
#define WSANO_ADDRESS WSANO_DATA
/* Quality of service (qos.h's RSVP): never reported by vigil, defined for code that names them. */
#define WSA_QOS_RECEIVERS 11005
#define WSA_QOS_SENDERS 11006
#define WSA_QOS_NO_SENDERS 11007
#define WSA_QOS_NO_RECEIVERS 11008
#define WSA_QOS_REQUEST_CONFIRMED 11009
#define WSA_QOS_ADMISSION_FAILURE 11010
#define WSA_QOS_POLICY_FAILURE 11011
#define WSA_QOS_BAD_STYLE 11012
#define WSA_QOS_BAD_OBJECT 11013
#define WSA_QOS_TRAFFIC_CTRL_ERROR 11014
#define WSA_QOS_GENERIC_ERROR 11015
#define WSA_QOS_ESERVICETYPE 11016
#define WSA_QOS_EFLOWSPEC 11017
#define WSA_QOS_EPROVSPECBUF 11018
#define WSA_QOS_EFILTERSTYLE 11019
#define WSA_QOS_EFILTERTYPE 11020
#define WSA_QOS_EFILTERCOUNT 11021
#define WSA_QOS_EOBJLENGTH 11022
#define WSA_QOS_EFLOWCOUNT 11023
#define WSA_QOS_EUNKNOWNPSOBJ 11024
#define WSA_QOS_EPOLICYOBJ 11025
#define WSA_QOS_EFLOWDESC 11026
#define WSA_QOS_EPSFLOWSPEC 11027
#define WSA_QOS_EPSFILTERSPEC 11028
#define WSA_QOS_ESDMODEOBJ 11029
#define WSA_QOS_ESHAPERATEOBJ 11030
#define WSA_QOS_RESERVED_PETYPE 11031

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

#ifndef GUID_DEFINED
#define GUID_DEFINED
typedef struct vg_guid GUID;
#endif
#define MAX_PROTOCOL_CHAIN VG_MAX_PROTOCOL_CHAIN
#define BASE_PROTOCOL 1
#define LAYERED_PROTOCOL 0
#define WSAPROTOCOL_LEN VG_WSAPROTOCOL_LEN
typedef struct vg_wsaprotocolchain WSAPROTOCOLCHAIN, *LPWSAPROTOCOLCHAIN;
typedef struct vg_wsaprotocol_infoa WSAPROTOCOL_INFOA, *LPWSAPROTOCOL_INFOA;
typedef struct vg_wsaprotocol_infow WSAPROTOCOL_INFOW, *LPWSAPROTOCOL_INFOW;
typedef WSAPROTOCOL_INFOA WSAPROTOCOL_INFO;
typedef LPWSAPROTOCOL_INFOA LPWSAPROTOCOL_INFO;

/* ==== [resolver] name resolution: getaddrinfo, getnameinfo, gethostbyname, the hosts file and the DNS stub resolver ==== */
/* glibc's <unistd.h> declares gethostname(char *, size_t): read it before the macro below
 * renames the name, so its declaration keeps glibc's own function. */
#include <unistd.h>
/* Windows' socklen_t is int; glibc's (from <unistd.h>, just read) is unsigned. The macro gives
 * the program Windows' type, glibc's declarations keep their own. */
typedef int vg_socklen_t;
#define socklen_t vg_socklen_t
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
/* WSAAsyncSelect (window messages) does not exist here: there are no windows. */
#define FD_READ_BIT 0
#define FD_READ (1 << FD_READ_BIT)
#define FD_WRITE_BIT 1
#define FD_WRITE (1 << FD_WRITE_BIT)
#define FD_OOB_BIT 2
#define FD_OOB (1 << FD_OOB_BIT)
#define FD_ACCEPT_BIT 3
#define FD_ACCEPT (1 << FD_ACCEPT_BIT)
#define FD_CONNECT_BIT 4
#define FD_CONNECT (1 << FD_CONNECT_BIT)
#define FD_CLOSE_BIT 5
#define FD_CLOSE (1 << FD_CLOSE_BIT)
#define FD_QOS_BIT 6
#define FD_QOS (1 << FD_QOS_BIT)
#define FD_GROUP_QOS_BIT 7
#define FD_GROUP_QOS (1 << FD_GROUP_QOS_BIT)
#define FD_ROUTING_INTERFACE_CHANGE_BIT 8
#define FD_ROUTING_INTERFACE_CHANGE (1 << FD_ROUTING_INTERFACE_CHANGE_BIT)
#define FD_ADDRESS_LIST_CHANGE_BIT 9
#define FD_ADDRESS_LIST_CHANGE (1 << FD_ADDRESS_LIST_CHANGE_BIT)
#define FD_MAX_EVENTS VG_FD_MAX_EVENTS
#define FD_ALL_EVENTS ((1 << FD_MAX_EVENTS) - 1)
typedef struct vg_wsanetworkevents WSANETWORKEVENTS, *LPWSANETWORKEVENTS;
#define WSA_MAXIMUM_WAIT_EVENTS 64
#define WSA_WAIT_FAILED ((DWORD)0xFFFFFFFF)
#define WSA_WAIT_EVENT_0 ((DWORD)0)
#define WSA_WAIT_IO_COMPLETION ((DWORD)0xC0)
#define WSA_WAIT_TIMEOUT ((DWORD)0x102)
#define WSA_INFINITE ((DWORD)0xFFFFFFFF)
#define WSAEventSelect vg_ws_event_select
#define WSAEnumNetworkEvents vg_ws_enum_network_events
#define WSAWaitForMultipleEvents vg_ws_wait_for_multiple_events
/* ==== end [eventselect] ==== */

/* ==== [overlapped] scatter/gather and overlapped I/O: WSASocket, WSASend, WSARecv, ..., completion routines, SleepEx ==== */
typedef struct vg_wsabuf WSABUF, *LPWSABUF;
typedef unsigned int GROUP;
#define WSA_FLAG_OVERLAPPED 0x01
#define MSG_PARTIAL 0x8000
#define WSASocket vg_ws_wsasocket
#define WSASocketA vg_ws_wsasocket
#define WSASocketW vg_ws_wsasocketw
#define WSASend vg_ws_wsasend
#define WSARecv vg_ws_wsarecv
#define WSASendTo vg_ws_wsasendto
#define WSARecvFrom vg_ws_wsarecvfrom
#define WSAGetOverlappedResult vg_ws_get_overlapped_result
#define SleepEx vg_ws_sleep_ex
/* ==== end [overlapped] ==== */

/* ==== [iocp] I/O completion ports and the extension functions: CreateIoCompletionPort, ..., AcceptEx, ConnectEx ==== */
typedef uintptr_t ULONG_PTR, *PULONG_PTR;
typedef void *PVOID;
typedef struct vg_wsaoverlapped OVERLAPPED, *LPOVERLAPPED;
typedef struct vg_overlapped_entry OVERLAPPED_ENTRY, *LPOVERLAPPED_ENTRY;
#ifndef INVALID_HANDLE_VALUE
#define INVALID_HANDLE_VALUE VG_INVALID_HANDLE_VALUE
#endif
#define CreateIoCompletionPort vg_ws_create_io_completion_port
#define GetQueuedCompletionStatus vg_ws_get_queued_completion_status
#define GetQueuedCompletionStatusEx vg_ws_get_queued_completion_status_ex
#define PostQueuedCompletionStatus vg_ws_post_queued_completion_status
#define CloseHandle vg_ws_close_handle
#define SIO_GET_EXTENSION_FUNCTION_POINTER _WSAIORW(IOC_WS2, 6)
#define SO_UPDATE_ACCEPT_CONTEXT 0x700B
#define SO_UPDATE_CONNECT_CONTEXT 0x7010
#define WSAID_ACCEPTEX {0xb5367df1, 0xcbac, 0x11cf, {0x95, 0xca, 0x00, 0x80, 0x5f, 0x48, 0xa1, 0x92}}
#define WSAID_GETACCEPTEXSOCKADDRS {0xb5367df2, 0xcbac, 0x11cf, {0x95, 0xca, 0x00, 0x80, 0x5f, 0x48, 0xa1, 0x92}}
#define WSAID_CONNECTEX {0x25a207b9, 0xddf3, 0x4660, {0x8e, 0xe9, 0x76, 0xe5, 0x8c, 0x74, 0x06, 0x3e}}
typedef BOOL (PASCAL *LPFN_ACCEPTEX)(SOCKET sListenSocket, SOCKET sAcceptSocket, PVOID lpOutputBuffer,
                                     DWORD dwReceiveDataLength, DWORD dwLocalAddressLength,
                                     DWORD dwRemoteAddressLength, LPDWORD lpdwBytesReceived,
                                     LPOVERLAPPED lpOverlapped);
typedef void (PASCAL *LPFN_GETACCEPTEXSOCKADDRS)(PVOID lpOutputBuffer, DWORD dwReceiveDataLength,
                                                 DWORD dwLocalAddressLength,
                                                 DWORD dwRemoteAddressLength,
                                                 struct sockaddr **LocalSockaddr,
                                                 LPINT LocalSockaddrLength,
                                                 struct sockaddr **RemoteSockaddr,
                                                 LPINT RemoteSockaddrLength);
typedef BOOL (PASCAL *LPFN_CONNECTEX)(SOCKET s, const struct sockaddr *name, int namelen,
                                      PVOID lpSendBuffer, DWORD dwSendDataLength,
                                      LPDWORD lpdwBytesSent, LPOVERLAPPED lpOverlapped);
#define AcceptEx vg_ws_accept_ex
#define GetAcceptExSockaddrs vg_ws_get_accept_ex_sockaddrs
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
