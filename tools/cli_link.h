/* What the CLI says about its TUN device: at start, what the device does for the stack (its
 * virtio header, offloads and transmit queue, with a note on stderr for anything the kernel
 * refused; a "link" event with --verbose), and a "link_stats" event with the device's counters,
 * above all device_tx_dropped: packets the kernel dropped on their way to vigil because the
 * device's queue was full. It comes when the command ends and with every --status table. */
#ifndef VG_CLI_LINK_H
#define VG_CLI_LINK_H

#include <stdint.h>

#include "cli_events.h"

struct vg_tun;
struct vg_rtloop;

struct cli_link {
    struct vg_tun *tun;
    struct vg_rtloop *loop;
    const char *prog;             /* "vigil serve", for the notes */
    uint64_t dropped_at_open;     /* the interface's tx_dropped when we attached */
    int dropped_known;
};

/* txqueuelen 0: at least VG_TUN_TXQUEUELEN_DEFAULT; else exactly that. offload 0 turns the
 * device's offloads off. Prints notes on stderr; never fails. */
void cli_link_open(struct cli_link *lk, const char *prog, struct vg_tun *tun,
                   struct vg_rtloop *loop, uint64_t txqueuelen, int offload);
void cli_link_describe(const struct cli_link *lk, struct cli_events *e, vg_time now,
                       const char *host);
void cli_link_report(const struct cli_link *lk, struct cli_events *e, vg_time now,
                     const char *host);

#endif
