/* The command-line parser every vigil command uses (see cli_opts.h). */
#include "cli_opts.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef VG_VERSION
#define VG_VERSION "unknown"   /* CMake passes project(VERSION) */
#endif

/* Every command's options, --help and --version included, fit in this many. */
#define CLI_MAX_OPTS 64
#define CLI_HELP_COLUMN 28
#define VAL_HELP 1000
#define VAL_VERSION 1001
#define VAL_FIRST 2000

int cli_fail(const struct cli_cmd *cmd, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* One line, whatever a value smuggled in. */
    for (char *p = line; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    fflush(stdout);
    fprintf(stderr, "vigil%s%s: %s\n", cmd && cmd->name ? " " : "", cmd && cmd->name ? cmd->name : "",
            line);
    return CLI_BAD;
}

int cli_exit_status(int parse_result)
{
    return parse_result == CLI_DONE ? 0 : 2;
}

int cli_parse_size(const char *s, uint64_t *out)
{
    if (!s || *s < '0' || *s > '9')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno)
        return -1;
    unsigned shift = 0;
    if (*end == 'K' || *end == 'k')
        shift = 10;
    else if (*end == 'M' || *end == 'm')
        shift = 20;
    else if (*end == 'G' || *end == 'g')
        shift = 30;
    if (shift)
        end++;
    if (*end || (shift && v > (UINT64_MAX >> shift)))
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

/* Digits only: no sign, no blanks, no base prefix; 0 or -1 (also on overflow). */
static int parse_whole(const char *s, uint64_t *out)
{
    if (!*s || strspn(s, "0123456789") != strlen(s))
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, NULL, 10);
    if (errno)
        return -1;
    *out = v;
    return 0;
}

int cli_parse_endpoint(const char *s, uint32_t *addr, uint16_t *port)
{
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s || (size_t)(colon - s) >= INET_ADDRSTRLEN)
        return -1;
    char host[INET_ADDRSTRLEN];
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    struct in_addr in;
    if (inet_pton(AF_INET, host, &in) != 1)
        return -1;
    uint64_t p;
    if (parse_whole(colon + 1, &p) != 0 || p == 0 || p > 65535)
        return -1;
    *addr = ntohl(in.s_addr);
    *port = (uint16_t)p;
    return 0;
}

int cli_parse_endpoint_addr(const char *s, vg_addr *addr, uint16_t *port)
{
    if (s[0] != '[') {
        uint32_t a;
        if (cli_parse_endpoint(s, &a, port) != 0)
            return -1;
        *addr = vg_addr_v4(a);
        return 0;
    }
    const char *close = strchr(s, ']');
    if (!close || close[1] != ':' || (size_t)(close - s - 1) >= INET6_ADDRSTRLEN)
        return -1;
    char host[INET6_ADDRSTRLEN];
    memcpy(host, s + 1, (size_t)(close - s - 1));
    host[close - s - 1] = '\0';
    uint8_t a6[16];
    uint64_t p;
    if (inet_pton(AF_INET6, host, a6) != 1 || parse_whole(close + 2, &p) != 0 || p == 0 ||
        p > 65535)
        return -1;
    *addr = vg_addr_v6(a6);
    *port = (uint16_t)p;
    return 0;
}

/* 1024 -> "1K", 1073741824 -> "1G", 1000 -> "1000". */
static void format_size(uint64_t v, char *buf, size_t len)
{
    static const char suffix[] = "GMK";
    for (int i = 0; i < 3; i++) {
        unsigned shift = 30u - 10u * (unsigned)i;
        if (v && v % (UINT64_C(1) << shift) == 0) {
            snprintf(buf, len, "%llu%c", (unsigned long long)(v >> shift), suffix[i]);
            return;
        }
    }
    snprintf(buf, len, "%llu", (unsigned long long)v);
}

const char *cli_accepts(const struct cli_opt *o, char *buf, size_t len)
{
    if (o->accepts)
        return o->accepts;
    char a[32], b[32];
    switch (o->kind) {
    case CLI_K_FLAG:
        snprintf(buf, len, "given without a value");
        break;
    case CLI_K_UINT:
        snprintf(buf, len, "a whole number in [%llu, %llu]", (unsigned long long)o->lo,
                 (unsigned long long)o->hi);
        break;
    case CLI_K_MS:
        snprintf(buf, len, "a whole number of milliseconds in [%llu, %llu]",
                 (unsigned long long)o->lo, (unsigned long long)o->hi);
        break;
    case CLI_K_SIZE:
        format_size(o->lo, a, sizeof a);
        format_size(o->hi, b, sizeof b);
        snprintf(buf, len, "a size in bytes in [%s, %s] (suffixes K, M, G: binary multiples)", a, b);
        break;
    case CLI_K_PROB:
        snprintf(buf, len, "a probability in [0,1)");
        break;
    case CLI_K_REAL:
        snprintf(buf, len, "a number in [%g, %g]", o->rlo, o->rhi);
        break;
    case CLI_K_STRING:
        snprintf(buf, len, "a non-empty string");
        break;
    case CLI_K_FILE_IN:
        snprintf(buf, len, "a readable file");
        break;
    case CLI_K_FILE_OUT:
        snprintf(buf, len, "a file that can be written");
        break;
    case CLI_K_ENUM: {
        size_t used = (size_t)snprintf(buf, len, "one of");
        for (size_t i = 0; o->names[i] && used < len; i++)
            used += (size_t)snprintf(buf + used, len - used, "%s %s", i ? "," : "", o->names[i]);
        break;
    }
    case CLI_K_ENDPOINT:
        snprintf(buf, len, "HOST:PORT, a dotted-quad IPv4 address (or an IPv6 one in brackets) and a port in [1, 65535]");
        break;
    case CLI_K_CUSTOM:
        snprintf(buf, len, "a valid value");
        break;
    }
    return buf;
}

const char *cli_origin(const struct cli_opt *o, int given, char *buf, size_t len)
{
    if (given == CLI_FROM_ENV && o->env)
        return o->env;
    if (o->operand)
        return o->name;
    snprintf(buf, len, "--%s", o->name);
    return buf;
}

static const char *default_meta(const struct cli_opt *o)
{
    if (o->meta)
        return o->meta;
    switch (o->kind) {
    case CLI_K_MS: return "MS";
    case CLI_K_SIZE: return "SIZE";
    case CLI_K_PROB: return "P";
    case CLI_K_REAL: return "X";
    case CLI_K_FILE_IN:
    case CLI_K_FILE_OUT: return "FILE";
    case CLI_K_ENDPOINT: return "HOST:PORT";
    case CLI_K_STRING:
    case CLI_K_ENUM:
    case CLI_K_CUSTOM: return "VALUE";
    default: return "N";
    }
}

/* Whether the file could be written without creating it now: it exists and is writable, or
 * its directory exists and is writable. *why: the reason it cannot. */
static int writable(const char *path, const char **why)
{
    struct stat st;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            *why = "it is a directory";
            return 0;
        }
        if (access(path, W_OK) != 0) {
            *why = strerror(errno);
            return 0;
        }
        return 1;
    }
    if (errno != ENOENT) {
        *why = strerror(errno);
        return 0;
    }
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(dir, sizeof dir, ".");
    } else if (slash == path) {
        snprintf(dir, sizeof dir, "/");
    } else {
        if ((size_t)(slash - path) >= sizeof dir) {
            *why = "the name is too long";
            return 0;
        }
        memcpy(dir, path, (size_t)(slash - path));
        dir[slash - path] = '\0';
    }
    if (stat(dir, &st) != 0) {
        *why = errno == ENOENT ? "its directory does not exist" : strerror(errno);
        return 0;
    }
    if (!S_ISDIR(st.st_mode)) {
        *why = "its directory is not a directory";
        return 0;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        *why = strerror(errno);
        return 0;
    }
    return 1;
}

static int readable(const char *path, const char **why)
{
    /* O_NONBLOCK: a FIFO without a writer must not hang the check. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        *why = strerror(errno);
        return 0;
    }
    struct stat st;
    int dir = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
    close(fd);
    if (dir) {
        *why = "it is a directory";
        return 0;
    }
    return 1;
}

/* Converts v into o's destination; on failure prints the usage error (named by origin). */
static int convert(const struct cli_cmd *cmd, const struct cli_opt *o, const char *v,
                   const char *origin)
{
    char acc[256];
    const char *why = NULL;
    uint64_t u = 0;
    double d = 0;
    switch (o->kind) {
    case CLI_K_FLAG:
        *(int *)o->dst = 1;
        return 0;
    case CLI_K_UINT:
    case CLI_K_MS:
        if (parse_whole(v, &u) != 0 || u < o->lo || u > o->hi)
            break;
        *(uint64_t *)o->dst = u;
        return 0;
    case CLI_K_SIZE:
        if (cli_parse_size(v, &u) != 0 || u < o->lo || u > o->hi)
            break;
        *(uint64_t *)o->dst = u;
        return 0;
    case CLI_K_PROB:
    case CLI_K_REAL: {
        double lo = o->kind == CLI_K_PROB ? 0 : o->rlo, hi = o->kind == CLI_K_PROB ? 1 : o->rhi;
        char *end;
        errno = 0;
        /* strtod skips leading blanks and takes hex and "inf": only plain decimals pass. */
        if (!*v || strspn(v, "0123456789.-+eE") != strlen(v))
            break;
        d = strtod(v, &end);
        if (*end || errno || !isfinite(d) || d < lo || d > hi ||
            (o->kind == CLI_K_PROB && d >= 1))
            break;
        *(double *)o->dst = d;
        return 0;
    }
    case CLI_K_STRING:
        if (!*v)
            break;
        *(const char **)o->dst = v;
        return 0;
    case CLI_K_FILE_IN:
        if (!*v || !readable(v, &why))
            break;
        *(const char **)o->dst = v;
        return 0;
    case CLI_K_FILE_OUT:
        if (!*v || !writable(v, &why))
            break;
        *(const char **)o->dst = v;
        return 0;
    case CLI_K_ENUM:
        for (int i = 0; o->names[i]; i++) {
            if (!strcmp(v, o->names[i])) {
                *(int *)o->dst = i;
                return 0;
            }
        }
        break;
    case CLI_K_ENDPOINT: {
        struct cli_endpoint *ep = o->dst;
        if (cli_parse_endpoint_addr(v, &ep->where, &ep->port) == 0) {
            ep->addr = ep->where.family == VG_AF_INET ? ep->where.v4 : 0;
            return 0;
        }
        break;
    }
    case CLI_K_CUSTOM:
        if (o->parse(v, o->dst) == 0)
            return 0;
        break;
    }
    if (why)
        cli_fail(cmd, "%s must be %s, got '%s' (%s)", origin, cli_accepts(o, acc, sizeof acc), v,
                 why);
    else
        cli_fail(cmd, "%s must be %s, got '%s'", origin, cli_accepts(o, acc, sizeof acc), v);
    return -1;
}

/* The table, flattened, in group order. */
struct flat {
    const struct cli_opt *opt[CLI_MAX_OPTS];
    int given[CLI_MAX_OPTS];
    size_t n;
};

static void flatten(const struct cli_cmd *cmd, struct flat *f)
{
    memset(f, 0, sizeof *f);
    for (size_t g = 0; g < cmd->ngroups; g++)
        for (size_t i = 0; i < cmd->groups[g].n && f->n < CLI_MAX_OPTS; i++)
            f->opt[f->n++] = &cmd->groups[g].opts[i];
}

static const struct cli_opt *find_flag(const struct flat *f, const char *name, size_t len)
{
    for (size_t i = 0; i < f->n; i++) {
        const struct cli_opt *o = f->opt[i];
        if (!o->operand && strlen(o->name) == len && !strncmp(o->name, name, len))
            return o;
    }
    return NULL;
}

/* "--bogus": unknown; "--sce": unknown, with the options it abbreviates. */
static int unknown_option(const struct cli_cmd *cmd, const struct flat *f, const char *tok)
{
    if (!strncmp(tok, "--", 2)) {
        const char *name = tok + 2;
        size_t len = strcspn(name, "=");
        for (size_t i = 0; i < f->n && len; i++) {
            const struct cli_opt *o = f->opt[i];
            if (!o->operand && !strncmp(o->name, name, len))
                return cli_fail(cmd, "unknown option '--%.*s' (did you mean --%s? options are "
                                     "never abbreviated; see vigil %s --help)",
                                (int)len, name, o->name, cmd->name);
        }
        return cli_fail(cmd, "unknown option '--%.*s' (see vigil %s --help)", (int)len, name,
                        cmd->name);
    }
    return cli_fail(cmd, "unknown option '%s' (see vigil %s --help)", tok, cmd->name);
}

static int needs_value(const struct cli_cmd *cmd, const struct cli_opt *o, const char *instead)
{
    char acc[256];
    if (instead)
        return cli_fail(cmd, "--%s needs a value, %s, not the option '%s' (write --%s=%s for a "
                             "value that starts with '-')",
                        o->name, cli_accepts(o, acc, sizeof acc), instead, o->name, instead);
    return cli_fail(cmd, "--%s needs a value, %s", o->name, cli_accepts(o, acc, sizeof acc));
}

static int scan_argv(const struct cli_cmd *cmd, struct flat *f, int argc, char **argv)
{
    struct option longopts[CLI_MAX_OPTS + 3];
    size_t n = 0;
    for (size_t i = 0; i < f->n; i++) {
        if (f->opt[i]->operand)
            continue;
        longopts[n++] = (struct option){f->opt[i]->name,
                                        f->opt[i]->kind == CLI_K_FLAG ? no_argument
                                                                      : required_argument,
                                        NULL, VAL_FIRST + (int)i};
    }
    longopts[n++] = (struct option){"help", no_argument, NULL, VAL_HELP};
    longopts[n++] = (struct option){"version", no_argument, NULL, VAL_VERSION};
    longopts[n] = (struct option){NULL, 0, NULL, 0};

    opterr = 0;
    optind = 0;   /* glibc: start afresh */
    for (;;) {
        int c = getopt_long(argc, argv, ":h", longopts, NULL);
        if (c == -1)
            break;
        /* The argument that named the option: with a separate value, the one before it. */
        const char *tok = optind >= 1 && optind - 1 < argc ? argv[optind - 1] : "";
        if (optarg && optind >= 2 && optarg == argv[optind - 1])
            tok = argv[optind - 2];
        if (c == '?') {
            const char *eq = strchr(tok, '=');
            if (!strncmp(tok, "--", 2) && eq) {
                const struct cli_opt *o = find_flag(f, tok + 2, (size_t)(eq - tok - 2));
                if (o || !strncmp(tok, "--help=", 7) || !strncmp(tok, "--version=", 10))
                    return cli_fail(cmd, "--%.*s takes no value, got '%s'",
                                    (int)(eq - tok - 2), tok + 2, tok);
            }
            if (strncmp(tok, "--", 2) && optopt) {
                char shortopt[3] = {'-', (char)optopt, '\0'};
                return unknown_option(cmd, f, shortopt);
            }
            return unknown_option(cmd, f, tok);
        }
        if (c == ':') {
            const struct cli_opt *o = NULL;
            if (!strncmp(tok, "--", 2))
                o = find_flag(f, tok + 2, strcspn(tok + 2, "="));
            if (!o)
                return unknown_option(cmd, f, tok);
            return needs_value(cmd, o, NULL);
        }
        /* getopt_long takes any unambiguous prefix; vigil never does. */
        const char *name = strncmp(tok, "--", 2) ? NULL : tok + 2;
        size_t len = name ? strcspn(name, "=") : 0;
        if (c == 'h' || c == VAL_HELP || c == VAL_VERSION) {
            const char *want = c == VAL_VERSION ? "version" : "help";
            if (name && (len != strlen(want) || strncmp(name, want, len)))
                return unknown_option(cmd, f, tok);
            if (c == VAL_VERSION)
                printf("vigil %s\n", VG_VERSION);
            else
                cli_help(cmd, stdout);
            return CLI_DONE;
        }
        size_t idx = (size_t)(c - VAL_FIRST);
        const struct cli_opt *o = f->opt[idx];
        if (!name || len != strlen(o->name) || strncmp(name, o->name, len))
            return unknown_option(cmd, f, tok);
        const char *v = optarg;
        int separate = v && !strchr(tok, '=');
        if (separate && v[0] == '-' && v[1] == '-')
            return needs_value(cmd, o, v);
        char origin[64];
        snprintf(origin, sizeof origin, "--%s", o->name);
        if (convert(cmd, o, v ? v : "", origin) != 0)
            return CLI_BAD;
        f->given[idx] = CLI_FROM_ARGV;
    }
    /* Operands, in order, into the operand slots. */
    size_t slot = 0;
    for (int k = optind; k < argc; k++) {
        while (slot < f->n && !f->opt[slot]->operand)
            slot++;
        if (slot == f->n) {
            for (size_t i = 0; i < f->n; i++)
                if (f->opt[i]->operand)
                    return cli_fail(cmd, "unexpected operand '%s' (%s is already given as '%s')",
                                    argv[k], f->opt[i]->name, argv[k - 1]);
            return cli_fail(cmd, "unexpected operand '%s' (vigil %s takes options only; see "
                                 "vigil %s --help)", argv[k], cmd->name, cmd->name);
        }
        if (convert(cmd, f->opt[slot], argv[k], f->opt[slot]->name) != 0)
            return CLI_BAD;
        f->given[slot++] = CLI_FROM_ARGV;
    }
    return CLI_RUN;
}

int cli_parse(const struct cli_cmd *cmd, int argc, char **argv)
{
    struct flat f;
    flatten(cmd, &f);
    int rc = scan_argv(cmd, &f, argc, argv);
    if (rc != CLI_RUN)
        return rc;
    /* The environment fills what the command line left out. */
    for (size_t i = 0; i < f.n; i++) {
        const struct cli_opt *o = f.opt[i];
        if (f.given[i] || !o->env)
            continue;
        const char *v = getenv(o->env);
        if (!v || !*v)
            continue;
        if (convert(&*cmd, o, v, o->env) != 0)
            return CLI_BAD;
        f.given[i] = CLI_FROM_ENV;
    }
    for (size_t i = 0; i < f.n; i++) {
        for (size_t j = i + 1; j < f.n && f.opt[i]->conflict; j++) {
            if (f.opt[j]->conflict == f.opt[i]->conflict && f.given[i] == CLI_FROM_ARGV &&
                f.given[j] == CLI_FROM_ARGV)
                return cli_fail(cmd, "--%s and --%s cannot be given together", f.opt[i]->name,
                                f.opt[j]->name);
        }
    }
    for (size_t i = 0; i < f.n; i++) {
        const struct cli_opt *o = f.opt[i];
        char acc[256], buf[64];
        if (!o->required || f.given[i])
            continue;
        return cli_fail(cmd, "%s is required: %s%s%s%s", cli_origin(o, 0, buf, sizeof buf),
                        cli_accepts(o, acc, sizeof acc), o->env ? " (or set " : "",
                        o->env ? o->env : "", o->env ? ")" : "");
    }
    for (size_t i = 0; i < f.n; i++)
        if (f.opt[i]->given)
            *f.opt[i]->given = f.given[i];
    return CLI_RUN;
}

/* The help text, continuation lines indented under the first. */
static void print_help_text(FILE *out, const char *text, int col)
{
    for (const char *p = text; *p;) {
        size_t len = strcspn(p, "\n");
        fprintf(out, "%.*s\n", (int)len, p);
        p += len;
        if (*p == '\n') {
            p++;
            fprintf(out, "%*s", col, "");
        }
    }
}

static void print_entry(FILE *out, const char *left, const char *help, const char *env)
{
    int width = (int)strlen(left);
    if (width >= CLI_HELP_COLUMN - 1)
        fprintf(out, "%s\n%*s", left, CLI_HELP_COLUMN, "");
    else
        fprintf(out, "%-*s", CLI_HELP_COLUMN, left);
    print_help_text(out, help ? help : "", CLI_HELP_COLUMN);
    if (env)
        fprintf(out, "%*s(not given: $%s)\n", CLI_HELP_COLUMN, "", env);
}

void cli_help(const struct cli_cmd *cmd, FILE *out)
{
    fprintf(out, "usage: %s\n", cmd->usage);
    if (cmd->about)
        fprintf(out, "\n%s", cmd->about);
    for (size_t g = 0; g < cmd->ngroups; g++) {
        const struct cli_group *grp = &cmd->groups[g];
        if (!grp->n)
            continue;
        fprintf(out, "\n%s:\n", grp->title);
        for (size_t i = 0; i < grp->n; i++) {
            const struct cli_opt *o = &grp->opts[i];
            char left[96];
            if (o->operand)
                snprintf(left, sizeof left, "  %s", o->name);
            else if (o->kind == CLI_K_FLAG)
                snprintf(left, sizeof left, "  --%s", o->name);
            else
                snprintf(left, sizeof left, "  --%s %s", o->name, default_meta(o));
            print_entry(out, left, o->help, o->env);
        }
    }
    fputc('\n', out);
    print_entry(out, "  --help", "print this help", NULL);
    print_entry(out, "  --version", "print the version", NULL);
    if (cmd->epilog)
        fprintf(out, "\n%s", cmd->epilog);
}
