/* VG_API marks what libvigil.so exports. The library is compiled with -fvisibility=hidden, so
 * the stack's internal functions (tcp_output, tcb_alloc, ws_* ...) stay private to it and cannot
 * collide with another stack's names (Debian's liblwip.so exports tcp_output too); only the
 * declarations carrying this mark are the ABI. */
#ifndef VIGIL_VG_API_H
#define VIGIL_VG_API_H

#if defined(__GNUC__) || defined(__clang__)
#define VG_API __attribute__((visibility("default")))
#else
#define VG_API
#endif

#endif
