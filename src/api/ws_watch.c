/* Watches on sockets (see ws.h): every change of a socket reaches the layers watching it, then
 * the threads blocked on it (ws_wait.c). */
#include "api/ws.h"

/* Deferred runs, oldest first: a watch is on it at most once (its due flag). */
static struct ws_watch *due_head, **due_tail = &due_head;

static void undefer(struct ws_watch *w)
{
    if (!w->due)
        return;
    for (struct ws_watch **p = &due_head; *p; p = &(*p)->due_next)
        if (*p == w) {
            *p = w->due_next;
            if (due_tail == &w->due_next)
                due_tail = p;
            break;
        }
    w->due = 0;
    w->due_next = NULL;
}

void ws_watch_defer(struct ws_sock *so, struct ws_watch *w)
{
    if (w->due)
        return;
    w->due = 1;
    w->due_so = so;
    w->due_next = NULL;
    *due_tail = w;
    due_tail = &w->due_next;
}

int ws_watch_run_deferred(void)
{
    int ran = 0;
    while (due_head) {
        struct ws_watch *w = due_head;
        due_head = w->due_next;
        if (!due_head)
            due_tail = &due_head;
        w->due = 0;
        w->due_next = NULL;
        w->run(w, w->due_so);
        ran = 1;
    }
    return ran;
}

void ws_watch_add(struct ws_sock *so, struct ws_watch *w)
{
    w->next = so->watches;
    so->watches = w;
}

void ws_watch_remove(struct ws_sock *so, struct ws_watch *w)
{
    for (struct ws_watch **p = &so->watches; *p; p = &(*p)->next)
        if (*p == w) {
            *p = w->next;
            w->next = NULL;
            break;
        }
    undefer(w);
}

void ws_sock_changed(struct ws_sock *so, const struct vg_event *ev)
{
    /* A watch may remove itself (a completed operation), so the next one is read first. */
    for (struct ws_watch *w = so->watches, *next; w; w = next) {
        next = w->next;
        w->fn(w, so, ev);
    }
    ws_waitq_wake(&so->waitq);
}

void ws_sock_closing(struct ws_sock *so)
{
    so->closing = 1;
    ws_sock_changed(so, NULL);
    ws_waitq_close(&so->waitq);   /* the socket's memory goes next */
}
