/* GetAddrInfoW and FreeAddrInfoW: getaddrinfo with UTF-16 names and services (WCHAR strings).
 * DNS names are ASCII here (no IDN): a string with any other character cannot name a host or a
 * service, so it fails as an unknown one would. The results are getaddrinfo's, copied into
 * ADDRINFOW nodes whose canonical name is UTF-16. */
#include <stdlib.h>
#include <string.h>

#include "api/ws.h"
#include "api/ws_resolve.h"

#define WIDE_MAX 1024             /* longer than any name or service getaddrinfo takes */

/* ASCII from UTF-16: 0, or -1 for a character outside ASCII or a string too long. */
static int narrow(const uint16_t *in, char *out)
{
    size_t i = 0;
    for (; in[i]; i++) {
        if (i + 1 >= WIDE_MAX || in[i] > 0x7f)
            return -1;
        out[i] = (char)in[i];
    }
    out[i] = '\0';
    return 0;
}

static uint16_t *widen(const char *s)
{
    size_t n = strlen(s);
    uint16_t *w = malloc((n + 1) * sizeof *w);
    if (!w)
        return NULL;
    for (size_t i = 0; i <= n; i++)
        w[i] = (unsigned char)s[i] < 0x80 ? (uint16_t)(unsigned char)s[i] : 0xfffd;
    return w;
}

static int fail_with(int e)
{
    ws_fail(e);
    return e;
}

int vg_ws_getaddrinfo_w(const uint16_t *node, const uint16_t *service,
                        const struct vg_addrinfo_w *hints, struct vg_addrinfo_w **res)
{
    if (!res)
        return fail_with(VG_WSAEINVAL);
    *res = NULL;
    char n[WIDE_MAX], sv[WIDE_MAX];
    if (node && narrow(node, n) < 0)
        return fail_with(VG_WSAHOST_NOT_FOUND);
    if (service && narrow(service, sv) < 0)
        return fail_with(VG_WSATYPE_NOT_FOUND);
    struct vg_addrinfo h, *narrow_res = NULL;
    memset(&h, 0, sizeof h);
    if (hints) {
        if (hints->ai_addrlen || hints->ai_canonname || hints->ai_addr || hints->ai_next)
            return fail_with(VG_WSANO_RECOVERY);
        h.ai_flags = hints->ai_flags;
        h.ai_family = hints->ai_family;
        h.ai_socktype = hints->ai_socktype;
        h.ai_protocol = hints->ai_protocol;
    }
    int e = vg_ws_getaddrinfo(node ? n : NULL, service ? sv : NULL, hints ? &h : NULL,
                              &narrow_res);
    if (e)
        return e;                 /* getaddrinfo has set the last error */
    struct vg_addrinfo_w *head = NULL, **tail = &head;
    for (struct vg_addrinfo *a = narrow_res; a; a = a->ai_next) {
        struct {
            struct vg_addrinfo_w ai;
            struct vg_sockaddr_in6 sin;   /* room for either family's */
        } *w = calloc(1, sizeof *w);
        if (!w || (a->ai_canonname && !(w->ai.ai_canonname = widen(a->ai_canonname)))) {
            free(w);
            vg_ws_freeaddrinfo_w(head);
            vg_ws_freeaddrinfo(narrow_res);
            return fail_with(VG_WSA_NOT_ENOUGH_MEMORY);
        }
        w->ai.ai_flags = a->ai_flags;
        w->ai.ai_family = a->ai_family;
        w->ai.ai_socktype = a->ai_socktype;
        w->ai.ai_protocol = a->ai_protocol;
        w->ai.ai_addrlen = a->ai_addrlen;
        memcpy(&w->sin, a->ai_addr, a->ai_addrlen);
        w->ai.ai_addr = (struct vg_sockaddr *)&w->sin;
        *tail = &w->ai;
        tail = &w->ai.ai_next;
    }
    vg_ws_freeaddrinfo(narrow_res);
    *res = head;
    return 0;
}

void vg_ws_freeaddrinfo_w(struct vg_addrinfo_w *ai)
{
    while (ai) {
        struct vg_addrinfo_w *next = ai->ai_next;
        free(ai->ai_canonname);
        free(ai);
        ai = next;
    }
}
