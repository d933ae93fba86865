/* <ws2tcpip.h> for programs written for Windows: cc $(pkg-config --cflags vigil-win) puts this
 * folder on the include path, so their "#include <ws2tcpip.h>" compiles unchanged. */
#ifndef VIGIL_WIN_WS2TCPIP_H
#define VIGIL_WIN_WS2TCPIP_H
#include "vigil/winsock2.h"
#endif
