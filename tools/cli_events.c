/* The event-line writer (see cli_events.h). */
#include "cli_events.h"

#include <string.h>

void cli_events_init(struct cli_events *e, FILE *out, int json, vg_time origin)
{
    memset(e, 0, sizeof *e);
    e->out = out;
    e->json = json;
    e->origin = origin;
}

const char *cli_wsa_error_name(int err)
{
    if (err < 0)
        err = -err;
    switch (err) {
    case VG_ERR_WOULDBLOCK: return "WSAEWOULDBLOCK";
    case VG_ERR_INVAL: return "WSAEINVAL";
    case VG_ERR_NOBUFS: return "WSAENOBUFS";
    case VG_ERR_ADDRINUSE: return "WSAEADDRINUSE";
    case VG_ERR_NOTCONN: return "WSAENOTCONN";
    case VG_ERR_ISCONN: return "WSAEISCONN";
    case VG_ERR_ALREADY: return "WSAEALREADY";
    case VG_ERR_CONNREFUSED: return "WSAECONNREFUSED";
    case VG_ERR_CONNRESET: return "WSAECONNRESET";
    case VG_ERR_CONNABORTED: return "WSAECONNABORTED";
    case VG_ERR_TIMEDOUT: return "WSAETIMEDOUT";
    case VG_ERR_NETRESET: return "WSAENETRESET";
    case VG_ERR_NETDOWN: return "WSAENETDOWN";
    case VG_ERR_SHUTDOWN: return "WSAESHUTDOWN";
    case VG_ERR_MSGSIZE: return "WSAEMSGSIZE";
    case VG_ERR_NOPROTOOPT: return "WSAENOPROTOOPT";
    case VG_ERR_HOSTUNREACH: return "WSAEHOSTUNREACH";
    case VG_ERR_NETUNREACH: return "WSAENETUNREACH";
    }
    return NULL;
}

void cli_format_addr(uint32_t addr, char out[16])
{
    snprintf(out, 16, "%u.%u.%u.%u", (unsigned)(addr >> 24), (unsigned)(addr >> 16 & 255),
             (unsigned)(addr >> 8 & 255), (unsigned)(addr & 255));
}

void cli_format_endpoint(uint32_t addr, uint16_t port, char out[22])
{
    char a[16];
    cli_format_addr(addr, a);
    snprintf(out, 22, "%s:%u", a, (unsigned)port);
}

void cli_format_clock(vg_time us, char out[32])
{
    unsigned long long ms = (unsigned long long)(us / 1000u);
    unsigned rest = (unsigned)(us % 1000u);
    int n = snprintf(out, 32, "%llu:%02u:%02u.%03u", ms / 3600000u, (unsigned)(ms / 60000u % 60u),
                     (unsigned)(ms / 1000u % 60u), (unsigned)(ms % 1000u));
    if (rest && n > 0 && n < 29)
        snprintf(out + n, (size_t)(32 - n), "%03u", rest);
}

static void put_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* Milliseconds with the microseconds only when there are any: virtual runs print whole numbers
 * that compare exactly, real runs keep their precision. */
static void put_ms(FILE *f, vg_time us, int pad)
{
    if (us % 1000u == 0)
        fprintf(f, pad ? "%10llu    " : "%llu", (unsigned long long)(us / 1000u));
    else
        fprintf(f, pad ? "%14.3f" : "%.3f", (double)us / 1000.0);
}

void cli_events_emit(struct cli_events *e, vg_time now, const char *host, const char *event,
                     const struct cli_field *fields, size_t nfields)
{
    FILE *f = e->out;
    vg_time t = now > e->origin ? now - e->origin : 0;
    if (e->json) {
        fputs("{\"t_ms\":", f);
        put_ms(f, t, 0);
        fputs(",\"host\":", f);
        put_json_string(f, host);
        fputs(",\"event\":", f);
        put_json_string(f, event);
        for (size_t i = 0; i < nfields; i++) {
            fputc(',', f);
            put_json_string(f, fields[i].key);
            fputc(':', f);
            if (fields[i].kind == CLI_FIELD_STR)
                put_json_string(f, fields[i].str ? fields[i].str : "");
            else if (fields[i].kind == CLI_FIELD_UINT)
                fprintf(f, "%llu", (unsigned long long)fields[i].num);
            else if (fields[i].kind == CLI_FIELD_NULL)
                fputs("null", f);
            else if (fields[i].kind == CLI_FIELD_MS)
                put_ms(f, fields[i].num, 0);
            else
                fputs(fields[i].num ? "true" : "false", f);
        }
        fputs("}\n", f);
    } else {
        if (e->clock) {
            char clock[32], ms[32];
            cli_format_clock(t, clock);
            if (t % 1000u == 0)
                snprintf(ms, sizeof ms, "%llu", (unsigned long long)(t / 1000u));
            else
                snprintf(ms, sizeof ms, "%.3f", (double)t / 1000.0);
            fprintf(f, "%14s %12s", clock, ms);
        } else {
            put_ms(f, t, 1);
        }
        fprintf(f, " ms  %-10s %-22s", host, event);
        for (size_t i = 0; i < nfields; i++) {
            if (fields[i].kind == CLI_FIELD_STR)
                fprintf(f, " %s=%s", fields[i].key, fields[i].str ? fields[i].str : "");
            else if (fields[i].kind == CLI_FIELD_UINT)
                fprintf(f, " %s=%llu", fields[i].key, (unsigned long long)fields[i].num);
            else if (fields[i].kind == CLI_FIELD_NULL)
                fprintf(f, " %s=-", fields[i].key);
            else if (fields[i].kind == CLI_FIELD_MS) {
                fprintf(f, " %s=", fields[i].key);
                put_ms(f, fields[i].num, 0);
            } else
                fprintf(f, " %s=%s", fields[i].key, fields[i].num ? "yes" : "no");
        }
        fputc('\n', f);
    }
    fflush(f);
}

static int high_volume(enum vg_event_type t)
{
    return t == VG_EV_READABLE || t == VG_EV_WRITABLE || t == VG_EV_ACCEPTABLE ||
           t == VG_EV_RETRANSMIT;
}

void cli_events_stack(struct cli_events *e, const char *host, const struct vg_event *ev)
{
    if (high_volume(ev->type) && !e->verbose)
        return;
    struct cli_field fields[3];
    size_t n = 0;
    char peer[22];
    if (ev->tcb) {
        uint32_t laddr, raddr;
        uint16_t lport, rport;
        vg_tcp_endpoints(ev->tcb, &laddr, &lport, &raddr, &rport);
        cli_format_endpoint(raddr, rport, peer);
        fields[n++] = CLI_STR("peer", peer);
    }
    if (ev->type == VG_EV_PROBE_SENT)
        fields[n++] = CLI_UINT("unanswered", ev->arg);
    if (ev->type == VG_EV_ABORTED) {
        const char *wsa = cli_wsa_error_name(ev->err);
        fields[n++] = CLI_STR("error", wsa ? wsa : vg_err_name(ev->err));
    }
    cli_events_emit(e, ev->now, host, vg_event_name(ev->type), fields, n);
}
