/* The real-time event loop for one stack behind one TUN device: the wall clock is CLOCK_MONOTONIC,
 * the loop sleeps in poll() on the device until the stack's next deadline, feeds every datagram
 * that arrived to the stack, and runs the stack's timers. The stack's output goes to the device
 * and, when a capture is attached, to the pcap (inbound and outbound, with real timestamps).
 *
 * Applications (the CLI, the Winsock layer's blocking calls) drive it with vg_rtloop_run_once()
 * and look at their connections after each return. */
#ifndef VG_RTLOOP_H
#define VG_RTLOOP_H

#include <stddef.h>
#include "vigil/vigil.h"

struct vg_tun;
struct vg_pcap;
struct vg_rtloop;

/* What a vg_rtloop_run_once() call saw; a bitmask. */
enum vg_rtloop_what {
    VG_RTLOOP_INPUT = 1,     /* datagrams were handed to the stack */
    VG_RTLOOP_TIMERS = 2,    /* the stack's deadline passed and its timers ran */
    VG_RTLOOP_WOKEN = 4,     /* vg_rtloop_wake() was called */
    VG_RTLOOP_LINK = 8,      /* the link went down or came back (see vg_rtloop_link_state) */
    VG_RTLOOP_UNTIL = 16,    /* the caller's own deadline passed */
};

enum vg_rtloop_link {
    VG_RTLOOP_LINK_UP = 0,
    VG_RTLOOP_LINK_DOWN,     /* the interface exists but is administratively down */
    VG_RTLOOP_LINK_GONE,     /* the interface was deleted: it will not come back for this loop */
};

/* Takes over the stack's output callback. Neither the stack nor the device is owned: free the
 * loop first, then them. NULL on failure with the reason in err. */
struct vg_rtloop *vg_rtloop_new(vg_stack *s, struct vg_tun *tun, char *err, size_t errlen);
void vg_rtloop_free(struct vg_rtloop *l);

/* Every datagram in and out is written to p (NULL: none). The loop does not own the capture. */
void vg_rtloop_set_pcap(struct vg_rtloop *l, struct vg_pcap *p);

/* The loop's clock: CLOCK_MONOTONIC in microseconds; pass it to every vg_tcp_* call. */
vg_time vg_rtloop_now(const struct vg_rtloop *l);
/* When the loop was created, on the same clock (the origin of the CLI's t_ms). */
vg_time vg_rtloop_start(const struct vg_rtloop *l);

/* Runs the stack's due timers, then waits for the device, the stack's next deadline, `until`
 * (absolute, on the loop's clock; VG_TIME_NEVER for none) or a wake-up, whichever comes first,
 * and handles what happened. Returns a mask of enum vg_rtloop_what (never 0), or -1 if the wait
 * itself failed (errno set; EINTR is not a failure: it returns VG_RTLOOP_WOKEN). */
int vg_rtloop_run_once(struct vg_rtloop *l, vg_time until);

/* Makes a wait in progress (or the next one) return at once with VG_RTLOOP_WOKEN. Safe from a
 * signal handler and from another thread. */
void vg_rtloop_wake(struct vg_rtloop *l);

enum vg_rtloop_link vg_rtloop_link_state(const struct vg_rtloop *l);

#endif
