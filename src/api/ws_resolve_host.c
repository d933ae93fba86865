/* The Winsock 1.1 lookups: gethostbyname and gethostbyaddr return a hostent in a buffer of the
 * calling thread, valid until its next call of either (Windows: "allocated by Windows Sockets
 * ... one copy per thread"); gethostname says VIGIL_HOSTNAME, or "vigil", the name this stack
 * answers to itself (never the host's own: the stack is not the host). */
#include <stdio.h>
#include <string.h>

#include "api/ws.h"
#include "api/ws_resolve.h"

struct host_buf {
    struct vg_hostent h;
    char name[VG_DNS_NAME_MAX + 1];
    char *aliases[1];
    char *addr_ptrs[VG_DNS_ADDRS_MAX + 1];
    uint32_t addrs[VG_DNS_ADDRS_MAX];   /* network byte order, as h_addr_list points to */
};
static _Thread_local struct host_buf hb;

static struct vg_hostent *fill(const char *name, const uint32_t *addrs, size_t n)
{
    memset(&hb, 0, sizeof hb);
    snprintf(hb.name, sizeof hb.name, "%s", name);
    hb.h.h_name = hb.name;
    hb.h.h_aliases = hb.aliases;
    hb.h.h_addrtype = VG_WS_AF_INET;
    hb.h.h_length = 4;
    for (size_t i = 0; i < n && i < VG_DNS_ADDRS_MAX; i++) {
        hb.addrs[i] = vg_htonl(addrs[i]);
        hb.addr_ptrs[i] = (char *)&hb.addrs[i];
    }
    hb.h.h_addr_list = hb.addr_ptrs;
    return &hb.h;
}

static struct vg_hostent *done(struct vg_hostent *h, int e)
{
    ws_leave();
    if (e)
        ws_fail(e);
    return e ? NULL : h;
}

struct vg_hostent *vg_ws_gethostbyname(const char *name)
{
    int e = ws_enter();
    if (e) {
        ws_fail(e);
        return NULL;
    }
    uint32_t a;
    /* Windows: NULL or "" is this computer, under gethostname's name. */
    if (!name || !*name) {
        a = vg_stack_config(ws_t.net->stack)->addr;
        return done(fill(ws_hostname(), &a, 1), 0);
    }
    if (vg_ws_inet_pton(VG_WS_AF_INET, name, &a) == 1) {
        a = vg_ntohl(a);
        return done(fill(name, &a, 1), 0);
    }
    struct ws_res_result r;
    e = ws_resolve_name(name, WS_RES_V4, &r);
    return done(e ? NULL : fill(r.canon, r.addrs, r.naddrs), e);
}

struct vg_hostent *vg_ws_gethostbyaddr(const char *addr, int len, int type)
{
    int e = ws_enter();
    if (e) {
        ws_fail(e);
        return NULL;
    }
    if (type != VG_WS_AF_INET)
        return done(NULL, VG_WSAEAFNOSUPPORT);
    if (!addr || len < 4)
        return done(NULL, VG_WSAEFAULT);
    uint32_t a;
    memcpy(&a, addr, 4);
    a = vg_ntohl(a);
    char name[VG_DNS_NAME_MAX + 1];
    e = ws_resolve_addr(a, name, sizeof name);
    return done(e ? NULL : fill(name, &a, 1), e == VG_WSANO_DATA ? VG_WSAHOST_NOT_FOUND : e);
}

int vg_ws_gethostname(char *name, int namelen)
{
    int e = ws_enter_quiet();
    if (e)
        return ws_fail(e);
    const char *h = ws_hostname();
    if (!name || namelen < 0 || strlen(h) + 1 > (size_t)namelen)
        e = VG_WSAEFAULT;
    else
        memcpy(name, h, strlen(h) + 1);
    ws_leave();
    return e ? ws_fail(e) : 0;
}
