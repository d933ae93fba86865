/* The route hook named in lwipopts.h (defined in peer_link.c). */
#ifndef VGB_LWIP_HOOKS_H
#define VGB_LWIP_HOOKS_H
struct netif;
struct netif *vgb_lwip_route(const ip4_addr_t *src, const ip4_addr_t *dest);
#endif
