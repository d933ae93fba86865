/* The real-time loop: poll() on the TUN device, an rtnetlink watch and a wake-up pipe, with the
 * stack's next deadline (or the next delayed datagram's release) as the timeout. Nothing spins:
 * when the device disappears its descriptor leaves the poll set (a detached TUN descriptor would
 * report POLLERR forever). */
#include "link/rtloop.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "link/delayq.h"
#include "link/ifwatch.h"
#include "link/pcap.h"
#include "link/tun.h"
#include "link/vnet.h"

/* Datagrams handled per wake-up before the timers get their turn again: one read each, with no
 * poll in between (the read that finds the device empty ends the batch). */
#define RTLOOP_READ_BATCH 256
/* While frames keep coming, vg_rtloop_run_once reads before it polls: the caller's last write
 * (an ACK that opens the window) has often made the kernel queue its next frame by the time the
 * write returns, and poll would only say so. At most this many calls in a row skip the poll, so
 * a wake-up and the link watch wait at most that many batches. */
#define RTLOOP_POLL_SKIPS 32
/* When that read finds the device empty, it reads again for up to this long before polling: the
 * kernel's next segment is often only a pacing timer or a wake-up away, and sleeping in poll to be
 * woken for it costs more (on a VM an idle halt, then an interrupt to leave it). Only right after
 * input, so an idle loop never spins: at most this much CPU per pause in the traffic. */
#define RTLOOP_SPIN_US 20u
#define RTLOOP_MAX_DATAGRAM 65536
/* The read buffer: a datagram starts RTLOOP_ALIGN octets in, whatever the device's header. */
#define RTLOOP_ALIGN 16u
/* Each direction of the link delay holds at most this much: more than a 256 KiB window of
 * full-sized segments even at 100 ms, while a runaway sender cannot take the memory. */
#define RTLOOP_DELAY_MAX_PACKETS 8192
#define RTLOOP_DELAY_MAX_BYTES (16u << 20)
#define RTLOOP_DELAY_MAX_US 60000000u

struct vg_rtloop {
    vg_stack *stack;
    struct vg_tun *tun;
    struct vg_ifwatch *watch;     /* NULL: the kernel would not tell us; check the flags ourselves */
    struct vg_pcap *pcap;
    vg_rtloop_filter_fn filter;
    void *filter_ctx;
    vg_time delay;                /* the link delay, each way; 0: none */
    struct vg_delayq *inq, *outq; /* device -> stack and stack -> device, while delay > 0 */
    int wake_rd, wake_wr;
    vg_time start;
    uint64_t realtime_origin_us;  /* CLOCK_REALTIME at start, for the capture's timestamps */
    enum vg_rtloop_link link;
    vg_time link_checked;         /* without rtnetlink: when vg_rtloop_input last read the flags */
    size_t hdr;                   /* the device's header before each datagram (vg_tun_header_len) */
    unsigned read_streak;         /* run_once calls in a row that got input (RTLOOP_POLL_SKIPS) */
    struct vg_rtloop_stats stats;
    _Alignas(16) uint8_t buf[RTLOOP_ALIGN + RTLOOP_MAX_DATAGRAM];
};

static vg_time monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (vg_time)ts.tv_sec * 1000000u + (vg_time)ts.tv_nsec / 1000u;
}

static uint64_t realtime_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Capture timestamps follow the monotonic clock from a real-time origin, so they never step
 * backwards and agree exactly with the times the stack was given. */
static void capture(struct vg_rtloop *l, const uint8_t *pkt, size_t len, vg_time now)
{
    if (l->pcap)
        vg_pcap_write(l->pcap, l->realtime_origin_us + (now - l->start), pkt, len);
}

static void set_link(struct vg_rtloop *l, enum vg_rtloop_link state)
{
    if (state == l->link)
        return;
    l->link = state;
    vg_stack_set_link_up(l->stack, state == VG_RTLOOP_LINK_UP);
}

static void write_device(struct vg_rtloop *l, const uint8_t *pkt, size_t len)
{
    if (l->link == VG_RTLOOP_LINK_GONE)
        return;
    if (vg_tun_write(l->tun, pkt, len) != 0)
        set_link(l, VG_RTLOOP_LINK_GONE);
}

/* A capture shows checksums as they go on the wire: a partial one is finished for the capture
 * and put back as it was, for the kernel to finish. A TSO frame is captured whole, as tcpdump
 * on Linux shows one. */
static void capture_frame(struct vg_rtloop *l, struct vg_frame *f, vg_time now)
{
    if (!l->pcap)
        return;
    if (!(f->flags & VG_FRAME_CSUM_PARTIAL)) {
        capture(l, f->data, f->len, now);
        return;
    }
    size_t field = (size_t)f->csum_start + f->csum_offset;
    if (field + 2u > f->len)
        return;
    uint8_t saved[2];
    memcpy(saved, f->data + field, 2);
    vg_vnet_complete_csum(f->data, f->len, f->csum_start, f->csum_offset);
    capture(l, f->data, f->len, now);
    memcpy(f->data + field, saved, 2);
}

/* The stack's frame: its header goes into the headroom, and frame and header are one write. */
static void output(void *ctx, struct vg_frame *f, vg_time now)
{
    struct vg_rtloop *l = ctx;
    if (l->link == VG_RTLOOP_LINK_GONE)
        return;
    capture_frame(l, f, now);
    if (f->gso_size)
        l->stats.tx_gso_frames++;
    if (f->flags & VG_FRAME_CSUM_PARTIAL)
        l->stats.tx_csum_partial++;
    if (l->hdr) {
        vg_vnet_put(f);
    } else if (f->flags & VG_FRAME_CSUM_PARTIAL) {
        /* Not asked for (no offloads declared without a header), but never sent unfinished. */
        vg_vnet_complete_csum(f->data, f->len, f->csum_start, f->csum_offset);
    }
    const uint8_t *raw = f->data - l->hdr;
    size_t n = f->len + l->hdr;
    if (l->delay)
        vg_delayq_push(l->outq, raw, n, monotonic_us() + l->delay);
    else
        write_device(l, raw, n);
}

/* A frame from the device (header and datagram) reaching the stack: the header says what the
 * kernel vouches for; the capture sees the datagram even when the filter then drops it. */
static void deliver(struct vg_rtloop *l, uint8_t *raw, size_t n, vg_time now)
{
    if (n < l->hdr) {
        l->stats.rx_bad_header++;
        return;
    }
    uint8_t *pkt = raw + l->hdr;
    size_t len = n - l->hdr;
    unsigned rx_flags = 0;
    if (l->hdr) {
        struct vg_vnet_rx rx;
        if (vg_vnet_parse(raw, pkt, len, &rx) != 0) {
            l->stats.rx_bad_header++;
            return;
        }
        if (rx.gso_size)
            l->stats.rx_gso_frames++;
        if (rx.partial) {
            l->stats.rx_csum_partial++;
            /* The stack trusts it (VG_RX_CSUM_VALID); only a capture needs the finished sum. */
            if (l->pcap)
                vg_vnet_complete_csum(pkt, len, rx.csum_start, rx.csum_offset);
        } else if (rx.rx_flags & VG_RX_CSUM_VALID) {
            l->stats.rx_csum_valid++;
        }
        rx_flags = rx.rx_flags;
    }
    capture(l, pkt, len, now);
    if (l->filter && l->filter(l->filter_ctx, pkt, len))
        return;
    vg_stack_input_ex(l->stack, pkt, len, rx_flags, now);
}

/* Moves the delayed datagrams whose time has come; 1 if any reached the stack. */
static int release_due(struct vg_rtloop *l, vg_time now)
{
    if (!l->delay)
        return 0;
    const uint8_t *pkt;
    size_t len;
    while (vg_delayq_pop(l->outq, now, &pkt, &len))
        write_device(l, pkt, len);
    int got = 0;
    while (vg_delayq_pop(l->inq, now, &pkt, &len)) {
        /* The queue's own copy, the caller's until the next pop: finishing a checksum in it is
         * allowed. */
        deliver(l, (uint8_t *)(uintptr_t)pkt, len, now);
        got = 1;
    }
    return got;
}

struct vg_rtloop *vg_rtloop_new(vg_stack *s, struct vg_tun *tun, char *err, size_t errlen)
{
    struct vg_rtloop *l = calloc(1, sizeof *l);
    if (!l) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    int p[2];
    if (pipe(p) != 0) {
        snprintf(err, errlen, "cannot make the loop's wake-up pipe: %s", strerror(errno));
        free(l);
        return NULL;
    }
    for (int i = 0; i < 2; i++) {
        fcntl(p[i], F_SETFL, fcntl(p[i], F_GETFL) | O_NONBLOCK);
        fcntl(p[i], F_SETFD, FD_CLOEXEC);
    }
    l->wake_rd = p[0];
    l->wake_wr = p[1];
    l->stack = s;
    l->tun = tun;
    l->watch = vg_ifwatch_open();
    l->start = monotonic_us();
    l->realtime_origin_us = realtime_us();
    l->link = vg_tun_link_up(tun) ? VG_RTLOOP_LINK_UP : VG_RTLOOP_LINK_DOWN;
    l->hdr = vg_tun_header_len(tun);
    vg_stack_set_link_up(s, l->link == VG_RTLOOP_LINK_UP);
    vg_stack_set_frame_output(s, output, l, vg_tun_offloads(tun));
    return l;
}

void vg_rtloop_free(struct vg_rtloop *l)
{
    if (!l)
        return;
    vg_stack_batch_end(l->stack, monotonic_us());
    vg_stack_set_frame_output(l->stack, NULL, NULL, 0);
    vg_delayq_free(l->inq);
    vg_delayq_free(l->outq);
    vg_ifwatch_close(l->watch);
    close(l->wake_rd);
    close(l->wake_wr);
    free(l);
}

void vg_rtloop_set_pcap(struct vg_rtloop *l, struct vg_pcap *p)
{
    l->pcap = p;
}

int vg_rtloop_set_link_delay(struct vg_rtloop *l, vg_time delay_us, char *err, size_t errlen)
{
    if (delay_us > RTLOOP_DELAY_MAX_US) {
        snprintf(err, errlen, "a link delay of at most %u ms", RTLOOP_DELAY_MAX_US / 1000u);
        return -1;
    }
    if (l->delay && !delay_us && (vg_delayq_count(l->inq) || vg_delayq_count(l->outq))) {
        snprintf(err, errlen, "the link delay still holds datagrams");
        return -1;
    }
    if (delay_us && !l->inq) {
        l->inq = vg_delayq_new(RTLOOP_DELAY_MAX_PACKETS, RTLOOP_DELAY_MAX_BYTES);
        l->outq = vg_delayq_new(RTLOOP_DELAY_MAX_PACKETS, RTLOOP_DELAY_MAX_BYTES);
        if (!l->inq || !l->outq) {
            vg_delayq_free(l->inq);
            vg_delayq_free(l->outq);
            l->inq = l->outq = NULL;
            snprintf(err, errlen, "out of memory for the link delay's queues");
            return -1;
        }
    }
    l->delay = delay_us;
    return 0;
}

const struct vg_rtloop_stats *vg_rtloop_stats(const struct vg_rtloop *l)
{
    return &l->stats;
}

void vg_rtloop_set_offloads(struct vg_rtloop *l, unsigned offloads)
{
    unsigned got = vg_tun_set_offloads(l->tun, offloads);
    vg_stack_set_frame_output(l->stack, output, l, got);
}

uint64_t vg_rtloop_delay_dropped(const struct vg_rtloop *l)
{
    return l->inq ? vg_delayq_dropped(l->inq) + vg_delayq_dropped(l->outq) : 0;
}

void vg_rtloop_set_input_filter(struct vg_rtloop *l, vg_rtloop_filter_fn fn, void *ctx)
{
    l->filter = fn;
    l->filter_ctx = ctx;
}

vg_time vg_rtloop_now(const struct vg_rtloop *l)
{
    (void)l;
    return monotonic_us();
}

vg_time vg_rtloop_start(const struct vg_rtloop *l)
{
    return l->start;
}

enum vg_rtloop_link vg_rtloop_link_state(const struct vg_rtloop *l)
{
    return l->link;
}

void vg_rtloop_wake(struct vg_rtloop *l)
{
    char c = 1;
    /* A full pipe already holds a wake-up. */
    ssize_t r = write(l->wake_wr, &c, 1);
    (void)r;
}

/* Reads what the device holds (up to a batch) into the stack, or into the link delay's queue;
 * 1 if anything reached the stack. */
static int read_device(struct vg_rtloop *l)
{
    int got = 0;
    for (int i = 0; i < RTLOOP_READ_BATCH; i++) {
        uint8_t *raw = l->buf + RTLOOP_ALIGN - l->hdr;
        long n = vg_tun_read(l->tun, raw, RTLOOP_MAX_DATAGRAM + l->hdr);
        if (n < 0) {
            set_link(l, VG_RTLOOP_LINK_GONE);
            break;
        }
        if (n == 0)
            break;
        vg_time now = monotonic_us();
        if (l->delay) {
            vg_delayq_push(l->inq, raw, (size_t)n, now + l->delay);
            continue;
        }
        deliver(l, raw, (size_t)n, now);
        got = 1;
    }
    return got;
}

static void recheck_link(struct vg_rtloop *l)
{
    if (l->link == VG_RTLOOP_LINK_GONE)
        return;
    if (vg_tun_fd(l->tun) < 0)
        set_link(l, VG_RTLOOP_LINK_GONE);
    else
        set_link(l, vg_tun_link_up(l->tun) ? VG_RTLOOP_LINK_UP : VG_RTLOOP_LINK_DOWN);
}

/* poll()'s timeout for an absolute deadline: rounded up, so the loop never wakes just before a
 * deadline and goes round again with a zero timeout. */
static int timeout_ms(vg_time deadline, vg_time now)
{
    if (deadline == VG_TIME_NEVER)
        return -1;
    if (deadline <= now)
        return 0;
    vg_time ms = (deadline - now + 999) / 1000;
    return ms > 3600000 ? 3600000 : (int)ms;
}

static vg_time earlier(vg_time a, vg_time b)
{
    return a < b ? a : b;
}

void vg_rtloop_wait_prepare(struct vg_rtloop *l, vg_time until, struct vg_rtloop_wait *w)
{
    vg_time now = monotonic_us();
    vg_time wait_until = earlier(vg_stack_next_deadline(l->stack), until);
    if (l->delay)
        wait_until = earlier(wait_until, earlier(vg_delayq_next_release(l->inq),
                                                 vg_delayq_next_release(l->outq)));
    /* Without rtnetlink the interface flags are the only source; look at them once a second. */
    if (!l->watch && l->link != VG_RTLOOP_LINK_GONE && wait_until > now + 1000000u)
        wait_until = now + 1000000u;
    *w = (struct vg_rtloop_wait){
        .fds = {
            {.fd = l->link == VG_RTLOOP_LINK_GONE ? -1 : vg_tun_fd(l->tun), .events = POLLIN},
            {.fd = l->wake_rd, .events = POLLIN},
            {.fd = l->watch ? vg_ifwatch_fd(l->watch) : -1, .events = POLLIN},
        },
        .timeout_ms = timeout_ms(wait_until, now),
        .link_before = (int)l->link,
    };
}

int vg_rtloop_wait(struct vg_rtloop_wait *w)
{
    int n = poll(w->fds, 3, w->timeout_ms);
    if (n > 0 && (w->fds[1].revents & POLLIN)) {
        char junk[64];
        while (read(w->fds[1].fd, junk, sizeof junk) > 0)
            ;
    }
    return n;
}

int vg_rtloop_wait_done(struct vg_rtloop *l, const struct vg_rtloop_wait *w, vg_time until)
{
    int what = 0;
    const struct pollfd *fds = w->fds;
    if (fds[0].revents & (POLLIN | POLLERR | POLLHUP))
        what |= read_device(l) ? VG_RTLOOP_INPUT : 0;
    /* The TUN driver reports POLLERR only once its interface is gone. */
    if (fds[0].revents & (POLLERR | POLLHUP | POLLNVAL))
        set_link(l, VG_RTLOOP_LINK_GONE);
    if (fds[1].revents & POLLIN)
        what |= VG_RTLOOP_WOKEN;
    if (fds[2].revents & POLLIN) {
        if (vg_ifwatch_drain(l->watch))
            recheck_link(l);
    } else if (!l->watch) {
        recheck_link(l);
    }

    vg_time now = monotonic_us();
    if (release_due(l, now))
        what |= VG_RTLOOP_INPUT;
    if (now >= vg_stack_next_deadline(l->stack))
        what |= VG_RTLOOP_TIMERS;
    vg_stack_poll(l->stack, now);
    if ((int)l->link != w->link_before)
        what |= VG_RTLOOP_LINK;
    if (now >= until)
        what |= VG_RTLOOP_UNTIL;
    /* A wake-up the caller did not ask about (e.g. rtnetlink news of another interface). */
    if (!what)
        what = VG_RTLOOP_WOKEN;
    return what;
}

int vg_rtloop_input(struct vg_rtloop *l)
{
    int got = 0;
    if (l->link != VG_RTLOOP_LINK_GONE)
        got = read_device(l);
    vg_time now = monotonic_us();
    if (l->watch) {
        if (vg_ifwatch_drain(l->watch))
            recheck_link(l);
    } else if (now - l->link_checked >= 1000000u) {
        l->link_checked = now;
        recheck_link(l);
    }
    return release_due(l, now) || got;
}

/* run_once without the poll: reads what the device holds, runs what is due. The mask of what
 * happened, or 0 when the device was empty (the caller polls then). */
static int read_first(struct vg_rtloop *l, vg_time until)
{
    enum vg_rtloop_link before = l->link;
    int got = 0, spun = 0;
    vg_time spin_until = monotonic_us() + RTLOOP_SPIN_US;
    for (;;) {
        got = l->link != VG_RTLOOP_LINK_GONE && read_device(l);
        if (got || l->link != before || monotonic_us() >= spin_until)
            break;
        spun = 1;
    }
    if (!got && l->link == before)
        return 0;
    if (got) {
        l->stats.polls_skipped++;
        l->stats.spin_found += (uint64_t)spun;
    }
    l->read_streak++;
    vg_time now = monotonic_us();
    int what = got ? VG_RTLOOP_INPUT : 0;
    if (l->link != before)
        what |= VG_RTLOOP_LINK;
    if (now >= vg_stack_next_deadline(l->stack))
        what |= VG_RTLOOP_TIMERS;
    vg_stack_poll(l->stack, now);
    if (now >= until)
        what |= VG_RTLOOP_UNTIL;
    return what;
}

int vg_rtloop_run_once(struct vg_rtloop *l, vg_time until)
{
    vg_time now = monotonic_us();
    /* The ACKs the previous call's reads held: the caller has had the data since, and the
     * window update of its reads has carried most of them. Then a batch for this call's reads,
     * ended before the next wait. */
    vg_stack_batch_end(l->stack, now);
    vg_stack_batch_begin(l->stack);
    release_due(l, now);
    vg_stack_poll(l->stack, now);
    if (until <= now)
        return VG_RTLOOP_UNTIL;
    if (l->read_streak && l->read_streak <= RTLOOP_POLL_SKIPS) {
        int what = read_first(l, until);
        if (what)
            return what;
    }
    l->read_streak = 0;
    struct vg_rtloop_wait w;
    vg_rtloop_wait_prepare(l, until, &w);
    if (vg_rtloop_wait(&w) < 0)
        return errno == EINTR ? VG_RTLOOP_WOKEN : -1;
    int what = vg_rtloop_wait_done(l, &w, until);
    if (what & VG_RTLOOP_INPUT)
        l->read_streak = 1;
    return what;
}
