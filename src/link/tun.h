/* The Linux TUN link (IFF_TUN | IFF_NO_PI, and IFF_VNET_HDR where the kernel has it): IPv4
 * datagrams to and from the kernel, each behind a virtio-net header (link/vnet.h) when the device
 * has one. The device is the wire; the stack behind it answers as its own address on the device's
 * subnet. */
#ifndef VG_TUN_H
#define VG_TUN_H

#include <stddef.h>
#include <stdint.h>

struct vg_tun;

/* The transmit queue length vigil gives its device when it is shorter (the kernel's default is
 * 500 packets): the kernel -> vigil direction holds that many packets while vigil is busy. A
 * lockstep keep-alive burst from N connections is N packets at once, so this absorbs the bursts
 * of 32768 connections even if vigil read nothing meanwhile; an empty slot costs the kernel one
 * pointer. */
#define VG_TUN_TXQUEUELEN_DEFAULT 32768u

/* What went through the device file (frames: one read or write each). */
struct vg_tun_stats {
    uint64_t rx_frames;
    uint64_t tx_frames;
    uint64_t tx_refused;        /* writes the kernel refused (a full queue, a bad header) */
};

/* "tun:IFNAME:ADDR/PREFIX" -> ifname, addr (host order), prefix. 0, or -1 with a reason in err.
 * An IPv6 part is refused here (vg_net_spec_parse takes it). */
int vg_net_spec_parse_tun(const char *spec, char ifname[16], uint32_t *addr, uint8_t *prefix,
                          char *err, size_t errlen);
/* "tun:IFNAME:ADDR/PREFIX", "tun:IFNAME:ADDR6/PREFIX6" or both, comma-separated
 * ("tun:vg0:192.0.2.2/24,2001:db8::2/64"): the interface, an IPv4 address (0 without one) and
 * an IPv6 one. 0, or -1 with a reason in err. */
struct vg_net_spec {
    char ifname[16];
    uint32_t addr;            /* host order, 0: none */
    uint8_t prefix;
    uint8_t has_addr6;
    uint8_t addr6[16];
    uint8_t prefix6;
};
int vg_net_spec_parse(const char *spec, struct vg_net_spec *out, char *err, size_t errlen);
/* Whether a network interface of that name exists in this network namespace (of any kind). */
int vg_tun_exists(const char *ifname);
/* Opens the TUN device ifname, non-blocking. It attaches to an existing device and never makes
 * one unless create is nonzero: then a missing device is created, and vanishes again when it is
 * closed (it is not made persistent). NULL on failure with a sentence in err saying what went
 * wrong and what to do (no such device, no /dev/net/tun, no permission, busy, not a TUN). */
struct vg_tun *vg_tun_open(const char *ifname, int create, char *err, size_t errlen);
int vg_tun_fd(const struct vg_tun *t);
/* What each read and write carries before the datagram: VG_VNET_HDR_LEN octets of virtio-net
 * header, or 0 where the kernel refused IFF_VNET_HDR. */
size_t vg_tun_header_len(const struct vg_tun *t);
/* The offloads (enum vg_offload) the device does for us; vg_tun_open asks for TX_CSUM and TSO.
 * vg_tun_set_offloads asks again for want (0: none) and returns what the kernel took. */
unsigned vg_tun_offloads(const struct vg_tun *t);
unsigned vg_tun_set_offloads(struct vg_tun *t, unsigned want);
/* Why the device runs without its header or some offload, for a note; "" when it does not. */
const char *vg_tun_note(const struct vg_tun *t);
const struct vg_tun_stats *vg_tun_stats(const struct vg_tun *t);
/* One frame (header and datagram) into buf: its length, 0 if none is waiting, -1 when the
 * device is gone. */
long vg_tun_read(struct vg_tun *t, uint8_t *buf, size_t cap);
/* One frame (header and datagram). 0, or -1 when the device is gone (the link is down:
 * WSAENETDOWN). */
int vg_tun_write(struct vg_tun *t, const uint8_t *pkt, size_t len);
/* The device's transmit queue length (packets the kernel holds for us), or -1. */
long vg_tun_txqueuelen(const struct vg_tun *t);
/* Makes the queue hold want packets: exactly want when exact, else at least want (a longer
 * queue is left alone). 0, or -1 with a sentence in note naming the `ip link` command that
 * does it (resizing needs CAP_NET_ADMIN). */
int vg_tun_size_queue(struct vg_tun *t, unsigned want, int exact, char *note, size_t notelen);
/* The interface's tx_dropped counter (packets the kernel could not queue for us: the queue was
 * full), read from /proc/self/net/dev. 0, or -1 if it cannot be read. */
int vg_tun_tx_dropped(const struct vg_tun *t, uint64_t *dropped);
/* Whether the interface still exists and is up. */
int vg_tun_link_up(struct vg_tun *t);
void vg_tun_close(struct vg_tun *t);

#endif
