/* The hosts file of the Winsock layer's stack: the file VIGIL_HOSTS names, hosts(5) format
 * ("ADDR NAME [ALIAS...]", '#' comments). Never /etc/hosts: that file describes the host, not
 * this stack. Read at most VG_HOSTS_MAX_BYTES, lines of at most VG_HOSTS_LINE_MAX; a line that
 * is not an address (IPv4, or IPv6 in RFC 4291's text) and at least one name is ignored and
 * counted, and the count is said once on stderr. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/ws.h"
#include "api/ws_addr6.h"
#include "api/ws_dns_wire.h"
#include "api/ws_resolve.h"

#define VG_HOSTS_MAX_BYTES (1024u * 1024u)
#define VG_HOSTS_LINE_MAX 1024u

struct hosts_query {
    const char *name;             /* by name (of the families in want), or */
    int want;
    uint32_t addr;                /* by address (name NULL): IPv4, or */
    const uint8_t *addr6;         /* IPv6 when not NULL */
    struct ws_res_result *out;
    char *found_name;
    size_t cap;
    int found;
};

/* One line's verdict on q; -1 when the line is bad. */
static int hosts_line(char *line, struct hosts_query *q)
{
    char *hash = strchr(line, '#');
    if (hash)
        *hash = '\0';
    const char *ws = " \t\r\n";
    char *save;
    char *tok = strtok_r(line, ws, &save);
    if (!tok)
        return 0;                 /* blank or comment */
    uint32_t a = 0;
    uint8_t a6[16];
    int v6 = 0;
    if (vg_ws_inet_pton(VG_WS_AF_INET, tok, &a) == 1)
        a = vg_ntohl(a);
    else if (ws_inet6_parse(tok, a6) == 0)
        v6 = 1;
    else
        return -1;
    char *first = strtok_r(NULL, ws, &save);
    if (!first || strlen(first) > VG_DNS_NAME_MAX)
        return -1;
    if (!q->name) {
        int same = q->addr6 ? v6 && memcmp(a6, q->addr6, 16) == 0 : !v6 && a == q->addr;
        if (same && !q->found) {
            snprintf(q->found_name, q->cap, "%s", first);
            q->found = 1;
        }
        return 0;
    }
    if (!(q->want & (v6 ? WS_RES_V6 : WS_RES_V4)))
        return 0;
    for (char *n = first; n; n = strtok_r(NULL, ws, &save)) {
        if (!vg_dns_name_eq(n, q->name))
            continue;
        if (!q->found)
            snprintf(q->out->canon, sizeof q->out->canon, "%s", first);
        q->found = 1;
        if (v6 && q->out->naddrs6 < VG_DNS_ADDRS_MAX)
            memcpy(q->out->addrs6[q->out->naddrs6++], a6, 16);
        else if (!v6 && q->out->naddrs < VG_DNS_ADDRS_MAX)
            q->out->addrs[q->out->naddrs++] = a;
        break;
    }
    return 0;
}

static void say_once(const char *path, const char *msg)
{
    static char last[512];
    char now[512];
    snprintf(now, sizeof now, "vigil: VIGIL_HOSTS=%s: %s", path, msg);
    if (strcmp(now, last) != 0) {
        fprintf(stderr, "%s\n", now);
        snprintf(last, sizeof last, "%s", now);
    }
}

static int hosts_scan(struct hosts_query *q)
{
    const char *path = getenv("VIGIL_HOSTS");
    if (!path || !*path)
        return 0;
    FILE *f = fopen(path, "r");
    if (!f) {
        char msg[256];
        snprintf(msg, sizeof msg, "cannot open: %s", strerror(errno));
        say_once(path, msg);
        return 0;
    }
    char line[VG_HOSTS_LINE_MAX + 2];
    size_t total = 0;
    unsigned long lineno = 0, bad = 0, first_bad = 0;
    int skipping = 0, too_big = 0;
    while (fgets(line, sizeof line, f)) {
        size_t len = strlen(line);
        total += len;
        if (total > VG_HOSTS_MAX_BYTES) {
            too_big = 1;
            break;
        }
        int complete = len && line[len - 1] == '\n';
        if (skipping) {           /* the rest of an overlong line */
            skipping = !complete;
            continue;
        }
        lineno++;
        if (!complete && len > VG_HOSTS_LINE_MAX) {
            skipping = 1;
            bad++;
            first_bad = first_bad ? first_bad : lineno;
            continue;
        }
        if (hosts_line(line, q) < 0) {
            bad++;
            first_bad = first_bad ? first_bad : lineno;
        }
    }
    fclose(f);
    ws_dns_stats.hosts_bad_lines = bad;
    char msg[256];
    if (too_big) {
        snprintf(msg, sizeof msg, "larger than %u bytes: the rest is ignored", VG_HOSTS_MAX_BYTES);
        say_once(path, msg);
    }
    if (bad) {
        snprintf(msg, sizeof msg, "%lu bad line%s ignored (the first: line %lu)", bad,
                 bad == 1 ? "" : "s", first_bad);
        say_once(path, msg);
    }
    return q->found;
}

int ws_hosts_by_name(const char *name, int want, struct ws_res_result *out)
{
    struct hosts_query q = {.name = name, .want = want, .out = out};
    out->naddrs = out->naddrs6 = 0;
    return hosts_scan(&q);
}

int ws_hosts_by_addr(uint32_t addr, char *name, size_t cap)
{
    struct hosts_query q = {.addr = addr, .found_name = name, .cap = cap};
    return hosts_scan(&q);
}

int ws_hosts_by_addr6(const uint8_t addr[16], char *name, size_t cap)
{
    struct hosts_query q = {.addr6 = addr, .found_name = name, .cap = cap};
    return hosts_scan(&q);
}
