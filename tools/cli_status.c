/* The connection table (see cli_status.h). */
#include "cli_status.h"

#include <signal.h>
#include <string.h>

#include "link/rtloop.h"

#define STATUS_PERIOD_US 1000000u

static volatile sig_atomic_t requested;
static struct vg_rtloop *wake_loop;

static void on_usr1(int sig)
{
    (void)sig;
    requested = 1;
    if (wake_loop)
        vg_rtloop_wake(wake_loop);
}

void cli_status_start(struct cli_status *st, struct vg_rtloop *loop, int periodic, vg_time now)
{
    memset(st, 0, sizeof *st);
    st->periodic = periodic;
    st->next = periodic ? now + STATUS_PERIOD_US : VG_TIME_NEVER;
    st->table = stderr;
    requested = 0;
    wake_loop = loop;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
}

void cli_status_stop(struct cli_status *st)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigaction(SIGUSR1, &sa, NULL);
    wake_loop = NULL;
    st->next = VG_TIME_NEVER;
}

vg_time cli_status_deadline(const struct cli_status *st) { return st->next; }

/* A duration for the text table: "1.234s", "250ms", "0.412ms", or "-" for none. */
static void fmt_dur(vg_time us, char out[24])
{
    if (us == VG_TIME_NEVER)
        snprintf(out, 24, "-");
    else if (us >= 10000000u)
        snprintf(out, 24, "%.1fs", (double)us / 1e6);
    else if (us >= 1000000u)
        snprintf(out, 24, "%.3fs", (double)us / 1e6);
    else
        snprintf(out, 24, "%.3fms", (double)us / 1e3);
}

static void row_json(struct cli_events *ev, const char *host, const struct vg_tcp_info *in,
                     vg_time now)
{
    char peer[22];
    cli_format_endpoint(in->raddr, in->rport, peer);
    const struct vg_keepalive_info *ka = &in->ka;
    struct cli_field f[] = {
        CLI_STR("peer", peer),
        CLI_STR("state", vg_tcp_state_name(in->state)),
        CLI_UINT("send_queue", in->send_queue),
        CLI_UINT("recv_queue", in->recv_queue),
        in->srtt == VG_TIME_NEVER ? CLI_NULL("rtt_ms") : CLI_UINT("rtt_ms", (in->srtt) / 1000u),
        ka->next_probe_in == VG_TIME_NEVER ? CLI_NULL("ka_next_probe_ms")
                                           : CLI_UINT("ka_next_probe_ms", (ka->next_probe_in) / 1000u),
        ka->enabled ? CLI_UINT("ka_unanswered", ka->probes_unanswered) : CLI_NULL("ka_unanswered"),
        ka->abort_in == VG_TIME_NEVER ? CLI_NULL("ka_abort_in_ms")
                                      : CLI_UINT("ka_abort_in_ms", (ka->abort_in) / 1000u),
    };
    cli_events_emit(ev, now, host, "status", f, sizeof f / sizeof f[0]);
}

static void row_text(FILE *f, const struct vg_tcp_info *in)
{
    char local[22], peer[22], rtt[24], next[24], abort_in[24], unans[12];
    cli_format_endpoint(in->laddr, in->lport, local);
    cli_format_endpoint(in->raddr, in->rport, peer);
    fmt_dur(in->srtt, rtt);
    fmt_dur(in->ka.next_probe_in, next);
    fmt_dur(in->ka.abort_in, abort_in);
    if (in->ka.enabled)
        snprintf(unans, sizeof unans, "%u", (unsigned)in->ka.probes_unanswered);
    else
        snprintf(unans, sizeof unans, "-");
    fprintf(f, "%-12s %8zu %8zu  %-21s %-21s %10s  %10s %10s %10s\n", vg_tcp_state_name(in->state),
            in->recv_queue, in->send_queue, local, peer, rtt, next, unans, abort_in);
}

void cli_status_print(struct cli_status *st, struct cli_events *ev, const char *host,
                      const vg_stack *s, vg_time now)
{
    size_t n = 0;
    for (vg_tcb *t = vg_stack_next_tcb(s, NULL); t; t = vg_stack_next_tcb(s, t)) {
        enum vg_tcp_state state = vg_tcp_state(t);
        if (state == VG_TCP_LISTEN || state == VG_TCP_CLOSED)
            continue;
        struct vg_tcp_info in;
        vg_tcp_info(t, now, &in);
        if (ev->json) {
            row_json(ev, host, &in, now);
        } else {
            if (!n++)
                fprintf(st->table, "%-12s %8s %8s  %-21s %-21s %10s  %10s %10s %10s\n", "State",
                        "Recv-Q", "Send-Q", "Local", "Peer", "RTT", "KA next", "unanswered",
                        "abort in");
            row_text(st->table, &in);
        }
    }
    if (!ev->json) {
        if (!n)
            fprintf(st->table, "(no connections)\n");
        fputc('\n', st->table);
        fflush(st->table);
    }
}

int cli_status_poll(struct cli_status *st, struct cli_events *ev, const char *host,
                    const vg_stack *s, vg_time now)
{
    int due = st->next != VG_TIME_NEVER && now >= st->next;
    if (!due && !requested)
        return 0;
    requested = 0;
    if (due) {
        /* Once a second, on the second: a slow turn of the loop skips, never bunches. */
        while (st->next <= now)
            st->next += STATUS_PERIOD_US;
    }
    cli_status_print(st, ev, host, s, now);
    return 1;
}
