/* The real-time event loop for one stack behind one TUN device: the wall clock is CLOCK_MONOTONIC,
 * the loop sleeps in poll() on the device until the stack's next deadline, feeds every datagram
 * that arrived to the stack, and runs the stack's timers. The stack's output goes to the device
 * and, when a capture is attached, to the pcap (inbound and outbound, with real timestamps).
 *
 * The CLI drives it with vg_rtloop_run_once() and looks at its connections after each return.
 * A caller that must do something around the sleep itself (the Winsock layer drops its lock)
 * uses the same loop in pieces: vg_rtloop_input() and vg_stack_poll() to run the stack,
 * vg_rtloop_wait_prepare() / vg_rtloop_wait() / vg_rtloop_wait_done() to sleep. */
#ifndef VG_RTLOOP_H
#define VG_RTLOOP_H

#include <poll.h>
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

/* Link emulation for kernels without tc netem: every datagram read from the device waits
 * delay_us before the stack gets it, and every datagram the stack sends waits delay_us before it
 * is written to the device, so the round trip grows by twice the delay. Order is kept; each
 * direction holds a bounded queue and drops (counted) what does not fit. The capture sits on the
 * stack's side of the delay. 0 turns it off (only while nothing is queued). 0, or -1 with a
 * reason in err. */
int vg_rtloop_set_link_delay(struct vg_rtloop *l, vg_time delay_us, char *err, size_t errlen);
/* What the device's headers said and asked for (frames counted once each). */
struct vg_rtloop_stats {
    uint64_t rx_gso_frames;       /* coalesced TCP segments the kernel handed over whole */
    uint64_t rx_csum_partial;     /* the kernel's own packets with the checksum left partial */
    uint64_t rx_csum_valid;       /* packets whose checksum the kernel checked (DATA_VALID) */
    uint64_t rx_bad_header;       /* frames dropped for a header we never asked for */
    uint64_t tx_gso_frames;       /* TSO frames the kernel cut into segments */
    uint64_t tx_csum_partial;     /* frames whose checksum the kernel finished */
    uint64_t polls_skipped;       /* run_once calls that found input reading before polling */
    uint64_t spin_found;          /* of those, input that came while the read spun
                                   * (RTLOOP_SPIN_US): a sleep in poll saved */
};
const struct vg_rtloop_stats *vg_rtloop_stats(const struct vg_rtloop *l);
/* Asks the device for these offloads (enum vg_offload; 0: none) and tells the stack what it
 * got. */
void vg_rtloop_set_offloads(struct vg_rtloop *l, unsigned offloads);

/* Datagrams the link delay's full queues dropped, both directions. */
uint64_t vg_rtloop_delay_dropped(const struct vg_rtloop *l);

/* Drops an arriving datagram (after the capture saw it) when fn returns non-zero; NULL: none.
 * fn runs in whichever call hands datagrams to the stack. */
typedef int (*vg_rtloop_filter_fn)(void *ctx, const uint8_t *pkt, size_t len);
void vg_rtloop_set_input_filter(struct vg_rtloop *l, vg_rtloop_filter_fn fn, void *ctx);

/* The loop's clock: CLOCK_MONOTONIC in microseconds; pass it to every vg_tcp_* call. */
vg_time vg_rtloop_now(const struct vg_rtloop *l);
/* When the loop was created, on the same clock (the origin of the CLI's t_ms). */
vg_time vg_rtloop_start(const struct vg_rtloop *l);

/* Runs the stack's due timers, then waits for the device, the stack's next deadline, `until`
 * (absolute, on the loop's clock; VG_TIME_NEVER for none) or a wake-up, whichever comes first,
 * and handles what happened. Returns a mask of enum vg_rtloop_what (never 0), or -1 if the wait
 * itself failed (errno set; EINTR is not a failure: it returns VG_RTLOOP_WOKEN). */
int vg_rtloop_run_once(struct vg_rtloop *l, vg_time until);

/* Without waiting: reads what the device holds, hands over the delayed datagrams that are due
 * and notices link changes. 1 if any datagram reached the stack. Does not run the timers. */
int vg_rtloop_input(struct vg_rtloop *l);

/* A sleep in pieces. Prepare (with the stack's owner's lock held, if any) fills w with what to
 * wait for: the device, the wake-up pipe, the link watch, and the earliest of `until`, the
 * stack's next deadline and the next delayed datagram. vg_rtloop_wait() touches neither the loop
 * nor the stack, so it may run with that lock dropped; it returns poll()'s result (a wake-up is
 * consumed). vg_rtloop_wait_done() (lock held again) handles the readiness w reported: what
 * vg_rtloop_run_once() does after its poll, and returns the same mask. */
struct vg_rtloop_wait {
    struct pollfd fds[3];
    int timeout_ms;
    int link_before;
};
void vg_rtloop_wait_prepare(struct vg_rtloop *l, vg_time until, struct vg_rtloop_wait *w);
int vg_rtloop_wait(struct vg_rtloop_wait *w);
int vg_rtloop_wait_done(struct vg_rtloop *l, const struct vg_rtloop_wait *w, vg_time until);

/* Makes a wait in progress (or the next one) return at once with VG_RTLOOP_WOKEN. Safe from a
 * signal handler and from another thread. */
void vg_rtloop_wake(struct vg_rtloop *l);

enum vg_rtloop_link vg_rtloop_link_state(const struct vg_rtloop *l);

#endif
