/* <mstcpip.h> for programs written for Windows: cc $(pkg-config --cflags vigil-win) puts this
 * folder on the include path, so their "#include <mstcpip.h>" compiles unchanged.
 *
 * Windows' mstcpip.h: SIO_KEEPALIVE_VALS and struct tcp_keepalive. Like every header here it
 * brings all of <vigil/winsock2.h>, where every Winsock name lives: a name is never missing for
 * being looked up in the "wrong" one, and none differs from the SDK (tests/test_win_headers.sh). */
#ifndef VIGIL_WIN_MSTCPIP_H
#define VIGIL_WIN_MSTCPIP_H
#include "vigil/winsock2.h"
#endif
