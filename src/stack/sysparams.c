/* Keep-alive profiles and the system-wide parameters they start from (spec A9, A10, A11, C2). */
#include "vigil/vigil.h"

#include <stddef.h>

/* Windows clamps the legacy probe count to a byte (A10). */
#define VG_W2K_COUNT_MAX 255u

static const char *const profile_names[] = {
    [VG_PROFILE_WINDOWS_VISTA] = "windows-vista",
    [VG_PROFILE_WINDOWS_2000] = "windows-2000",
    [VG_PROFILE_LINUX] = "linux",
};
#define PROFILE_COUNT (sizeof profile_names / sizeof profile_names[0])

const char *vg_profile_name(enum vg_profile p)
{
    /* An out-of-range enum comes from a caller's cast; a printable answer beats a NULL in
     * someone's printf. */
    if ((size_t)p >= PROFILE_COUNT)
        return "unknown";
    return profile_names[p];
}

static int ascii_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int ascii_equal_nocase(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (ascii_lower((unsigned char)*a) != ascii_lower((unsigned char)*b))
            return 0;
    return *a == *b;
}

int vg_profile_parse(const char *name, enum vg_profile *out)
{
    if (!name)
        return -1;
    for (size_t i = 0; i < PROFILE_COUNT; i++) {
        if (ascii_equal_nocase(name, profile_names[i])) {
            if (out)
                *out = (enum vg_profile)i;
            return 0;
        }
    }
    return -1;
}

void vg_sysparams_default(enum vg_profile p, struct vg_sysparams *out)
{
    if (!out)
        return;
    out->keepalive_time_ms = 7200000u;      /* two hours on every profile (A9, C2) */
    out->pptp_tcp_max_data_retransmissions = 5u;
    if (p == VG_PROFILE_LINUX) {
        out->keepalive_interval_ms = 75000u; /* net.ipv4.tcp_keepalive_intvl */
        out->tcp_max_data_retransmissions = 15u; /* net.ipv4.tcp_retries2 */
    } else {
        out->keepalive_interval_ms = 1000u;
        out->tcp_max_data_retransmissions = 5u;
    }
}

uint32_t vg_sysparams_keepalive_count(enum vg_profile p, const struct vg_sysparams *sp)
{
    switch (p) {
    case VG_PROFILE_WINDOWS_2000: {
        struct vg_sysparams def;
        if (!sp) {
            vg_sysparams_default(p, &def);
            sp = &def;
        }
        uint32_t n = sp->tcp_max_data_retransmissions;
        if (sp->pptp_tcp_max_data_retransmissions > n)
            n = sp->pptp_tcp_max_data_retransmissions;
        return n > VG_W2K_COUNT_MAX ? VG_W2K_COUNT_MAX : n;
    }
    case VG_PROFILE_LINUX:
        return 9u;                          /* net.ipv4.tcp_keepalive_probes */
    case VG_PROFILE_WINDOWS_VISTA:
    default:
        /* Vista and later fixed the count; the registry no longer influences it (A10). */
        return 10u;
    }
}
