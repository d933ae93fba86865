/* <winsock2.h> for programs written for Windows: cc $(pkg-config --cflags vigil-win) puts this
 * folder on the include path, so their "#include <winsock2.h>" compiles unchanged.
 *
 * Windows' winsock2.h: the calls, fd_set, WSADATA, the WSAE* errors. Like every header here it
 * brings all of <vigil/winsock2.h>, where every Winsock name lives: a name is never missing for
 * being looked up in the "wrong" one, and none differs from the SDK (tests/test_win_headers.sh). */
#ifndef VIGIL_WIN_WINSOCK2_H
#define VIGIL_WIN_WINSOCK2_H
#include "vigil/winsock2.h"
#endif
