/* Asynchronous procedure calls (see ws.h): each thread's queue of completion routines, run in
 * its alertable waits. Queues are guarded by the network's lock like the rest of the layer. */
#include <stdlib.h>

#include "api/ws.h"

struct apc {
    void (*fn)(void *arg);
    void *arg;
    struct apc *next;
};

struct ws_apc_queue {
    struct apc *head, *tail;
    struct ws_waitq waitq;        /* the thread, while it waits alertably */
};

static _Thread_local struct ws_apc_queue self;

struct ws_apc_queue *ws_apc_self(void) { return &self; }

struct ws_waitq *ws_apc_waitq(struct ws_apc_queue *q) { return &q->waitq; }

int ws_apc_post(struct ws_apc_queue *q, void (*fn)(void *arg), void *arg)
{
    struct apc *a = malloc(sizeof *a);
    if (!a)
        return -1;
    *a = (struct apc){.fn = fn, .arg = arg};
    if (q->tail)
        q->tail->next = a;
    else
        q->head = a;
    q->tail = a;
    ws_waitq_wake(&q->waitq);
    return 0;
}

int ws_apc_pending(void) { return self.head != NULL; }

int ws_apc_run(void)
{
    int ran = 0;
    while (self.head) {
        struct apc *a = self.head;
        self.head = a->next;
        if (!self.head)
            self.tail = NULL;
        /* The routine is the program's: it may call Winsock, which takes the lock itself. */
        /* The caller's reference keeps the network (closed or not) until it leaves. */
        struct ws_net *n = ws_t.net;
        int was_in_call = ws_t.in_call;
        ws_t.in_call = 0;
        ws_t.locked = 0;
        pthread_mutex_unlock(&n->lock);
        a->fn(a->arg);
        free(a);
        ws_net_lock(n);
        ws_t.net = n;
        ws_t.locked = 1;
        ws_t.in_call = was_in_call;
        ran++;
    }
    return ran;
}
