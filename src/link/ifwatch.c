/* rtnetlink subscription to RTMGRP_LINK. The messages are not parsed beyond their type: any link
 * message is only a cue for the owner to ask the interface for its state again. */
#include "link/ifwatch.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct vg_ifwatch {
    int fd;
};

struct vg_ifwatch *vg_ifwatch_open(void)
{
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0)
        return NULL;
    struct sockaddr_nl sa;
    memset(&sa, 0, sizeof sa);
    sa.nl_family = AF_NETLINK;
    sa.nl_groups = RTMGRP_LINK;
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return NULL;
    }
    struct vg_ifwatch *w = malloc(sizeof *w);
    if (!w) {
        close(fd);
        return NULL;
    }
    w->fd = fd;
    return w;
}

int vg_ifwatch_fd(const struct vg_ifwatch *w)
{
    return w->fd;
}

int vg_ifwatch_drain(struct vg_ifwatch *w)
{
    /* Aligned for the nlmsghdr casts below. */
    union {
        struct nlmsghdr h;
        char bytes[8192];
    } buf;
    int link = 0;
    for (;;) {
        ssize_t n = recv(w->fd, &buf, sizeof buf, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            /* ENOBUFS: messages were lost, so the state may have changed unseen. */
            if (errno == ENOBUFS)
                link = 1;
            return link;
        }
        if (n == 0)
            return link;
        /* NLMSG_OK mixes signed and unsigned lengths; walk the messages by hand. */
        size_t off = 0, len = (size_t)n;
        while (off < len && len - off >= sizeof(struct nlmsghdr)) {
            const struct nlmsghdr *h = (const struct nlmsghdr *)(buf.bytes + off);
            if (h->nlmsg_len < sizeof *h || h->nlmsg_len > len - off)
                break;
            if (h->nlmsg_type == RTM_NEWLINK || h->nlmsg_type == RTM_DELLINK)
                link = 1;
            off += NLMSG_ALIGN(h->nlmsg_len);
        }
    }
}

void vg_ifwatch_close(struct vg_ifwatch *w)
{
    if (!w)
        return;
    close(w->fd);
    free(w);
}
