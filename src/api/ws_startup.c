/* WSAStartup and WSACleanup: counted, as on Windows. The first WSAStartup attaches the process to
 * the default network (ws_net.c); the WSACleanup that undoes the last one resets every socket
 * still open and releases the network. */
#include <stdio.h>
#include <stddef.h>
#include <string.h>

#include "api/ws.h"

#define WS_HIGH_VERSION 0x0202    /* 2.2 */

/* The version the program will use: the one it asked for, or the highest vigil has (2.2) when
 * it asked for more. 0 when it asked for less than 1.0. */
static uint16_t negotiate(uint16_t requested)
{
    unsigned major = requested & 0xffu, minor = requested >> 8;
    if (major == 0)
        return 0;
    if (major == 1)
        return minor == 0 ? 0x0001 : 0x0101;
    if (major == 2 && minor <= 2)
        return requested;
    return WS_HIGH_VERSION;
}

/* Win64's WSADATA puts iMaxSockets, iMaxUdpDg and lpVendorInfo before the strings; a program
 * built for Windows reads them there. */
_Static_assert(offsetof(struct vg_wsadata, iMaxSockets) == 4 &&
                   offsetof(struct vg_wsadata, lpVendorInfo) == 8 &&
                   offsetof(struct vg_wsadata, szDescription) == 16 &&
                   sizeof(struct vg_wsadata) == 408,
               "WSADATA must have the Win64 layout");

static void describe(struct vg_wsadata *d, uint16_t version)
{
    memset(d, 0, sizeof *d);
    d->wVersion = version;
    d->wHighVersion = WS_HIGH_VERSION;
    snprintf(d->szDescription, sizeof d->szDescription,
             "vigil: Windows Sockets 2.2 on a userspace TCP/IP stack");
    snprintf(d->szSystemStatus, sizeof d->szSystemStatus, "Running");
    /* Winsock 2 ignores both; 1.1 programs read them. */
    d->iMaxSockets = (version & 0xff) == 1 ? 32767 : 0;
    d->iMaxUdpDg = (version & 0xff) == 1 ? 65467 : 0;
    d->lpVendorInfo = NULL;
}

int vg_ws_startup(uint16_t requested, struct vg_wsadata *data)
{
    if (ws_t.in_call)
        return VG_WSAEINPROGRESS;
    if (!data)
        return VG_WSAEFAULT;
    uint16_t version = negotiate(requested);
    describe(data, version ? version : WS_HIGH_VERSION);
    if (!version)
        return VG_WSAVERNOTSUPPORTED;

    pthread_mutex_lock(&ws_g.lock);
    if (!ws_g.net) {
        struct ws_net *n;
        char why[sizeof ws_g.startup_error - 32];
        if (ws_net_open(&n, why, sizeof why) != 0) {
            snprintf(ws_g.startup_error, sizeof ws_g.startup_error, "WSAStartup: %s", why);
            fprintf(stderr, "vigil: %s\n", ws_g.startup_error);
            pthread_mutex_unlock(&ws_g.lock);
            return VG_WSASYSNOTREADY;
        }
        ws_g.net = n;
        ws_g.net_gen++;
    }
    ws_g.startup_error[0] = '\0';
    ws_g.version = version;
    atomic_fetch_add(&ws_g.started, 1);
    pthread_mutex_unlock(&ws_g.lock);
    return 0;
}

static void close_everything(void)
{
    vg_time now = ws_now(ws_t.net);
    for (size_t i = 0; i < ws_table_cap(); i++) {
        struct ws_sock *so = ws_sock_at(i);
        if (!so)
            continue;
        /* As if closesocket had been called on each, but without lingering: peers learn at once
         * that the connection is gone (what reaches them depends on the network). */
        so->ops->close(so, now, 1);
        ws_sock_closing(so);
    }
    ws_table_destroy();
    ws_handle_table_destroy();
}

int vg_ws_cleanup(void)
{
    if (atomic_load(&ws_g.started) == 0)
        return ws_fail(VG_WSANOTINITIALISED);
    if (ws_t.in_call)
        return ws_fail(VG_WSAEINPROGRESS);
    /* Lock order: the process mutex, then the network's. */
    pthread_mutex_lock(&ws_g.lock);
    struct ws_net *n = ws_g.net;
    if (!n || atomic_load(&ws_g.started) == 0) {
        pthread_mutex_unlock(&ws_g.lock);
        return ws_fail(VG_WSANOTINITIALISED);
    }
    ws_net_lock(n);
    int last = atomic_fetch_sub(&ws_g.started, 1) == 1;
    if (last) {
        ws_t.net = n;
        close_everything();
        /* Calls waiting for the lock, or woken from their waits, see closed and leave; the
         * memory stays until the last of them has dropped its reference. */
        n->closed = 1;
        ws_g.net = NULL;
        ws_g.net_gen++;
        ws_net_close(n);
        ws_t.net = NULL;
    }
    pthread_mutex_unlock(&n->lock);
    pthread_mutex_unlock(&ws_g.lock);
    if (last)
        ws_net_unref(n);          /* the process's reference */
    return 0;
}

const char *vg_ws_startup_error(void) { return ws_g.startup_error; }
