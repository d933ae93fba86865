/* The Linux TUN link (IFF_TUN | IFF_NO_PI): raw IPv4 datagrams to and from the kernel. The device
 * is the wire; the stack behind it answers as its own address on the device's subnet. */
#ifndef VG_TUN_H
#define VG_TUN_H

#include <stddef.h>
#include <stdint.h>

struct vg_tun;

/* "tun:IFNAME:ADDR/PREFIX" -> ifname, addr (host order), prefix. 0, or -1 with a reason in err. */
int vg_net_spec_parse_tun(const char *spec, char ifname[16], uint32_t *addr, uint8_t *prefix,
                          char *err, size_t errlen);
/* Whether a network interface of that name exists in this network namespace (of any kind). */
int vg_tun_exists(const char *ifname);
/* Opens the TUN device ifname, non-blocking. It attaches to an existing device and never makes
 * one unless create is nonzero: then a missing device is created, and vanishes again when it is
 * closed (it is not made persistent). NULL on failure with a sentence in err saying what went
 * wrong and what to do (no such device, no /dev/net/tun, no permission, busy, not a TUN). */
struct vg_tun *vg_tun_open(const char *ifname, int create, char *err, size_t errlen);
int vg_tun_fd(const struct vg_tun *t);
/* One datagram into buf: its length, 0 if none is waiting, -1 when the device is gone. */
long vg_tun_read(struct vg_tun *t, uint8_t *buf, size_t cap);
/* 0, or -1 when the device is gone (the link is down: WSAENETDOWN). */
int vg_tun_write(struct vg_tun *t, const uint8_t *pkt, size_t len);
/* Whether the interface still exists and is up. */
int vg_tun_link_up(struct vg_tun *t);
void vg_tun_close(struct vg_tun *t);

#endif
