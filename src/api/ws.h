/* The Winsock layer's internals: the default network, the socket table, the per-thread state and
 * the discipline every call follows (spec A6 steps 1-4, then the lock). Not a public header.
 *
 * Concurrency: one mutex (ws_g.lock) guards the network, its stack and the socket table. A call
 * takes it in ws_enter and drops it in ws_leave; a blocking call drops it only while it sleeps
 * (ws_wait_on), and re-finds its socket afterwards, since another thread may have closed it.
 * A sleeping thread waits on its own condition variable and is woken only through the wait
 * queues it named (its sockets', an event's, its APC queue), by the clock, or by WSACleanup:
 * a call wakes nobody on its way out unless it changed what they wait on (ws_loop.c). */
#ifndef VG_WS_INTERNAL_H
#define VG_WS_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "api/ws_consts.h"
#include "vigil/vigil_ws.h"

/* ---- Sockets. A handle carries a 20-bit slot (ws_table.c), so the table holds at most
 * WS_MAX_SLOTS sockets, and no fd_set of distinct sockets can count more. */
#define WS_SLOT_BITS 20
#define WS_MAX_SLOTS ((1u << WS_SLOT_BITS) - 1)
#define WS_FD_COUNT_MAX WS_MAX_SLOTS
/* SO_RCVBUF is clamped to the largest window this stack advertises (65535 << VG_RCV_WSCALE,
 * 7), SO_SNDBUF to the largest a peer can offer (65535 << 14, RFC 7323 §2.3): a larger buffer
 * could never be used, only held against the buffer budget. */
#define WS_RCVBUF_MAX (65535u << 7)
#define WS_SNDBUF_MAX (65535u << 14)

/* ---- Waiting and watching (ws_watch.c, ws_wait.c).
 *
 * A wait queue belongs to something a thread can block on (a socket, an event object, a
 * completion port): ws_waitq_wake() tells the threads waiting on it to look again. A watch is a
 * layer's interest in a socket (WSAEventSelect's network events, overlapped operations,
 * completion ports): its function runs, lock held, for every stack event of the socket's
 * connection (ev), and with ev NULL when a call changed the socket (data consumed, shutdown) or
 * when the socket is being closed (so->closing set: the watch must let go of it). */
struct ws_sleeper;                /* a thread blocked in ws_wait_on (ws_loop.c) */
/* One thread's registration on one queue, for the length of one wait. */
struct ws_waiter {
    struct ws_sleeper *who;
    struct ws_waitq *q;           /* NULL once the queue was closed under it */
    struct ws_waiter *next, *prev;
};
/* Zeroed memory is an empty queue; it needs no initialisation. */
struct ws_waitq {
    struct ws_waiter *head;
};
/* Wakes the threads registered on q (and the few "any change" waiters of ws_wait), lock held.
 * Each woken thread looks at its ready() again; nobody else is disturbed. */
void ws_waitq_wake(struct ws_waitq *q);
/* Before the memory of a queue goes away (closesocket, WSACloseEvent, a port's close): wakes
 * its waiters and detaches them, so they do not touch the queue when they deregister. */
void ws_waitq_close(struct ws_waitq *q);

struct ws_sock;
struct ws_watch {
    void (*fn)(struct ws_watch *w, struct ws_sock *so, const struct vg_event *ev);
    /* fn may run inside the stack's event callback, where the connection must not be sent on,
     * read or closed: it records what it saw and asks with ws_watch_defer for run(w, so),
     * which comes once the stack is done with the datagram or timer (lock held, no callback
     * in progress), e.g. to complete an overlapped receive by reading the data. */
    void (*run)(struct ws_watch *w, struct ws_sock *so);
    struct ws_watch *next;
    struct ws_watch *due_next;    /* ws_watch.c's list of deferred runs */
    struct ws_sock *due_so;
    uint8_t due;
};
void ws_watch_add(struct ws_sock *so, struct ws_watch *w);
void ws_watch_remove(struct ws_sock *so, struct ws_watch *w);   /* also cancels a deferred run */
void ws_watch_defer(struct ws_sock *so, struct ws_watch *w);
/* Runs the deferred watches (ws_pump calls it after each round); 1 if any ran. */
int ws_watch_run_deferred(void);
/* Something happened to so: its watches run, then its waiters are woken. ev as for ws_watch. */
void ws_sock_changed(struct ws_sock *so, const struct vg_event *ev);
/* closesocket and WSACleanup: so->closing set, its watches told (they let go), its waiters
 * woken. */
void ws_sock_closing(struct ws_sock *so);

struct ws_sock {
    vg_socket_t handle;
    int type;                     /* VG_WS_SOCK_STREAM or VG_WS_SOCK_DGRAM */
    vg_tcb *tcb;                  /* stream sockets */
    vg_udp *udp;                  /* datagram sockets */
    uint8_t nonblocking;          /* FIONBIO */
    uint8_t connecting;           /* connect() started; no call has seen it finish yet */
    uint8_t connect_failed;       /* ... and it failed (select's exceptfds) */
    uint8_t end_reported;         /* A13: a call has reported how the connection ended */
    uint8_t shut_recv, shut_send;
    uint8_t blackhole;            /* vg_blackhole: drop what arrives for this socket */
    uint8_t reuseaddr, exclusiveaddruse, broadcast;
    /* IP_TTL and IP_TOS as a program set them: stored and read back, not applied (the core
     * sends every packet with TTL 64 and TOS 0); ip_ttl_set says IP_TTL was set. */
    uint8_t ip_ttl_set, ip_ttl, ip_tos;
    uint16_t linger_onoff, linger_secs;
    int so_error;                 /* pending error for SO_ERROR */
    uint32_t abort_epoch;         /* counts aborts: a call that sees it move was in progress */
    uint32_t rcvtimeo_ms, sndtimeo_ms;
    uint32_t sndbuf, rcvbuf;
    vg_tcb **pending;             /* connections taken off the listener, not yet accept()ed */
    size_t npending, cap_pending;
    uint8_t closing;              /* closesocket is tearing it down: watches let go */
    struct ws_watch *watches;
    struct ws_waitq waitq;        /* threads blocked on this socket */
};

struct ws_table {
    struct ws_sock **slot;        /* NULL: free */
    uint16_t *gen;                /* bumped when a slot is freed, so stale handles miss */
    size_t cap;
    size_t next;                  /* where the search for a free slot starts */
    size_t count;
    size_t blackholes;            /* sockets with blackhole set: the input filter's fast path */
};

struct ws_sock *ws_sock_new(int type);          /* NULL when the table is full (or no memory) */
struct ws_sock *ws_sock_find(vg_socket_t h);
void ws_sock_free(struct ws_sock *so);          /* frees the slot; TCB/UDP already released */
struct ws_sock *ws_sock_at(size_t i);            /* iteration: NULL for a free slot */
size_t ws_table_cap(void);
void ws_table_destroy(void);

/* ---- The default network and its event loop. */
struct ws_net;
struct vg_rtloop;

/* A link driver: where the default stack's datagrams come from and go to. */
struct ws_driver {
    const char *name;
    /* Parses spec, opens the device and fills the stack's address and prefix into cfg. */
    int (*open)(struct ws_net *n, const char *spec, struct vg_stack_config *cfg, char *err,
                size_t errlen);
    /* Connects the stack's output (the stack exists now). */
    void (*attach)(struct ws_net *n);
    /* Hands datagrams that arrived to the stack, through ws_net_filter; 1 if any did. */
    int (*input)(struct ws_net *n, vg_time now);
    /* 1 when input has more to hand over at once (no sleeping then). */
    int (*pending)(const struct ws_net *n);
    /* The real-time loop (src/link/rtloop) behind a device: blocking calls sleep in it, with the
     * lock dropped. NULL for a driver without one (its waits are timed only). */
    struct vg_rtloop *(*rtloop)(const struct ws_net *n);
    /* Called before the stack is freed. */
    void (*close)(struct ws_net *n);
};
extern const struct ws_driver ws_loopback_driver;
extern const struct ws_driver ws_tun_driver;

/* A network: its device, its stack, its clock and the threads waiting on it. What is per
 * process stays in ws_g: the lock (one default network per process, so a per-network lock would
 * be the same lock), the WSAStartup count, the socket and HANDLE tables (a SOCKET or HANDLE is
 * valid across the period, whoever made it), and the per-thread state. */
struct ws_net {
    const struct ws_driver *drv;
    void *drv_state;
    vg_stack *stack;
    int virtual_clock;
    vg_time vnow;                 /* the virtual clock */
    int polling;                  /* the leader sleeps in the driver's rtloop, lock dropped */
    /* The waiters (ws_loop.c). One of them, the leader, keeps time for everyone: it sleeps until
     * the stack's next deadline (in the device's poll() when there is a device) and runs the
     * stack when it wakes; the others sleep until their own deadline or until a queue they
     * named is woken. When the leader's wait ends, it hands the role to another waiter. */
    struct ws_sleeper *sleepers;
    struct ws_sleeper *leader;
    vg_time leader_until;         /* when the leader's sleep ends (VG_TIME_NEVER: not asleep) */
    int waiters;                  /* threads in ws_wait_on */
    int any_waiters;              /* ... of which wait for any change (ws_wait) */
    int runnable;                 /* woken waiters that have not looked again yet */
    /* Virtual time: a waiter declined to move the clock because another thread was about to
     * run (vjump_deferred), or because nothing had a deadline (vjump_never); the next call's
     * exit lets one waiter look again. */
    uint8_t vjump_deferred, vjump_never;
    struct ws_sleeper *closer;    /* ws_net_close, waiting for the waiters to leave */
    atomic_uint_fast64_t wakeups; /* vg_ws_wakeups */
};

int ws_net_open(struct ws_net **out, char *err, size_t errlen);   /* from the environment */
void ws_net_close(struct ws_net *n);
vg_time ws_now(const struct ws_net *n);
/* Runs the stack: due timers and every datagram that arrived, until nothing is left to do. */
void ws_pump(struct ws_net *n);
/* Input filter then vg_stack_input: the way every arriving datagram enters the stack. */
void ws_net_deliver(struct ws_net *n, const uint8_t *pkt, size_t len, vg_time now);
/* The input filter alone (a vg_rtloop_filter_fn; ctx unused): 1 when the datagram is dropped. */
int ws_net_filter(void *ctx, const uint8_t *pkt, size_t len);
/* 1 when vg_blackhole drops pkt. */
int ws_blackholed(const uint8_t *pkt, size_t len);
/* Wakes every waiting thread (WSACleanup, the link went up or down): each looks again. */
void ws_kick(struct ws_net *n);
/* Wakes the waiters that wait for any change (ws_wait). */
void ws_wake_any(struct ws_net *n);
/* ws_net_close: wakes the waiters and waits (lock dropped meanwhile) until every one has left
 * its wait, so none touches the network after it is freed. */
void ws_net_quiesce(struct ws_net *n);

/* Blocks (lock held on entry and exit, dropped while sleeping) until ready(ctx) is true, the
 * call's deadline passes, the call is cancelled or WSACleanup ends the network. Runs the blocking
 * hook while waiting. Returns 0 (ready), VG_WSAETIMEDOUT, VG_WSAEINTR or VG_WSAENETDOWN.
 *
 * What the caller passes:
 * - ready(ctx): true when the wait is over; called with the lock held after the stack ran, so it
 *   must re-find its socket or handle (another thread may have closed it) and count a vanished
 *   one as ready. It must not sleep or unlock.
 * - qs[0..nq-1]: every queue whose wake can make ready() true: a socket's so->waitq (woken by
 *   every stack event of its connection and by ws_sock_changed), an event's e->waitq, a port's.
 *   ready() is looked at only after one of them is woken, the deadline passes, or the waiter
 *   keeps time for the others; a change that reaches no named queue is not seen, so a caller
 *   that cannot name one (datagram sockets: no stack event announces a datagram) passes
 *   qs NULL and nq 0 and is woken by every change (every queue wake, every call's exit).
 *   qs non-NULL with nq 0: wait for nothing but the deadline (Sleep, SleepEx).
 *   The queues must stay valid during the wait or be closed with ws_waitq_close.
 * - alertable: APCs queued to this thread (ws_apc_post) end the wait too (the thread's APC queue
 *   need not be named), with WS_WAIT_APC, after ws_apc_run has run them (lock dropped
 *   meanwhile).
 * - deadline: absolute, on ws_now's clock; VG_TIME_NEVER for none. Under virtual time it is exact:
 *   the clock jumps to the earliest deadline of all waiters and timers, only when every waiter
 *   sleeps and no thread is waiting for the lock. */
#define WS_WAIT_APC 1
int ws_wait_on(int (*ready)(void *ctx), void *ctx, vg_time deadline, struct ws_waitq *const *qs,
               size_t nq, int alertable);
/* ws_wait_on(ready, ctx, deadline, NULL, 0, 0): looks again after any change. */
int ws_wait(int (*ready)(void *ctx), void *ctx, vg_time deadline);
/* qs for a wait on nothing but the deadline. */
extern struct ws_waitq *const ws_no_queues[1];
/* ws_wait_on for one socket's queue. */
int ws_wait_sock(struct ws_sock *so, int (*ready)(void *ctx), void *ctx, vg_time deadline);
/* A call is leaving (ws_leave): runs what it queued (loopback), then wakes only what needs it:
 * the leader if the stack's next deadline moved earlier than its sleep, the "any change"
 * waiters, and under virtual time one waiter when the clock was left waiting for this call. */
void ws_net_leave(struct ws_net *n);

/* ---- Event selection (ws_eventselect.c). A call that consumes what an FD_ event reported
 * enables its recording again (Windows' rule): recv and recvfrom FD_READ, a send that would
 * block FD_WRITE, accept FD_ACCEPT. ws_sock_rearm does that, then ws_sock_changed(so, NULL). */
void ws_sock_rearm(struct ws_sock *so, int32_t fd_bits);
/* accept: the new socket takes the listener's selection (same event object and events). */
void ws_eventselect_inherit(struct ws_sock *listener, struct ws_sock *accepted);
/* A WSAEventSelect is in force: FIONBIO may not make the socket blocking (WSAEINVAL). */
int ws_eventselect_active(struct ws_sock *so);

/* ---- Objects behind a HANDLE (ws_handle.c): event objects and completion ports. A handle is
 * a slot number and a generation, never a pointer, so a stale or forged HANDLE is refused. */
enum ws_handle_type { WS_H_EVENT = 1, WS_H_PORT };
/* A new handle for obj; destroy(obj) frees it if the handle is still open at the last
 * WSACleanup. NULL when the table is full (or no memory). */
void *ws_handle_new(enum ws_handle_type type, void *obj, void (*destroy)(void *obj));
void *ws_handle_get(void *h, enum ws_handle_type type);     /* the object, NULL if not one */
void ws_handle_free(void *h);                               /* the slot only, not the object */
void ws_handle_table_destroy(void);

/* Event objects (ws_event.c): WSACreateEvent's are manual-reset and start unsignalled. */
struct ws_event {
    uint8_t manual_reset;
    uint8_t signaled;
    struct ws_waitq waitq;
};
struct ws_event *ws_event_get(void *h);                      /* NULL if h is no event */
void ws_event_set(struct ws_event *e);                       /* wakes its waiters */
void ws_event_reset(struct ws_event *e);

/* Asynchronous procedure calls (ws_apc.c): a completion routine runs on the thread that issued
 * the operation, in that thread's next alertable wait. A queue is a thread's; ws_apc_self is
 * the calling thread's, valid until it exits. */
struct ws_apc_queue;
struct ws_apc_queue *ws_apc_self(void);
/* Queues fn(arg) to run on q's thread and wakes that thread if it waits alertably. 0, or -1
 * when out of memory. */
int ws_apc_post(struct ws_apc_queue *q, void (*fn)(void *arg), void *arg);
int ws_apc_pending(void);                 /* the calling thread has APCs queued */
struct ws_waitq *ws_apc_waitq(struct ws_apc_queue *q);   /* woken when an APC is queued */
/* Runs the calling thread's queued APCs, lock dropped while each runs; how many ran. */
int ws_apc_run(void);
/* A ready() that never is: ws_wait then just lets time pass (Sleep), link down or not. */
int ws_never_ready(void *ctx);

/* ---- Process and thread state. */
struct ws_global {
    pthread_mutex_t lock;
    atomic_int lock_wanted;       /* threads waiting to take the lock (see ws_lock) */
    atomic_int started;           /* WSAStartup calls not undone by WSACleanup (A6.1) */
    uint16_t version;             /* negotiated by the last successful WSAStartup */
    struct ws_net *net;           /* NULL while not started */
    atomic_uint net_gen;          /* changes with every network: a waiter sees WSACleanup */
    struct ws_table tab;
    vg_ws_event_fn ev_hook;
    void *ev_ctx;
    char startup_error[512];
};
extern struct ws_global ws_g;

struct ws_thread {
    int last_error;
    int in_call;                  /* a Winsock call runs on this thread (A6.2) */
    int blocking;                 /* ... and is waiting in ws_wait (WSAIsBlocking) */
    int cancelled;                /* WSACancelBlockingCall was called from the hook */
    int locked;                   /* this thread holds ws_g.lock (a stack callback runs) */
    vg_ws_farproc hook;
    uint32_t hook_gen;            /* ws_g.net_gen when it was installed: a later period drops it */
};
/* The thread's blocking hook for the current WSAStartup period, NULL for the built-in one. */
vg_ws_farproc ws_thread_hook(void);
extern _Thread_local struct ws_thread ws_t;

/* Takes ws_g.lock, counted in lock_wanted meanwhile: virtual time does not jump while another
 * thread is waiting to get in (it might be about to send what the sleeper waits for). */
void ws_lock(void);

/* For the extensions that take no socket and have no A6.3: steps 1 and 2, then the lock. */
int ws_enter_quiet(void);
/* A6 steps 1-3 (initialised; no blocking call in progress on this thread; link up). On 0 the
 * lock is held and the stack has caught up with the clock; otherwise the WSA error. */
int ws_enter(void);
/* ws_enter plus step 4 (s is a socket). */
int ws_enter_sock(vg_socket_t s, struct ws_sock **out);
void ws_leave(void);
/* Sets the thread's last error and returns SOCKET_ERROR. */
int ws_fail(int wsa);
int ws_err_from_vg(int vgerr);
int ws_link_up(void);

/* The error a data call reports on a connection that has ended (spec A13): the call in progress
 * when it ended gets the cause (WSAENETRESET ...); after that WSAENOTCONN. For causes other than
 * keep-alive's NETRESET, the first later call also gets the cause once. */
int ws_ended_error(struct ws_sock *so, uint32_t epoch0);
/* The handshake has finished (either way): clears connecting, records a failure for SO_ERROR. */
void ws_settle_connect(struct ws_sock *so);

/* Socket readiness for select/WSAPoll and the blocking calls' waits. */
int ws_readable(struct ws_sock *so);
int ws_writable(struct ws_sock *so);
int ws_failed(struct ws_sock *so);   /* connect failed, or the connection ended with an error */
/* The socket has a local port (bind, or implicitly by connect/sendto). */
int ws_is_bound(const struct ws_sock *so);
/* Takes one connection off a listener into so->pending; 1 if one is pending. */
int ws_fill_pending(struct ws_sock *so);

/* The deadline of a call with a timeout in ms (0 = none) from now. */
vg_time ws_deadline_ms(uint32_t ms);

/* Address helpers: Winsock sockaddr_in <-> host-order address and port. */
int ws_sockaddr_in_read(const struct vg_sockaddr *sa, int len, uint32_t *addr, uint16_t *port);
int ws_sockaddr_in_write(struct vg_sockaddr *sa, int *len, uint32_t addr, uint16_t port);

#endif
