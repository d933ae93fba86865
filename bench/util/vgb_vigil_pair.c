#include "vgb_vigil_pair.h"

#include <string.h>

#define FIFO_BYTES (8u << 20)

static void frame_out(void *ctx, struct vg_frame *f, vg_time now)
{
    (void)now;
    struct vgb_side *sd = ctx;
    struct vgb_fifo *q = &sd->pair->wire[sd->index];
    /* A TSO frame goes whole, as Linux's loopback hands it over; a partial checksum is left
     * partial, since the receiving side is told the bytes never left memory. */
    uint8_t *d = vgb_fifo_reserve(q, f->len);
    if (!d)
        return;
    memcpy(d, f->data, f->len);
    vgb_fifo_commit(q, f->len);
}

int vgb_pair_init(struct vgb_pair *p, unsigned offloads, unsigned rx_flags, uint32_t max_tcbs)
{
    memset(p, 0, sizeof *p);
    p->now = 1000000;
    p->rx_flags = rx_flags;
    for (int i = 0; i < 2; i++) {
        struct vg_stack_config cfg;
        vg_stack_config_default(&cfg, VG_PROFILE_WINDOWS_VISTA);
        cfg.addr = i ? VGB_ADDR_B : VGB_ADDR_A;
        cfg.seed = 101u + (uint64_t)i;
        if (max_tcbs)
            cfg.max_tcbs = max_tcbs;
        p->side[i].pair = p;
        p->side[i].index = i;
        p->s[i] = vg_stack_new(&cfg);
        if (!p->s[i] || vgb_fifo_init(&p->wire[i], FIFO_BYTES) != 0)
            return -1;
        vg_stack_set_frame_output(p->s[i], frame_out, &p->side[i], offloads);
    }
    return 0;
}

void vgb_pair_free(struct vgb_pair *p)
{
    for (int i = 0; i < 2; i++) {
        if (p->s[i])
            vg_stack_free(p->s[i]);
        vgb_fifo_free(&p->wire[i]);
    }
}

static void deliver(void *ctx, int to, const uint8_t *frame, size_t len)
{
    struct vgb_pair *p = ctx;
    vg_stack_input_ex(p->s[to], frame, len, p->rx_flags, p->now);
}

long vgb_pair_pump(struct vgb_pair *p)
{
    return vgb_fifo_pump(p->wire, deliver, p);
}

void vgb_pair_advance(struct vgb_pair *p)
{
    vg_time a = vg_stack_next_deadline(p->s[0]), b = vg_stack_next_deadline(p->s[1]);
    vg_time next = a < b ? a : b;
    p->now = next == VG_TIME_NEVER || next <= p->now ? p->now + 1 : next;
    vg_stack_poll(p->s[0], p->now);
    vg_stack_poll(p->s[1], p->now);
}

void vgb_pair_tick(struct vgb_pair *p, vg_time us)
{
    p->now += us;
    vg_stack_poll(p->s[0], p->now);
    vg_stack_poll(p->s[1], p->now);
}
