/* The order a name is looked up in: "localhost", this stack's own name (gethostname), the
 * VIGIL_HOSTS file, then DNS through VIGIL_DNS. Numeric addresses never get here (the callers
 * take them first). What DNS says is judged as Windows reports it: NXDOMAIN WSAHOST_NOT_FOUND,
 * SERVFAIL WSATRY_AGAIN, any other refusal WSANO_RECOVERY, a name without an A (or AAAA)
 * record WSANO_DATA. For both families AAAA is asked first, then A; the two are one answer
 * when either has addresses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/ws.h"
#include "api/ws_dns_wire.h"
#include "api/ws_resolve.h"

#define LOCALHOST 0x7f000001u
#define DEFAULT_HOSTNAME "vigil"

const char *ws_hostname(void)
{
    const char *v = getenv("VIGIL_HOSTNAME");
    if (v && *v && strlen(v) <= VG_DNS_NAME_MAX && !strpbrk(v, " \t\r\n"))
        return v;
    if (v && *v) {
        static int warned;
        if (!warned++)
            fprintf(stderr, "vigil: VIGIL_HOSTNAME must be a name of 1 to 255 characters "
                            "without spaces; using '%s'\n", DEFAULT_HOSTNAME);
    }
    return DEFAULT_HOSTNAME;
}

static int judge(const struct vg_dns_answer *a, int want_addrs)
{
    switch (a->rcode) {
    case VG_DNS_RCODE_NOERROR:
        return (want_addrs ? a->naddrs + a->naddrs6 > 0 : a->ptr[0] != '\0') ? 0 : VG_WSANO_DATA;
    case VG_DNS_RCODE_NXDOMAIN:
        return VG_WSAHOST_NOT_FOUND;
    case VG_DNS_RCODE_SERVFAIL:
        return VG_WSATRY_AGAIN;
    default:
        return VG_WSANO_RECOVERY;
    }
}

/* One DNS question for the addresses of one family, added to out. A failure to reach the
 * server at all is *fatal (asking the other family would only wait as long again); NXDOMAIN
 * is fatal too: the name exists for neither family. */
static int ask_addrs(const char *name, uint16_t qtype, struct ws_res_result *out, int *fatal)
{
    struct vg_dns_answer *a = malloc(sizeof *a);
    if (!a)
        return VG_WSA_NOT_ENOUGH_MEMORY;
    int e = ws_dns_ask(name, qtype, a);
    *fatal = e != 0;
    if (!e) {
        e = judge(a, 1);
        *fatal = e == VG_WSAHOST_NOT_FOUND;
    }
    if (!e) {
        if (!out->canon[0])
            snprintf(out->canon, sizeof out->canon, "%s", a->canon);
        memcpy(out->addrs + out->naddrs, a->addrs, a->naddrs * sizeof a->addrs[0]);
        out->naddrs += a->naddrs;
        memcpy(out->addrs6 + out->naddrs6, a->addrs6, a->naddrs6 * sizeof a->addrs6[0]);
        out->naddrs6 += a->naddrs6;
    }
    free(a);
    return e;
}

static int ask_ptr(const char *q, char *name, size_t cap)
{
    struct vg_dns_answer *a = malloc(sizeof *a);
    if (!a)
        return VG_WSA_NOT_ENOUGH_MEMORY;
    int e = ws_dns_ask(q, VG_DNS_TYPE_PTR, a);
    if (!e)
        e = judge(a, 0);
    if (!e)
        snprintf(name, cap, "%s", a->ptr);
    free(a);
    return e;
}

int ws_resolve_name(const char *name, int want, struct ws_res_result *out)
{
    memset(out, 0, sizeof *out);
    size_t n = strlen(name);
    if (n > VG_DNS_NAME_MAX + 1)
        return VG_WSAHOST_NOT_FOUND;
    if (vg_dns_name_eq(name, "localhost") || vg_dns_name_eq(name, "localhost.")) {
        /* Windows: ::1 and 127.0.0.1, whichever the caller asked for. */
        snprintf(out->canon, sizeof out->canon, "localhost");
        if (want & WS_RES_V6)
            memcpy(out->addrs6[out->naddrs6++], vg_in6addr_loopback.u.Byte, 16);
        if (want & WS_RES_V4)
            out->addrs[out->naddrs++] = LOCALHOST;
        return 0;
    }
    if (vg_dns_name_eq(name, ws_hostname()) && (want & WS_RES_V4)) {
        snprintf(out->canon, sizeof out->canon, "%s", ws_hostname());
        out->addrs[out->naddrs++] = vg_stack_config(ws_t.net->stack)->addr;
        return 0;
    }
    if (ws_hosts_by_name(name, want, out))
        return 0;
    int e6 = 0, e4 = 0, fatal = 0;
    if (want & WS_RES_V6) {
        e6 = ask_addrs(name, VG_DNS_TYPE_AAAA, out, &fatal);
        if (fatal)
            return e6;
    }
    if (want & WS_RES_V4)
        e4 = ask_addrs(name, VG_DNS_TYPE_A, out, &fatal);
    if (out->naddrs + out->naddrs6 > 0)
        return 0;
    return (want & WS_RES_V4) ? e4 : e6;
}

int ws_resolve_addr(uint32_t addr, char *name, size_t cap)
{
    if (ws_hosts_by_addr(addr, name, cap))
        return 0;
    if ((addr >> 24) == 127) {
        snprintf(name, cap, "localhost");
        return 0;
    }
    if (addr == vg_stack_config(ws_t.net->stack)->addr) {
        snprintf(name, cap, "%s", ws_hostname());
        return 0;
    }
    char q[32];
    vg_dns_ptr_name(addr, q);
    return ask_ptr(q, name, cap);
}

int ws_resolve_addr6(const uint8_t addr[16], char *name, size_t cap)
{
    if (ws_hosts_by_addr6(addr, name, cap))
        return 0;
    if (memcmp(addr, vg_in6addr_loopback.u.Byte, 16) == 0) {
        snprintf(name, cap, "localhost");
        return 0;
    }
    char q[VG_DNS_PTR6_LEN];
    vg_dns_ptr6_name(addr, q);
    return ask_ptr(q, name, cap);
}

void vg_ws_resolver_stats(struct vg_ws_resolver_stats *out)
{
    int e = ws_enter_quiet();
    if (e) {
        memset(out, 0, sizeof *out);
        return;
    }
    *out = ws_dns_stats;
    ws_leave();
}
