/* <ws2def.h> for programs written for Windows: cc $(pkg-config --cflags vigil-win) puts this
 * folder on the include path, so their "#include <ws2def.h>" compiles unchanged.
 *
 * Windows' ws2def.h: sockaddr, the AF_*, SOCK_* and IPPROTO_* values, WSABUF, addrinfo's flags.
 * Like every header here it brings all of <vigil/winsock2.h>, where every Winsock name lives: a
 * name is never missing for being looked up in the "wrong" one, and none differs from the SDK
 * (tests/test_win_headers.sh). */
#ifndef VIGIL_WIN_WS2DEF_H
#define VIGIL_WIN_WS2DEF_H
#include "vigil/winsock2.h"
#endif
