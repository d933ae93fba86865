/* <mswsock.h> for programs written for Windows: cc $(pkg-config --cflags vigil-win) puts this
 * folder on the include path, so their "#include <mswsock.h>" compiles unchanged.
 *
 * Windows' mswsock.h: AcceptEx, ConnectEx, GetAcceptExSockaddrs, SO_UPDATE_ACCEPT_CONTEXT,
 * WSAID_*. Like every header here it brings all of <vigil/winsock2.h>, where every Winsock name
 * lives: a name is never missing for being looked up in the "wrong" one, and none differs from
 * the SDK (tests/test_win_headers.sh). */
#ifndef VIGIL_WIN_MSWSOCK_H
#define VIGIL_WIN_MSWSOCK_H
#include "vigil/winsock2.h"
#endif
