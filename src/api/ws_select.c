/* Readiness: select (Winsock fd_sets), WSAPoll, and what "readable", "writable" and "failed"
 * mean for a socket, as Winsock's select documentation lists them:
 *   readable  a listener has a connection to accept; data or the peer's FIN is waiting; the
 *             connection was reset or dropped (recv will say how)
 *   writable  a connect finished and data can be sent
 *   failed    a non-blocking connect failed (exceptfds; the reason is in SO_ERROR) */
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/time.h>

#include "api/ws.h"

/* The queues a select or WSAPoll waits on: its sockets' (a datagram's arrival wakes its
 * socket's queue too: VG_EV_UDP_READABLE). A set whose list cannot be allocated waits for any
 * change. */
struct wait_set {
    struct ws_waitq **q;
    size_t n, cap;
    int any;
};

static void wait_set_add(struct wait_set *w, struct ws_sock *so)
{
    if (w->any)
        return;
    if (w->n == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 64;
        struct ws_waitq **q = realloc(w->q, cap * sizeof *q);
        if (!q) {
            w->any = 1;
            return;
        }
        w->q = q;
        w->cap = cap;
    }
    w->q[w->n++] = &so->waitq;
}

static int wait_set_wait(struct wait_set *w, int (*ready)(void *), void *ctx, vg_time deadline)
{
    int e = w->any ? ws_wait(ready, ctx, deadline)
                   : ws_wait_on(ready, ctx, deadline, w->q, w->n, 0);
    free(w->q);
    return e;
}

int ws_readable(struct ws_sock *so)
{
    return so->ops->readable(so);
}

int ws_writable(struct ws_sock *so)
{
    return so->ops->writable(so);
}

int ws_failed(struct ws_sock *so)
{
    return so->ops->failed(so);
}

/* fd_set access by offset, whatever FD_SETSIZE the program compiled with (ws.h). */
struct ws_fdset_head {
    unsigned int fd_count;
    vg_socket_t fd_array[1];
};
#define FDSET_COUNT(set) ((unsigned int *)(void *)(set))
#define FDSET_ARRAY(set) \
    ((vg_socket_t *)(void *)((char *)(set) + offsetof(struct ws_fdset_head, fd_array)))

int vg_ws_fd_isset(vg_socket_t s, struct vg_fd_set *set)
{
    if (!set)
        return 0;
    unsigned int n = *FDSET_COUNT(set);
    const vg_socket_t *a = FDSET_ARRAY(set);
    for (unsigned int i = 0; i < n; i++)
        if (a[i] == s)
            return 1;
    return 0;
}

struct select_args {
    struct vg_fd_set *set[3];     /* read, write, except */
};

static int test(struct ws_sock *so, int which)
{
    return which == 0 ? ws_readable(so) : which == 1 ? ws_writable(so) : ws_failed(so);
}

/* How many (socket, set) pairs are ready; -1 when a socket vanished (closed meanwhile). */
static int count_ready(const struct select_args *a, int write_back)
{
    int total = 0;
    for (int w = 0; w < 3; w++) {
        if (!a->set[w])
            continue;
        unsigned int *count = FDSET_COUNT(a->set[w]);
        vg_socket_t *arr = FDSET_ARRAY(a->set[w]);
        unsigned int kept = 0;
        for (unsigned int i = 0; i < *count; i++) {
            struct ws_sock *so = ws_sock_find(arr[i]);
            if (!so)
                return -1;
            if (test(so, w)) {
                total++;
                if (write_back)
                    arr[kept++] = arr[i];
            }
        }
        if (write_back)
            *count = kept;
    }
    return total;
}

static int select_ready(void *ctx) { return count_ready(ctx, 0) != 0; }

/* The instant a select timeout ends, saturating: a tv_sec too large for the clock (LONG_MAX is
 * the usual "forever") waits until a socket is ready, where the sum used to wrap into the past
 * and return 0 at once. A timeval whose tv_usec is not 0..999,999 is not a time at all: Winsock's
 * select documents WSAEINVAL for "the time-out value is not valid" (learn.microsoft.com,
 * nf-winsock2-select), and POSIX's select reads the same range. Returns 0 or a WSA error. */
static int select_deadline(const struct timeval *timeout, vg_time *deadline)
{
    *deadline = VG_TIME_NEVER;
    if (!timeout)
        return 0;
    if (timeout->tv_sec < 0 || timeout->tv_usec < 0 || timeout->tv_usec >= 1000000)
        return VG_WSAEINVAL;
    vg_time now = ws_now(ws_t.net);
    vg_time usec = (vg_time)timeout->tv_usec;
    vg_time room = VG_TIME_NEVER - 1 - now - usec;    /* now is far below 2^63 */
    if ((uint64_t)timeout->tv_sec <= room / 1000000u)
        *deadline = now + (vg_time)timeout->tv_sec * 1000000u + usec;
    return 0;
}

static int do_select(struct select_args *a, const struct timeval *timeout)
{
    unsigned int handles = 0;
    for (int w = 0; w < 3; w++)
        if (a->set[w])
            handles += *FDSET_COUNT(a->set[w]);   /* each <= WS_FD_COUNT_MAX: no wrap */
    if (handles == 0)
        return -VG_WSAEINVAL;     /* Winsock: at least one socket in one set */
    vg_time deadline;
    int bad = select_deadline(timeout, &deadline);
    if (bad)
        return -bad;
    int n = count_ready(a, 0);
    if (n == 0 && deadline > ws_now(ws_t.net)) {
        struct wait_set ws = {0};
        for (int w = 0; w < 3; w++)
            for (unsigned int i = 0; a->set[w] && i < *FDSET_COUNT(a->set[w]); i++)
                wait_set_add(&ws, ws_sock_find(FDSET_ARRAY(a->set[w])[i]));
        int e = wait_set_wait(&ws, select_ready, a, deadline);
        if (e && e != VG_WSAETIMEDOUT)
            return -e;
    }
    n = count_ready(a, 1);
    return n < 0 ? -VG_WSAENOTSOCK : n;
}

/* A set's fd_count beyond the array the program declared (its FD_SETSIZE, passed by
 * <vigil/winsock2.h>'s select) would make select read past the set: refuse it before reading
 * one entry, with WSAEINVAL, the error Winsock's select gives its invalid arguments. Without a
 * size, no set can hold more distinct sockets than the table has handles. */
static int set_too_big(struct vg_fd_set *const set[3], unsigned int setsize)
{
    if (setsize == 0 || setsize > WS_FD_COUNT_MAX)
        setsize = WS_FD_COUNT_MAX;
    for (int w = 0; w < 3; w++)
        if (set[w] && *FDSET_COUNT(set[w]) > setsize)
            return 1;
    return 0;
}

int vg_ws_select_setsize(int nfds, struct vg_fd_set *readfds, struct vg_fd_set *writefds,
                         struct vg_fd_set *exceptfds, const struct timeval *timeout,
                         unsigned int setsize)
{
    (void)nfds;                   /* Winsock ignores it */
    int e = ws_enter();
    if (e)
        return ws_fail(e);
    struct select_args a = {{readfds, writefds, exceptfds}};
    int r = set_too_big(a.set, setsize)   ? -VG_WSAEINVAL
            : count_ready(&a, 0) < 0      ? -VG_WSAENOTSOCK
                                          : do_select(&a, timeout);
    ws_leave();
    return r < 0 ? ws_fail(-r) : r;
}

int vg_ws_select(int nfds, struct vg_fd_set *readfds, struct vg_fd_set *writefds,
                 struct vg_fd_set *exceptfds, const struct timeval *timeout)
{
    return vg_ws_select_setsize(nfds, readfds, writefds, exceptfds, timeout, 0);
}

#define POLL_REQUESTABLE                                                                     \
    (VG_WS_POLLRDNORM | VG_WS_POLLRDBAND | VG_WS_POLLPRI | VG_WS_POLLWRNORM | VG_WS_POLLWRBAND)

static short revents_of(struct ws_sock *so, short events)
{
    int r = 0;
    if ((events & VG_WS_POLLRDNORM) && ws_readable(so))
        r |= VG_WS_POLLRDNORM;
    if ((events & VG_WS_POLLWRNORM) && ws_writable(so))
        r |= VG_WS_POLLWRNORM;
    r |= so->ops->poll_always(so);     /* reported whether asked for or not */
    return (short)r;
}

struct poll_args {
    struct vg_wsapollfd *fds;
    uint32_t n;
};

static int poll_scan(struct poll_args *a, int write_back)
{
    int ready = 0;
    for (uint32_t i = 0; i < a->n; i++) {
        struct vg_wsapollfd *p = &a->fds[i];
        short rev = 0;
        if (p->fd != VG_INVALID_SOCKET) {
            struct ws_sock *so = ws_sock_find(p->fd);
            rev = so ? revents_of(so, p->events) : (short)VG_WS_POLLNVAL;
        }
        if (write_back)
            p->revents = rev;
        ready += rev != 0;
    }
    return ready;
}

static int poll_ready(void *ctx) { return poll_scan(ctx, 0) != 0; }

static int do_poll(struct vg_wsapollfd *fds, uint32_t nfds, int timeout_ms)
{
    /* WSAPoll returns how many entries are ready as an int: more than INT_MAX entries cannot
     * be answered, so such a count is the "invalid parameter" of its WSAEINVAL
     * (learn.microsoft.com, nf-winsock2-wsapoll), refused before one entry is read. */
    if (nfds == 0 || nfds > (uint32_t)INT_MAX)
        return -VG_WSAEINVAL;
    if (!fds)
        return -VG_WSAEFAULT;
    for (uint32_t i = 0; i < nfds; i++)
        if (fds[i].events & ~POLL_REQUESTABLE)
            return -VG_WSAEINVAL;
    struct poll_args a = {fds, nfds};
    if (poll_scan(&a, 0) == 0 && timeout_ms != 0) {
        vg_time deadline = timeout_ms < 0 ? VG_TIME_NEVER : ws_deadline_ms((uint32_t)timeout_ms);
        struct wait_set ws = {0};
        for (uint32_t i = 0; i < nfds; i++) {
            struct ws_sock *so = fds[i].fd != VG_INVALID_SOCKET ? ws_sock_find(fds[i].fd) : NULL;
            if (so)
                wait_set_add(&ws, so);
        }
        int e = wait_set_wait(&ws, poll_ready, &a, deadline);
        if (e && e != VG_WSAETIMEDOUT)
            return -e;
    }
    return poll_scan(&a, 1);
}

int vg_ws_poll(struct vg_wsapollfd *fds, uint32_t nfds, int timeout_ms)
{
    int e = ws_enter();
    if (e)
        return ws_fail(e);
    int r = do_poll(fds, nfds, timeout_ms);
    ws_leave();
    return r < 0 ? ws_fail(-r) : r;
}
