/* The order a name is looked up in: "localhost", this stack's own name (gethostname), the
 * VIGIL_HOSTS file, then DNS through VIGIL_DNS. Numeric addresses never get here (the callers
 * take them first). What DNS says is judged as Windows reports it: NXDOMAIN WSAHOST_NOT_FOUND,
 * SERVFAIL WSATRY_AGAIN, any other refusal WSANO_RECOVERY, a name without an A record
 * WSANO_DATA. */
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
        return (want_addrs ? a->naddrs > 0 : a->ptr[0] != '\0') ? 0 : VG_WSANO_DATA;
    case VG_DNS_RCODE_NXDOMAIN:
        return VG_WSAHOST_NOT_FOUND;
    case VG_DNS_RCODE_SERVFAIL:
        return VG_WSATRY_AGAIN;
    default:
        return VG_WSANO_RECOVERY;
    }
}

int ws_resolve_name(const char *name, struct ws_res_result *out)
{
    memset(out, 0, sizeof *out);
    size_t n = strlen(name);
    if (n > VG_DNS_NAME_MAX + 1)
        return VG_WSAHOST_NOT_FOUND;
    if (vg_dns_name_eq(name, "localhost") || vg_dns_name_eq(name, "localhost.")) {
        snprintf(out->canon, sizeof out->canon, "localhost");
        out->addrs[out->naddrs++] = LOCALHOST;
        return 0;
    }
    if (vg_dns_name_eq(name, ws_hostname())) {
        snprintf(out->canon, sizeof out->canon, "%s", ws_hostname());
        out->addrs[out->naddrs++] = vg_stack_config(ws_t.net->stack)->addr;
        return 0;
    }
    if (ws_hosts_by_name(name, out))
        return 0;
    struct vg_dns_answer *a = malloc(sizeof *a);
    if (!a)
        return VG_WSA_NOT_ENOUGH_MEMORY;
    int e = ws_dns_ask(name, VG_DNS_TYPE_A, a);
    if (!e)
        e = judge(a, 1);
    if (!e) {
        snprintf(out->canon, sizeof out->canon, "%s", a->canon);
        memcpy(out->addrs, a->addrs, a->naddrs * sizeof a->addrs[0]);
        out->naddrs = a->naddrs;
    }
    free(a);
    return e;
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
