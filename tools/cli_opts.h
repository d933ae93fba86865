/* One command line for every vigil command: a command declares its options as a table, and
 * cli_parse() (getopt_long underneath) does the rest the same way everywhere:
 *   - "--opt value" and "--opt=value" for every option; "--flag=value" is refused; options are
 *     never abbreviated; "--" ends the options; unknown options and stray operands are refused;
 *   - a value given as the next argument may not itself look like an option ("--pcap --json" is
 *     "--pcap needs a value"; write --pcap=--json for a file so named);
 *   - every value is converted and range-checked, files are checked for reading or writing
 *     (without creating anything), required options, operands and conflicts are checked, and
 *     environment variables fill options not given on the command line (flags win) -- all
 *     before the command does anything else;
 *   - --help prints the help generated from the tables (stdout, exit 0); --version prints
 *     "vigil VERSION" (exit 0);
 *   - a usage error prints ONE line to stderr, "vigil CMD: <sentence naming the option, what it
 *     accepts and what was given>", and the command exits 2 (cli_exit_status()).
 *
 * Adding an option is one table line plus its use. In the command's option table:
 *
 *     {OPT_FILE_OUT("svg", &o.svg), .help = "draw the timeline to FILE (SVG)"},
 *     {OPT_MS("heal-ms", &o.heal_ms, 0, YEAR_MS), .given = &o.have_heal,
 *      .help = "partition: how long it lasts"},
 *     {OPT_FLAG("status", &o.status), .help = "print a table of the connections every second"},
 *     {OPT_FILE_IN("file", &o.file), .conflict = 1, .help = "..."},   (conflicts with every other
 *                                                                     option of conflict id 1)
 *
 * then use o.svg after cli_parse() returned CLI_RUN. The macro gives name, kind, destination
 * (and range); further fields are designated initialisers after it:
 *   .help     the --help text ('\n' starts a continuation line); .meta the value's placeholder
 *             in --help (default by kind: N, MS, SIZE, P, FILE, ...)
 *   .given    int * set to CLI_FROM_ARGV or CLI_FROM_ENV when a value was given
 *   .env      an environment variable that supplies the value when the option is not given
 *   .conflict options sharing a nonzero id cannot be given together (--echo, --discard)
 *   .required the option (or its .env) must be given
 *   .operand  not an option but a positional operand; .name is its placeholder (HOST:PORT)
 * Destinations by kind: FLAG int (set to 1); UINT, MS, SIZE uint64_t; PROB, REAL double;
 * STRING, FILE_IN, FILE_OUT const char *; ENUM int (the index in .names); ENDPOINT struct
 * cli_endpoint; CUSTOM whatever its .parse function writes. Defaults are whatever the
 * destination holds before cli_parse(). A checking rule that spans options (sim's scenario
 * options, connect's --verify needing --send-bytes, "--scenario or --file, exactly one": give
 * both .conflict = N, leave .required off and check that one was given) is written after
 * cli_parse() with cli_fail(), before the command does anything. A new group of options shared
 * by several commands is a function filling a table, as cli_keepalive_options() and
 * cli_rt_options() do; the command lists it in its cli_group array. The README Synopsis must
 * list every option --help shows (tests/test_readme_synopsis.sh), and man/vigil.1 mention it. */
#ifndef VG_CLI_OPTS_H
#define VG_CLI_OPTS_H

#include <stddef.h>
#include <stdint.h>

#include "vigil/vigil.h"
#include <stdio.h>

enum cli_kind {
    CLI_K_FLAG,
    CLI_K_UINT,       /* whole number in [lo, hi] */
    CLI_K_MS,         /* whole number of milliseconds in [lo, hi] */
    CLI_K_SIZE,       /* bytes in [lo, hi], optional K, M or G suffix (binary multiples) */
    CLI_K_PROB,       /* probability in [0,1) */
    CLI_K_REAL,       /* finite number in [rlo, rhi] */
    CLI_K_STRING,     /* non-empty string */
    CLI_K_FILE_IN,    /* a file that can be opened for reading (not a directory) */
    CLI_K_FILE_OUT,   /* a file that can be written: checked, not created */
    CLI_K_ENUM,       /* one of the NULL-terminated .names */
    CLI_K_ENDPOINT,   /* HOST:PORT, dotted-quad or [IPv6] host, port in [1, 65535] */
    CLI_K_CUSTOM,     /* .parse(value, dst) == 0 accepts it; .accepts says what it accepts */
};

enum { CLI_NOT_GIVEN = 0, CLI_FROM_ARGV = 1, CLI_FROM_ENV = 2 };

struct cli_endpoint {
    uint32_t addr;    /* host order (IPv4) */
    uint16_t port;
    vg_addr where;    /* the address of either family */
};

struct cli_opt {
    const char *name;            /* "port" for --port; an operand's placeholder */
    enum cli_kind kind;
    void *dst;
    uint64_t lo, hi;
    double rlo, rhi;
    const char *const *names;    /* CLI_K_ENUM */
    int (*parse)(const char *value, void *dst);   /* CLI_K_CUSTOM */
    const char *accepts;         /* CLI_K_CUSTOM; overrides the generated phrase for others */
    const char *meta;
    const char *help;
    int *given;
    const char *env;
    int conflict;
    int required;
    int operand;
};

#define OPT_FLAG(n, d) .name = (n), .kind = CLI_K_FLAG, .dst = (d)
#define OPT_UINT(n, d, l, h) .name = (n), .kind = CLI_K_UINT, .dst = (d), .lo = (l), .hi = (h)
#define OPT_MS(n, d, l, h) .name = (n), .kind = CLI_K_MS, .dst = (d), .lo = (l), .hi = (h)
#define OPT_SIZE(n, d, l, h) .name = (n), .kind = CLI_K_SIZE, .dst = (d), .lo = (l), .hi = (h)
#define OPT_PROB(n, d) .name = (n), .kind = CLI_K_PROB, .dst = (d)
#define OPT_REAL(n, d, l, h) .name = (n), .kind = CLI_K_REAL, .dst = (d), .rlo = (l), .rhi = (h)
#define OPT_STRING(n, d) .name = (n), .kind = CLI_K_STRING, .dst = (d)
#define OPT_FILE_IN(n, d) .name = (n), .kind = CLI_K_FILE_IN, .dst = (d)
#define OPT_FILE_OUT(n, d) .name = (n), .kind = CLI_K_FILE_OUT, .dst = (d)
#define OPT_ENUM(n, d, list) .name = (n), .kind = CLI_K_ENUM, .dst = (d), .names = (list)
#define OPT_ENDPOINT(n, d) .name = (n), .kind = CLI_K_ENDPOINT, .dst = (d)
#define OPT_CUSTOM(n, d, fn, what) \
    .name = (n), .kind = CLI_K_CUSTOM, .dst = (d), .parse = (fn), .accepts = (what)

/* A titled table of options ("options", "keep-alive options", ...). */
struct cli_group {
    const char *title;
    const struct cli_opt *opts;
    size_t n;
};

struct cli_cmd {
    const char *name;            /* "sim": messages say "vigil sim: ..." */
    const char *usage;           /* the usage line(s) after "usage: " */
    const char *about;           /* a paragraph under the usage line, or NULL */
    const struct cli_group *groups;
    size_t ngroups;
    const char *epilog;          /* printed after the options, or NULL */
};

enum { CLI_RUN = 0, CLI_DONE = 1, CLI_BAD = -1 };

/* Parses argv[1..argc-1] (argv[0] is the command's name) into the tables' destinations.
 * CLI_RUN: go on; CLI_DONE: --help or --version was answered; CLI_BAD: a usage error was
 * printed. */
int cli_parse(const struct cli_cmd *cmd, int argc, char **argv);

/* Prints "vigil CMD: " and the formatted sentence as one line on stderr; returns CLI_BAD. */
int cli_fail(const struct cli_cmd *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The exit status for a cli_parse() result other than CLI_RUN: 0 or 2. */
int cli_exit_status(int parse_result);

/* The option's name as the user gave it: "--port", or its environment variable when the value
 * came from there (given == CLI_FROM_ENV), or an operand's placeholder. */
const char *cli_origin(const struct cli_opt *o, int given, char *buf, size_t len);

/* What the option accepts, as in its messages ("a whole number in [1, 65535]"). */
const char *cli_accepts(const struct cli_opt *o, char *buf, size_t len);

void cli_help(const struct cli_cmd *cmd, FILE *f);

/* Helpers for CLI_K_CUSTOM parsers and commands. "HOST:PORT" with a dotted-quad host: 0 or -1. */
int cli_parse_endpoint(const char *s, uint32_t *addr, uint16_t *port);
/* The same, also "[IPv6]:PORT" ("[2001:db8::1]:7000"), into a vg_addr. */
int cli_parse_endpoint_addr(const char *s, vg_addr *addr, uint16_t *port);
/* A byte count with an optional K, M or G suffix (binary multiples). 0 or -1. */
int cli_parse_size(const char *s, uint64_t *out);

#endif
