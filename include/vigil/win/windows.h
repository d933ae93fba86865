/* <windows.h> for programs written for Windows: cc $(pkg-config --cflags vigil-win) puts this
 * folder on the include path, so their "#include <windows.h>" compiles unchanged.
 *
 * Only what a Winsock program takes from <windows.h>: the base types (which <winsock2.h> also
 * needs, so they live there), the memory macros, the wait results, Sleep, and the last-error
 * calls. Nothing here pretends to be more of Win32: no CreateFile, no threads, no GUI. As on
 * Windows without WIN32_LEAN_AND_MEAN, including it also gives the Winsock names. A name a
 * Winsock section (or the program) defined first is left as it is. */
#ifndef VIGIL_WIN_WINDOWS_H
#define VIGIL_WIN_WINDOWS_H

#include <string.h>

#include "vigil/winsock2.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef ZeroMemory
#define ZeroMemory(dst, len) ((void)memset((dst), 0, (len)))
#endif
#ifndef FillMemory
#define FillMemory(dst, len, fill) ((void)memset((dst), (fill), (len)))
#endif
#ifndef CopyMemory
#define CopyMemory(dst, src, len) ((void)memcpy((dst), (src), (len)))
#endif
#ifndef MoveMemory
#define MoveMemory(dst, src, len) ((void)memmove((dst), (src), (len)))
#endif
/* Clears through a volatile pointer, so that a compiler may not drop it as a dead store (the
 * point of SecureZeroMemory: wiping a secret before the memory is freed). */
static inline void *vg_win_secure_zero_(void *dst, size_t len)
{
    volatile unsigned char *p = (volatile unsigned char *)dst;
    while (len--)
        *p++ = 0;
    return dst;
}
#ifndef SecureZeroMemory
#define SecureZeroMemory(dst, len) vg_win_secure_zero_((dst), (len))
#endif

#ifndef LOWORD
#define LOWORD(l) ((WORD)(((DWORD_PTR)(l)) & 0xffff))
#endif
#ifndef HIWORD
#define HIWORD(l) ((WORD)((((DWORD_PTR)(l)) >> 16) & 0xffff))
#endif

#ifndef INFINITE
#define INFINITE 0xFFFFFFFF
#endif
#ifndef WAIT_OBJECT_0
#define WAIT_OBJECT_0 0x00000000L
#endif
#ifndef WAIT_ABANDONED
#define WAIT_ABANDONED 0x00000080L
#endif
#ifndef WAIT_ABANDONED_0
#define WAIT_ABANDONED_0 0x00000080L
#endif
#ifndef WAIT_IO_COMPLETION
#define WAIT_IO_COMPLETION 0x000000C0L
#endif
#ifndef WAIT_TIMEOUT
#define WAIT_TIMEOUT 258L
#endif
#ifndef WAIT_FAILED
#define WAIT_FAILED ((DWORD)0xFFFFFFFF)
#endif
#ifndef INVALID_HANDLE_VALUE
#define INVALID_HANDLE_VALUE ((HANDLE)(LONG_PTR)-1)
#endif

/* Windows keeps one last-error value per thread, which WSAGetLastError reads: GetLastError
 * after a failed Winsock call is its WSAE* code, and SetLastError is what WSASetLastError
 * sets. */
static inline DWORD vg_win_get_last_error_(void) { return (DWORD)vg_ws_get_last_error(); }
static inline void vg_win_set_last_error_(DWORD err) { vg_ws_set_last_error((int)err); }
#ifndef GetLastError
#define GetLastError vg_win_get_last_error_
#endif
#ifndef SetLastError
#define SetLastError vg_win_set_last_error_
#endif

#ifdef __cplusplus
}
#endif
#endif
