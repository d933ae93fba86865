/* lwIP's architecture glue for the benchmarks: a little-endian Linux host, libc for the rest. */
#ifndef VGB_LWIP_ARCH_CC_H
#define VGB_LWIP_ARCH_CC_H
#include <stdio.h>
#include <stdlib.h>

#define LWIP_PLATFORM_DIAG(x) do { printf x; } while (0)
#define LWIP_PLATFORM_ASSERT(x) do { fprintf(stderr, "lwIP assertion: %s (%s:%d)\n", x, __FILE__, __LINE__); abort(); } while (0)
#define LWIP_RAND() ((u32_t)random())
#define LWIP_NO_CTYPE_H 0
#endif
