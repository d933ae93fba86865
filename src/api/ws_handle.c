/* The table behind HANDLE values (see ws.h): event objects and completion ports. A handle is
 * (slot + 1) << 16 | generation, so it is never NULL, never INVALID_HANDLE_VALUE, and a closed
 * handle's slot, once reused, does not answer to the old value. Guarded by ws_g.lock. */
#include <stdlib.h>

#include "api/ws.h"

/* Enough for WSA_MAXIMUM_WAIT_EVENTS per thread of a large server; the slot field has 16 bits
 * more than this needs on a 32-bit uintptr_t, and far more on 64-bit. */
#define WS_HANDLE_MAX 65535u

struct slot {
    void *obj;                    /* NULL: free */
    void (*destroy)(void *obj);
    uint16_t gen;
    uint8_t type;
};

static struct {
    struct slot *slot;
    size_t cap, next;
} tab;

void *ws_handle_new(enum ws_handle_type type, void *obj, void (*destroy)(void *obj))
{
    for (size_t k = 0; k < tab.cap; k++) {
        size_t i = (tab.next + k) % tab.cap;
        if (!tab.slot[i].obj) {
            tab.slot[i].obj = obj;
            tab.slot[i].destroy = destroy;
            tab.slot[i].type = (uint8_t)type;
            tab.next = i + 1;
            return (void *)(((uintptr_t)(i + 1) << 16) | tab.slot[i].gen);
        }
    }
    if (tab.cap == WS_HANDLE_MAX)
        return NULL;
    size_t cap = tab.cap ? tab.cap * 2 : 64;
    if (cap > WS_HANDLE_MAX)
        cap = WS_HANDLE_MAX;
    struct slot *s = realloc(tab.slot, cap * sizeof *s);
    if (!s)
        return NULL;
    for (size_t i = tab.cap; i < cap; i++)
        s[i] = (struct slot){0};
    tab.slot = s;
    tab.next = tab.cap;
    tab.cap = cap;
    return ws_handle_new(type, obj, destroy);
}

static struct slot *slot_of(void *h)
{
    uintptr_t v = (uintptr_t)h;
    size_t i = (size_t)(v >> 16);
    if (i == 0 || i > tab.cap)
        return NULL;
    struct slot *s = &tab.slot[i - 1];
    return s->obj && s->gen == (uint16_t)(v & 0xffffu) ? s : NULL;
}

void *ws_handle_get(void *h, enum ws_handle_type type)
{
    struct slot *s = slot_of(h);
    return s && s->type == type ? s->obj : NULL;
}

void ws_handle_free(void *h)
{
    struct slot *s = slot_of(h);
    if (!s)
        return;
    s->obj = NULL;
    s->gen++;
}

void ws_handle_table_destroy(void)
{
    /* The slots stay, generations moved on: a handle kept across WSACleanup and WSAStartup is
     * refused, not mistaken for a new object in its old slot. */
    for (size_t i = 0; i < tab.cap; i++) {
        if (!tab.slot[i].obj)
            continue;
        if (tab.slot[i].destroy)
            tab.slot[i].destroy(tab.slot[i].obj);
        tab.slot[i].obj = NULL;
        tab.slot[i].gen++;
    }
}
