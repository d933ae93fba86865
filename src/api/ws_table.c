/* The socket table: SOCKET values to sockets.
 *
 * A SOCKET is ((generation << 20) | (slot + 1)) << 2: a multiple of 4 as Windows handles are,
 * never 0 nor INVALID_SOCKET, below 2^31 (programs that store a SOCKET in an int keep working),
 * and a handle whose socket was closed misses even when its slot is reused (until the slot's
 * 9-bit generation wraps). */
#include <stdlib.h>

#include "api/ws.h"

#define WS_GEN_MASK 0x1ffu


/* The calling thread's network's table. A lookup from outside a call (a test that reaches into
 * the layer, on its one thread) reads the default network's. */
static struct ws_table *table(void)
{
    static struct ws_table none;
    struct ws_net *n = ws_t.net ? ws_t.net : ws_g.net;
    return n ? &n->tab : &none;
}

static vg_socket_t make_handle(size_t i, uint16_t gen)
{
    return (((vg_socket_t)(gen & WS_GEN_MASK) << WS_SLOT_BITS) | (vg_socket_t)(i + 1)) << 2;
}

static int grow(struct ws_table *t)
{
    size_t cap = t->cap ? t->cap * 2 : 64;
    if (cap > WS_MAX_SLOTS)
        cap = WS_MAX_SLOTS;
    if (cap <= t->cap)
        return -1;
    struct ws_sock **slot = realloc(t->slot, cap * sizeof *slot);
    if (!slot)
        return -1;
    t->slot = slot;
    uint16_t *gen = realloc(t->gen, cap * sizeof *gen);
    if (!gen)
        return -1;
    t->gen = gen;
    for (size_t i = t->cap; i < cap; i++) {
        t->slot[i] = NULL;
        t->gen[i] = t->gen_base;
    }
    t->next = t->cap;
    t->cap = cap;
    return 0;
}

struct ws_sock *ws_sock_new(int type)
{
    struct ws_table *t = &ws_t.net->tab;
    if (t->count == t->cap && grow(t) != 0)
        return NULL;
    struct ws_sock *so = calloc(1, sizeof *so);
    if (!so)
        return NULL;
    /* Round-robin from the last allocation, so a just-closed handle is not reused at once. */
    size_t i = t->next;
    while (t->slot[i])
        i = (i + 1) % t->cap;
    t->slot[i] = so;
    t->next = (i + 1) % t->cap;
    t->count++;
    so->handle = make_handle(i, t->gen[i]);
    so->type = type;
    so->family = VG_WS_AF_INET;   /* socket() and accept() say otherwise for AF_INET6 */
    so->v6only = 1;
    so->ops = type == VG_WS_SOCK_STREAM ? &ws_stream_ops : &ws_dgram_ops;
    return so;
}

struct ws_sock *ws_sock_find(vg_socket_t h)
{
    const struct ws_table *t = table();
    if (h == 0 || (h & 3) != 0)
        return NULL;
    size_t i = (size_t)((h >> 2) & WS_MAX_SLOTS);
    if (i == 0 || i > t->cap)
        return NULL;
    struct ws_sock *so = t->slot[i - 1];
    return so && so->handle == h ? so : NULL;
}

void ws_sock_free(struct ws_sock *so)
{
    struct ws_table *t = &ws_t.net->tab;
    size_t i = (size_t)((so->handle >> 2) & WS_MAX_SLOTS) - 1;
    if (so->blackhole)
        t->blackholes--;
    t->slot[i] = NULL;
    t->gen[i]++;
    t->count--;
    free(so->pending);
    free(so);
}

struct ws_sock *ws_sock_at(size_t i)
{
    const struct ws_table *t = table();
    return i < t->cap ? t->slot[i] : NULL;
}

size_t ws_table_cap(void) { return table()->cap; }

void ws_table_destroy(void)
{
    struct ws_table *t = &ws_t.net->tab;
    for (size_t i = 0; i < t->cap; i++) {
        if (t->slot[i]) {
            free(t->slot[i]->pending);
            free(t->slot[i]);
        }
    }
    free(t->slot);
    free(t->gen);
    uint16_t base = t->gen_base;
    *t = (struct ws_table){0};
    t->gen_base = base;          /* a lookup on the closed network finds nothing */
}
