/* The Winsock layer's internals: the default network, the socket table, the per-thread state and
 * the discipline every call follows (spec A6 steps 1-4, then the lock). Not a public header.
 *
 * Where state lives:
 * - per process (struct ws_global ws_g): the process mutex (ws_g.lock), the WSAStartup count
 *   and version, the pointer to the default network and its generation (net_gen), the base the
 *   next network's SOCKET and HANDLE generations start from (so a handle kept across WSACleanup
 *   and WSAStartup is refused rather than mistaken for a new object), the event hook, the
 *   startup error.
 * - per network (struct ws_net): its lock and reference count, the SOCKET and HANDLE tables,
 *   the link driver, the stack, the clock, the waiters and their leader.
 * - per socket (struct ws_sock): its options and flags, its watches and wait queue, and its
 *   transport's operations (so->ops: ws_stream.c over TCP, ws_dgram.c over UDP), through which
 *   the calls reach the connection or the UDP endpoint instead of testing so->tcb/so->udp.
 * - per thread (ws_t, ws_apc.c's queue, ws_wait.c's sleeper): the last error, the call in
 *   progress and its network (ws_t.net, referenced), the blocking hook, the APC queue, the condition variable a waiter sleeps on.
 *
 * Concurrency: each network's lock (n->lock) guards the network, its stack, its tables and
 * everything reached through them; received datagrams are processed under it alone. A call
 * (ws_enter) finds the network and takes a reference under the process mutex, drops that, then
 * takes the network's lock and records the network in ws_t.net; ws_leave drops the lock, then
 * the reference. The last WSACleanup takes the process mutex, then the network's lock, closes
 * every socket, marks the network closed (a call that gets the lock afterwards fails
 * WSANOTINITIALISED, a waiter leaves with WSAEINTR), quiesces the waiters and drops the
 * process's reference; the last reference frees the memory. A blocking call drops the lock
 * only while it sleeps
 * (ws_wait_on), and re-finds its socket afterwards, since another thread may have closed it.
 * A sleeping thread waits on its own condition variable and is woken only through the wait
 * queues it named (its sockets', an event's, its APC queue), by the clock, or by WSACleanup:
 * a call wakes nobody on its way out unless it changed what they wait on (ws_loop.c).
 * Lock order: the process mutex, then a network's lock; never the process mutex while holding a
 * network's lock (the sleepers' condition variables wait on the network's). The network's lock
 * is dropped while program code runs (an APC, the blocking hook),
 * except the event hook (vg_ws_set_event_hook), which runs inside the stack: a Winsock call
 * from it fails WSAEINPROGRESS, and the extensions it may call see ws_t.locked and do not lock. */
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

/* What a socket does that depends on its transport (ws_stream.c: TCP, ws_dgram.c: UDP). The
 * calls dispatch through so->ops rather than testing so->tcb or so->udp; results < 0 are -WSA
 * where a WSA error is possible, as in ws_io.c. Every operation runs with the lock held. */
struct ws_sock_ops {
    /* socket(): makes the transport's endpoint on stack; 0, or -1 when out of memory. */
    int (*open)(struct ws_sock *so, vg_stack *stack);
    /* Readiness as select's documentation lists it (ws_select.c's header comment). */
    int (*readable)(struct ws_sock *so);
    int (*writable)(struct ws_sock *so);
    int (*failed)(struct ws_sock *so);
    /* WSAPoll's bits reported whether asked for or not (POLLERR, POLLHUP). */
    short (*poll_always)(struct ws_sock *so);
    uint16_t (*local_port)(const struct ws_sock *so);          /* 0: not bound */
    int (*bind)(struct ws_sock *so, const vg_addr *addr, uint16_t port);   /* 0 or a VG_ERR */
    /* shutdown's transport part, after how was checked; 0 or a WSA error. */
    int (*shutdown)(struct ws_sock *so, int how);
    /* closesocket (abortive 0: gracefully, or as SO_LINGER says) and WSACleanup (abortive 1:
     * no lingering, peers learn at once): lets go of the endpoint and of pending connections. */
    void (*close)(struct ws_sock *so, vg_time now, int abortive);
    uint32_t (*nread)(const struct ws_sock *so);   /* FIONREAD */
    /* getsockname (peer 0) and getpeername: the endpoints, or a WSA error (WSAENOTCONN). */
    int (*names)(struct ws_sock *so, int peer, vg_addr *laddr, uint16_t *lport, vg_addr *raddr,
                 uint16_t *rport);
    /* recv and recvfrom (from may be NULL; a stream ignores it). */
    int (*recv)(vg_socket_t s, struct ws_sock *so, char *buf, int len, int flags,
                struct vg_sockaddr *from, int *fromlen);
    /* send and sendto (is_sendto: the program called sendto; a stream ignores to). */
    int (*send)(vg_socket_t s, struct ws_sock *so, const char *buf, int len, int flags,
                const struct vg_sockaddr *to, int tolen, int is_sendto);
};
extern const struct ws_sock_ops ws_stream_ops;
extern const struct ws_sock_ops ws_dgram_ops;

/* A blocking data call's wait on its socket (ws_io.c): then re-finds it (*so), since another
 * thread may have closed it meanwhile (VG_WSAEINTR then). 0 or a WSA error. */
int ws_io_wait(vg_socket_t s, int (*ready)(void *), uint32_t timeout_ms, struct ws_sock **so);

struct ws_sock {
    vg_socket_t handle;
    int type;                     /* VG_WS_SOCK_STREAM or VG_WS_SOCK_DGRAM */
    int family;                   /* VG_WS_AF_INET or VG_WS_AF_INET6: the sockaddr it speaks */
    uint8_t v6only;               /* IPV6_V6ONLY (AF_INET6; Windows' default 1) */
    const struct ws_sock_ops *ops;   /* set with type by ws_sock_new */
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
    /* SO_SNDBUF / SO_RCVBUF set by the program: getsockopt reports what it set; otherwise the
     * size in effect, which autotuning grows (README "Buffers"). */
    uint8_t sndbuf_set, rcvbuf_set;
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
    uint16_t gen_base;            /* new slots' generation: drawn per network (ws_net_open) */
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

/* A network: its lock, its tables, its device, its stack, its clock and the threads waiting on
 * it. What is per process stays in ws_g (the process mutex, the WSAStartup count, the event
 * hook); a network outlives its WSACleanup until the last call still on it has left. */
struct ws_handle_slot;
struct ws_handle_table {
    struct ws_handle_slot *slot;
    size_t cap, next;
    uint16_t gen_base;            /* new slots' generation: drawn per network (ws_net_open) */
};

struct ws_net {
    /* Guards everything below and the network's sockets, handles and their objects. */
    pthread_mutex_t lock;
    atomic_int lock_wanted;       /* threads waiting to take the lock (see ws_net_lock) */
    /* ws_g's while the network is the default one, plus one per call in progress on it; the
     * last ws_net_unref frees it. */
    atomic_int refs;
    uint8_t closed;               /* WSACleanup ended it: calls still on it leave at once */
    struct ws_table tab;          /* the SOCKET table */
    struct ws_handle_table handles;   /* the HANDLE table */
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

/* From the environment, with one reference (the process's); under the process mutex. */
int ws_net_open(struct ws_net **out, char *err, size_t errlen);
/* The last WSACleanup, both locks held: quiesces the waiters and lets go of the device and the
 * stack. The memory stays until the last reference goes (ws_net_unref). */
void ws_net_close(struct ws_net *n);
/* The default network with a reference taken (under the process mutex), or NULL. */
struct ws_net *ws_net_ref(void);
void ws_net_unref(struct ws_net *n);
/* Takes n->lock, counted in n->lock_wanted meanwhile: virtual time does not jump while another
 * thread is waiting to get in (it might be about to send what the sleeper waits for). */
void ws_net_lock(struct ws_net *n);
/* Takes n's lock for a call holding the reference from ws_net_ref (NULL: fails): 1 with the lock
 * held and ws_t.net = n, or 0 (n was NULL or is closed: the reference is dropped). */
int ws_net_enter(struct ws_net *n);
/* Undoes ws_net_enter: drops the lock, then the reference; ws_t.net becomes NULL. */
void ws_net_exit(void);
vg_time ws_now(const struct ws_net *n);
/* Runs the stack: due timers and every datagram that arrived, until nothing is left to do. */
void ws_pump(struct ws_net *n);
/* Input filter then vg_stack_input: the way every arriving datagram enters the stack. */
void ws_net_deliver(struct ws_net *n, const uint8_t *pkt, size_t len, vg_time now);
/* ws_net_deliver with what the link vouches for (enum vg_rx_flag). */
void ws_net_deliver_ex(struct ws_net *n, const uint8_t *pkt, size_t len, unsigned rx_flags,
                       vg_time now);
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
    /* The process mutex: serialises WSAStartup, WSACleanup and the lookup of the network (and
     * the event hook while there is none). Never taken while holding a network's lock. */
    pthread_mutex_t lock;
    atomic_int started;           /* WSAStartup calls not undone by WSACleanup (A6.1) */
    uint16_t version;             /* negotiated by the last successful WSAStartup */
    struct ws_net *net;           /* NULL while not started; read under the process mutex */
    atomic_uint net_gen;          /* changes with every network: a blocking hook's period */
    uint16_t gen_base;            /* the next network's table generations (process mutex) */
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
    int locked;                   /* this thread holds ws_t.net's lock (a stack callback runs) */
    struct ws_net *net;           /* the network of the call in progress (referenced), or NULL */
    vg_ws_farproc hook;
    uint32_t hook_gen;            /* ws_g.net_gen when it was installed: a later period drops it */
};
/* The thread's blocking hook for the current WSAStartup period, NULL for the built-in one. */
vg_ws_farproc ws_thread_hook(void);
extern _Thread_local struct ws_thread ws_t;

/* For the extensions that take no socket and have no A6.3: steps 1 and 2, then the lock. */
int ws_enter_quiet(void);
/* A6 steps 1-3 (initialised; no blocking call in progress on this thread; link up). On 0 the
 * lock is held and the stack has caught up with the clock; otherwise the WSA error. */
int ws_enter(void);
/* 1 when socket() opens sockets of address family af: AF_INET and AF_INET6, streams and
 * datagrams both. getaddrinfo(AF_UNSPEC) returns only families a socket can be opened for, so a
 * program that opens the first result (Microsoft's Getting Started client) gets one. */
int ws_family_opens(int af);
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

/* ws_sockaddr.c: the sockaddr of a socket of family (sockaddr_in or sockaddr_in6) and the
 * core's vg_addr. The size a family's sockaddr takes: */
int ws_sockaddr_len(int family);
/* WSAEFAULT for a NULL sa or len short of the family's sockaddr, WSAEAFNOSUPPORT for another
 * family's; an IPv4-mapped ::ffff:a.b.c.d comes out as the IPv4 address with *mapped set. */
int ws_sockaddr_read(int family, const struct vg_sockaddr *sa, int len, vg_addr *addr,
                     uint16_t *port, int *mapped);
/* The family's sockaddr for addr (an IPv4 one as ::ffff:a.b.c.d for AF_INET6); WSAEFAULT when
 * *len is short of it. */
int ws_sockaddr_write(int family, struct vg_sockaddr *sa, int *len, const vg_addr *addr,
                      uint16_t port);
/* Where connect and ConnectEx may go: 0, WSAEADDRNOTAVAIL for a wildcard, broadcast or zero
 * port, WSAEAFNOSUPPORT for IPv4 (mapped) from an IPV6_V6ONLY socket. */
/* A datagram's destination (sendto, WSASendTo) in the socket's family: WSAEFAULT short,
 * WSAEAFNOSUPPORT of another family (or IPv4 to a v6-only socket), WSAEADDRNOTAVAIL any/port 0. */
int ws_dgram_target(const struct ws_sock *so, const struct vg_sockaddr *to, int tolen,
                    vg_addr *addr, uint16_t *port);
int ws_connect_target_ok(const struct ws_sock *so, const vg_addr *addr, uint16_t port,
                         int mapped);
/* A connection's local (peer 0) or remote end as so's sockaddr. */
int ws_sockaddr_of_tcb(const struct ws_sock *so, const vg_tcb *t, int peer,
                       struct vg_sockaddr *sa, int *len);

#endif
