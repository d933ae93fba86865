/* The real-time loop: poll() on the TUN device, an rtnetlink watch and a wake-up pipe, with the
 * stack's next deadline as the timeout. Nothing spins: when the device disappears its descriptor
 * leaves the poll set (a detached TUN descriptor would report POLLERR forever). */
#include "link/rtloop.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "link/ifwatch.h"
#include "link/pcap.h"
#include "link/tun.h"

/* Datagrams handled per wake-up before the timers get their turn again. */
#define RTLOOP_READ_BATCH 256
#define RTLOOP_MAX_DATAGRAM 65536

struct vg_rtloop {
    vg_stack *stack;
    struct vg_tun *tun;
    struct vg_ifwatch *watch;     /* NULL: the kernel would not tell us; check the flags ourselves */
    struct vg_pcap *pcap;
    int wake_rd, wake_wr;
    vg_time start;
    uint64_t realtime_origin_us;  /* CLOCK_REALTIME at start, for the capture's timestamps */
    enum vg_rtloop_link link;
    uint8_t buf[RTLOOP_MAX_DATAGRAM];
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

static void output(void *ctx, const uint8_t *pkt, size_t len, vg_time now)
{
    struct vg_rtloop *l = ctx;
    if (l->link == VG_RTLOOP_LINK_GONE)
        return;
    capture(l, pkt, len, now);
    if (vg_tun_write(l->tun, pkt, len) != 0)
        set_link(l, VG_RTLOOP_LINK_GONE);
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
    vg_stack_set_link_up(s, l->link == VG_RTLOOP_LINK_UP);
    vg_stack_set_output(s, output, l);
    return l;
}

void vg_rtloop_free(struct vg_rtloop *l)
{
    if (!l)
        return;
    vg_stack_set_output(l->stack, NULL, NULL);
    vg_ifwatch_close(l->watch);
    close(l->wake_rd);
    close(l->wake_wr);
    free(l);
}

void vg_rtloop_set_pcap(struct vg_rtloop *l, struct vg_pcap *p)
{
    l->pcap = p;
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

static void drain_wake(struct vg_rtloop *l)
{
    char junk[64];
    while (read(l->wake_rd, junk, sizeof junk) > 0)
        ;
}

/* Reads what the device holds (up to a batch) into the stack; 1 if anything arrived. */
static int read_device(struct vg_rtloop *l)
{
    int got = 0;
    for (int i = 0; i < RTLOOP_READ_BATCH; i++) {
        long n = vg_tun_read(l->tun, l->buf, sizeof l->buf);
        if (n < 0) {
            set_link(l, VG_RTLOOP_LINK_GONE);
            break;
        }
        if (n == 0)
            break;
        vg_time now = monotonic_us();
        capture(l, l->buf, (size_t)n, now);
        vg_stack_input(l->stack, l->buf, (size_t)n, now);
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

int vg_rtloop_run_once(struct vg_rtloop *l, vg_time until)
{
    int what = 0;
    enum vg_rtloop_link before = l->link;
    vg_time now = monotonic_us();
    vg_time deadline = vg_stack_poll(l->stack, now);
    if (until <= now)
        return VG_RTLOOP_UNTIL;

    /* Without rtnetlink the interface flags are the only source; look at them once a second. */
    vg_time wait_until = deadline < until ? deadline : until;
    if (!l->watch && l->link != VG_RTLOOP_LINK_GONE && wait_until > now + 1000000u)
        wait_until = now + 1000000u;

    struct pollfd fds[3] = {
        {.fd = l->link == VG_RTLOOP_LINK_GONE ? -1 : vg_tun_fd(l->tun), .events = POLLIN},
        {.fd = l->wake_rd, .events = POLLIN},
        {.fd = l->watch ? vg_ifwatch_fd(l->watch) : -1, .events = POLLIN},
    };
    int n = poll(fds, 3, timeout_ms(wait_until, now));
    if (n < 0) {
        if (errno == EINTR)
            return VG_RTLOOP_WOKEN;
        return -1;
    }
    if (fds[0].revents & (POLLIN | POLLERR | POLLHUP))
        what |= read_device(l) ? VG_RTLOOP_INPUT : 0;
    /* The TUN driver reports POLLERR only once its interface is gone. */
    if (fds[0].revents & (POLLERR | POLLHUP | POLLNVAL))
        set_link(l, VG_RTLOOP_LINK_GONE);
    if (fds[1].revents & POLLIN) {
        drain_wake(l);
        what |= VG_RTLOOP_WOKEN;
    }
    if (fds[2].revents & POLLIN) {
        if (vg_ifwatch_drain(l->watch))
            recheck_link(l);
    } else if (!l->watch) {
        recheck_link(l);
    }

    now = monotonic_us();
    if (now >= deadline)
        what |= VG_RTLOOP_TIMERS;
    vg_stack_poll(l->stack, now);
    if (l->link != before)
        what |= VG_RTLOOP_LINK;
    if (now >= until)
        what |= VG_RTLOOP_UNTIL;
    /* A wake-up the caller did not ask about (e.g. rtnetlink news of another interface). */
    if (!what)
        what = VG_RTLOOP_WOKEN;
    return what;
}
