/* The CLI's account of its TUN device (see cli_link.h). */
#include "cli_link.h"

#include <stdio.h>
#include <string.h>

#include "link/rtloop.h"
#include "link/tun.h"

void cli_link_open(struct cli_link *lk, const char *prog, struct vg_tun *tun,
                   struct vg_rtloop *loop, uint64_t txqueuelen, int offload)
{
    memset(lk, 0, sizeof *lk);
    lk->tun = tun;
    lk->loop = loop;
    lk->prog = prog;
    if (!offload)
        vg_rtloop_set_offloads(loop, 0);
    else if (*vg_tun_note(tun))
        fprintf(stderr, "%s: note: %s\n", prog, vg_tun_note(tun));
    char note[256];
    unsigned want = txqueuelen ? (unsigned)txqueuelen : VG_TUN_TXQUEUELEN_DEFAULT;
    if (vg_tun_size_queue(tun, want, txqueuelen != 0, note, sizeof note) != 0)
        fprintf(stderr, "%s: warning: %s\n", prog, note);
    lk->dropped_known = vg_tun_tx_dropped(tun, &lk->dropped_at_open) == 0;
}

static const char *offload_name(unsigned o)
{
    if ((o & VG_OFFLOAD_TSO) && (o & VG_OFFLOAD_TX_CSUM))
        return "csum,tso";
    if (o & VG_OFFLOAD_TX_CSUM)
        return "csum";
    return "none";
}

void cli_link_describe(const struct cli_link *lk, struct cli_events *e, vg_time now,
                       const char *host)
{
    long q = vg_tun_txqueuelen(lk->tun);
    const char *note = vg_tun_note(lk->tun);
    struct cli_field f[] = {
        CLI_BOOL("vnet_header", vg_tun_header_len(lk->tun) != 0),
        CLI_STR("offloads", offload_name(vg_tun_offloads(lk->tun))),
        q < 0 ? CLI_NULL("txqueuelen") : CLI_UINT("txqueuelen", (uint64_t)q),
        *note ? CLI_STR("note", note) : CLI_NULL("note"),
    };
    cli_events_emit(e, now, host, "link", f, sizeof f / sizeof f[0]);
}

void cli_link_report(const struct cli_link *lk, struct cli_events *e, vg_time now,
                     const char *host)
{
    if (!lk->tun)
        return;
    uint64_t dropped = 0;
    int known = lk->dropped_known && vg_tun_tx_dropped(lk->tun, &dropped) == 0;
    long q = vg_tun_txqueuelen(lk->tun);
    const struct vg_tun_stats *ts = vg_tun_stats(lk->tun);
    const struct vg_rtloop_stats *ls = vg_rtloop_stats(lk->loop);
    struct cli_field f[] = {
        known ? CLI_UINT("device_tx_dropped", dropped - lk->dropped_at_open)
              : CLI_NULL("device_tx_dropped"),
        q < 0 ? CLI_NULL("txqueuelen") : CLI_UINT("txqueuelen", (uint64_t)q),
        CLI_STR("offloads", offload_name(vg_tun_offloads(lk->tun))),
        CLI_UINT("rx_frames", ts->rx_frames),
        CLI_UINT("rx_gso_frames", ls->rx_gso_frames),
        CLI_UINT("rx_csum_partial", ls->rx_csum_partial),
        CLI_UINT("rx_csum_valid", ls->rx_csum_valid),
        CLI_UINT("rx_bad_header", ls->rx_bad_header),
        CLI_UINT("tx_frames", ts->tx_frames),
        CLI_UINT("tx_gso_frames", ls->tx_gso_frames),
        CLI_UINT("tx_csum_partial", ls->tx_csum_partial),
        CLI_UINT("tx_refused", ts->tx_refused),
        CLI_UINT("delay_dropped", vg_rtloop_delay_dropped(lk->loop)),
        CLI_UINT("polls_skipped", ls->polls_skipped),
        CLI_UINT("spin_found", ls->spin_found),
    };
    cli_events_emit(e, now, host, "link_stats", f, sizeof f / sizeof f[0]);
}
