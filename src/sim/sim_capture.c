/* The commenting capture (see sim_capture.h). Packets wait in a ring in the order sent; the net
 * numbers them 1, 2, ... in that order, so a packet's slot is its id minus the oldest waiting id. */
#include "sim/sim_capture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "link/pcap.h"

struct waiting {
    uint64_t id;
    vg_time t;
    uint8_t *data;
    size_t len;
    int known;            /* its fate is known: it may be written */
    char *comment;        /* "dropped: ...", NULL if it arrived */
};

struct vg_sim_capture {
    struct vg_pcap *pcap;
    vg_time epoch;
    struct waiting *ring;
    size_t head, n, cap;  /* cap is 0 or a power of two */
    uint64_t next_id;     /* the id the next SENT should carry: 0 before the first */
    uint64_t dropped;
    int failed;
};

struct vg_sim_capture *vg_sim_capture_new(struct vg_pcap *p, vg_time epoch)
{
    struct vg_sim_capture *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->pcap = p;
    c->epoch = epoch;
    return c;
}

static struct waiting *slot(struct vg_sim_capture *c, size_t i)
{
    return &c->ring[(c->head + i) & (c->cap - 1)];
}

static void write_oldest(struct vg_sim_capture *c)
{
    struct waiting *w = slot(c, 0);
    (void)vg_pcap_write_comment(c->pcap, c->epoch + w->t, w->data, w->len, w->comment);
    if (w->comment)
        c->dropped++;
    free(w->data);
    free(w->comment);
    c->head = (c->head + 1) & (c->cap - 1);
    c->n--;
}

static void write_known(struct vg_sim_capture *c)
{
    while (c->n && slot(c, 0)->known)
        write_oldest(c);
}

static int grow(struct vg_sim_capture *c)
{
    size_t cap = c->cap ? c->cap * 2 : 64;
    struct waiting *r = malloc(cap * sizeof *r);
    if (!r)
        return -1;
    for (size_t i = 0; i < c->n; i++)
        r[i] = *slot(c, i);
    free(c->ring);
    c->ring = r;
    c->head = 0;
    c->cap = cap;
    return 0;
}

static void on_sent(struct vg_sim_capture *c, const struct vg_simnet_tap_event *ev)
{
    if (c->n == c->cap && grow(c) != 0) {
        c->failed = 1;
        return;
    }
    uint8_t *data = malloc(ev->len ? ev->len : 1);
    if (!data) {
        c->failed = 1;
        return;
    }
    memcpy(data, ev->pkt, ev->len);
    *slot(c, c->n) = (struct waiting){.id = ev->id, .t = ev->at, .data = data, .len = ev->len};
    c->n++;
}

static struct waiting *find(struct vg_sim_capture *c, uint64_t id)
{
    if (!c->n || id < slot(c, 0)->id)
        return NULL;            /* written already: a duplicate's second fate */
    uint64_t i = id - slot(c, 0)->id;
    if (i >= c->n || slot(c, (size_t)i)->id != id)
        return NULL;            /* never kept (out of memory) */
    return slot(c, (size_t)i);
}

void vg_sim_capture_tap(void *ctx, const struct vg_simnet_tap_event *ev)
{
    struct vg_sim_capture *c = ctx;
    if (ev->kind == VG_SIMNET_SENT) {
        on_sent(c, ev);
        return;
    }
    struct waiting *w = find(c, ev->id);
    if (!w || w->known)
        return;                 /* the first fate of a duplicated packet is the one shown */
    w->known = 1;
    if (ev->kind == VG_SIMNET_DROPPED) {
        const char *why = ev->reason ? ev->reason : vg_simnet_drop_name(ev->drop);
        size_t n = strlen(why) + sizeof "dropped: ";
        w->comment = malloc(n);
        if (w->comment)
            snprintf(w->comment, n, "dropped: %s", why);
        else
            c->failed = 1;
    }
    write_known(c);
}

uint64_t vg_sim_capture_dropped(const struct vg_sim_capture *c) { return c ? c->dropped : 0; }

int vg_sim_capture_finish(struct vg_sim_capture *c)
{
    if (!c)
        return 0;
    while (c->n)
        write_oldest(c);
    int rc = c->failed ? -1 : 0;
    free(c->ring);
    free(c);
    return rc;
}
