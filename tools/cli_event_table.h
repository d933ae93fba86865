/* The event schema (docs/events.md), declared once: every event a command prints, with the
 * complete, ordered list of its keys and their types. The writer (cli_events.c) prints exactly
 * these keys in this order, null for one the caller left out, and refuses a key or event the
 * table does not list; tests compare the table with docs/events.md and every command's output
 * with both. */
#ifndef VG_CLI_EVENT_TABLE_H
#define VG_CLI_EVENT_TABLE_H

#include <stddef.h>

/* The "v" of every JSON line: raised whenever a key is renamed, removed or changes its type. */
#define CLI_EVENTS_VERSION 2

enum cli_key_type { CLI_KEY_STR, CLI_KEY_UINT, CLI_KEY_BOOL };

struct cli_key {
    const char *name;
    enum cli_key_type type;
    int nullable;        /* null is a documented value (the key does not apply, or is unknown) */
};

struct cli_event_def {
    const char *name;
    const struct cli_key *keys;
    size_t nkeys;
};

/* The definition of an event, NULL if the schema has none of that name. */
const struct cli_event_def *cli_event_find(const char *name);
/* Every definition, for tests and for docs/events.md's checker. */
const struct cli_event_def *cli_event_defs(size_t *n);
const char *cli_key_type_name(enum cli_key_type t);   /* "str", "uint", "bool" */

#endif
