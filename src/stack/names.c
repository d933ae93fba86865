/* Printable names for the core's enums. */
#include <string.h>

#include "vigil/vigil.h"

/* The Winsock error an application sees for each core error (the layer's mapping, ws_call.c). */
static const struct {
    int err;
    const char *name;
} wsa_names[] = {
    {VG_ERR_WOULDBLOCK, "WSAEWOULDBLOCK"}, {VG_ERR_INVAL, "WSAEINVAL"},
    {VG_ERR_NOBUFS, "WSAENOBUFS"},         {VG_ERR_ADDRINUSE, "WSAEADDRINUSE"},
    {VG_ERR_NOTCONN, "WSAENOTCONN"},       {VG_ERR_ISCONN, "WSAEISCONN"},
    {VG_ERR_ALREADY, "WSAEALREADY"},       {VG_ERR_CONNREFUSED, "WSAECONNREFUSED"},
    {VG_ERR_CONNRESET, "WSAECONNRESET"},   {VG_ERR_CONNABORTED, "WSAECONNABORTED"},
    {VG_ERR_TIMEDOUT, "WSAETIMEDOUT"},     {VG_ERR_NETRESET, "WSAENETRESET"},
    {VG_ERR_NETDOWN, "WSAENETDOWN"},       {VG_ERR_SHUTDOWN, "WSAESHUTDOWN"},
    {VG_ERR_MSGSIZE, "WSAEMSGSIZE"},       {VG_ERR_NOPROTOOPT, "WSAENOPROTOOPT"},
    {VG_ERR_HOSTUNREACH, "WSAEHOSTUNREACH"}, {VG_ERR_NETUNREACH, "WSAENETUNREACH"},
};

const char *vg_err_wsa_name(int err)
{
    if (err < 0)
        err = -err;
    for (size_t i = 0; i < sizeof wsa_names / sizeof wsa_names[0]; i++)
        if (wsa_names[i].err == err)
            return wsa_names[i].name;
    return NULL;
}

int vg_err_wsa_parse(const char *name, int *err)
{
    for (size_t i = 0; i < sizeof wsa_names / sizeof wsa_names[0]; i++)
        if (!strcmp(name, wsa_names[i].name)) {
            *err = wsa_names[i].err;
            return 0;
        }
    return -1;
}

const char *vg_err_name(int err)
{
    if (err < 0)
        err = -err;
    switch (err) {
    case VG_OK: return "VG_OK";
    case VG_ERR_WOULDBLOCK: return "VG_ERR_WOULDBLOCK";
    case VG_ERR_INVAL: return "VG_ERR_INVAL";
    case VG_ERR_NOBUFS: return "VG_ERR_NOBUFS";
    case VG_ERR_ADDRINUSE: return "VG_ERR_ADDRINUSE";
    case VG_ERR_NOTCONN: return "VG_ERR_NOTCONN";
    case VG_ERR_ISCONN: return "VG_ERR_ISCONN";
    case VG_ERR_ALREADY: return "VG_ERR_ALREADY";
    case VG_ERR_CONNREFUSED: return "VG_ERR_CONNREFUSED";
    case VG_ERR_CONNRESET: return "VG_ERR_CONNRESET";
    case VG_ERR_CONNABORTED: return "VG_ERR_CONNABORTED";
    case VG_ERR_TIMEDOUT: return "VG_ERR_TIMEDOUT";
    case VG_ERR_NETRESET: return "VG_ERR_NETRESET";
    case VG_ERR_NETDOWN: return "VG_ERR_NETDOWN";
    case VG_ERR_SHUTDOWN: return "VG_ERR_SHUTDOWN";
    case VG_ERR_MSGSIZE: return "VG_ERR_MSGSIZE";
    case VG_ERR_NOPROTOOPT: return "VG_ERR_NOPROTOOPT";
    case VG_ERR_HOSTUNREACH: return "VG_ERR_HOSTUNREACH";
    case VG_ERR_NETUNREACH: return "VG_ERR_NETUNREACH";
    }
    return "VG_ERR_UNKNOWN";
}

const char *vg_event_name(enum vg_event_type t)
{
    switch (t) {
    case VG_EV_CONNECTED: return "connected";
    case VG_EV_ACCEPTABLE: return "acceptable";
    case VG_EV_READABLE: return "readable";
    case VG_EV_WRITABLE: return "writable";
    case VG_EV_PEER_FIN: return "peer_fin";
    case VG_EV_PROBE_SENT: return "probe_sent";
    case VG_EV_PROBE_ACKED: return "probe_acked";
    case VG_EV_PEER_PROBE: return "peer_probe_answered";
    case VG_EV_ZWP_SENT: return "zero_window_probe_sent";
    case VG_EV_RETRANSMIT: return "retransmit";
    case VG_EV_RESET_RECEIVED: return "reset_received";
    case VG_EV_ABORTED: return "aborted";
    case VG_EV_CLOSED: return "closed";
    case VG_EV_UDP_READABLE: return "udp_readable";
    }
    return "unknown";
}

const char *vg_tcp_state_name(enum vg_tcp_state st)
{
    static const char *const names[] = {
        "CLOSED", "LISTEN", "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED", "FIN_WAIT_1",
        "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT",
    };
    return (unsigned)st < sizeof names / sizeof names[0] ? names[st] : "UNKNOWN";
}
