/* A pcap writer that Wireshark and tshark read: classic libpcap format, LINKTYPE_RAW (raw IPv4),
 * microsecond timestamps taken from the caller (virtual or real). */
#ifndef VG_PCAP_H
#define VG_PCAP_H

#include <stddef.h>
#include <stdint.h>

struct vg_pcap;
/* Opens path for writing; NULL with errno set on failure. */
struct vg_pcap *vg_pcap_open(const char *path);
/* Appends one IPv4 packet captured at t_us (µs since the epoch of the capture's choosing). */
int vg_pcap_write(struct vg_pcap *p, uint64_t t_us, const uint8_t *pkt, size_t len);
uint64_t vg_pcap_count(const struct vg_pcap *p);
int vg_pcap_close(struct vg_pcap *p);     /* flushes; 0 or -1 */

#endif
