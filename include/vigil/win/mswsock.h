/* <mswsock.h> for programs written for Windows: cc $(pkg-config --cflags vigil-win) puts this
 * folder on the include path, so their "#include <mswsock.h>" compiles unchanged. */
#ifndef VIGIL_WIN_MSWSOCK_H
#define VIGIL_WIN_MSWSOCK_H
#include "vigil/winsock2.h"
#endif
