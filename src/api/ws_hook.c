/* The Winsock 1.1 blocking hook: a function the thread's blocking calls run while they wait
 * (spec A6.2). From inside it only WSAIsBlocking and WSACancelBlockingCall do anything; every
 * other call fails with WSAEINPROGRESS. A cancelled call fails with WSAEINTR.
 *
 * Winsock 2 removed these calls, and so does vigil for a program that negotiated 2.x: they fail
 * with WSAEOPNOTSUPP unless WSAStartup agreed on version 1.0 or 1.1. */
#include "api/ws.h"

/* What WSASetBlockingHook returns when no hook of the program's was installed: Winsock's
 * default hook, which has nothing to do here (vigil's wait is the message loop). */
static int default_hook(void) { return 0; }

static int version_1(void) { return (ws_g.version & 0xff) == 1; }

/* A6.1, A6.2, then the version: the checks common to the hook calls. */
static int hook_call_allowed(int inprogress_check)
{
    if (atomic_load(&ws_g.started) == 0)
        return VG_WSANOTINITIALISED;
    if (inprogress_check && ws_t.in_call)
        return VG_WSAEINPROGRESS;
    if (!version_1())
        return VG_WSAEOPNOTSUPP;
    return 0;
}

vg_ws_farproc ws_thread_hook(void) { return ws_t.hook_gen == ws_g.net_gen ? ws_t.hook : NULL; }

vg_ws_farproc vg_ws_set_blocking_hook(vg_ws_farproc hook)
{
    int e = hook_call_allowed(1);
    if (!e && !hook)
        e = VG_WSAEFAULT;
    if (e) {
        ws_fail(e);
        return NULL;
    }
    vg_ws_farproc prev = ws_thread_hook() ? ws_thread_hook() : (vg_ws_farproc)default_hook;
    ws_t.hook = hook == (vg_ws_farproc)default_hook ? NULL : hook;
    ws_t.hook_gen = ws_g.net_gen;
    return prev;
}

int vg_ws_unhook_blocking_hook(void)
{
    int e = hook_call_allowed(1);
    if (e)
        return ws_fail(e);
    ws_t.hook = NULL;
    return 0;
}

int vg_ws_is_blocking(void) { return ws_t.blocking; }

int vg_ws_cancel_blocking_call(void)
{
    int e = hook_call_allowed(0);
    if (!e && !ws_t.blocking)
        e = VG_WSAEINVAL;         /* no blocking call to cancel on this thread */
    if (e)
        return ws_fail(e);
    ws_t.cancelled = 1;
    return 0;
}
