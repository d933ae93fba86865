/* VIGIL_NET=loopback: one stack that is all of 127.0.0.0/8, whose output comes back as its own
 * input, so both ends of a connection run the full TCP machinery (keep-alive probes included).
 *
 * Output is queued, not fed straight back: the stack is in the middle of producing it, and
 * vg_stack_input must not re-enter it. The event loop (ws_pump) delivers the queue.
 *
 * The bytes never leave memory, so the link declares the offloads a NIC would: checksums are
 * left partial on output and not verified on input (VG_RX_CSUM_VALID), and TCP may hand over
 * frames larger than its MSS (TSO), delivered whole as Linux's loopback delivers GSO frames. */
#include <stdlib.h>
#include <string.h>

#include "api/ws.h"

#define LOOPBACK_ADDR 0x7f000001u
#define LOOPBACK_PREFIX 8
#define LOOPBACK_MTU 65535
/* A full queue drops, as a real interface's would: bounded memory whatever the program does. */
#define LOOPBACK_QUEUE_MAX_BYTES (32u * 1024u * 1024u)
/* Packets one input pass delivers: a bound on the work between two looks at the sockets. */
#define LOOPBACK_BATCH 65536
/* Frames longer than this are queued in full-sized buffers kept for reuse (at most
 * LOOPBACK_SPARES of them, 4 MiB): a bulk transfer's 64 KiB frames would otherwise malloc and
 * free (and page-fault) a buffer each. Shorter ones are allocated to size. */
#define LOOPBACK_BIG 4096u
#define LOOPBACK_SPARES 64

struct lo_pkt {
    struct lo_pkt *next;
    size_t len;
    uint8_t data[];
};

struct loopback {
    struct lo_pkt *head, *tail;
    size_t bytes;
    uint64_t dropped;
    struct lo_pkt *spare;         /* full-sized buffers, chained through next */
    unsigned nspare;
};

static struct lo_pkt *pkt_alloc(struct loopback *lo, size_t len)
{
    if (len <= LOOPBACK_BIG)
        return malloc(sizeof(struct lo_pkt) + len);
    struct lo_pkt *p = lo->spare;
    if (p) {
        lo->spare = p->next;
        lo->nspare--;
        return p;
    }
    return malloc(sizeof(struct lo_pkt) + LOOPBACK_MTU);
}

static void pkt_free(struct loopback *lo, struct lo_pkt *p)
{
    if (p->len > LOOPBACK_BIG && lo->nspare < LOOPBACK_SPARES) {
        p->next = lo->spare;
        lo->spare = p;
        lo->nspare++;
        return;
    }
    free(p);
}

static int lo_open(struct ws_net *n, const char *spec, struct vg_stack_config *cfg, char *err,
                   size_t errlen)
{
    (void)spec;
    (void)err;
    (void)errlen;
    struct loopback *lo = calloc(1, sizeof *lo);
    if (!lo)
        return -1;
    n->drv_state = lo;
    cfg->addr = LOOPBACK_ADDR;
    cfg->prefix_len = LOOPBACK_PREFIX;
    cfg->accept_subnet = 1;
    /* ::1 too, so that AF_INET6 sockets and getaddrinfo's ::1-first localhost have somewhere
     * to go; /128 because ::1 is the whole of IPv6's loopback (RFC 4291 §2.5.3), unlike 127/8. */
    cfg->has_addr6 = 1;
    memset(cfg->addr6, 0, sizeof cfg->addr6);
    cfg->addr6[15] = 1;
    cfg->prefix6_len = 128;
    cfg->mtu = LOOPBACK_MTU;
    return 0;
}

static void lo_output(void *ctx, struct vg_frame *f, vg_time now)
{
    (void)now;
    struct loopback *lo = ctx;
    const uint8_t *pkt = f->data;
    size_t len = f->len;
    if (lo->bytes + len > LOOPBACK_QUEUE_MAX_BYTES) {
        lo->dropped++;
        return;
    }
    struct lo_pkt *p = pkt_alloc(lo, len);
    if (!p) {
        lo->dropped++;
        return;
    }
    p->next = NULL;
    p->len = len;
    memcpy(p->data, pkt, len);
    if (lo->tail)
        lo->tail->next = p;
    else
        lo->head = p;
    lo->tail = p;
    lo->bytes += len;
}

static void lo_attach(struct ws_net *n)
{
    vg_stack_set_frame_output(n->stack, lo_output, n->drv_state,
                              VG_OFFLOAD_TX_CSUM | VG_OFFLOAD_TSO);
}

static int lo_input(struct ws_net *n, vg_time now)
{
    struct loopback *lo = n->drv_state;
    int any = 0;
    /* Delivering a packet may queue answers behind it; they go round in the same pass. */
    for (int i = 0; lo->head && i < LOOPBACK_BATCH; i++) {
        struct lo_pkt *p = lo->head;
        lo->head = p->next;
        if (!lo->head)
            lo->tail = NULL;
        lo->bytes -= p->len;
        ws_net_deliver_ex(n, p->data, p->len, VG_RX_CSUM_VALID, now);
        pkt_free(lo, p);
        any = 1;
    }
    return any;
}

static int lo_pending(const struct ws_net *n)
{
    const struct loopback *lo = n->drv_state;
    return lo->head != NULL;
}

static void lo_close(struct ws_net *n)
{
    struct loopback *lo = n->drv_state;
    if (!lo)
        return;
    while (lo->head) {
        struct lo_pkt *p = lo->head;
        lo->head = p->next;
        free(p);
    }
    while (lo->spare) {
        struct lo_pkt *p = lo->spare;
        lo->spare = p->next;
        free(p);
    }
    free(lo);
    n->drv_state = NULL;
}

const struct ws_driver ws_loopback_driver = {
    .name = "loopback",
    .open = lo_open,
    .attach = lo_attach,
    .input = lo_input,
    .pending = lo_pending,
    .rtloop = NULL,
    .close = lo_close,
};
