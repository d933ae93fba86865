/* <winsock2.h> for programs written for Windows: cc $(pkg-config --cflags vigil-win) puts this
 * folder on the include path, so their "#include <winsock2.h>" compiles unchanged. */
#ifndef VIGIL_WIN_WINSOCK2_H
#define VIGIL_WIN_WINSOCK2_H
#include "vigil/winsock2.h"
#endif
