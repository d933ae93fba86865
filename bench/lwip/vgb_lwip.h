/* lwIP as a benchmark peer: one NO_SYS=1 stack with two netifs joined by an in-memory link
 * (192.0.2.1 on one, 192.0.2.2 on the other), in virtual time. The interface names no lwIP type,
 * so bench programs that include vigil's headers can call it (lwIP's names clash with vigil's). */
#ifndef VGB_LWIP_H
#define VGB_LWIP_H
#include <stddef.h>
#include <stdint.h>

int vgb_lwip_init(void);                 /* once per process; 0 or -1 */
/* One connection from netif A to netif B carrying total bytes; 0, or -1 if it stalled. */
int vgb_lwip_bulk(uint64_t total);
/* n sequential connections: connect, one byte each way, close by the client; returns how many
 * completed. Call it again for more: the listener and the TIME_WAITs carry over. */
long vgb_lwip_connect_close(long n);

/* n idle connections, keep-alive on the client side every ka_ms after ka_ms idle. */
int vgb_lwip_idle_open(long n, unsigned ka_ms);
/* Bytes lwIP's pools and heap hold now (its own statistics). */
size_t vgb_lwip_mem_in_use(void);
/* Runs ms of virtual time; probes: frames the clients' netif sent (probes), answers: frames the
 * other netif sent back. */
void vgb_lwip_idle_run(unsigned ms, uint64_t *probes, uint64_t *answers);
long vgb_lwip_idle_alive(void);          /* client connections still established */
void vgb_lwip_idle_close(void);
#endif
