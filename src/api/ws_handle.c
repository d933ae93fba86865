/* The table behind HANDLE values (see ws.h): event objects and completion ports. A handle is
 * (slot + 1) << 16 | generation, so it is never NULL, never INVALID_HANDLE_VALUE, and a closed
 * handle's slot, once reused, does not answer to the old value. The table is the network's, guarded by its lock;
 * its generations start at a process-wide base (ws_net_open), so a handle kept across WSACleanup
 * and WSAStartup is refused, not mistaken for a new object in its old slot. */
#include <stdlib.h>

#include "api/ws.h"

/* Enough for WSA_MAXIMUM_WAIT_EVENTS per thread of a large server; the slot field has 16 bits
 * more than this needs on a 32-bit uintptr_t, and far more on 64-bit. */
#define WS_HANDLE_MAX 65535u

struct ws_handle_slot {
    void *obj;                    /* NULL: free */
    void (*destroy)(void *obj);
    uint16_t gen;
    uint8_t type;
};

void *ws_handle_new(enum ws_handle_type type, void *obj, void (*destroy)(void *obj))
{
    struct ws_handle_table *t = &ws_t.net->handles;
    for (size_t k = 0; k < t->cap; k++) {
        size_t i = (t->next + k) % t->cap;
        if (!t->slot[i].obj) {
            t->slot[i].obj = obj;
            t->slot[i].destroy = destroy;
            t->slot[i].type = (uint8_t)type;
            t->next = i + 1;
            return (void *)(((uintptr_t)(i + 1) << 16) | t->slot[i].gen);
        }
    }
    if (t->cap == WS_HANDLE_MAX)
        return NULL;
    size_t cap = t->cap ? t->cap * 2 : 64;
    if (cap > WS_HANDLE_MAX)
        cap = WS_HANDLE_MAX;
    struct ws_handle_slot *s = realloc(t->slot, cap * sizeof *s);
    if (!s)
        return NULL;
    for (size_t i = t->cap; i < cap; i++)
        s[i] = (struct ws_handle_slot){.gen = t->gen_base};
    t->slot = s;
    t->next = t->cap;
    t->cap = cap;
    return ws_handle_new(type, obj, destroy);
}

static struct ws_handle_slot *slot_of(void *h)
{
    const struct ws_handle_table *t = &ws_t.net->handles;
    uintptr_t v = (uintptr_t)h;
    size_t i = (size_t)(v >> 16);
    if (i == 0 || i > t->cap)
        return NULL;
    struct ws_handle_slot *s = &t->slot[i - 1];
    return s->obj && s->gen == (uint16_t)(v & 0xffffu) ? s : NULL;
}

void *ws_handle_get(void *h, enum ws_handle_type type)
{
    struct ws_handle_slot *s = slot_of(h);
    return s && s->type == type ? s->obj : NULL;
}

void ws_handle_free(void *h)
{
    struct ws_handle_slot *s = slot_of(h);
    if (!s)
        return;
    s->obj = NULL;
    s->gen++;
}

void ws_handle_table_destroy(void)
{
    struct ws_handle_table *t = &ws_t.net->handles;
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->slot[i].obj)
            continue;
        if (t->slot[i].destroy)
            t->slot[i].destroy(t->slot[i].obj);
        t->slot[i].obj = NULL;
    }
    free(t->slot);
    t->slot = NULL;               /* a lookup on the closed network finds nothing */
    t->cap = t->next = 0;
}
