/* What a packet on a simulated wire was, told from the wire alone the way Wireshark tells a
 * keep-alive: a probe is one behind the next sequence number of its direction, at most one
 * octet, ACK without SYN, FIN or RST, and does not move that number. The caller keeps one
 * tracker per direction (the scenario engine: two; the scenario-file runner: one per flow). */
#ifndef VG_SIM_SEG_TRACK_H
#define VG_SIM_SEG_TRACK_H

#include <stddef.h>
#include <stdint.h>

#include "sim/scenario.h"

struct vg_scn_seq {
    uint32_t next;       /* the direction's next sequence number */
    int known;           /* 0 until a segment of the direction has been seen */
};

/* The addresses and ports of a TCP segment of either family (host order): 0, or -1 if pkt is
 * none. An IPv6 address is given as a 32-bit key standing for it (its four words XORed), which
 * tells apart the few hosts of a simulated network. */
struct vg_scn_seg_id {
    uint32_t saddr, daddr;
    uint16_t sport, dport;
};
int vg_scn_seg_id(const uint8_t *pkt, size_t len, struct vg_scn_seg_id *id);
/* The TCP segment of pkt (IPv4 or IPv6), its id and the length of its data; NULL if none. */
const uint8_t *vg_scn_tcp(const uint8_t *pkt, size_t len, struct vg_scn_seg_id *id,
                          uint32_t *dlen);

/* Classifies pkt against its direction's tracker and moves the tracker on: a SYN or a segment
 * past the next sequence number sets it; a probe, an RST or a non-TCP packet (OTHER) leaves it. */
enum vg_scn_segment vg_scn_classify(const uint8_t *pkt, size_t len, struct vg_scn_seq *dir);

#endif
