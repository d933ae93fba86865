/* <ws2tcpip.h> for programs written for Windows: cc $(pkg-config --cflags vigil-win) puts this
 * folder on the include path, so their "#include <ws2tcpip.h>" compiles unchanged.
 *
 * Windows' ws2tcpip.h: name lookup (getaddrinfo ...), inet_pton/inet_ntop, the IP options. Like
 * every header here it brings all of <vigil/winsock2.h>, where every Winsock name lives: a name
 * is never missing for being looked up in the "wrong" one, and none differs from the SDK
 * (tests/test_win_headers.sh). */
#ifndef VIGIL_WIN_WS2TCPIP_H
#define VIGIL_WIN_WS2TCPIP_H
#include "vigil/winsock2.h"
#endif
