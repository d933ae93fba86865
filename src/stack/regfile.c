/* The system parameters from a Windows registry export (spec C3).
 *
 * What is read: the dword values KeepAliveTime, KeepAliveInterval, TcpMaxDataRetransmissions and
 * PPTPTcpMaxDataRetransmissions under any key HKEY_LOCAL_MACHINE\...\Services\Tcpip\Parameters
 * (or HKLM\...), so exports of ControlSet001 etc. work too; when several such keys appear, the
 * last value in file order wins. Everything else is skipped, but the file must still be a
 * well-formed export, so that a typo is reported rather than silently ignored.
 *
 * Decisions where regedit's own behaviour would not fit a loader of *parameters*:
 * - "[-...\Tcpip\Parameters]" (delete the key) and "KeepAliveTime"=- (delete the value) would
 *   bring back the system defaults on Windows; here they leave the values unchanged, because the
 *   loader overlays a file on parameters the caller already chose. Value lines that follow a
 *   deleted key belong to no key we read and are skipped.
 * - Windows treats KeepAliveTime or KeepAliveInterval of 0 as invalid and falls back to its
 *   default; a file that says 0 is rejected instead, with the line, so the mistake is seen.
 * - Our values may also be written hex(4):b0,b1,b2,b3 (REG_DWORD as raw little-endian bytes);
 *   any other type for them (a string, hex:, hex(b):, ...) is an error.
 * - Encodings: UTF-16LE with a byte-order mark (what regedit writes for version 5), or 8-bit
 *   text with or without a UTF-8 byte-order mark. 8-bit bytes are not validated as UTF-8:
 *   REGEDIT4 exports are in the ANSI code page, and only ASCII matters to us.
 * - Name and path comparisons fold ASCII case only; our names are ASCII.
 *
 * What is skipped is said, not silent: a value name under Tcpip\Parameters that is neither ours
 * nor one Windows keeps there (regnames.c) is most likely a typo of ours, and a file without that
 * key applies nothing. Both are warnings, kept until the file has loaded (a rejected file's
 * warnings would only bury its error), or under VG_REG_STRICT the error itself.
 *
 * The file is parsed into a copy of the parameters that is committed only on success. */
#include "stack/regnames.h"
#include "stack/utf16.h"
#include "vigil/vigil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEADER_V4 "REGEDIT4"
#define HEADER_V5 "Windows Registry Editor Version 5.00"
#define TCPIP_PARAMETERS_SUFFIX "\\Services\\Tcpip\\Parameters"

/* Longer value names are never ours, so only this much of a name needs keeping. */
#define NAME_KEEP 48
/* Quoted file text in an error message is cut to this many bytes. */
#define QUOTE_MAX 40
/* Warnings kept for the caller; the rest are counted, so a generated file cannot flood stderr. */
#define WARN_KEEP 16
#define WARN_LEN 200

enum key_kind {
    KEY_NONE,   /* before the first key line: a value line here is an error */
    KEY_OTHER,  /* values are checked for form and skipped */
    KEY_OURS,   /* ...\Services\Tcpip\Parameters */
};

struct our_value {
    const char *name;
    size_t offset;               /* into struct vg_sysparams */
    int zero_invalid;
};

static const struct our_value our_values[] = {
    {"KeepAliveTime", offsetof(struct vg_sysparams, keepalive_time_ms), 1},
    {"KeepAliveInterval", offsetof(struct vg_sysparams, keepalive_interval_ms), 1},
    {"TcpMaxDataRetransmissions", offsetof(struct vg_sysparams, tcp_max_data_retransmissions), 0},
    {"PPTPTcpMaxDataRetransmissions",
     offsetof(struct vg_sysparams, pptp_tcp_max_data_retransmissions), 0},
};
#define OUR_VALUE_COUNT (sizeof our_values / sizeof our_values[0])

struct line {
    const char *s;
    size_t len;
    unsigned long no;            /* 1-based physical line */
};

struct parser {
    const char *p, *end;         /* the decoded text not yet split into lines */
    unsigned long next_no;
    enum key_kind key;
    struct vg_sysparams sp;      /* the working copy */
    char *err;
    size_t errlen;
    int strict;                  /* VG_REG_STRICT: a warning is the error */
    int saw_ours;                /* a ...\Tcpip\Parameters key (not a deletion) appeared */
    unsigned nwarn;              /* warnings seen; the first WARN_KEEP are kept */
    char warnings[WARN_KEEP][WARN_LEN];
};

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int fail(struct parser *ps, unsigned long line_no, const char *fmt, ...)
{
    if (ps->err && ps->errlen > 0) {
        int n = snprintf(ps->err, ps->errlen, "line %lu: ", line_no);
        if (n >= 0 && (size_t)n < ps->errlen) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return -1;
}

/* A warning for line_no (0: the whole file). Kept for later, or under VG_REG_STRICT made the
 * error: then it returns -1 and parsing stops. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int warn(struct parser *ps, unsigned long line_no, const char *fmt, ...)
{
    char msg[WARN_LEN];
    int n = line_no ? snprintf(msg, sizeof msg, "line %lu: ", line_no) : 0;
    if (n < 0 || (size_t)n >= sizeof msg)
        n = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    va_end(ap);
    if (ps->strict) {
        if (ps->err && ps->errlen > 0)
            snprintf(ps->err, ps->errlen, "%s", msg);
        return -1;
    }
    if (ps->nwarn < WARN_KEEP)
        memcpy(ps->warnings[ps->nwarn], msg, sizeof msg);
    ps->nwarn++;
    return 0;
}

/* Copies file text into buf for an error message: control bytes become '?', and a long text is
 * cut (never inside a UTF-8 sequence) and marked with "...". */
static const char *quote(char *buf, size_t bufsz, const char *s, size_t len)
{
    size_t n = len;
    int cut = 0;
    if (n > QUOTE_MAX) {
        n = QUOTE_MAX;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
        cut = 1;
    }
    if (n + 4 > bufsz)
        n = bufsz - 4;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    if (cut) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = '\0';
    return buf;
}

static int is_blank(char c)
{
    /* '\r' is here so CRLF and LF files read the same. */
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static int ascii_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int equal_nocase(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ascii_lower((unsigned char)a[i]) != ascii_lower((unsigned char)b[i]))
            return 0;
    return 1;
}

/* True when s[0..len) begins with the NUL-terminated word, ignoring ASCII case. */
static int starts_nocase(const char *s, size_t len, const char *word)
{
    size_t n = strlen(word);
    return len >= n && equal_nocase(s, word, n);
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)ascii_lower((unsigned char)c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static void trim(const char **s, size_t *len)
{
    while (*len > 0 && is_blank(**s))
        (*s)++, (*len)--;
    while (*len > 0 && is_blank((*s)[*len - 1]))
        (*len)--;
}

/* True when s[0..len) holds nothing but blanks, or blanks and then a ';' comment. */
static int blank_or_comment(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && is_blank(s[i]))
        i++;
    return i == len || s[i] == ';';
}

static int next_line(struct parser *ps, struct line *ln)
{
    if (ps->p >= ps->end)
        return 0;
    const char *nl = memchr(ps->p, '\n', (size_t)(ps->end - ps->p));
    const char *e = nl ? nl : ps->end;
    ln->s = ps->p;
    ln->len = (size_t)(e - ps->p);
    ln->no = ps->next_no++;
    ps->p = nl ? nl + 1 : ps->end;
    return 1;
}

static int parse_header(struct parser *ps, const struct line *ln)
{
    const char *s = ln->s;
    size_t len = ln->len;
    char q[QUOTE_MAX + 4];
    trim(&s, &len);
    if ((len == strlen(HEADER_V4) && memcmp(s, HEADER_V4, len) == 0) ||
        (len == strlen(HEADER_V5) && memcmp(s, HEADER_V5, len) == 0))
        return 0;
    if (len == 0 || s[0] == '[' || s[0] == '"' || s[0] == '@' || s[0] == ';')
        return fail(ps, ln->no, "missing header: the first line must be \"" HEADER_V4
                    "\" or \"" HEADER_V5 "\"");
    if (memchr(s, '\0', len))
        return fail(ps, ln->no, "unknown header (UTF-16 text needs a byte-order mark)");
    return fail(ps, ln->no, "unknown header \"%s\": expected \"" HEADER_V4 "\" or \"" HEADER_V5
                "\"", quote(q, sizeof q, s, len));
}

static int is_tcpip_parameters(const char *path, size_t len)
{
    static const char *const roots[] = {"HKEY_LOCAL_MACHINE", "HKLM"};
    size_t suffix = strlen(TCPIP_PARAMETERS_SUFFIX);
    for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++) {
        size_t r = strlen(roots[i]);
        /* The suffix's leading backslash may be the one that ends the root. */
        if (len >= r + suffix && equal_nocase(path, roots[i], r) && path[r] == '\\' &&
            equal_nocase(path + len - suffix, TCPIP_PARAMETERS_SUFFIX, suffix))
            return 1;
    }
    return 0;
}

/* s starts with '['. The closing bracket is the first ']' after which the line holds only
 * blanks or a comment: key names may themselves contain ']'. */
static int parse_key(struct parser *ps, const struct line *ln, const char *s, size_t len)
{
    const char *close = NULL;
    int saw_bracket = 0;
    for (size_t i = 1; i < len; i++) {
        if (s[i] != ']')
            continue;
        saw_bracket = 1;
        if (blank_or_comment(s + i + 1, len - i - 1)) {
            close = s + i;
            break;
        }
    }
    if (!close)
        return fail(ps, ln->no, saw_bracket ? "unexpected text after the key's closing ']'"
                                            : "key line has no closing ']'");
    const char *path = s + 1;
    size_t plen = (size_t)(close - path);
    if (plen > 0 && path[0] == '-') {
        /* Deleting a key: a no-op for our values (see the top of the file). */
        ps->key = KEY_OTHER;
        return 0;
    }
    ps->key = is_tcpip_parameters(path, plen) ? KEY_OURS : KEY_OTHER;
    if (ps->key == KEY_OURS)
        ps->saw_ours = 1;
    return 0;
}

/* Checks one line of a hex byte list ("b0,b1,...", optionally ending in '\'): bytes are 1-2 hex
 * digits. When value is not NULL the bytes are gathered little-endian into it and counted in
 * *count. Returns 0 when the line is well-formed; *more is set when it ends in '\'. */
static int scan_hex_bytes(const char *s, size_t len, uint32_t *value, size_t *count, int *more)
{
    trim(&s, &len);
    *more = len > 0 && s[len - 1] == '\\';
    if (*more)
        len--;
    size_t i = 0;
    for (;;) {
        while (i < len && is_blank(s[i]))
            i++;
        if (i == len)
            return 0;        /* an empty list, or the trailing comma regedit writes before '\' */
        size_t start = i;
        unsigned byte = 0;
        while (i < len && hex_digit(s[i]) >= 0 && i - start < 3)
            byte = byte * 16 + (unsigned)hex_digit(s[i++]);
        if (i == start || i - start > 2)
            return -1;
        if (value) {
            if (*count < 4)
                *value |= (uint32_t)byte << (8 * *count);
            (*count)++;
        }
        while (i < len && is_blank(s[i]))
            i++;
        if (i == len)
            return 0;
        if (s[i] != ',')
            return -1;
        i++;
    }
}

/* Follows a hex value onto the lines that continue it (each previous one ended in '\').
 * A blank line ends the value. */
static int hex_continuation(struct parser *ps, int more, uint32_t *value, size_t *count)
{
    struct line ln;
    while (more && next_line(ps, &ln)) {
        const char *s = ln.s;
        size_t len = ln.len;
        trim(&s, &len);
        if (len == 0)
            return 0;
        if (scan_hex_bytes(s, len, value, count, &more) != 0)
            return fail(ps, ln.no, "a continued hex value goes on with something that is not "
                        "comma-separated hex bytes");
    }
    return 0;
}

static int dword_token(const char *s, size_t len, uint32_t *out, size_t *used)
{
    size_t n = 0;
    while (n < len && !is_blank(s[n]) && s[n] != ';')
        n++;
    *used = n;
    if (n < 1 || n > 8)
        return -1;
    uint32_t v = 0;
    for (size_t i = 0; i < n; i++) {
        int d = hex_digit(s[i]);
        if (d < 0)
            return -1;
        v = v << 4 | (uint32_t)d;
    }
    *out = v;
    return 0;
}

/* The data of one of our values: dword:XXXXXXXX, hex(4):..., or "-". */
static int parse_our_data(struct parser *ps, const struct line *ln, const struct our_value *ov,
                          const char *d, size_t dlen)
{
    char q[QUOTE_MAX + 4];
    uint32_t v = 0;
    if (dlen == 0)
        return fail(ps, ln->no, "value \"%s\" has no data", ov->name);
    if (d[0] == '-' && blank_or_comment(d + 1, dlen - 1))
        return 0;    /* deleting the value: a no-op (see the top of the file) */
    if (d[0] == '"')
        return fail(ps, ln->no, "value \"%s\" must be a dword (dword:XXXXXXXX), not a string",
                    ov->name);
    if (starts_nocase(d, dlen, "dword:")) {
        size_t used;
        const char *tok = d + 6;
        size_t tlen = dlen - 6;
        if (dword_token(tok, tlen, &v, &used) != 0)
            return fail(ps, ln->no, "dword value \"%s\" is not 1-8 hex digits",
                        quote(q, sizeof q, tok, used));
        if (!blank_or_comment(tok + used, tlen - used))
            return fail(ps, ln->no, "unexpected text after the dword value of \"%s\"", ov->name);
    } else if (starts_nocase(d, dlen, "hex(4):")) {
        size_t count = 0;
        int more;
        if (scan_hex_bytes(d + 7, dlen - 7, &v, &count, &more) != 0)
            return fail(ps, ln->no, "value \"%s\": hex(4) data is not comma-separated hex bytes",
                        ov->name);
        if (hex_continuation(ps, more, &v, &count) != 0)
            return -1;
        if (count != 4)
            return fail(ps, ln->no, "value \"%s\": hex(4) data must be 4 bytes, not %zu",
                        ov->name, count);
    } else if (starts_nocase(d, dlen, "hex")) {
        const char *colon = memchr(d, ':', dlen);
        size_t tlen = colon ? (size_t)(colon - d) : dlen;
        return fail(ps, ln->no, "value \"%s\" must be a dword (dword:XXXXXXXX), not %s data",
                    ov->name, quote(q, sizeof q, d, tlen));
    } else {
        return fail(ps, ln->no, "value \"%s\" has data of unknown type \"%s\"", ov->name,
                    quote(q, sizeof q, d, dlen));
    }
    if (v == 0 && ov->zero_invalid)
        return fail(ps, ln->no, "value \"%s\" is 0, which Windows treats as invalid", ov->name);
    memcpy((char *)&ps->sp + ov->offset, &v, sizeof v);
    return 0;
}

/* A name under Tcpip\Parameters that nobody reads: most likely a typo of one that is read. */
static int unknown_name(struct parser *ps, const struct line *ln, const char *name, size_t nlen)
{
    char q[QUOTE_MAX + 4];
    const char *ours[OUR_VALUE_COUNT];
    for (size_t k = 0; k < OUR_VALUE_COUNT; k++)
        ours[k] = our_values[k].name;
    /* Only NAME_KEEP bytes of a longer name were kept; more than QUOTE_MAX are shown cut. */
    const char *shown = quote(q, sizeof q, name, nlen < NAME_KEEP ? nlen : NAME_KEEP);
    const char *close = nlen > NAME_KEEP ? NULL
                                         : vg_regname_closest(name, nlen, ours, OUR_VALUE_COUNT);
    if (close)
        return warn(ps, ln->no, "unknown value \"%s\" under Tcpip\\Parameters (did you mean "
                    "\"%s\"?)", shown, close);
    return warn(ps, ln->no, "unknown value \"%s\" under Tcpip\\Parameters", shown);
}

/* s starts with '"' (a named value) or '@' (the key's default value). */
static int parse_value(struct parser *ps, const struct line *ln, const char *s, size_t len)
{
    char name[NAME_KEEP];
    size_t nlen = 0;     /* the full unescaped length, even past NAME_KEEP */
    size_t i = 1;
    if (s[0] == '"') {
        /* regedit escapes '"' and '\' in names with a backslash. */
        for (; i < len && s[i] != '"'; i++) {
            if (s[i] == '\\' && i + 1 < len)
                i++;
            if (nlen < NAME_KEEP)
                name[nlen] = s[i];
            nlen++;
        }
        if (i >= len)
            return fail(ps, ln->no, "value name has no closing '\"'");
        i++;
    }
    while (i < len && is_blank(s[i]))
        i++;
    if (i >= len || s[i] != '=')
        return fail(ps, ln->no, "expected '=' after the value name (a value line is \"name\"=data)");
    i++;
    while (i < len && is_blank(s[i]))
        i++;
    if (ps->key == KEY_NONE)
        return fail(ps, ln->no, "value line outside any key (a [key] line must come first)");

    const char *d = s + i;
    size_t dlen = len - i;
    if (ps->key == KEY_OURS && s[0] == '"') {
        for (size_t k = 0; k < OUR_VALUE_COUNT; k++) {
            const struct our_value *ov = &our_values[k];
            if (nlen == strlen(ov->name) && nlen <= NAME_KEEP && equal_nocase(name, ov->name, nlen))
                return parse_our_data(ps, ln, ov, d, dlen);
        }
        if (nlen > NAME_KEEP || !vg_regname_is_other(name, nlen)) {
            if (unknown_name(ps, ln, name, nlen) != 0)
                return -1;
        }
    }
    /* Someone else's value: only a hex list can run over several lines. */
    if (starts_nocase(d, dlen, "hex") && dlen > 0 && d[dlen - 1] == '\\')
        return hex_continuation(ps, 1, NULL, NULL);
    return 0;
}

static int parse_text(struct parser *ps)
{
    struct line ln;
    char q[QUOTE_MAX + 4];
    if (!next_line(ps, &ln))
        return fail(ps, 1, "empty file");
    if (parse_header(ps, &ln) != 0)
        return -1;
    while (next_line(ps, &ln)) {
        const char *s = ln.s;
        size_t len = ln.len;
        trim(&s, &len);
        if (len == 0 || s[0] == ';')
            continue;
        int rc;
        if (s[0] == '[')
            rc = parse_key(ps, &ln, s, len);
        else if (s[0] == '"' || s[0] == '@')
            rc = parse_value(ps, &ln, s, len);
        else
            rc = fail(ps, ln.no, "expected a [key] line, a \"name\"=data line or a ';' comment, "
                      "not \"%s\"", quote(q, sizeof q, s, len));
        if (rc != 0)
            return -1;
    }
    if (!ps->saw_ours)
        return warn(ps, 0, "no [..." TCPIP_PARAMETERS_SUFFIX "] key: nothing applied");
    return 0;
}

/* The physical line holding the byte at offset n of UTF-16LE text: where a cut-off file ends. */
static unsigned long utf16_line_at(const uint8_t *b, size_t n)
{
    unsigned long line = 1;
    for (size_t i = 0; i + 1 < n; i += 2)
        if (b[i] == '\n' && b[i + 1] == 0)
            line++;
    return line;
}

/* Parses into ps (set up by the caller), committing to *sp only on success. */
static int parse_reg(struct parser *ps, struct vg_sysparams *sp, const void *data, size_t len)
{
    ps->sp = *sp;
    if (len == 0)
        return fail(ps, 1, "empty file");

    const uint8_t *b = data;
    char *decoded = NULL;
    if (len >= 2 && b[0] == 0xff && b[1] == 0xfe) {
        size_t dlen;
        if ((len - 2) % 2 != 0)
            return fail(ps, utf16_line_at(b + 2, len - 3),
                        "UTF-16 text has an odd number of bytes (the last character is cut off)");
        if (vg_utf16le_to_utf8(b + 2, len - 2, &decoded, &dlen) != 0) {
            if (ps->err && ps->errlen > 0)
                snprintf(ps->err, ps->errlen, "out of memory decoding UTF-16 text");
            return -1;
        }
        ps->p = decoded;
        ps->end = decoded + dlen;
    } else if (len >= 2 && b[0] == 0xfe && b[1] == 0xff) {
        return fail(ps, 1, "UTF-16 big-endian text is not supported (regedit writes little-endian)");
    } else {
        size_t skip = len >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf ? 3 : 0;
        ps->p = (const char *)b + skip;
        ps->end = (const char *)b + len;
    }

    int rc = parse_text(ps);
    free(decoded);
    if (rc == 0)
        *sp = ps->sp;
    return rc;
}

static void deliver(const struct parser *ps, void (*warn_fn)(void *ctx, const char *msg),
                    void *ctx)
{
    if (!warn_fn)
        return;
    unsigned kept = ps->nwarn < WARN_KEEP ? ps->nwarn : WARN_KEEP;
    for (unsigned i = 0; i < kept; i++)
        warn_fn(ctx, ps->warnings[i]);
    if (ps->nwarn > kept) {
        char more[64];
        snprintf(more, sizeof more, "%u more warnings not shown", ps->nwarn - kept);
        warn_fn(ctx, more);
    }
}

int vg_sysparams_parse_reg_ex(struct vg_sysparams *sp, const void *data, size_t len,
                              unsigned flags, void (*warn_fn)(void *ctx, const char *msg),
                              void *ctx, char *err, size_t errlen)
{
    struct parser ps = {.next_no = 1, .key = KEY_NONE, .err = err, .errlen = errlen,
                        .strict = (flags & VG_REG_STRICT) != 0};
    if (err && errlen > 0)
        err[0] = '\0';
    if (!sp || (!data && len > 0) || (flags & ~VG_REG_STRICT)) {
        if (err && errlen > 0)
            snprintf(err, errlen, "invalid argument");
        return -1;
    }
    int rc = parse_reg(&ps, sp, data, len);
    if (rc == 0)
        deliver(&ps, warn_fn, ctx);
    return rc;
}

int vg_sysparams_parse_reg(struct vg_sysparams *sp, const void *data, size_t len, char *err,
                           size_t errlen)
{
    return vg_sysparams_parse_reg_ex(sp, data, len, 0, NULL, NULL, err, errlen);
}
