/* The scenario-file parser (see scnfile.h, docs/scenarios.md). One statement per line, words
 * separated by blanks, '#' to the end of the line a comment. Everything is checked here, in
 * memory, so a file that parses can only fail to run for reasons outside it (a registry export,
 * memory); the first fault ends the parse with its line and a reason. */
#include "sim/scnfile.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim/scenario.h"

#define MAX_WORDS 40

struct parser {
    struct scnf *s;
    int line;
    char *err;
    size_t errlen;
    int seen_link, seen_nat, seen_seed, seen_duration;
    vg_time last_at;
    int last_at_line;
};

static int fail(struct parser *p, const char *fmt, ...)
{
    if (p->err && p->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err, p->errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* ---- values */

static int all_digits(const char *w, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (w[i] < '0' || w[i] > '9')
            return 0;
    return 1;
}

/* A decimal number of n characters, at most max; -1 if not one or too large. */
static int parse_uint(const char *w, size_t n, uint64_t max, uint64_t *out)
{
    if (!all_digits(w, n))
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t d = (uint64_t)(w[i] - '0');
        if (v > (max - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

/* "7200s", "1000ms", "2h", "5min", "250us": a whole number and a unit; or "0". */
static int parse_time(struct parser *p, const char *what, const char *w, vg_time *out)
{
    static const struct {
        const char *unit;
        vg_time us;
    } units[] = {{"us", 1}, {"ms", 1000}, {"s", 1000000}, {"min", 60000000},
                 {"h", 3600000000ull}};
    if (!strcmp(w, "0")) {   /* nothing needs no unit */
        *out = 0;
        return 0;
    }
    size_t n = 0;
    while (w[n] >= '0' && w[n] <= '9')
        n++;
    const char *unit = w + n;
    for (size_t k = 0; k < sizeof units / sizeof units[0]; k++) {
        if (strcmp(unit, units[k].unit) != 0)
            continue;
        uint64_t v;
        if (parse_uint(w, n, SCNF_TIME_MAX / units[k].us, &v) != 0)
            break;
        *out = v * units[k].us;
        return 0;
    }
    if (n == 0 || *unit == '\0')
        return fail(p, "%s must be a whole number with a unit (us, ms, s, min, h), got '%s'",
                    what, w);
    return fail(p, "%s '%s': not a time of at most a year in us, ms, s, min or h", what, w);
}

/* A per-connection keep-alive time or interval: whole milliseconds, at least 1, or "system". */
static int parse_ka_ms(struct parser *p, const char *what, const char *w, uint32_t *out)
{
    if (!strcmp(w, "system")) {
        *out = VG_KA_SYSTEM;
        return 0;
    }
    vg_time t;
    if (parse_time(p, what, w, &t) != 0)
        return -1;
    if (t % 1000u || t == 0 || t / 1000u >= VG_KA_SYSTEM)
        return fail(p, "%s must be a whole number of milliseconds from 1 ms to 4294967294 ms, "
                       "got '%s'", what, w);
    *out = (uint32_t)(t / 1000u);
    return 0;
}

static int parse_count(struct parser *p, const char *what, const char *w, uint64_t max,
                       uint64_t *out)
{
    if (parse_uint(w, strlen(w), max, out) != 0)
        return fail(p, "%s must be a whole number from 0 to %llu, got '%s'", what,
                    (unsigned long long)max, w);
    return 0;
}

static int parse_onoff(struct parser *p, const char *what, const char *w, int *out)
{
    if (!strcmp(w, "on") || !strcmp(w, "off")) {
        *out = w[1] == 'n';
        return 0;
    }
    return fail(p, "%s must be on or off, got '%s'", what, w);
}

static int parse_addr(struct parser *p, const char *w, uint32_t *out)
{
    uint32_t a = 0;
    const char *c = w;
    for (int k = 0; k < 4; k++) {
        size_t n = 0;
        while (c[n] >= '0' && c[n] <= '9')
            n++;
        uint64_t v;
        if (parse_uint(c, n, 255, &v) != 0 || n > 3 || (k < 3 && c[n] != '.') ||
            (k == 3 && c[n] != '\0'))
            return fail(p, "addr must be a dotted IPv4 address, got '%s'", w);
        a = a << 8 | (uint32_t)v;
        c += n + 1;
    }
    uint32_t first = a >> 24, last = a & 255u;
    if (first == 0 || first == 127 || first >= 224 || last == 0 || last == 255)
        return fail(p, "addr %s is not a unicast host address in a /24 network", w);
    *out = a;
    return 0;
}

static int parse_probability(struct parser *p, const char *w, double *out)
{
    char *end;
    if (w[0] < '0' || w[0] > '9')
        return fail(p, "loss must be a probability in [0,1), got '%s'", w);
    double v = strtod(w, &end);
    if (*end || !isfinite(v) || v < 0 || v >= 1)
        return fail(p, "loss must be a probability in [0,1), got '%s'", w);
    *out = v;
    return 0;
}

static int parse_bandwidth(struct parser *p, const char *w, uint64_t *out)
{
    static const struct {
        const char *unit;
        uint64_t bps;
    } units[] = {{"bps", 1}, {"kbps", 1000}, {"mbps", 1000000}, {"gbps", 1000000000}};
    size_t n = 0;
    while (w[n] >= '0' && w[n] <= '9')
        n++;
    for (size_t k = 0; k < sizeof units / sizeof units[0]; k++) {
        uint64_t v;
        if (strcasecmp(w + n, units[k].unit) == 0 &&
            parse_uint(w, n, UINT64_C(100000000000) / units[k].bps, &v) == 0 && v > 0) {
            *out = v * units[k].bps;
            return 0;
        }
    }
    return fail(p, "bandwidth must be a whole number from 1 bps to 100 Gbps with a unit (bps, "
                   "kbps, Mbps, Gbps), got '%s'", w);
}

/* ---- names */

static int host_index(const struct scnf *s, const char *name)
{
    for (int i = 0; i < s->nhosts; i++)
        if (!strcmp(s->hosts[i].name, name))
            return i;
    return -1;
}

static int need_host(struct parser *p, const char *name, int *out)
{
    *out = host_index(p->s, name);
    if (*out < 0)
        return fail(p, "unknown host '%s' (declare it with a host statement first)", name);
    return 0;
}

/* "server:5001" */
static int parse_endpoint(struct parser *p, const char *w, int *host, uint16_t *port)
{
    const char *colon = strrchr(w, ':');
    if (!colon)
        return fail(p, "'%s' must be HOST:PORT", w);
    char name[SCNF_NAME_MAX + 1];
    size_t n = (size_t)(colon - w);
    if (n == 0 || n > SCNF_NAME_MAX)
        return fail(p, "'%s' must be HOST:PORT", w);
    memcpy(name, w, n);
    name[n] = '\0';
    uint64_t v;
    if (parse_uint(colon + 1, strlen(colon + 1), 65535, &v) != 0 || v == 0)
        return fail(p, "the port in '%s' must be a whole number from 1 to 65535", w);
    *port = (uint16_t)v;
    return need_host(p, name, host);
}

static int valid_name(const char *w)
{
    size_t n = strlen(w);
    if (n == 0 || n > SCNF_NAME_MAX || !((w[0] >= 'a' && w[0] <= 'z') || (w[0] >= 'A' && w[0] <= 'Z')))
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = w[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

/* ---- statements; w[0] is the statement's word, n the number of words */

/* keepalive on|off, time T, interval T, count N: from w[i] to the end. */
static int parse_ka(struct parser *p, char **w, int i, int n, struct scnf_ka *ka)
{
    int any_setting = 0;
    for (; i < n; i += 2) {
        const char *key = w[i];
        if (i + 1 >= n)
            return fail(p, "'%s' needs a value", key);
        const char *val = w[i + 1];
        int dup;
        if (!strcmp(key, "keepalive")) {
            dup = ka->has_on;
            ka->has_on = 1;
            if (parse_onoff(p, key, val, &ka->on))
                return -1;
        } else if (!strcmp(key, "time")) {
            dup = ka->has_time;
            ka->has_time = any_setting = 1;
            if (parse_ka_ms(p, "time", val, &ka->time_ms))
                return -1;
        } else if (!strcmp(key, "interval")) {
            dup = ka->has_interval;
            ka->has_interval = any_setting = 1;
            if (parse_ka_ms(p, "interval", val, &ka->interval_ms))
                return -1;
        } else if (!strcmp(key, "count")) {
            dup = ka->has_count;
            ka->has_count = any_setting = 1;
            uint64_t v = 0;
            if (strcmp(val, "system") && parse_count(p, "count", val, 255, &v))
                return -1;
            ka->count = strcmp(val, "system") ? (uint32_t)v : VG_KA_SYSTEM;
        } else {
            return fail(p, "unknown keep-alive setting '%s' (expected keepalive, time, interval "
                           "or count)", key);
        }
        if (dup)
            return fail(p, "'%s' given twice", key);
    }
    /* As on the command line: a per-connection value turns keep-alive on unless told off. */
    if (any_setting && !ka->has_on)
        ka->has_on = ka->on = 1;
    return 0;
}

static int st_host(struct parser *p, char **w, int n)
{
    struct scnf *s = p->s;
    if (n < 2)
        return fail(p, "host needs a name");
    if (!valid_name(w[1]))
        return fail(p, "host name '%s' must be a letter then up to %d letters, digits, '-' or "
                       "'_'", w[1], SCNF_NAME_MAX - 1);
    if (!strcmp(w[1], "net") || !strcmp(w[1], "nat") || !strcmp(w[1], "sim"))
        return fail(p, "host name '%s' is reserved for the simulator's own events", w[1]);
    int dup = host_index(s, w[1]);
    if (dup >= 0)
        return fail(p, "host '%s' is already declared on line %d", w[1], s->hosts[dup].line);
    if (s->nhosts == SCNF_MAX_HOSTS)
        return fail(p, "too many hosts (at most %d)", SCNF_MAX_HOSTS);
    struct scnf_host *h = &s->hosts[s->nhosts];
    memset(h, 0, sizeof *h);
    snprintf(h->name, sizeof h->name, "%s", w[1]);
    h->line = p->line;
    h->addr = 0xc0000201u + (uint32_t)s->nhosts;
    h->profile = VG_PROFILE_WINDOWS_VISTA;
    unsigned seen = 0;
    for (int i = 2; i < n; i += 2) {
        static const char *const keys[] = {"addr", "profile", "reg", "garbage-octet",
                                           "keepalive-time", "keepalive-interval",
                                           "max-data-retransmissions"};
        int k = -1;
        for (int j = 0; j < (int)(sizeof keys / sizeof keys[0]); j++)
            if (!strcmp(w[i], keys[j]))
                k = j;
        if (k < 0)
            return fail(p, "unknown host setting '%s' (expected addr, profile, reg, "
                           "garbage-octet, keepalive-time, keepalive-interval or "
                           "max-data-retransmissions)", w[i]);
        if (i + 1 >= n)
            return fail(p, "'%s' needs a value", w[i]);
        if (seen & (1u << k))
            return fail(p, "'%s' given twice", w[i]);
        seen |= 1u << k;
        const char *v = w[i + 1];
        uint64_t num;
        switch (k) {
        case 0:
            if (parse_addr(p, v, &h->addr))
                return -1;
            break;
        case 1:
            if (vg_profile_parse(v, &h->profile) != 0)
                return fail(p, "profile must be windows-vista, windows-2000 or linux, got '%s'",
                            v);
            break;
        case 2:
            if (strlen(v) > SCNF_PATH_MAX)
                return fail(p, "reg path longer than %d bytes", SCNF_PATH_MAX);
            snprintf(h->reg, sizeof h->reg, "%s", v);
            break;
        case 3:
            if (parse_onoff(p, w[i], v, &h->garbage_octet))
                return -1;
            h->garbage_octet = h->garbage_octet ? VG_GARBAGE_OCTET_ON : VG_GARBAGE_OCTET_OFF;
            break;
        case 4:
        case 5: {
            uint32_t ms;
            if (!strcmp(v, "system"))
                return fail(p, "%s is the system value itself: give a time", w[i]);
            if (parse_ka_ms(p, w[i], v, &ms))
                return -1;
            if (k == 4) {
                h->has_sys_time = 1;
                h->sys_time_ms = ms;
            } else {
                h->has_sys_interval = 1;
                h->sys_interval_ms = ms;
            }
            break;
        }
        default:
            if (parse_count(p, w[i], v, UINT32_MAX, &num))
                return -1;
            h->has_sys_retrans = 1;
            h->sys_retrans = (uint32_t)num;
            break;
        }
    }
    for (int i = 0; i < s->nhosts; i++)
        if (s->hosts[i].addr == h->addr)
            return fail(p, "host '%s' has the same address as host '%s'", h->name,
                        s->hosts[i].name);
    s->nhosts++;
    return 0;
}

static int st_listen(struct parser *p, char **w, int n)
{
    struct scnf *s = p->s;
    if (n < 2)
        return fail(p, "listen needs HOST:PORT");
    struct scnf_listen l;
    memset(&l, 0, sizeof l);
    l.line = p->line;
    if (parse_endpoint(p, w[1], &l.host, &l.port) || parse_ka(p, w, 2, n, &l.ka))
        return -1;
    for (int i = 0; i < s->nlistens; i++)
        if (s->listens[i].host == l.host && s->listens[i].port == l.port)
            return fail(p, "%s is already listening (line %d)", w[1], s->listens[i].line);
    if (s->nlistens == SCNF_MAX_LISTENS)
        return fail(p, "too many listen statements (at most %d)", SCNF_MAX_LISTENS);
    s->listens[s->nlistens++] = l;
    return 0;
}

static int st_connect(struct parser *p, char **w, int n)
{
    struct scnf *s = p->s;
    if (n < 4 || strcmp(w[2], "->"))
        return fail(p, "connect must be 'connect HOST -> HOST:PORT [keep-alive settings]'");
    struct scnf_conn c;
    memset(&c, 0, sizeof c);
    c.line = p->line;
    if (need_host(p, w[1], &c.from) || parse_endpoint(p, w[3], &c.to, &c.port) ||
        parse_ka(p, w, 4, n, &c.ka))
        return -1;
    if (c.from == c.to)
        return fail(p, "host '%s' cannot connect to itself", w[1]);
    if (s->nconns == SCNF_MAX_CONNS)
        return fail(p, "too many connect statements (at most %d)", SCNF_MAX_CONNS);
    s->conns[s->nconns++] = c;
    return 0;
}

static int st_link(struct parser *p, char **w, int n)
{
    struct scnf *s = p->s;
    if (p->seen_link++)
        return fail(p, "a second link statement (one describes every path)");
    if (n < 2)
        return fail(p, "link needs latency, bandwidth or loss");
    unsigned seen = 0;
    for (int i = 1; i < n; i += 2) {
        int k = !strcmp(w[i], "latency") ? 0 : !strcmp(w[i], "bandwidth") ? 1
                                             : !strcmp(w[i], "loss")      ? 2
                                                                          : -1;
        if (k < 0)
            return fail(p, "unknown link setting '%s' (expected latency, bandwidth or loss)",
                        w[i]);
        if (i + 1 >= n)
            return fail(p, "'%s' needs a value", w[i]);
        if (seen & (1u << k))
            return fail(p, "'%s' given twice", w[i]);
        seen |= 1u << k;
        if (k == 0) {
            vg_time t;
            if (parse_time(p, "latency", w[i + 1], &t))
                return -1;
            if (t > VG_MS(60000))
                return fail(p, "latency must be at most 60s, got '%s'", w[i + 1]);
            s->latency_us = (uint32_t)t;
        } else if (k == 1) {
            if (parse_bandwidth(p, w[i + 1], &s->bandwidth_bps))
                return -1;
        } else {
            if (parse_probability(p, w[i + 1], &s->loss))
                return -1;
            if (i + 2 < n && (!strcmp(w[i + 2], "from-start") ||
                              !strcmp(w[i + 2], "after-handshake"))) {
                s->loss_from_start = w[i + 2][0] == 'f';
                i++;
            }
        }
    }
    return 0;
}

static int st_single(struct parser *p, char **w, int n)
{
    struct scnf *s = p->s;
    if (!strcmp(w[0], "nat")) {
        if (p->seen_nat++)
            return fail(p, "a second nat statement");
        if (n != 3 || strcmp(w[1], "timeout"))
            return fail(p, "nat must be 'nat timeout T'");
        if (parse_time(p, "nat timeout", w[2], &s->nat_timeout))
            return -1;
        if (s->nat_timeout == 0)
            return fail(p, "nat timeout must be more than 0");
        return 0;
    }
    if (!strcmp(w[0], "seed")) {
        if (p->seen_seed++)
            return fail(p, "a second seed statement");
        if (n != 2)
            return fail(p, "seed must be 'seed N'");
        return parse_count(p, "seed", w[1], UINT64_MAX, &s->seed);
    }
    if (p->seen_duration++)
        return fail(p, "a second duration statement");
    if (n != 2)
        return fail(p, "duration must be 'duration T'");
    if (parse_time(p, "duration", w[1], &s->duration))
        return -1;
    if (s->duration == 0)
        return fail(p, "duration must be more than 0");
    return 0;
}

static int st_at(struct parser *p, char **w, int n)
{
    struct scnf *s = p->s;
    if (n < 3)
        return fail(p, "at must be 'at TIME ACTION ...'");
    struct scnf_action a;
    memset(&a, 0, sizeof a);
    a.line = p->line;
    if (w[1][0] == '+') {
        vg_time d;
        if (parse_time(p, "a relative time", w[1] + 1, &d))
            return -1;
        if (d > SCNF_TIME_MAX - p->last_at)
            return fail(p, "%s after %llu ms is more than a year", w[1],
                        (unsigned long long)(p->last_at / 1000u));
        a.at = p->last_at + d;
    } else {
        if (parse_time(p, "the action's time", w[1], &a.at))
            return -1;
        if (a.at < p->last_at)
            return fail(p, "time goes backwards: %s is before the action on line %d (at %llu "
                           "us); write actions in time order", w[1], p->last_at_line,
                        (unsigned long long)p->last_at);
    }
    const char *verb = w[2];
    static const struct {
        const char *name;
        enum scnf_action_kind kind;
        int hosts;
    } verbs[] = {{"crash", SCNF_CRASH, 1},   {"reboot", SCNF_REBOOT, 1},
                 {"partition", SCNF_PARTITION, 2}, {"heal", SCNF_HEAL, 2},
                 {"send", SCNF_SEND, 1},     {"set", SCNF_SET, 1},
                 {"close", SCNF_CLOSE, 1}};
    int v = -1;
    for (int k = 0; k < (int)(sizeof verbs / sizeof verbs[0]); k++)
        if (!strcmp(verb, verbs[k].name))
            v = k;
    if (v < 0)
        return fail(p, "unknown action '%s' (expected crash, reboot, partition, heal, send, set "
                       "or close)", verb);
    a.kind = verbs[v].kind;
    if (n < 4)
        return fail(p, "%s needs a host", verb);
    if (need_host(p, w[3], &a.host))
        return -1;
    int rest = 4;
    if (verbs[v].hosts == 2) {
        if (n < 5)
            return fail(p, "%s needs two hosts", verb);
        if (need_host(p, w[4], &a.host2))
            return -1;
        if (a.host == a.host2)
            return fail(p, "%s needs two different hosts", verb);
        rest = 5;
    }
    if (a.kind == SCNF_SEND) {
        if (n < 5)
            return fail(p, "send needs a number of bytes");
        if (parse_count(p, "send's byte count", w[4], 1u << 30, &a.bytes))
            return -1;
        if (a.bytes == 0)
            return fail(p, "send's byte count must be at least 1");
        rest = 5;
    } else if (a.kind == SCNF_SET) {
        if (n < 6)
            return fail(p, "set needs keep-alive settings (keepalive on|off, time, interval, "
                           "count)");
        if (parse_ka(p, w, 4, n, &a.ka))
            return -1;
        rest = n;
    }
    if (rest < n)
        return fail(p, "unexpected '%s' after the %s action", w[rest], verb);
    if (s->nactions == SCNF_MAX_ACTIONS)
        return fail(p, "too many actions (at most %d)", SCNF_MAX_ACTIONS);
    s->actions[s->nactions++] = a;
    p->last_at = a.at;
    p->last_at_line = p->line;
    return 0;
}

/* ---- expectations */

static int event_host_ok(struct parser *p, int host, int type)
{
    const char *name = scnf_host_name(p->s, host);
    int net_only = type == VG_SCN_EV_PARTITION_START || type == VG_SCN_EV_PARTITION_HEAL;
    int nat_only = type == VG_SCN_EV_NAT_FORGOT_FLOW;
    int dropped = type == VG_SCN_EV_PACKET_DROPPED;
    int ok = net_only ? host == SCNF_HOST_NET
           : nat_only ? host == SCNF_HOST_NAT
           : dropped  ? host == SCNF_HOST_NET || host == SCNF_HOST_NAT
                      : host >= 0;
    if (ok)
        return 0;
    return fail(p, "%s happens on %s, not on %s", vg_scn_event_name(type),
                net_only ? "net" : nat_only ? "nat" : dropped ? "net or nat" : "a host", name);
}

static int parse_key(struct parser *p, const char *kv, struct scnf_match *m)
{
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv || !eq[1])
        return fail(p, "'%s' must be KEY=VALUE", kv);
    size_t klen = (size_t)(eq - kv);
    const char *val = eq + 1;
    int t = m->type;
#define KEY(name) (klen == sizeof(name) - 1 && !memcmp(kv, name, klen))
    if (KEY("error") && (t == VG_EV_ABORTED || t == VG_EV_CLOSED)) {
        if (m->has_error)
            return fail(p, "error given twice");
        m->has_error = 1;
        if (!strcmp(val, "none")) {
            m->error = 0;
            return 0;
        }
        if (scnf_wsa_parse(val, &m->error) != 0)
            return fail(p, "error must be a Winsock error name such as WSAENETRESET, or none, "
                           "got '%s'", val);
        return 0;
    }
    if ((KEY("probe") && t == VG_EV_PROBE_SENT) ||
        (KEY("unanswered_before") && t == VG_EV_PROBE_ACKED)) {
        uint64_t v;
        if (m->has_arg)
            return fail(p, "%.*s given twice", (int)klen, kv);
        if (parse_count(p, t == VG_EV_PROBE_SENT ? "probe" : "unanswered_before", val, 255, &v))
            return -1;
        m->has_arg = 1;
        m->arg = (uint32_t)v;
        return 0;
    }
    if (t == VG_SCN_EV_PACKET_DROPPED && (KEY("what") || KEY("from") || KEY("reason"))) {
        if (KEY("what")) {
            for (int s = VG_SCN_SEG_OTHER; s <= VG_SCN_SEG_ACK; s++)
                if (!strcmp(val, vg_scn_segment_name((enum vg_scn_segment)s))) {
                    m->has_what = 1;
                    m->what = s;
                    return 0;
                }
            return fail(p, "what must be syn, rst, fin, data, probe, ack or other, got '%s'", val);
        }
        if (KEY("from")) {
            m->has_from = 1;
            return need_host(p, val, &m->from);
        }
        for (int r = VG_SCN_DROP_NAT; r <= VG_SCN_DROP_LOSS; r++)
            if (!strcmp(val, vg_scn_drop_reason_name((enum vg_scn_drop_reason)r))) {
                m->has_reason = 1;
                m->reason = r;
                return 0;
            }
        return fail(p, "reason must be nat_no_flow or random_loss, got '%s'", val);
    }
#undef KEY
    const char *takes = t == VG_EV_ABORTED || t == VG_EV_CLOSED ? "error"
                      : t == VG_EV_PROBE_SENT                   ? "probe"
                      : t == VG_EV_PROBE_ACKED                  ? "unanswered_before"
                      : t == VG_SCN_EV_PACKET_DROPPED           ? "what, from, reason"
                                                                : NULL;
    if (takes)
        return fail(p, "unknown key '%.*s' for %s (it takes %s)", (int)klen, kv,
                    vg_scn_event_name(t), takes);
    return fail(p, "%s takes no KEY=VALUE, got '%s'", vg_scn_event_name(t), kv);
}

/* HOST EVENT [KEY=VALUE ...], from w[i]; *next: the first word after it ("in" or the end). */
static int parse_match(struct parser *p, char **w, int i, int n, struct scnf_match *m, int *next)
{
    memset(m, 0, sizeof *m);
    if (i + 1 >= n)
        return fail(p, "expect needs a host and an event");
    if (!strcmp(w[i], "net"))
        m->host = SCNF_HOST_NET;
    else if (!strcmp(w[i], "nat"))
        m->host = SCNF_HOST_NAT;
    else if (need_host(p, w[i], &m->host))
        return -1;
    if (scnf_event_parse(w[i + 1], &m->type) != 0)
        return fail(p, "unknown event '%s' (see docs/scenarios.md for the list)", w[i + 1]);
    if (event_host_ok(p, m->host, m->type))
        return -1;
    for (i += 2; i < n && strcmp(w[i], "in"); i++)
        if (parse_key(p, w[i], m))
            return -1;
    *next = i;
    return 0;
}

/* "in A..B" at w[i], the last words of the line. */
static int parse_window(struct parser *p, char **w, int i, int n, vg_time *from, vg_time *to)
{
    if (i >= n)
        return fail(p, "this expectation needs an interval: 'in A..B'");
    if (i + 2 != n)
        return fail(p, "'in' must be followed by exactly one interval A..B");
    char *dots = strstr(w[i + 1], "..");
    if (!dots)
        return fail(p, "interval '%s' must be A..B, e.g. 0s..2h", w[i + 1]);
    *dots = '\0';
    if (parse_time(p, "the interval's start", w[i + 1], from) ||
        parse_time(p, "the interval's end", dots + 2, to))
        return -1;
    if (*to < *from)
        return fail(p, "interval ends (%s) before it starts (%s)", dots + 2, w[i + 1]);
    return 0;
}

static int st_expect(struct parser *p, char **w, int n, const char *text)
{
    struct scnf *s = p->s;
    if (n < 4)
        return fail(p, "expect must be 'expect TIME [±TOL] HOST EVENT ...', 'expect none HOST "
                       "EVENT ... in A..B' or 'expect N HOST EVENT ... in A..B'");
    struct scnf_expect e;
    memset(&e, 0, sizeof e);
    e.line = p->line;
    snprintf(e.text, sizeof e.text, "%s", text);
    int i = 2, next;
    if (!strcmp(w[1], "none") || all_digits(w[1], strlen(w[1]))) {
        e.kind = w[1][0] == 'n' ? SCNF_EXPECT_NONE : SCNF_EXPECT_COUNT;
        if (e.kind == SCNF_EXPECT_COUNT && parse_count(p, "the expected count", w[1], 1000000000,
                                                       &e.count))
            return -1;
        if (parse_match(p, w, i, n, &e.m, &next) || parse_window(p, w, next, n, &e.from, &e.to))
            return -1;
    } else {
        e.kind = SCNF_EXPECT_AT;
        if (parse_time(p, "the expected time", w[1], &e.at))
            return -1;
        const char *tol = NULL;
        if (!strncmp(w[2], "\xc2\xb1", 2))
            tol = w[2] + 2;
        else if (!strncmp(w[2], "+-", 2))
            tol = w[2] + 2;
        if (tol) {
            i = 3;
            if (!*tol) {
                if (n < 4)
                    return fail(p, "'%s' needs a tolerance", w[2]);
                tol = w[3];
                i = 4;
            }
            if (parse_time(p, "the tolerance", tol, &e.tol))
                return -1;
        }
        if (parse_match(p, w, i, n, &e.m, &next))
            return -1;
        if (next < n)
            return fail(p, "an expectation at a time takes no interval ('in' is for none and "
                           "counts)");
    }
    if (s->nexpects == SCNF_MAX_EXPECTS)
        return fail(p, "too many expectations (at most %d)", SCNF_MAX_EXPECTS);
    s->expects[s->nexpects++] = e;
    return 0;
}

/* ---- lines */

/* A byte that may not appear: NUL, control characters, and outside comments anything but
 * printable ASCII and the ± sign. */
static int check_bytes(struct parser *p, const char *l, size_t n)
{
    int in_comment = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)l[i];
        if (c == '#')
            in_comment = 1;
        if (c == 0)
            return fail(p, "binary data: a NUL byte at column %zu", i + 1);
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return fail(p, "binary data: control byte 0x%02x at column %zu", c, i + 1);
        if (c >= 0x80 && !in_comment) {
            if (c == 0xc2 && i + 1 < n && (unsigned char)l[i + 1] == 0xb1) {
                i++;
                continue;
            }
            return fail(p, "byte 0x%02x at column %zu: only ASCII (and the ± sign) outside "
                           "comments", c, i + 1);
        }
    }
    return 0;
}

static int statement(struct parser *p, char *l)
{
    char *hash = strchr(l, '#');
    if (hash)
        *hash = '\0';
    /* The statement as written, for the report: without comment and surrounding blanks. */
    char text[SCNF_LINE_MAX + 1];
    const char *b = l;
    while (*b == ' ' || *b == '\t')
        b++;
    snprintf(text, sizeof text, "%s", b);
    size_t tl = strlen(text);
    while (tl && (text[tl - 1] == ' ' || text[tl - 1] == '\t'))
        text[--tl] = '\0';
    char *w[MAX_WORDS];
    int n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(l, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
        if (n == MAX_WORDS)
            return fail(p, "too many words (at most %d)", MAX_WORDS);
        w[n++] = tok;
    }
    if (n == 0)
        return 0;
    const char *st = w[0];
    if (!strcmp(st, "host"))
        return st_host(p, w, n);
    if (!strcmp(st, "listen"))
        return st_listen(p, w, n);
    if (!strcmp(st, "connect"))
        return st_connect(p, w, n);
    if (!strcmp(st, "link"))
        return st_link(p, w, n);
    if (!strcmp(st, "nat") || !strcmp(st, "seed") || !strcmp(st, "duration"))
        return st_single(p, w, n);
    if (!strcmp(st, "at"))
        return st_at(p, w, n);
    if (!strcmp(st, "expect"))
        return st_expect(p, w, n, text);
    if (!valid_name(st))
        return fail(p, "unknown statement (expected host, listen, connect, link, nat, seed, "
                       "duration, at or expect)");
    return fail(p, "unknown statement '%s' (expected host, listen, connect, link, nat, seed, "
                   "duration, at or expect)", st);
}

/* After the last line: what every scenario needs, and the listeners connections imply. */
static int finish(struct parser *p)
{
    struct scnf *s = p->s;
    if (s->nhosts < 2)
        return fail(p, "a scenario needs at least two hosts, found %d", s->nhosts);
    if (s->nconns == 0)
        return fail(p, "no connect statement: a scenario needs at least one connection");
    for (int c = 0; c < s->nconns; c++) {
        int found = 0;
        for (int l = 0; l < s->nlistens; l++)
            found |= s->listens[l].host == s->conns[c].to && s->listens[l].port == s->conns[c].port;
        if (found)
            continue;
        if (s->nlistens == SCNF_MAX_LISTENS) {
            p->line = s->conns[c].line;
            return fail(p, "too many listening ports (at most %d)", SCNF_MAX_LISTENS);
        }
        struct scnf_listen *l = &s->listens[s->nlistens++];
        memset(l, 0, sizeof *l);
        l->host = s->conns[c].to;
        l->port = s->conns[c].port;
        l->line = s->conns[c].line;
    }
    for (int i = 0; i < s->nactions; i++) {
        const struct scnf_action *a = &s->actions[i];
        if (s->duration != VG_TIME_NEVER && a->at > s->duration) {
            p->line = a->line;
            return fail(p, "this action comes after the end of the run (duration)");
        }
    }
    for (int i = 0; i < s->nexpects; i++) {
        const struct scnf_expect *e = &s->expects[i];
        vg_time last = e->kind == SCNF_EXPECT_AT ? e->at + e->tol : e->to;
        if (s->duration != VG_TIME_NEVER && last > s->duration) {
            p->line = e->line;
            return fail(p, "this expectation looks past the end of the run (duration)");
        }
    }
    return 0;
}

int scnf_parse(const char *data, size_t len, struct scnf *out, int *line, char *err,
               size_t errlen)
{
    struct parser p = {.s = out, .err = err, .errlen = errlen};
    memset(out, 0, sizeof *out);
    out->latency_us = 1000;
    out->seed = 1;
    out->duration = VG_TIME_NEVER;
    if (err && errlen)
        err[0] = '\0';
    size_t pos = 0;
    int rc = 0;
    while (pos < len && rc == 0) {
        p.line++;
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (data + pos)) : len - pos;
        const char *l = data + pos;
        pos += n + (nl ? 1 : 0);
        if (n && l[n - 1] == '\r')
            n--;
        if (n > SCNF_LINE_MAX) {
            rc = fail(&p, "line too long (more than %d bytes)", SCNF_LINE_MAX);
            break;
        }
        if ((rc = check_bytes(&p, l, n)) != 0)
            break;
        char buf[SCNF_LINE_MAX + 1];
        memcpy(buf, l, n);
        buf[n] = '\0';
        rc = statement(&p, buf);
    }
    out->lines = p.line;
    if (rc == 0) {
        if (p.line == 0)
            p.line = 1;
        rc = finish(&p);
    }
    if (line)
        *line = p.line;
    return rc;
}

vg_time scnf_end(const struct scnf *s)
{
    if (s->duration != VG_TIME_NEVER)
        return s->duration;
    vg_time last = 0;
    for (int i = 0; i < s->nactions; i++)
        if (s->actions[i].at > last)
            last = s->actions[i].at;
    for (int i = 0; i < s->nexpects; i++) {
        const struct scnf_expect *e = &s->expects[i];
        vg_time t = e->kind == SCNF_EXPECT_AT ? e->at + e->tol : e->to;
        if (t > last)
            last = t;
    }
    return last + VG_MS(1000);
}
