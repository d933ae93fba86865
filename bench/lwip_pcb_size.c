/* lwIP's per-connection control block size, from Debian's liblwip-dev headers. A translation
 * unit of its own: lwIP's tcp.h declares names (tcp_output, ...) that vigil's internal headers
 * also use. Only compiled into bench_keepalive when the headers exist (bench/CMakeLists.txt). */
#define _GNU_SOURCE   /* lwIP's arch.h takes ssize_t from unistd.h only when SSIZE_MAX is known */
#include <stddef.h>
#include "lwip/tcp.h"

size_t vg_bench_lwip_tcp_pcb_size(void);

size_t vg_bench_lwip_tcp_pcb_size(void)
{
    return sizeof(struct tcp_pcb);
}
