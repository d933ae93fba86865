/* The picture of a simulated run (see sim_svg.h). Everything is collected first and laid out at
 * the end: the vertical position of an instant depends on every instant before it. Each
 * distinct instant that anything happens at is a "key"; consecutive keys are placed a distance
 * apart that grows with the logarithm of the time between them, so a 1 ms flight and a 1 s
 * probe interval are both visible, and a gap longer than SIM_SVG_BREAK_US gets a fixed-height
 * broken-axis mark instead. */
#include "sim_svg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/seg_track.h"
#include "wire/wire.h"

#define MAX_LANES 8
#define MAX_HOSTS 16          /* hosts whose sequence numbers the probe classifier follows */
#define TOP 96.0              /* y of the first instant */
#define LEFT 300.0            /* x of the first lane; the time column is left of it */
#define BREAK_PX 48.0
#define MIN_STEP_PX 14.0      /* two instants however close: room for a line of text */

enum fate { IN_FLIGHT = 0, DELIVERED, DROPPED };

struct lane {
    int host;
    char name[32];
};

struct pkt {
    uint64_t id;
    int from, to;
    vg_time sent, due, end;   /* end: where the arrow stops (arrival, or the drop mark) */
    enum fate fate;
    enum vg_simnet_drop drop;
    char *reason;
    const char *kind;         /* the CSS class: syn, probe, answer, rst, fin, data, ack, other */
    char label[24];
};

struct label {
    vg_time t;
    int host;
    char *text;
};

struct abort_mark {
    vg_time at, last_rx;
    int host;
    uint32_t time_ms, interval_ms, count;
};

struct flow_seq {             /* per sender and receiver: the sequence number after the highest */
    uint32_t next;
    int known, probe_out;     /* probe_out: a probe went this way and no answer came back yet */
};

struct sim_svg {
    char *title;
    struct lane lanes[MAX_LANES];
    int nlanes;
    struct pkt *p;
    size_t np, capp;
    uint64_t not_drawn;
    uint64_t max_id;          /* the newest packet drawn */
    struct label *l;
    size_t nl, capl;
    struct abort_mark *a;
    size_t na, capa;
    struct flow_seq seq[MAX_HOSTS][MAX_HOSTS];
    int failed;
    /* layout */
    vg_time *keys;
    double *ys;
    size_t nkeys;
};

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* Room for one more element of an array of size elements. */
static int reserve(void **arr, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 64;
    void *a = realloc(*arr, c * size);
    if (!a)
        return -1;
    *arr = a;
    *cap = c;
    return 0;
}

struct sim_svg *sim_svg_new(const char *title)
{
    struct sim_svg *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->title = dup_str(title ? title : "");
    if (!g->title) {
        free(g);
        return NULL;
    }
    return g;
}

void sim_svg_free(struct sim_svg *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->np; i++)
        free(g->p[i].reason);
    for (size_t i = 0; i < g->nl; i++)
        free(g->l[i].text);
    free(g->p);
    free(g->l);
    free(g->a);
    free(g->keys);
    free(g->ys);
    free(g->title);
    free(g);
}

int sim_svg_lane(struct sim_svg *g, int host, const char *name)
{
    if (g->nlanes == MAX_LANES)
        return -1;
    struct lane *l = &g->lanes[g->nlanes++];
    l->host = host;
    snprintf(l->name, sizeof l->name, "%s", name);
    return 0;
}

static int lane_of(const struct sim_svg *g, int host)
{
    for (int i = 0; i < g->nlanes; i++)
        if (g->lanes[i].host == host)
            return i;
    return -1;
}

/* ---- what a packet is, from the wire alone (Wireshark's rule for a keep-alive) */

static void classify(struct sim_svg *g, struct pkt *p, const uint8_t *pkt, size_t len)
{
    struct vg_scn_seg_id id;
    uint32_t dlen;
    p->kind = "other";
    snprintf(p->label, sizeof p->label, "IP");
    const uint8_t *seg = vg_scn_tcp(pkt, len, &id, &dlen);
    if (!seg)
        return;
    uint8_t flags = seg[13];
    uint32_t seq = vg_get32(seg + 4);
    uint32_t seglen = dlen + !!(flags & VG_TCP_SYN) + !!(flags & VG_TCP_FIN);
    int tracked = p->from >= 0 && p->from < MAX_HOSTS && p->to >= 0 && p->to < MAX_HOSTS;
    struct flow_seq dummy = {0, 0, 0};
    struct flow_seq *fs = tracked ? &g->seq[p->from][p->to] : &dummy;
    struct flow_seq *back = tracked ? &g->seq[p->to][p->from] : &dummy;
    if (flags & VG_TCP_SYN) {
        fs->next = seq + seglen;
        fs->known = 1;
        p->kind = "syn";
        snprintf(p->label, sizeof p->label, (flags & VG_TCP_ACK) ? "SYN-ACK" : "SYN");
        return;
    }
    if (flags & VG_TCP_RST) {
        p->kind = "rst";
        snprintf(p->label, sizeof p->label, "RST");
        return;
    }
    if (fs->known && dlen <= 1 && !(flags & VG_TCP_FIN) && (flags & VG_TCP_ACK) &&
        seq == fs->next - 1) {
        fs->probe_out = 1;
        p->kind = "probe";
        snprintf(p->label, sizeof p->label, dlen ? "probe (1 octet)" : "probe");
        return;
    }
    if (!fs->known || (int32_t)(seq + seglen - fs->next) > 0) {
        fs->next = seq + seglen;
        fs->known = 1;
    }
    if (flags & VG_TCP_FIN) {
        p->kind = "fin";
        snprintf(p->label, sizeof p->label, "FIN");
    } else if (dlen) {
        p->kind = "data";
        snprintf(p->label, sizeof p->label, "data %u", (unsigned)dlen);
    } else if (back->probe_out) {
        back->probe_out = 0;
        p->kind = "answer";
        snprintf(p->label, sizeof p->label, "ACK (answer)");
    } else {
        p->kind = "ack";
        snprintf(p->label, sizeof p->label, "ACK");
    }
}

/* ---- feeding */

static struct pkt *find_pkt(struct sim_svg *g, uint64_t id)
{
    /* Ids count up in the order sent and nearly every packet's fate comes soon after. */
    if (id > g->max_id)
        return NULL;   /* not drawn: past SIM_SVG_MAX_PACKETS */
    for (size_t i = g->np; i-- > 0;)
        if (g->p[i].id == id)
            return &g->p[i];
    return NULL;
}

static void on_sent(struct sim_svg *g, const struct vg_simnet_tap_event *ev)
{
    if (g->np >= SIM_SVG_MAX_PACKETS) {
        g->not_drawn++;
        return;
    }
    if (reserve((void **)&g->p, &g->capp, g->np, sizeof *g->p) != 0) {
        g->failed = 1;
        return;
    }
    struct pkt *p = &g->p[g->np++];
    memset(p, 0, sizeof *p);
    p->id = ev->id;
    if (ev->id > g->max_id)
        g->max_id = ev->id;
    p->from = ev->from;
    p->to = ev->to;
    p->sent = ev->sent_at;
    p->due = p->end = ev->due;
    classify(g, p, ev->pkt, ev->len);
}

void sim_svg_tap(void *ctx, const struct vg_simnet_tap_event *ev)
{
    struct sim_svg *g = ctx;
    if (ev->kind == VG_SIMNET_SENT) {
        on_sent(g, ev);
        return;
    }
    struct pkt *p = find_pkt(g, ev->id);
    if (!p)
        return;
    if (p->fate != IN_FLIGHT) {
        /* A duplicate: a second arrow, under the same id. */
        if (ev->kind != VG_SIMNET_DELIVERED || g->np >= SIM_SVG_MAX_PACKETS ||
            reserve((void **)&g->p, &g->capp, g->np, sizeof *g->p) != 0)
            return;
        p = find_pkt(g, ev->id);
        struct pkt *d = &g->p[g->np++];
        *d = *p;
        d->reason = NULL;
        p = d;
    }
    if (ev->kind == VG_SIMNET_DELIVERED) {
        p->fate = DELIVERED;
        p->end = ev->at;
        return;
    }
    p->fate = DROPPED;
    p->drop = ev->drop;
    p->reason = dup_str(ev->reason ? ev->reason : vg_simnet_drop_name(ev->drop));
    if (ev->drop == VG_SIMNET_DROP_HOST_DOWN)
        p->end = ev->at;                           /* it reached the dead host's lane */
    else
        p->end = p->sent + (p->due - p->sent) / 2; /* it died on the way */
}

void sim_svg_label(struct sim_svg *g, vg_time t, int host, const char *text)
{
    /* Labels come in time order: those of this instant are the last ones. */
    for (size_t i = g->nl; i-- > 0 && g->l[i].t == t;) {
        struct label *l = &g->l[i];
        if (l->host == host) {
            size_t n = strlen(l->text) + strlen(text) + 3;
            char *s = malloc(n);
            if (!s)
                return;
            snprintf(s, n, "%s, %s", l->text, text);
            free(l->text);
            l->text = s;
            return;
        }
    }
    if (g->nl >= 4 * (size_t)SIM_SVG_MAX_PACKETS)
        return;   /* as many as the packets drawn can have; the rest is past the picture */
    if (reserve((void **)&g->l, &g->capl, g->nl, sizeof *g->l) != 0) {
        g->failed = 1;
        return;
    }
    char *s = dup_str(text);
    if (!s) {
        g->failed = 1;
        return;
    }
    g->l[g->nl++] = (struct label){t, host, s};
}

void sim_svg_abort(struct sim_svg *g, vg_time at, int host, vg_time last_rx, uint32_t time_ms,
                   uint32_t interval_ms, uint32_t count)
{
    if (reserve((void **)&g->a, &g->capa, g->na, sizeof *g->a) != 0) {
        g->failed = 1;
        return;
    }
    g->a[g->na++] = (struct abort_mark){at, last_rx, host, time_ms, interval_ms, count};
}

uint64_t sim_svg_packets(const struct sim_svg *g) { return g->np; }

/* ---- layout */

static int cmp_time(const void *a, const void *b)
{
    vg_time x = *(const vg_time *)a, y = *(const vg_time *)b;
    return x < y ? -1 : x > y;
}

static int layout(struct sim_svg *g)
{
    size_t n = 2 * g->np + g->nl + g->na;
    g->keys = malloc((n ? n : 1) * sizeof *g->keys);
    g->ys = malloc((n ? n : 1) * sizeof *g->ys);
    if (!g->keys || !g->ys)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < g->np; i++) {
        g->keys[k++] = g->p[i].sent;
        g->keys[k++] = g->p[i].end;
    }
    for (size_t i = 0; i < g->nl; i++)
        g->keys[k++] = g->l[i].t;
    for (size_t i = 0; i < g->na; i++)
        g->keys[k++] = g->a[i].at;
    qsort(g->keys, k, sizeof *g->keys, cmp_time);
    size_t u = 0;
    for (size_t i = 0; i < k; i++)
        if (!u || g->keys[i] != g->keys[u - 1])
            g->keys[u++] = g->keys[i];
    g->nkeys = u;
    double y = TOP;
    for (size_t i = 0; i < u; i++) {
        if (i) {
            vg_time gap = g->keys[i] - g->keys[i - 1];
            y += gap > SIM_SVG_BREAK_US ? BREAK_PX
                                        : MIN_STEP_PX + 10.0 * log10(1.0 + (double)gap / 1000.0);
        }
        g->ys[i] = y;
    }
    return 0;
}

static double y_of(const struct sim_svg *g, vg_time t)
{
    size_t lo = 0, hi = g->nkeys;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (g->keys[mid] < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < g->nkeys ? g->ys[lo] : TOP;
}

static double lane_spacing(const struct sim_svg *g) { return g->nlanes > 2 ? 250.0 : 380.0; }

static double x_of_lane(const struct sim_svg *g, int lane)
{
    return LEFT + lane * lane_spacing(g);
}

/* ---- writing */

static void put_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        default:
            if ((unsigned char)*s >= 0x20 || *s == '\n')
                fputc(*s, f);
        }
    }
}

/* 7,210,002 (ms, from µs; the microseconds after a point when there are any). */
static void fmt_ms(vg_time us, char out[40])
{
    char digits[24];
    int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)(us / 1000u));
    size_t o = 0;
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
    if (us % 1000u)
        snprintf(out + o, 40 - o, ".%03u", (unsigned)(us % 1000u));
}

/* h:mm:ss.mmm */
static void fmt_clock(vg_time us, char out[40])
{
    unsigned long long ms = (unsigned long long)(us / 1000u);
    int n = snprintf(out, 40, "%llu:%02u:%02u.%03u", ms / 3600000u, (unsigned)(ms / 60000u % 60u),
                     (unsigned)(ms / 1000u % 60u), (unsigned)(ms % 1000u));
    if (us % 1000u && n > 0 && n < 34)
        snprintf(out + n, (size_t)(40 - n), "%03u", (unsigned)(us % 1000u));
}

static const char *colour(const char *kind)
{
    if (!strcmp(kind, "probe"))
        return "#d35400";
    if (!strcmp(kind, "answer"))
        return "#1e8449";
    if (!strcmp(kind, "rst"))
        return "#7d3c98";
    if (!strcmp(kind, "syn") || !strcmp(kind, "fin"))
        return "#1f4e8c";
    return "#566573";
}

static const char *const kinds[] = {"syn", "probe", "answer", "rst", "fin", "data", "ack", "other"};

static void write_defs(FILE *f)
{
    fputs("<defs>\n", f);
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        fprintf(f, "<marker id=\"head-%s\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
                   "markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">"
                   "<path d=\"M0,0 L10,5 L0,10 z\" fill=\"%s\"/></marker>\n",
                kinds[i], colour(kinds[i]));
    fputs("</defs>\n<style>text{font-family:sans-serif} .lbl{font-size:10px} "
          ".ev{font-size:11px;fill:#1b2631} .t{font-size:10px;fill:#7b7d7d} "
          ".why{font-size:10px;fill:#c0392b}</style>\n",
          f);
}

/* Each lane as segments between the broken-axis marks, each mark with its skipped time. */
static void write_lanes_and_breaks(struct sim_svg *g, FILE *f, double y_end)
{
    double from = TOP - 10;
    for (size_t i = 1; i <= g->nkeys; i++) {
        int last = i == g->nkeys;
        vg_time gap = last ? 0 : g->keys[i] - g->keys[i - 1];
        if (!last && gap <= SIM_SVG_BREAK_US)
            continue;
        double mid = last ? y_end : (g->ys[i - 1] + g->ys[i]) / 2;
        double to = last ? y_end : mid - 7;
        for (int l = 0; l < g->nlanes; l++)
            fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#aab7b8\" "
                       "stroke-width=\"2\"/>\n",
                    x_of_lane(g, l), from, x_of_lane(g, l), to);
        if (last)
            break;
        char d[40];
        fmt_clock(gap, d);
        fprintf(f, "<g class=\"break\" data-skipped-us=\"%llu\">", (unsigned long long)gap);
        for (int l = 0; l < g->nlanes; l++) {
            double x = x_of_lane(g, l);
            fprintf(f, "<path d=\"M%.1f,%.1f l12,-5 M%.1f,%.1f l12,-5\" stroke=\"#7b7d7d\" "
                       "stroke-width=\"1.5\"/>",
                    x - 6, mid - 2, x - 6, mid + 7);
        }
        fprintf(f, "<text class=\"t\" x=\"12\" y=\"%.1f\" font-style=\"italic\">%s idle, not to "
                   "scale</text></g>\n",
                mid + 4, d);
        from = mid + 7;
    }
}

static void write_time_column(struct sim_svg *g, FILE *f)
{
    double last = -100;
    for (size_t i = 0; i < g->nkeys; i++) {
        if (g->ys[i] - last < 12)
            continue;
        char c[40];
        fmt_clock(g->keys[i], c);
        fprintf(f, "<text class=\"t\" x=\"12\" y=\"%.1f\">%s</text>\n", g->ys[i] + 3, c);
        last = g->ys[i];
    }
}

/* Where a packet's arrow stops: the receiver's lane, the NAT's lane or a point on the way. */
static double end_x(const struct sim_svg *g, const struct pkt *p, double x1)
{
    int to = lane_of(g, p->to);
    double x2 = to >= 0 ? x_of_lane(g, to) : x1 + 80;
    if (p->fate != DROPPED || p->drop == VG_SIMNET_DROP_HOST_DOWN)
        return x2;
    int box = lane_of(g, -1);
    if (p->drop == VG_SIMNET_DROP_NAT && box >= 0)
        return x_of_lane(g, box);
    return (x1 + x2) / 2;
}

static void write_packet(struct sim_svg *g, FILE *f, const struct pkt *p)
{
    int from = lane_of(g, p->from);
    if (from < 0)
        return;
    double x1 = x_of_lane(g, from), y1 = y_of(g, p->sent);
    double x2 = end_x(g, p, x1), y2 = y_of(g, p->end);
    const char *fate = p->fate == DELIVERED ? "delivered" : p->fate == DROPPED ? "dropped"
                                                                                : "in-flight";
    fprintf(f, "<g class=\"packet %s\" data-id=\"%llu\" data-from=\"%d\" data-to=\"%d\" "
               "data-sent-us=\"%llu\" data-fate=\"%s\">",
            p->kind, (unsigned long long)p->id, p->from, p->to, (unsigned long long)p->sent, fate);
    char sent[40];
    fmt_ms(p->sent, sent);
    fprintf(f, "<title>%s sent at %s ms</title>", p->label, sent);
    const char *c = colour(p->kind);
    char marker[48] = "";
    if (p->fate != DROPPED)
        snprintf(marker, sizeof marker, " marker-end=\"url(#head-%s)\"", p->kind);
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
               "stroke-width=\"1.5\"%s%s/>",
            x1, y1, x2, y2, c, p->fate == DROPPED ? " stroke-dasharray=\"5,3\"" : "", marker);
    fprintf(f, "<text class=\"lbl\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"%s\">%s"
               "</text>",
            (x1 + x2) / 2, (y1 + y2) / 2 - 4, c, p->label);
    if (p->fate == DROPPED) {
        const char *why = p->reason ? p->reason : "dropped";
        fputs("<g class=\"drop\" data-reason=\"", f);
        put_text(f, why);
        fprintf(f, "\"><path d=\"M%.1f,%.1f l10,10 M%.1f,%.1f l-10,10\" stroke=\"#c0392b\" "
                   "stroke-width=\"2.5\"/>",
                x2 - 5, y2 - 5, x2 + 5, y2 - 5);
        /* The reason's detail, in brackets, goes on a second line. */
        const char *br = strstr(why, " (");
        size_t head = br ? (size_t)(br - why) : strlen(why);
        int left = x2 > x1;   /* write away from the arrow */
        fprintf(f, "<text class=\"why\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">", x2 + (left ? 9 : -9),
                y2 + 3, left ? "start" : "end");
        char buf[160];
        snprintf(buf, sizeof buf, "%.*s", (int)(head < sizeof buf - 1 ? head : sizeof buf - 1), why);
        put_text(f, buf);
        if (br) {
            fprintf(f, "<tspan x=\"%.1f\" dy=\"11\">", x2 + (left ? 9 : -9));
            put_text(f, br + 1);
            fputs("</tspan>", f);
        }
        fputs("</text></g>", f);
    }
    fputs("</g>\n", f);
}

static void write_label(struct sim_svg *g, FILE *f, const struct label *l)
{
    double y = y_of(g, l->t);
    if (l->host == -2) {
        /* The path itself: a line across every lane. */
        double x1 = x_of_lane(g, 0), x2 = x_of_lane(g, g->nlanes ? g->nlanes - 1 : 0);
        fprintf(f, "<g class=\"event path\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                   "y2=\"%.1f\" stroke=\"#2874a6\" stroke-dasharray=\"2,3\"/>"
                   "<text class=\"ev\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
                   "font-style=\"italic\">",
                x1, y, x2, y, (x1 + x2) / 2, y - 4);
        put_text(f, l->text);
        fputs("</text></g>\n", f);
        return;
    }
    int lane = lane_of(g, l->host);
    if (lane < 0)
        return;
    double x = x_of_lane(g, lane);
    int first = lane == 0;
    fprintf(f, "<text class=\"ev event\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">",
            x + (first ? -10 : 10), y + 4, first ? "end" : "start");
    put_text(f, l->text);
    fputs("</text>\n", f);
}

static void write_abort(struct sim_svg *g, FILE *f, const struct abort_mark *a)
{
    double y = y_of(g, a->at);
    double x1 = x_of_lane(g, 0), x2 = x_of_lane(g, g->nlanes ? g->nlanes - 1 : 0);
    char at[40], rx[40], t[40], iv[40];
    fmt_ms(a->at, at);
    fmt_ms(a->last_rx, rx);
    fmt_ms((vg_time)a->time_ms * 1000u, t);
    fmt_ms((vg_time)a->interval_ms * 1000u, iv);
    vg_time sum = a->last_rx + (vg_time)a->time_ms * 1000u +
                  (vg_time)a->count * a->interval_ms * 1000u;
    fprintf(f, "<g class=\"abort\" data-at-us=\"%llu\"><line x1=\"%.1f\" y1=\"%.1f\" "
               "x2=\"%.1f\" y2=\"%.1f\" stroke=\"#c0392b\" stroke-width=\"2\"/>"
               "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" font-weight=\"bold\" "
               "fill=\"#c0392b\">abort at %s ms = last receipt %s + %s + %u \xc3\x97 %s",
            (unsigned long long)a->at, x1 - 20, y, x2 + 20, y, x2 + 24, y + 4, at, rx, t,
            (unsigned)a->count, iv);
    if (sum != a->at) {
        char s[40];
        fmt_ms(sum, s);
        fprintf(f, " (that sum is %s ms)", s);
    }
    fputs("</text></g>\n", f);
}

static void write_legend(struct sim_svg *g, FILE *f, double y)
{
    static const struct { const char *kind, *text; } items[] = {
        {"syn", "SYN, FIN"}, {"probe", "keep-alive probe"}, {"answer", "probe answered"},
        {"rst", "RST"}, {"ack", "other"}};
    double x = 12;
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                   "stroke-width=\"1.5\" marker-end=\"url(#head-%s)\"/><text class=\"lbl\" "
                   "x=\"%.1f\" y=\"%.1f\">%s</text>\n",
                x, y, x + 30, y, colour(items[i].kind), items[i].kind, x + 36, y + 3,
                items[i].text);
        x += 150;
    }
    fprintf(f, "<path d=\"M%.1f,%.1f l10,10 M%.1f,%.1f l-10,10\" stroke=\"#c0392b\" "
               "stroke-width=\"2.5\"/><text class=\"lbl\" x=\"%.1f\" y=\"%.1f\">dropped "
               "(the reason beside it)</text>\n",
            x + 10, y - 5, x + 20, y - 5, x + 30, y + 3);
    if (g->not_drawn)
        fprintf(f, "<text class=\"t\" x=\"12\" y=\"%.1f\">%llu more packets after the first "
                   "%u are not drawn</text>\n",
                y + 20, (unsigned long long)g->not_drawn, SIM_SVG_MAX_PACKETS);
}

int sim_svg_write(struct sim_svg *g, FILE *f)
{
    if (g->failed || layout(g) != 0)
        return -1;
    double y_end = (g->nkeys ? g->ys[g->nkeys - 1] : TOP) + 30;
    double width = x_of_lane(g, g->nlanes ? g->nlanes - 1 : 0) + 500;
    double height = y_end + 60;
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
               "viewBox=\"0 0 %.0f %.0f\">\n",
            width, height, width, height);
    write_defs(f);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
               "<text x=\"12\" y=\"24\" font-size=\"15\" font-weight=\"bold\">");
    put_text(f, g->title);
    fputs("</text>\n<text class=\"t\" x=\"12\" y=\"42\">virtual time runs down; idle "
          "stretches are compressed</text>\n",
          f);
    for (int l = 0; l < g->nlanes; l++) {
        fprintf(f, "<text class=\"lane\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
                   "font-size=\"13\" font-weight=\"bold\">",
                x_of_lane(g, l), TOP - 22);
        put_text(f, g->lanes[l].name);
        fputs("</text>\n", f);
    }
    write_lanes_and_breaks(g, f, y_end);
    write_time_column(g, f);
    for (size_t i = 0; i < g->np; i++)
        write_packet(g, f, &g->p[i]);
    for (size_t i = 0; i < g->nl; i++)
        write_label(g, f, &g->l[i]);
    for (size_t i = 0; i < g->na; i++)
        write_abort(g, f, &g->a[i]);
    write_legend(g, f, y_end + 30);
    fputs("</svg>\n", f);
    return ferror(f) ? -1 : 0;
}
