/* The Linux TUN link: the device file carries IPv4 datagrams (IFF_TUN | IFF_NO_PI), one per read
 * or write, each behind a virtio-net header when the kernel takes IFF_VNET_HDR (link/vnet.h). The
 * device's interface state and queue length go through an ordinary socket ioctl. */
#include "link/tun.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "link/vnet.h"

#define TUN_CLONE_PATH "/dev/net/tun"

struct vg_tun {
    int fd;
    int ctl;                 /* an AF_INET datagram socket for interface ioctls */
    int gone;                /* the kernel detached us: the interface was deleted */
    int ifindex;             /* to notice a different interface reusing the name */
    size_t hdr_len;          /* VG_VNET_HDR_LEN with IFF_VNET_HDR, else 0 */
    unsigned offloads;       /* enum vg_offload the kernel took (TUNSETOFFLOAD) */
    char note[160];          /* why the device runs without its header or offloads; "" if it does not */
    struct vg_tun_stats stats;
    char ifname[IFNAMSIZ];
};

static int parse_ipv4(const char *s, size_t n, uint32_t *out)
{
    uint32_t addr = 0;
    int parts = 0;
    size_t i = 0;
    while (parts < 4) {
        unsigned v = 0;
        size_t digits = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9' && digits < 4) {
            v = v * 10 + (unsigned)(s[i] - '0');
            i++;
            digits++;
        }
        if (digits == 0 || digits > 3 || v > 255)
            return -1;
        addr = addr << 8 | v;
        if (++parts < 4) {
            if (i >= n || s[i] != '.')
                return -1;
            i++;
        }
    }
    if (i != n)
        return -1;
    *out = addr;
    return 0;
}

static const char spec_usage[] =
    "expected tun:IFNAME:ADDR/PREFIX, e.g. tun:vg0:192.0.2.2/24 (or an IPv6 address, or both: "
    "tun:vg0:192.0.2.2/24,2001:db8::2/64)";

/* A prefix length "p" of at most max (at least 1); -1 if it is none. */
static long parse_prefix(const char *p, long max)
{
    char *end;
    errno = 0;
    long plen = strtol(p, &end, 10);
    if (*p < '0' || *p > '9' || *end != '\0' || errno || plen < 1 || plen > max)
        return -1;
    return plen;
}

/* One ADDR/PREFIX of either family into out; 0 or -1 with err filled. */
static int parse_one(const char *spec, const char *a, size_t len, struct vg_net_spec *out,
                     char *err, size_t errlen)
{
    char buf[64];
    if (len >= sizeof buf) {
        snprintf(err, errlen, "'%s': '%.*s' is not an address", spec, (int)len, a);
        return -1;
    }
    memcpy(buf, a, len);
    buf[len] = '\0';
    char *slash = strchr(buf, '/');
    if (!slash) {
        snprintf(err, errlen, "'%s' has no prefix length: %s", spec, spec_usage);
        return -1;
    }
    *slash = '\0';
    if (strchr(buf, ':')) {
        long plen = parse_prefix(slash + 1, 127);
        if (out->has_addr6 || inet_pton(AF_INET6, buf, out->addr6) != 1 || plen < 0) {
            snprintf(err, errlen, out->has_addr6 ? "'%s': two IPv6 addresses"
                                  : plen < 0 ? "'%s': an IPv6 prefix length must be a number from 1 to 127"
                                             : "'%s': '%s' is not an IPv6 address", spec, buf);
            return -1;
        }
        out->has_addr6 = 1;
        out->prefix6 = (uint8_t)plen;
        return 0;
    }
    uint32_t ip;
    if (out->addr || parse_ipv4(buf, strlen(buf), &ip) != 0 || ip == 0) {
        snprintf(err, errlen, out->addr ? "'%s': two IPv4 addresses" : "'%s': '%s' is not an IPv4 address",
                 spec, buf);
        return -1;
    }
    long plen = parse_prefix(slash + 1, 30);
    if (plen < 0) {
        snprintf(err, errlen, "'%s': the prefix length must be a number from 1 to 30", spec);
        return -1;
    }
    out->addr = ip;
    out->prefix = (uint8_t)plen;
    return 0;
}

int vg_net_spec_parse(const char *spec, struct vg_net_spec *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (strncmp(spec, "tun:", 4) != 0) {
        snprintf(err, errlen, "'%s' is not a TUN network: %s", spec, spec_usage);
        return -1;
    }
    const char *name = spec + 4;
    const char *colon = strchr(name, ':');
    if (!colon) {
        snprintf(err, errlen, "'%s' has no address: %s", spec, spec_usage);
        return -1;
    }
    size_t namelen = (size_t)(colon - name);
    if (namelen == 0 || namelen >= IFNAMSIZ) {
        snprintf(err, errlen, "'%s': the interface name must have 1 to %d characters", spec,
                 IFNAMSIZ - 1);
        return -1;
    }
    for (size_t i = 0; i < namelen; i++) {
        if (name[i] == '/' || name[i] == ' ' || name[i] == '\t') {
            snprintf(err, errlen, "'%s': '%c' cannot appear in an interface name", spec, name[i]);
            return -1;
        }
    }
    for (const char *a = colon + 1;;) {
        const char *comma = strchr(a, ',');
        size_t len = comma ? (size_t)(comma - a) : strlen(a);
        if (parse_one(spec, a, len, out, err, errlen) != 0)
            return -1;
        if (!comma)
            break;
        a = comma + 1;
    }
    memcpy(out->ifname, name, namelen);
    out->ifname[namelen] = '\0';
    return 0;
}

int vg_net_spec_parse_tun(const char *spec, char ifname[16], uint32_t *addr, uint8_t *prefix,
                          char *err, size_t errlen)
{
    struct vg_net_spec n;
    if (vg_net_spec_parse(spec, &n, err, errlen) != 0)
        return -1;
    if (n.has_addr6 || !n.addr) {
        snprintf(err, errlen, "'%s': an IPv4 address alone is expected here", spec);
        return -1;
    }
    memcpy(ifname, n.ifname, sizeof n.ifname);
    *addr = n.addr;
    *prefix = n.prefix;
    return 0;
}

/* The sentence for a failed TUNSETIFF: which of the documented causes it was, and the remedy. */
static void explain_setiff(int e, const char *ifname, char *err, size_t errlen)
{
    switch (e) {
    case EPERM:
    case EACCES:
        snprintf(err, errlen,
                 "no permission to attach to TUN device %s: run as root (or with CAP_NET_ADMIN), "
                 "or have root create it for you: ip tuntap add dev %s mode tun user $(id -un)",
                 ifname, ifname);
        break;
    case EBUSY:
        snprintf(err, errlen,
                 "TUN device %s is busy: another process is attached to it; stop that process "
                 "or choose another name", ifname);
        break;
    case EINVAL:
        snprintf(err, errlen,
                 "the name %s is taken by an interface that is not a single-queue TUN device "
                 "(a TAP, a multi-queue TUN, or another kind); choose another name or delete it "
                 "with: ip link del %s", ifname, ifname);
        break;
    default:
        snprintf(err, errlen, "cannot attach to TUN device %s: %s", ifname, strerror(e));
        break;
    }
}

/* An ioctl about our interface on the control socket; ifr's other fields are the caller's. */
static int dev_ioctl(const struct vg_tun *t, unsigned long req, struct ifreq *ifr)
{
    memcpy(ifr->ifr_name, t->ifname, sizeof ifr->ifr_name);
    return ioctl(t->ctl, req, ifr);
}

static int interface_index(const struct vg_tun *t)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    if (dev_ioctl(t, SIOCGIFINDEX, &ifr) != 0)
        return -1;
    return ifr.ifr_ifindex;
}

int vg_tun_exists(const char *ifname)
{
    /* An interface ioctl, not /sys/class/net: sysfs shows the namespace it was mounted in,
     * which need not be ours. */
    return ifname && *ifname && strlen(ifname) < IFNAMSIZ && if_nametoindex(ifname) != 0;
}

static void explain_missing(const char *ifname, char *err, size_t errlen)
{
    snprintf(err, errlen,
             "TUN device %s does not exist: create it with 'ip tuntap add dev %s mode tun' "
             "(as root; add 'user NAME' to let NAME attach)",
             ifname, ifname);
}

/* Whether the device we attached to was there before: TUNSETIFF on a missing name creates a
 * device, which is not persistent (a device made with `ip tuntap add` is). */
static int attached_to_existing(int fd)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    if (ioctl(fd, TUNGETIFF, &ifr) != 0)
        return 1;   /* cannot tell: the name existed a moment ago (vg_tun_exists) */
    return (ifr.ifr_flags & IFF_PERSIST) != 0;
}

struct vg_tun *vg_tun_open(const char *ifname, int create, char *err, size_t errlen)
{
    if (!ifname || !*ifname || strlen(ifname) >= IFNAMSIZ) {
        snprintf(err, errlen, "the TUN interface name must have 1 to %d characters", IFNAMSIZ - 1);
        return NULL;
    }
    struct vg_tun *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    t->fd = t->ctl = -1;
    memcpy(t->ifname, ifname, strlen(ifname) + 1);
    /* Never create an interface unasked: a mistyped name would otherwise become a new device
     * (outside a namespace, on the host). */
    if (!create && !vg_tun_exists(ifname)) {
        explain_missing(ifname, err, errlen);
        goto fail;
    }

    t->fd = open(TUN_CLONE_PATH, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (t->fd < 0) {
        int e = errno;
        if (e == ENOENT || e == ENODEV || e == ENXIO)
            snprintf(err, errlen,
                     "%s does not exist: load the tun module (modprobe tun), or in a container "
                     "pass the device in (e.g. docker run --device /dev/net/tun --cap-add NET_ADMIN)",
                     TUN_CLONE_PATH);
        else if (e == EACCES || e == EPERM)
            snprintf(err, errlen,
                     "no permission to open %s: run as root (or with CAP_NET_ADMIN), or make the "
                     "device node accessible to your user", TUN_CLONE_PATH);
        else
            snprintf(err, errlen, "cannot open %s: %s", TUN_CLONE_PATH, strerror(e));
        goto fail;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_VNET_HDR;
    memcpy(ifr.ifr_name, t->ifname, sizeof ifr.ifr_name);
    int rc = ioctl(t->fd, TUNSETIFF, &ifr);
    if (rc != 0 && errno == EINVAL) {
        /* A kernel without the header (or a device that refuses it): plain datagrams. */
        ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
        rc = ioctl(t->fd, TUNSETIFF, &ifr);
        if (rc == 0) {
            snprintf(t->note, sizeof t->note,
                     "the kernel refused IFF_VNET_HDR: no checksum or segmentation offload");
            /* Offloads a previous user left on the device would reach us unfinished. */
            ioctl(t->fd, TUNSETOFFLOAD, 0ul);
        }
    } else if (rc == 0) {
        t->hdr_len = VG_VNET_HDR_LEN;
    }
    if (rc != 0) {
        explain_setiff(errno, t->ifname, err, errlen);
        goto fail;
    }
    if (t->hdr_len) {
        int sz = (int)VG_VNET_HDR_LEN;
        if (ioctl(t->fd, TUNSETVNETHDRSZ, &sz) != 0) {
            snprintf(err, errlen, "TUN device %s: cannot set the virtio header size: %s",
                     t->ifname, strerror(errno));
            goto fail;
        }
        vg_tun_set_offloads(t, VG_OFFLOAD_TX_CSUM | VG_OFFLOAD_TSO);
    }
    /* The name may have gone between the check and TUNSETIFF, which then made a device:
     * closing the descriptor removes that device again. A persistent device that another
     * process attached and detached in between is still one that existed. */
    if (!create && !attached_to_existing(t->fd)) {
        explain_missing(ifname, err, errlen);
        goto fail;
    }
    t->ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (t->ctl < 0) {
        snprintf(err, errlen, "cannot make a control socket for %s: %s", t->ifname,
                 strerror(errno));
        goto fail;
    }
    t->ifindex = interface_index(t);
    return t;
fail:
    vg_tun_close(t);
    return NULL;
}

int vg_tun_fd(const struct vg_tun *t)
{
    return t->gone ? -1 : t->fd;
}

size_t vg_tun_header_len(const struct vg_tun *t)
{
    return t->hdr_len;
}

unsigned vg_tun_offloads(const struct vg_tun *t)
{
    return t->offloads;
}

const char *vg_tun_note(const struct vg_tun *t)
{
    return t->note;
}

const struct vg_tun_stats *vg_tun_stats(const struct vg_tun *t)
{
    return &t->stats;
}

unsigned vg_tun_set_offloads(struct vg_tun *t, unsigned want)
{
    if (!t->hdr_len)
        return 0;
    if (want & VG_OFFLOAD_TSO)
        want |= VG_OFFLOAD_TX_CSUM;
    /* TUN_F_* says what we take from the kernel: partial checksums (TUN_F_CSUM) and TCP packets
     * of up to 64 KiB over IPv4 and IPv6 (TUN_F_TSO4, TUN_F_TSO6); the same device features
     * make it accept them from us. */
    unsigned long flags = 0;
    if (want & VG_OFFLOAD_TX_CSUM)
        flags |= TUN_F_CSUM;
    if (want & VG_OFFLOAD_TSO)
        flags |= TUN_F_TSO4 | TUN_F_TSO6;
    if (ioctl(t->fd, TUNSETOFFLOAD, flags) == 0) {
        t->offloads = want;
        if (!want)
            snprintf(t->note, sizeof t->note, "offloads turned off: vigil checksums every segment");
        else
            t->note[0] = '\0';
        return want;
    }
    int e = errno;
    if ((want & VG_OFFLOAD_TSO) && ioctl(t->fd, TUNSETOFFLOAD, (unsigned long)TUN_F_CSUM) == 0) {
        t->offloads = VG_OFFLOAD_TX_CSUM;
        snprintf(t->note, sizeof t->note,
                 "the kernel refused TUN_F_TSO4 (%s): checksum offload only", strerror(e));
        return t->offloads;
    }
    ioctl(t->fd, TUNSETOFFLOAD, 0ul);
    t->offloads = 0;
    snprintf(t->note, sizeof t->note,
             "the kernel refused TUNSETOFFLOAD (%s): vigil checksums every segment", strerror(e));
    return 0;
}

/* Errors that mean the interface behind the file descriptor no longer exists. */
static int detached(int e)
{
    return e == EBADFD || e == ENODEV || e == ENXIO || e == EIO || e == EBADF;
}

long vg_tun_read(struct vg_tun *t, uint8_t *buf, size_t cap)
{
    if (t->gone)
        return -1;
    for (;;) {
        ssize_t n = read(t->fd, buf, cap);
        if (n >= 0) {
            t->stats.rx_frames++;
            return (long)n;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        if (detached(errno))
            t->gone = 1;
        return t->gone ? -1 : 0;
    }
}

int vg_tun_write(struct vg_tun *t, const uint8_t *pkt, size_t len)
{
    if (t->gone)
        return -1;
    for (;;) {
        if (write(t->fd, pkt, len) >= 0) {
            t->stats.tx_frames++;
            return 0;
        }
        if (errno == EINTR)
            continue;
        if (detached(errno)) {
            t->gone = 1;
            return -1;
        }
        /* A full queue or a datagram the kernel refuses is a lost packet, as on any wire. */
        t->stats.tx_refused++;
        return 0;
    }
}

int vg_tun_link_up(struct vg_tun *t)
{
    if (t->gone)
        return 0;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    if (dev_ioctl(t, SIOCGIFFLAGS, &ifr) != 0)
        return 0;
    /* A new interface that took the name after ours was deleted is not our link. */
    if (interface_index(t) != t->ifindex)
        return 0;
    return (ifr.ifr_flags & IFF_UP) != 0;
}

void vg_tun_close(struct vg_tun *t)
{
    if (!t)
        return;
    /* The offloads outlive the descriptor on a persistent device: a program attaching after us
     * without a virtio header would be handed partial checksums and 64 KiB segments. */
    if (t->fd >= 0 && t->offloads && !t->gone)
        ioctl(t->fd, TUNSETOFFLOAD, 0ul);
    if (t->fd >= 0)
        close(t->fd);
    if (t->ctl >= 0)
        close(t->ctl);
    free(t);
}

long vg_tun_txqueuelen(const struct vg_tun *t)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    if (dev_ioctl(t, SIOCGIFTXQLEN, &ifr) != 0)
        return -1;
    return ifr.ifr_qlen;
}

int vg_tun_size_queue(struct vg_tun *t, unsigned want, int exact, char *note, size_t notelen)
{
    if (note && notelen)
        note[0] = '\0';
    long have = vg_tun_txqueuelen(t);
    if (have < 0) {
        if (note)
            snprintf(note, notelen, "cannot read the transmit queue length of %s: %s", t->ifname,
                     strerror(errno));
        return -1;
    }
    if ((unsigned long)have == want || (!exact && (unsigned long)have >= want))
        return 0;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_qlen = (int)want;
    if (dev_ioctl(t, SIOCSIFTXQLEN, &ifr) == 0)
        return 0;
    if (note)
        snprintf(note, notelen,
                 "%s holds only %ld packets for vigil and cannot be resized (%s): a burst larger "
                 "than that is lost; as root: ip link set %s txqueuelen %u",
                 t->ifname, have, strerror(errno), t->ifname, want);
    return -1;
}

/* /proc/self/net/dev, not /sys/class/net: it shows our own network namespace. A line is
 * "  IFNAME: rx_bytes rx_packets rx_errs rx_drop rx_fifo rx_frame rx_compressed rx_multicast
 * tx_bytes tx_packets tx_errs tx_drop ...". */
int vg_tun_tx_dropped(const struct vg_tun *t, uint64_t *dropped)
{
    FILE *f = fopen("/proc/self/net/dev", "re");
    if (!f)
        return -1;
    char line[512];
    int found = -1;
    size_t nlen = strlen(t->ifname);
    while (fgets(line, sizeof line, f)) {
        const char *p = line;
        while (*p == ' ')
            p++;
        if (strncmp(p, t->ifname, nlen) != 0 || p[nlen] != ':')
            continue;
        p += nlen + 1;
        unsigned long long v[12];
        int i;
        for (i = 0; i < 12; i++) {
            char *end;
            v[i] = strtoull(p, &end, 10);
            if (end == p)
                break;
            p = end;
        }
        if (i == 12) {
            *dropped = v[11];
            found = 0;
        }
        break;
    }
    fclose(f);
    return found;
}
