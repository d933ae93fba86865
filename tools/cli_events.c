/* The event-line writer (see cli_events.h). */
#include "cli_events.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "cli_event_table.h"

void cli_events_init(struct cli_events *e, FILE *out, int json, vg_time origin)
{
    memset(e, 0, sizeof *e);
    e->out = out;
    e->json = json;
    e->origin = origin;
}

const char *cli_wsa_error_name(int err)
{
    return vg_err_wsa_name(err);
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

void cli_format_endpoint_addr(const vg_addr *a, uint16_t port, char out[CLI_ENDPOINT_LEN])
{
    if (a->family == VG_AF_INET) {
        cli_format_endpoint(a->v4, port, out);
        return;
    }
    char text[INET6_ADDRSTRLEN];
    if (!inet_ntop(AF_INET6, a->v6, text, sizeof text))
        text[0] = '\0';
    snprintf(out, CLI_ENDPOINT_LEN, "[%s]:%u", text, (unsigned)port);
}

int cli_format_peer(const vg_tcb *t, char out[CLI_ENDPOINT_LEN])
{
    vg_addr ra;
    uint16_t rport;
    vg_tcp_endpoints_addr(t, NULL, NULL, &ra, &rport);
    if (vg_addr_is_unspecified(&ra))
        return 0;
    cli_format_endpoint_addr(&ra, rport, out);
    return 1;
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

/* The timeline's milliseconds, with the microseconds only when there are any. */
static void put_ms(FILE *f, vg_time us, int pad)
{
    if (us % 1000u == 0)
        fprintf(f, pad ? "%10llu    " : "%llu", (unsigned long long)(us / 1000u));
    else
        fprintf(f, pad ? "%14.3f" : "%.3f", (double)us / 1000.0);
}

static int kind_fits(int kind, enum cli_key_type t)
{
    return (kind == CLI_FIELD_STR && t == CLI_KEY_STR) ||
           (kind == CLI_FIELD_UINT && t == CLI_KEY_UINT) ||
           (kind == CLI_FIELD_BOOL && t == CLI_KEY_BOOL);
}

/* Where in def the key is, or -1. */
static long key_index(const struct cli_event_def *def, const char *key)
{
    for (size_t k = 0; k < def->nkeys; k++)
        if (!strcmp(def->keys[k].name, key))
            return (long)k;
    return -1;
}

const char *cli_events_check(const char *event, const struct cli_field *fields, size_t nfields,
                             char *buf, size_t len)
{
    const struct cli_event_def *def = cli_event_find(event);
    if (!def) {
        snprintf(buf, len, "event \"%s\" is not in the schema", event);
        return buf;
    }
    for (size_t i = 0; i < nfields; i++) {
        long k = key_index(def, fields[i].key);
        if (k < 0) {
            snprintf(buf, len, "event \"%s\" has no key \"%s\"", event, fields[i].key);
            return buf;
        }
        const struct cli_key *key = &def->keys[k];
        int is_null = fields[i].kind == CLI_FIELD_NULL ||
                      (fields[i].kind == CLI_FIELD_STR && !fields[i].str);
        if (is_null ? !key->nullable : !kind_fits(fields[i].kind, key->type)) {
            snprintf(buf, len, "event \"%s\": key \"%s\" is %s%s", event, key->name,
                     cli_key_type_name(key->type), key->nullable ? " or null" : "");
            return buf;
        }
        for (size_t j = 0; j < i; j++)
            if (!strcmp(fields[j].key, fields[i].key)) {
                snprintf(buf, len, "event \"%s\": key \"%s\" given twice", event, key->name);
                return buf;
            }
    }
    for (size_t k = 0; k < def->nkeys; k++) {
        if (def->keys[k].nullable)
            continue;
        size_t i = 0;
        while (i < nfields && strcmp(fields[i].key, def->keys[k].name))
            i++;
        if (i == nfields) {
            snprintf(buf, len, "event \"%s\": key \"%s\" may not be null and is missing",
                     event, def->keys[k].name);
            return buf;
        }
    }
    return NULL;
}

/* The caller's field for the table's k-th key, NULL for null. */
static const struct cli_field *field_for(const struct cli_key *key, const struct cli_field *fields,
                                         size_t nfields)
{
    for (size_t i = 0; i < nfields; i++)
        if (!strcmp(fields[i].key, key->name))
            return fields[i].kind == CLI_FIELD_NULL ||
                           (fields[i].kind == CLI_FIELD_STR && !fields[i].str)
                       ? NULL
                       : &fields[i];
    return NULL;
}

static void put_json_value(FILE *f, const struct cli_field *v)
{
    if (!v)
        fputs("null", f);
    else if (v->kind == CLI_FIELD_STR)
        put_json_string(f, v->str);
    else if (v->kind == CLI_FIELD_UINT)
        fprintf(f, "%llu", (unsigned long long)v->num);
    else
        fputs(v->num ? "true" : "false", f);
}

static void put_text_value(FILE *f, const struct cli_field *v)
{
    fprintf(f, " %s=", v->key);
    if (v->kind == CLI_FIELD_STR)
        fputs(v->str, f);
    else if (v->kind == CLI_FIELD_UINT)
        fprintf(f, "%llu", (unsigned long long)v->num);
    else
        fputs(v->num ? "yes" : "no", f);
}

int cli_events_emit(struct cli_events *e, vg_time now, const char *host, const char *event,
                    const struct cli_field *fields, size_t nfields)
{
    char why[160];
    if (cli_events_check(event, fields, nfields, why, sizeof why)) {
        /* A command printing what docs/events.md does not promise is a bug in vigil. */
        fprintf(stderr, "vigil: internal error: %s (docs/events.md)\n", why);
#ifndef NDEBUG
        abort();
#endif
        return -1;
    }
    const struct cli_event_def *def = cli_event_find(event);
    FILE *f = e->out;
    vg_time t = now > e->origin ? now - e->origin : 0;
    if (e->json) {
        fprintf(f, "{\"v\":%d,\"t_us\":%llu,\"host\":", CLI_EVENTS_VERSION,
                (unsigned long long)t);
        put_json_string(f, host);
        fputs(",\"event\":", f);
        put_json_string(f, event);
        for (size_t k = 0; k < def->nkeys; k++) {
            fputc(',', f);
            put_json_string(f, def->keys[k].name);
            fputc(':', f);
            put_json_value(f, field_for(&def->keys[k], fields, nfields));
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
        /* The timeline shows what applies: null keys are left out. An event that carries a
         * sentence (a verdict's message) shows its peer and the sentence alone. */
        struct cli_key message = {"message", CLI_KEY_STR, 0}, peer = {"peer", CLI_KEY_STR, 1};
        const struct cli_field *said = field_for(&message, fields, nfields);
        if (said) {
            const struct cli_field *v = field_for(&peer, fields, nfields);
            if (v)
                put_text_value(f, v);
            fprintf(f, " %s", said->str);
        }
        for (size_t k = 0; k < def->nkeys && !said; k++) {
            const struct cli_field *v = field_for(&def->keys[k], fields, nfields);
            if (v)
                put_text_value(f, v);
        }
        fputc('\n', f);
    }
    fflush(f);
    return 0;
}

static int high_volume(enum vg_event_type t)
{
    return t == VG_EV_READABLE || t == VG_EV_WRITABLE || t == VG_EV_ACCEPTABLE ||
           t == VG_EV_RETRANSMIT || t == VG_EV_UDP_READABLE;
}

void cli_events_stack(struct cli_events *e, const char *host, const struct vg_event *ev)
{
    if (high_volume(ev->type) && !e->verbose)
        return;
    struct cli_field fields[3];
    size_t n = 0;
    char peer[CLI_ENDPOINT_LEN];
    /* A listener has no peer. */
    if (ev->tcb && cli_format_peer(ev->tcb, peer))
        fields[n++] = CLI_STR("peer", peer);
    if (ev->type == VG_EV_PROBE_SENT) {
        struct vg_keepalive_info info;
        vg_tcp_keepalive_info(ev->tcb, ev->now, &info);
        fields[n++] = CLI_UINT("probe", ev->arg);
        fields[n++] = CLI_UINT("count", info.count);
    }
    if (ev->type == VG_EV_PROBE_ACKED) {
        /* arg: the probes outstanding when the answer came, the answered one among them. */
        fields[n++] = CLI_UINT("probes", ev->arg);
        fields[n++] = CLI_UINT("unanswered", ev->arg ? ev->arg - 1 : 0);
    }
    if ((ev->type == VG_EV_ABORTED || ev->type == VG_EV_CLOSED) && ev->err) {
        const char *wsa = cli_wsa_error_name(ev->err);
        fields[n++] = CLI_STR("error", wsa ? wsa : vg_err_name(ev->err));
    }
    cli_events_emit(e, ev->now, host, vg_event_name(ev->type), fields, n);
}
