/* Event lines for the CLI commands (sim, demo, transfer, serve, connect): a readable timeline, or
 * with --json one JSON object per line in the schema of docs/events.md (cli_event_table.h): v
 * (the schema's version), t_us (integer microseconds since the command's origin, real or
 * virtual), host and event first, then every key the event has, in the table's order, null for
 * those that do not apply, e.g.
 *   {"v":2,"t_us":7210002000,"host":"client","event":"aborted","peer":"192.0.2.2:5001",
 *    "error":"WSAENETRESET"}
 * Lines are flushed as they are written, so a reader can follow them live. */
#ifndef VG_CLI_EVENTS_H
#define VG_CLI_EVENTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "vigil/vigil.h"

struct cli_events {
    FILE *out;
    int json;
    int verbose;       /* also the high-volume events: readable, writable, acceptable, retransmit */
    vg_time origin;    /* t_us counts from here */
    int clock;         /* human lines also show the time as h:mm:ss.mmm (long virtual runs) */
};

void cli_events_init(struct cli_events *e, FILE *out, int json, vg_time origin);

/* The Winsock name of a core error as an application sees it ("WSAENETRESET" for
 * VG_ERR_NETRESET; the sign is ignored), or NULL for VG_OK or an unknown value. */
const char *cli_wsa_error_name(int err);

/* One extra field of an event line. */
struct cli_field {
    const char *key;
    enum { CLI_FIELD_STR, CLI_FIELD_UINT, CLI_FIELD_BOOL, CLI_FIELD_NULL } kind;
    const char *str;
    uint64_t num;
};
#define CLI_STR(k, v) ((struct cli_field){.key = (k), .kind = CLI_FIELD_STR, .str = (v)})
#define CLI_UINT(k, v) ((struct cli_field){.key = (k), .kind = CLI_FIELD_UINT, .num = (v)})
#define CLI_BOOL(k, v) ((struct cli_field){.key = (k), .kind = CLI_FIELD_BOOL, .num = !!(v)})
/* Written as null; the same as leaving the key out, for a key the table allows null for. */
#define CLI_NULL(k) ((struct cli_field){.key = (k), .kind = CLI_FIELD_NULL})

/* A line for an event of the command itself (listening, link_down, summary, ...). The fields may
 * come in any order and leave out keys that may be null; they are written in the table's order.
 * An event or a key the table does not list, a value of the wrong type, a key given twice or a
 * key that may not be null left out is a bug: nothing is written, a line naming it goes to
 * stderr, and the call aborts (debug builds) or returns -1 (NDEBUG). 0 otherwise. */
int cli_events_emit(struct cli_events *e, vg_time now, const char *host, const char *event,
                    const struct cli_field *fields, size_t nfields);
/* The same check without writing anything: NULL when the line is valid, else what is wrong
 * (in buf). */
const char *cli_events_check(const char *event, const struct cli_field *fields, size_t nfields,
                             char *buf, size_t len);

/* A line for an event from a stack (the stack's event callback passes it on), unless it is one
 * of the high-volume kinds and verbose is off. Connection events carry the peer's address; aborts
 * carry the WSA error; probe_sent carries the probe's number since the last receipt and the
 * count after which the connection aborts; probe_acked how many probes were outstanding and how
 * many of them had gone unanswered. */
void cli_events_stack(struct cli_events *e, const char *host, const struct vg_event *ev);

/* A duration as h:mm:ss.mmm, with the microseconds appended only when there are any
 * ("2:00:10.000", "0:00:00.002500"). */
void cli_format_clock(vg_time us, char out[32]);

/* "a.b.c.d" and "a.b.c.d:port" of a host-order address. */
void cli_format_addr(uint32_t addr, char out[16]);
void cli_format_endpoint(uint32_t addr, uint16_t port, char out[22]);
/* The peer of a connection of either family, "a.b.c.d:port" or "[v6]:port"; 0 when it has
 * none (a listener), 1 otherwise. */
#define CLI_ENDPOINT_LEN 56   /* "[" INET6_ADDRSTRLEN "]:" 65535 */
int cli_format_peer(const vg_tcb *t, char out[CLI_ENDPOINT_LEN]);
/* Any address of either family as "a.b.c.d:port" or "[v6]:port". */
void cli_format_endpoint_addr(const vg_addr *a, uint16_t port, char out[CLI_ENDPOINT_LEN]);

#endif
