/* <windows.h> for programs written for Windows: cc $(pkg-config --cflags vigil-win) puts this
 * folder on the include path, so their "#include <windows.h>" compiles unchanged. */
#ifndef VIGIL_WIN_WINDOWS_H
#define VIGIL_WIN_WINDOWS_H
#include "vigil/winsock2.h"
#endif
