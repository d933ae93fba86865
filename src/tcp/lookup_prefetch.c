/* vg_stack_prefetch_input: a driver's hint that a packet will be input soon. With a million
 * connections, the lookup's bucket and the connection it names are each a cache miss; a driver
 * that hints the slot some packets ahead and the connection a little later has both in the
 * cache when the packet comes. The tuple's hash is remembered (tcb_bucket_of), so the tuple
 * is hashed once for both hints and the lookup.
 *
 * VG_PREFETCH_AHEAD runs the same steps as a pipeline of its own (struct vg_prefetch_pipe): a
 * miss takes about as long as a packet's whole input at a million connections, and a bucket,
 * the connection it names and, for a third of them, the next in the chain are three misses one
 * after the other, so each step is taken two hints after the one it reads. Every step reads the
 * table afresh (a connection seen one step ago may be gone); only hashes are carried. */
#include <string.h>

#include "tcp/tcb.h"

/* The tuple as the lookup sees it (local is the destination), read by the IP layer; 0 when
 * the lookup would not run. */
static int parse_tuple(const vg_stack *s, const uint8_t *pkt, size_t len, struct vg_lookup_hint *k)
{
    return vg_ip_tcp_tuple(s, pkt, len, &k->laddr, &k->raddr, &k->lport, &k->rport);
}

static int is_conn(const vg_tcb *t, const struct vg_lookup_hint *k)
{
    return t->lport == k->lport && t->rport == k->rport && t->raddr == k->raddr
        && t->laddr == k->laddr;
}

/* The timer, tuple and chain; then what the segment's checks, the reply and the keep-alive
 * bookkeeping read: the whole TCB, which may start in the middle of a line. */
static void fetch_conn(const vg_tcb *t)
{
    for (size_t off = 0; off < sizeof *t; off += 64)
        __builtin_prefetch((const char *)t + off);
}

/* Ages, in hints taken since: the bucket is fetched at 0, the chain's first connection (its
 * tuple and link) at 2, the packet's connection at 4, and at VG_PREFETCH_DISTANCE, just before
 * the packet's own input, its hash becomes the lookup's newest memo. */
#define AGE_HEAD 2u
#define AGE_CONN 4u
_Static_assert(VG_PREFETCH_DISTANCE < VG_PREFETCH_PIPE, "the pipe holds a packet until its lookup");

static const struct vg_lookup_hint *aged(const struct vg_prefetch_pipe *p, unsigned age)
{
    const struct vg_lookup_hint *k = &p->e[(p->seq - age) % VG_PREFETCH_PIPE];
    return k->valid ? k : NULL;
}

static void pipe_step(vg_stack *s, const struct vg_lookup_hint *in)
{
    struct vg_tcb_table *tab = &s->conns;
    struct vg_prefetch_pipe *p = &tab->pipe;
    if (p->nbuckets != tab->nbuckets) {
        memset(p->e, 0, sizeof p->e);
        p->nbuckets = tab->nbuckets;
    }
    p->seq++;
    struct vg_lookup_hint *k = &p->e[p->seq % VG_PREFETCH_PIPE];
    *k = *in;
    k->valid = 1;
    k->hash = tcb_tuple_hash(s, k->laddr, k->lport, k->raddr, k->rport);
    size_t mask = tab->nbuckets - 1;
    __builtin_prefetch(&tab->bucket[k->hash & mask]);

    const struct vg_lookup_hint *e = aged(p, AGE_HEAD);
    const vg_tcb *t;
    if (e && (t = tab->bucket[e->hash & mask]) != NULL) {
        __builtin_prefetch(&t->hnext);        /* the tuple and the link, one line or two */
        __builtin_prefetch(&t->rport);
    }
    if ((e = aged(p, AGE_CONN)) != NULL && (t = tab->bucket[e->hash & mask]) != NULL) {
        if (!is_conn(t, e) && t->hnext)
            t = t->hnext;
        fetch_conn(t);
    }
    if ((e = aged(p, VG_PREFETCH_DISTANCE)) != NULL)
        vg_lookup_remember(tab->hint, &tab->next_hint, e);
}

void vg_stack_prefetch_input(vg_stack *s, const uint8_t *pkt, size_t len,
                             enum vg_prefetch_stage stage)
{
    struct vg_lookup_hint k;
    if (!parse_tuple(s, pkt, len, &k))
        return;
    if (stage == VG_PREFETCH_AHEAD) {
        pipe_step(s, &k);
        return;
    }
    struct vg_tcb_table *tab = &s->conns;
    size_t h = tcb_bucket_of(s, k.laddr, k.lport, k.raddr, k.rport, 1);
    if (stage == VG_PREFETCH_SLOT) {
        __builtin_prefetch(&tab->bucket[h]);
        return;
    }
    const vg_tcb *t = tab->bucket[h];
    if (t)
        fetch_conn(t);
}
