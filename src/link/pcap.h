/* A capture writer that Wireshark and tshark read: pcapng (one section, one interface of
 * LINKTYPE_RAW, raw IP, either family), microsecond timestamps taken from the caller (virtual or real), and an
 * optional comment on any packet (the simulator says there why it dropped one). */
#ifndef VG_PCAP_H
#define VG_PCAP_H

#include <stddef.h>
#include <stdint.h>

struct vg_pcap;
/* Opens path for writing; NULL with errno set on failure. */
struct vg_pcap *vg_pcap_open(const char *path);
/* Appends one IPv4 packet captured at t_us (µs since the epoch of the capture's choosing). */
int vg_pcap_write(struct vg_pcap *p, uint64_t t_us, const uint8_t *pkt, size_t len);
/* The same with a packet comment (opt_comment, Wireshark's frame.comment); NULL or "" for none. */
int vg_pcap_write_comment(struct vg_pcap *p, uint64_t t_us, const uint8_t *pkt, size_t len,
                          const char *comment);
uint64_t vg_pcap_count(const struct vg_pcap *p);
uint64_t vg_pcap_commented(const struct vg_pcap *p);   /* packets written with a comment */
int vg_pcap_close(struct vg_pcap *p);     /* flushes; 0 or -1 */

#endif
