/* The value names a Tcpip\Parameters key may hold (see regnames.h).
 *
 * A real export of the key carries dozens of values vigil has no use for (host name, DNS
 * servers, routing switches, ...). Warning about each of them would bury the one typo a user
 * needs to see, so the names Windows documents for the key are listed here, the one place that
 * says which names vigil knows without reading them. The values vigil reads are regfile.c's. */
#include "stack/regnames.h"

#include <string.h>

static const char *const other_names[] = {
    "ArpCacheLife", "ArpCacheMinReferencedLife", "ArpRetryCount", "DataBasePath",
    "DeadGWDetectDefault", "DefaultTTL", "DhcpDomain", "DhcpNameServer", "DisableDHCPMediaSense",
    "DisableIPSourceRouting", "DisableTaskOffload", "Domain", "DomainNameDevolutionLevel",
    "DontAddDefaultGatewayDefault", "EnableAddrMaskReply", "EnableDeadGWDetect",
    "EnableICMPRedirect", "EnablePMTUBHDetect", "EnablePMTUDiscovery", "EnableSecurityFilters",
    "EnableWsd", "ForwardBroadcasts", "GlobalMaxTcpWindowSize", "Hostname", "ICSDomain",
    "IGMPLevel", "IGMPVersion", "IPEnableRouter", "MaxForwardBufferMemory", "MaxFreeTcbs",
    "MaxHashTableSize", "MaxUserPort", "NameServer", "NumForwardPackets",
    "NumTcbTablePartitions", "NV Domain", "NV Hostname", "PerformRouterDiscovery", "SackOpts",
    "SearchList", "SynAttackProtect", "SyncDomainWithMembership", "Tcp1323Opts",
    "TcpMaxConnectResponseRetransmissions", "TcpMaxConnectRetransmissions", "TcpMaxDupAcks",
    "TcpMaxHalfOpen", "TcpMaxHalfOpenRetried", "TcpMaxPortsExhausted", "TcpNumConnections",
    "TcpTimedWaitDelay", "TcpUseRFC1122UrgentPointer", "TcpWindowSize",
    "UseDomainNameDevolution",
};
#define OTHER_COUNT (sizeof other_names / sizeof other_names[0])

/* Longer names are never close to a known one, and the distance table stays on the stack. */
#define DIST_MAX_LEN 64

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int same_nocase(const char *name, size_t len, const char *known)
{
    if (strlen(known) != len)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (lower((unsigned char)name[i]) != lower((unsigned char)known[i]))
            return 0;
    return 1;
}

int vg_regname_is_other(const char *name, size_t len)
{
    for (size_t i = 0; i < OTHER_COUNT; i++)
        if (same_nocase(name, len, other_names[i]))
            return 1;
    return 0;
}

static size_t min3(size_t a, size_t b, size_t c)
{
    size_t m = a < b ? a : b;
    return m < c ? m : c;
}

/* Optimal string alignment distance: a transposed pair ("Tmie") is one typo, not two. */
static size_t distance(const char *a, size_t n, const char *b, size_t m)
{
    size_t d[DIST_MAX_LEN + 1][DIST_MAX_LEN + 1];
    for (size_t i = 0; i <= n; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= m; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= n; i++) {
        for (size_t j = 1; j <= m; j++) {
            int ai = lower((unsigned char)a[i - 1]), bj = lower((unsigned char)b[j - 1]);
            size_t cost = ai == bj ? 0 : 1;
            d[i][j] = min3(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && ai == lower((unsigned char)b[j - 2]) &&
                lower((unsigned char)a[i - 2]) == bj && d[i - 2][j - 2] + 1 < d[i][j])
                d[i][j] = d[i - 2][j - 2] + 1;
        }
    }
    return d[n][m];
}

/* A quarter of the known name's length, 1 to 3 edits: "KeepAliveTme" is a typo of
 * "KeepAliveTime", "Domain" is not one of "Hostname". */
static size_t close_enough(const char *known)
{
    size_t q = strlen(known) / 4;
    return q < 1 ? 1 : q > 3 ? 3 : q;
}

static void consider(const char *name, size_t len, const char *known, const char **best,
                     size_t *best_d)
{
    size_t klen = strlen(known);
    if (klen > DIST_MAX_LEN)
        return;
    size_t d = distance(name, len, known, klen);
    if (d <= close_enough(known) && d < *best_d) {
        *best = known;
        *best_d = d;
    }
}

const char *vg_regname_closest(const char *name, size_t len, const char *const *ours, size_t n)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    if (len > DIST_MAX_LEN)
        return NULL;
    /* Ours first: on a tie, the name the user most likely meant is one vigil reads. */
    for (size_t i = 0; i < n; i++)
        consider(name, len, ours[i], &best, &best_d);
    for (size_t i = 0; i < OTHER_COUNT; i++)
        consider(name, len, other_names[i], &best, &best_d);
    return best;
}
