/* Loading the system parameters from a Windows registry export (spec C3, A11).
 *
 * The exports are written here as UTF-8 text with LF line ends and encoded the way each producer
 * would store them: regedit's version 5 format as UTF-16LE with a byte-order mark and CRLF,
 * REGEDIT4 as 8-bit text with CRLF, hand-edited files as UTF-8 with or without a BOM. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "vigil/vigil.h"

enum encoding { ENC_UTF8_LF, ENC_UTF8_CRLF, ENC_UTF8_BOM_CRLF, ENC_UTF16_BOM_CRLF };
static const char *const encoding_names[] = {"UTF-8/LF", "UTF-8/CRLF", "UTF-8+BOM/CRLF",
                                             "UTF-16LE+BOM/CRLF"};

struct bytes {
    uint8_t *p;
    size_t len;
};

static void put(struct bytes *b, const void *src, size_t n)
{
    b->p = realloc(b->p, b->len + n);
    assert_non_null(b->p);
    memcpy(b->p + b->len, src, n);
    b->len += n;
}

static void put_unit(struct bytes *b, uint32_t u)
{
    uint8_t le[2] = {(uint8_t)(u & 0xff), (uint8_t)(u >> 8)};
    put(b, le, 2);
}

/* One code point from well-formed UTF-8 (the test's own text), advancing *s. */
static uint32_t next_code_point(const unsigned char **s)
{
    const unsigned char *p = *s;
    uint32_t cp;
    size_t n;
    if (p[0] < 0x80)
        cp = p[0], n = 1;
    else if (p[0] < 0xe0)
        cp = p[0] & 0x1fu, n = 2;
    else if (p[0] < 0xf0)
        cp = p[0] & 0x0fu, n = 3;
    else
        cp = p[0] & 0x07u, n = 4;
    for (size_t i = 1; i < n; i++)
        cp = cp << 6 | (p[i] & 0x3fu);
    *s = p + n;
    return cp;
}

static struct bytes encode(const char *text, enum encoding enc)
{
    struct bytes b = {NULL, 0};
    int crlf = enc != ENC_UTF8_LF;
    if (enc == ENC_UTF8_BOM_CRLF)
        put(&b, "\xef\xbb\xbf", 3);
    if (enc == ENC_UTF16_BOM_CRLF)
        put(&b, "\xff\xfe", 2);
    const unsigned char *s = (const unsigned char *)text;
    while (*s) {
        uint32_t cp = next_code_point(&s);
        if (enc == ENC_UTF16_BOM_CRLF) {
            if (cp == '\n' && crlf)
                put_unit(&b, '\r');
            if (cp >= 0x10000) {
                put_unit(&b, 0xd800 + ((cp - 0x10000) >> 10));
                put_unit(&b, 0xdc00 + ((cp - 0x10000) & 0x3ff));
            } else {
                put_unit(&b, cp);
            }
        } else {
            if (cp == '\n' && crlf)
                put(&b, "\r", 1);
            /* Copy the original UTF-8 bytes of this code point. */
            size_t n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            put(&b, s - n, n);
        }
    }
    if (!b.p)
        b.p = malloc(1);   /* an empty text still gets a buffer to free */
    return b;
}

/* Writes data to a fresh file under /tmp; the caller unlinks path. */
static void write_temp(char path[32], const void *data, size_t len)
{
    strcpy(path, "/tmp/vigil-regXXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const uint8_t *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        assert_true(n > 0);
        p += n;
        len -= (size_t)n;
    }
    assert_int_equal(close(fd), 0);
}

/* Loads b (freed here) from a file over sp, as vg_sysparams_load_reg reads one. */
static int load_written(struct vg_sysparams *sp, struct bytes b, char *err, size_t errlen)
{
    char path[32];
    write_temp(path, b.p, b.len);
    free(b.p);
    int rc = vg_sysparams_load_reg(sp, path, err, errlen);
    unlink(path);
    return rc;
}

/* Parameters distinct from every default, so "unchanged" cannot pass by coincidence. */
static struct vg_sysparams sentinel(void)
{
    struct vg_sysparams sp = {
        .keepalive_time_ms = 111111u,
        .keepalive_interval_ms = 2222u,
        .tcp_max_data_retransmissions = 33u,
        .pptp_tcp_max_data_retransmissions = 44u,
    };
    return sp;
}

static void assert_params(const struct vg_sysparams *sp, uint32_t time, uint32_t interval,
                          uint32_t tcp_max, uint32_t pptp_max)
{
    assert_int_equal(sp->keepalive_time_ms, time);
    assert_int_equal(sp->keepalive_interval_ms, interval);
    assert_int_equal(sp->tcp_max_data_retransmissions, tcp_max);
    assert_int_equal(sp->pptp_tcp_max_data_retransmissions, pptp_max);
}

/* Parses text (encoded as enc) over sp; on failure prints the error for the test log. */
static int parse_as(struct vg_sysparams *sp, const char *text, enum encoding enc, char *err,
                    size_t errlen)
{
    struct bytes b = encode(text, enc);
    int rc = vg_sysparams_parse_reg(sp, b.p, b.len, err, errlen);
    free(b.p);
    return rc;
}

static void parse_ok(struct vg_sysparams *sp, const char *text, enum encoding enc)
{
    char err[256] = "";
    int rc = parse_as(sp, text, enc, err, sizeof err);
    if (rc != 0)
        print_error("unexpected failure (%s): %s\n", encoding_names[enc], err);
    assert_int_equal(rc, 0);
    assert_string_equal(err, "");
}

/* text, encoded as enc, parses over the sentinel to these parameters. */
static void assert_parses_to(const char *text, enum encoding enc, uint32_t time, uint32_t interval,
                             uint32_t tcp_max, uint32_t pptp_max)
{
    struct vg_sysparams sp = sentinel();
    parse_ok(&sp, text, enc);
    assert_params(&sp, time, interval, tcp_max, pptp_max);
}

/* ---- well-formed exports */

/* What regedit on Windows 10 writes when exporting Tcpip\Parameters (trimmed): other value
 * types, multi-line hex, a subkey with our value names, a non-BMP character in a string. */
static const char regedit_v5_export[] =
    "Windows Registry Editor Version 5.00\n"
    "\n"
    "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters]\n"
    "\"DataBasePath\"=hex(2):25,00,53,00,79,00,73,00,74,00,65,00,6d,00,52,00,6f,00,6f,\\\n"
    "  00,74,00,25,00,5c,00,53,00,79,00,73,00,74,00,65,00,6d,00,33,00,32,00,5c,00,\\\n"
    "  64,00,72,00,69,00,76,00,65,00,72,00,73,00,5c,00,65,00,74,00,63,00,00,00\n"
    "\"NameServer\"=\"\"\n"
    "\"ForwardBroadcasts\"=dword:00000000\n"
    "\"IPEnableRouter\"=dword:00000000\n"
    "\"Domain\"=\"example.test\"\n"
    "\"Hostname\"=\"B\xc3\xbcro-PC-\xf0\x9f\x96\xa5\"\n"
    "\"KeepAliveTime\"=dword:000493e0\n"
    "\"KeepAliveInterval\"=dword:000003e8\n"
    "\"EnableWsd\"=dword:00000001\n"
    "\"TcpMaxDataRetransmissions\"=dword:00000007\n"
    "\"PPTPTcpMaxDataRetransmissions\"=dword:00000009\n"
    "\"SyncDomainWithMembership\"=dword:00000001\n"
    "\n"
    "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters\\Interfaces]\n"
    "\n"
    "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters\\Interfaces\\"
    "{4b1d7e3a-62c1-4d3e-9f0a-2a7c51e0b6d4}]\n"
    "\"EnableDHCP\"=dword:00000001\n"
    "\"DhcpIPAddress\"=\"192.0.2.15\"\n"
    "\"DhcpDefaultGateway\"=hex(7):31,00,39,00,32,00,2e,00,30,00,2e,00,32,00,2e,00,31,\\\n"
    "  00,00,00,00,00\n"
    "\"KeepAliveTime\"=dword:00000001\n"
    "\"LeaseObtainedTime\"=hex(b):c3,b2,a1,65,00,00,00,00\n"
    "\n";

static void c3_utf16le_v5_export_with_crlf_loads(void **state)
{
    (void)state;
    struct bytes b = encode(regedit_v5_export, ENC_UTF16_BOM_CRLF);
    /* Sanity of the fixture itself: BOM, then 'W' as a UTF-16LE unit, CRLF as two units. */
    assert_memory_equal(b.p, "\xff\xfeW\0i\0", 6);

    struct vg_sysparams sp = sentinel();
    char err[256] = "";
    assert_int_equal(load_written(&sp, b, err, sizeof err), 0);
    assert_string_equal(err, "");
    /* The per-interface KeepAliveTime (1) belongs to another key and must not win. */
    assert_params(&sp, 300000u, 1000u, 7u, 9u);
}

static void c3_every_encoding_reads_the_same(void **state)
{
    (void)state;
    for (enum encoding e = ENC_UTF8_LF; e <= ENC_UTF16_BOM_CRLF; e++) {
        assert_parses_to(regedit_v5_export, e, 300000u, 1000u, 7u, 9u);
    }
}

static void c3_regedit4_ascii_loads(void **state)
{
    (void)state;
    /* A Windows 2000 style tuning file: only the retransmission counts and the idle time. */
    static const char text[] =
        "REGEDIT4\n"
        "\n"
        "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters]\n"
        "\"KeepAliveTime\"=dword:000927c0\n"
        "\"TcpMaxDataRetransmissions\"=dword:00000003\n"
        "\"PPTPTcpMaxDataRetransmissions\"=dword:00000008\n"
        "\n";
    struct bytes b = encode(text, ENC_UTF8_CRLF);
    assert_memory_equal(b.p, "REGEDIT4\r\n\r\n[", 13);

    struct vg_sysparams sp = sentinel();
    char err[256] = "";
    assert_int_equal(load_written(&sp, b, err, sizeof err), 0);
    /* KeepAliveInterval is not in the file: it keeps the value it had. */
    assert_params(&sp, 600000u, 2222u, 3u, 8u);
    assert_int_equal(vg_sysparams_keepalive_count(VG_PROFILE_WINDOWS_2000, &sp), 8u);
}

static void c3_utf8_bom_hand_edited_loads(void **state)
{
    (void)state;
    /* Hand-written: HKLM, another control set, names in other case, upper-case hex, short
     * dwords, blanks around '=', comments. */
    static const char text[] =
        "Windows Registry Editor Version 5.00\n"
        "; keep-alive every 30 s, probe every 5 s\n"
        "[HKLM\\SYSTEM\\ControlSet001\\services\\TCPIP\\parameters]  ; the live set\n"
        "  \"keepalivetime\" = dword:7530\n"
        "\"KEEPALIVEINTERVAL\"\t=\tDWORD:1388   ; 5000 ms\n"
        "\"TcpMaxDataRetransmissions\"=dword:A\n"
        "\"PPTPTcpMaxDataRetransmissions\"=dword:0\n";
    struct bytes b = encode(text, ENC_UTF8_BOM_CRLF);
    assert_memory_equal(b.p, "\xef\xbb\xbfWindows", 10);

    struct vg_sysparams sp = sentinel();
    char err[256] = "";
    assert_int_equal(load_written(&sp, b, err, sizeof err), 0);
    assert_params(&sp, 30000u, 5000u, 10u, 0u);
}

static void c3_dword_range(void **state)
{
    (void)state;
    static const struct { const char *dword; uint32_t value; } cases[] = {
        {"1", 1u}, {"00000001", 1u}, {"ffffffff", UINT32_MAX}, {"FFFFFFFE", UINT32_MAX - 1},
        {"0036ee80", 3600000u}, {"7fffffff", 0x7fffffffu},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[256];
        snprintf(text, sizeof text,
                 "REGEDIT4\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\"
                 "Parameters]\n\"KeepAliveTime\"=dword:%s\n", cases[i].dword);
        assert_parses_to(text, ENC_UTF8_LF, cases[i].value, 2222u, 33u, 44u);
    }
}

static void c3_other_keys_values_not_applied(void **state)
{
    (void)state;
    /* Our value names under keys that are not HKLM\...\Services\Tcpip\Parameters. */
    static const char *const keys[] = {
        "HKEY_CURRENT_USER\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters",
        "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Tcpip6\\Parameters",
        "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters\\Interfaces",
        "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters\\Winsock",
        "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Tcpip",
        "HKEY_LOCAL_MACHINE\\SOFTWARE\\Tcpip\\Parameters",
        "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\NotTcpip\\Parameters",
        "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters ",
        "HKLMX\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters",
        "SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters",
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        char text[512];
        snprintf(text, sizeof text,
                 "Windows Registry Editor Version 5.00\n\n[%s]\n"
                 "\"KeepAliveTime\"=dword:00000005\n\"KeepAliveInterval\"=dword:00000006\n"
                 "\"TcpMaxDataRetransmissions\"=dword:00000007\n"
                 "\"PPTPTcpMaxDataRetransmissions\"=dword:00000008\n", keys[i]);
        assert_parses_to(text, ENC_UTF16_BOM_CRLF, 111111u, 2222u, 33u, 44u);
    }
}

static void c3_our_names_in_other_keys_may_have_any_type(void **state)
{
    (void)state;
    /* The dword rule binds only under our key; elsewhere a string named KeepAliveTime is
     * someone else's business. */
    static const char text[] =
        "REGEDIT4\n"
        "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Vendor\\Tuning]\n"
        "\"KeepAliveTime\"=\"two hours\"\n"
        "\"KeepAliveInterval\"=hex:01,02\n"
        "\"TcpMaxDataRetransmissions\"=dword:zz\n";
    assert_parses_to(text, ENC_UTF8_LF, 111111u, 2222u, 33u, 44u);
}

static void c3_any_control_set_and_last_one_wins(void **state)
{
    (void)state;
    static const char text[] =
        "REGEDIT4\n"
        "[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\Tcpip\\Parameters]\n"
        "\"KeepAliveTime\"=dword:00001000\n"
        "\"KeepAliveInterval\"=dword:00000200\n"
        "[hklm\\SYSTEM\\ControlSet002\\Services\\Tcpip\\Parameters]\n"
        "\"KeepAliveTime\"=dword:00002000\n"
        "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters]\n"
        "\"TcpMaxDataRetransmissions\"=dword:00000002\n"
        "\"TcpMaxDataRetransmissions\"=dword:00000004\n";
    assert_parses_to(text, ENC_UTF8_LF, 0x2000u, 0x200u, 4u, 44u);
}

static void c3_key_deletion_leaves_values(void **state)
{
    (void)state;
    /* Deleting our key is a no-op for the parameters, and values listed under the deletion
     * line belong to no key we read. */
    static const char text[] =
        "Windows Registry Editor Version 5.00\n"
        "\n"
        "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters]\n"
        "\"KeepAliveInterval\"=dword:00000bb8\n"
        "\n"
        "[-HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters]\n"
        "\"KeepAliveTime\"=dword:00000005\n"
        "\n"
        "[-HKEY_LOCAL_MACHINE\\SOFTWARE\\Vendor]\n";
    assert_parses_to(text, ENC_UTF16_BOM_CRLF, 111111u, 3000u, 33u, 44u);
}

static void c3_value_deletion_leaves_value(void **state)
{
    (void)state;
    static const char text[] =
        "Windows Registry Editor Version 5.00\n"
        "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters]\n"
        "\"KeepAliveTime\"=-\n"
        "\"KeepAliveInterval\" = -  ; back to the default on Windows\n"
        "\"TcpMaxDataRetransmissions\"=dword:00000001\n";
    assert_parses_to(text, ENC_UTF8_LF, 111111u, 2222u, 1u, 44u);
}

static void c3_other_types_and_continuations_skipped(void **state)
{
    (void)state;
    /* Strings with escapes, the default value, multi-line hex of several types, and names that
     * merely resemble ours: none of it may disturb the parameters or the line structure. */
    static const char text[] =
        "REGEDIT4\n"
        "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters]\n"
        "@=\"default\"\n"
        "\"Path\"=\"C:\\\\Windows\\\\\"\n"
        "\"Quote \\\"KeepAliveTime\\\"\"=dword:00000001\n"
        "\"KeepAliveTimeX\"=dword:00000002\n"
        "\"KeepAliveTim\"=dword:00000003\n"
        "\"Blob\"=hex:00,01,02,03,04,05,06,07,08,09,0a,0b,0c,0d,0e,0f,10,11,12,13,14,\\\n"
        "  15,16,17,18,19,1a,1b,1c,1d,1e,1f,\\\n"
        "  20,21\n"
        "\"Big\"=hex(b):01,00,00,00,00,00,00,00\n"
        "\"Multi\"=hex(7):41,00,00,00,\\\n"
        "  00,00\n"
        "\"PPTPTcpMaxDataRetransmissions\"=dword:00000006\n"
        "\"Empty\"=hex:\n";
    assert_parses_to(text, ENC_UTF8_CRLF, 111111u, 2222u, 33u, 6u);
}

static void c3_hex4_is_a_dword(void **state)
{
    (void)state;
    /* REG_DWORD written as raw little-endian bytes, on one line and continued. */
    static const char text[] =
        "Windows Registry Editor Version 5.00\n"
        "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters]\n"
        "\"KeepAliveTime\"=hex(4):e0,93,04,00\n"
        "\"KeepAliveInterval\"=hex(4):d0,07,\\\n"
        "  00,00\n"
        "\"TcpMaxDataRetransmissions\"=dword:2\n";
    assert_parses_to(text, ENC_UTF16_BOM_CRLF, 300000u, 2000u, 2u, 44u);
}

/* ---- malformed exports: -1, "line N: reason", and *sp untouched */

struct bad_case {
    const char *what;
    const char *text;
    unsigned line;
    const char *reason;    /* a fragment the message must contain */
};

#define TCPIP "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters]\n"
#define V5 "Windows Registry Editor Version 5.00\n"

static const struct bad_case bad_cases[] = {
    {"missing header", TCPIP "\"KeepAliveTime\"=dword:00000001\n", 1, "missing header"},
    {"header not first", "\n" V5 TCPIP, 1, "missing header"},
    {"unknown header version", "Windows Registry Editor Version 6.00\n" TCPIP, 1,
     "unknown header"},
    {"unknown header text", "REGEDIT5\n" TCPIP, 1, "unknown header \"REGEDIT5\""},
    {"control byte quoted as ?", "REGEDIT\x01" "4\n" TCPIP, 1, "unknown header \"REGEDIT?4\""},
    {"key without ]", V5 "\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\n", 3,
     "no closing ']'"},
    {"our key without ]", V5 "\n\n"
     "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters\n"
     "\"KeepAliveTime\"=dword:00000001\n", 4, "no closing ']'"},
    {"text after ]", V5 "[HKEY_LOCAL_MACHINE\\SOFTWARE] junk\n", 2, "after the key's closing"},
    {"value outside any key", V5 "\n\"KeepAliveTime\"=dword:00000001\n" TCPIP, 3,
     "outside any key"},
    {"unquoted value name", V5 TCPIP "\"KeepAliveInterval\"=dword:00000001\n"
     "KeepAliveTime=dword:00000001\n", 4, "expected a [key] line"},
    {"no '=' after name", V5 TCPIP "\n\"KeepAliveTime\" dword:00000001\n", 4, "expected '='"},
    {"unterminated name", V5 TCPIP "\"KeepAliveTime=dword:00000001\n", 3, "no closing '\"'"},
    {"bad line in other key", V5 "[HKEY_CURRENT_USER\\Software]\n\"ok\"=dword:1\n= 5\n", 4,
     "expected a [key] line"},
    {"our value as a string", V5 TCPIP "\"KeepAliveTime\"=\"7200000\"\n", 3, "not a string"},
    {"our value as hex", V5 TCPIP "\"TcpMaxDataRetransmissions\"=hex:05,00,00,00\n", 3,
     "not hex data"},
    {"our value as qword", V5 TCPIP "\"KeepAliveInterval\"=hex(b):e8,03,00,00,00,00,00,00\n", 3,
     "not hex(b) data"},
    {"our value of unknown type", V5 TCPIP "\"KeepAliveInterval\"=1000\n", 3, "unknown type"},
    {"our value without data", V5 TCPIP "\"KeepAliveInterval\"=\n", 3, "has no data"},
    {"hex(4) not 4 bytes", V5 TCPIP "\"KeepAliveTime\"=hex(4):e0,93,04\n", 3, "must be 4 bytes"},
    {"hex(4) bad byte", V5 TCPIP "\"KeepAliveTime\"=hex(4):e0,9g,04,00\n", 3, "not comma-sep"},
    {"dword not hex", V5 TCPIP "\n\n\n\"KeepAliveTime\"=dword:zz12\n", 6,
     "dword value \"zz12\" is not 1-8 hex digits"},
    {"dword nine digits", V5 TCPIP "\"KeepAliveTime\"=dword:000000001\n", 3,
     "\"000000001\" is not 1-8"},
    {"dword empty", V5 TCPIP "\"KeepAliveTime\"=dword:\n", 3, "\"\" is not 1-8"},
    {"dword with 0x", V5 TCPIP "\"KeepAliveTime\"=dword:0x10\n", 3, "\"0x10\" is not 1-8"},
    {"dword trailing text", V5 TCPIP "\"KeepAliveTime\"=dword:10 ms\n", 3, "unexpected text"},
    {"KeepAliveTime 0", V5 TCPIP "\"KeepAliveTime\"=dword:00000000\n", 3, "is 0"},
    {"KeepAliveInterval 0", V5 TCPIP "\"TcpMaxDataRetransmissions\"=dword:00000003\n"
     "\"KeepAliveInterval\"=dword:0\n", 4, "is 0"},
    {"hex(4) of 0 KeepAliveTime", V5 TCPIP "\"KeepAliveTime\"=hex(4):00,00,00,00\n", 3, "is 0"},
    {"continuation not hex", V5 TCPIP "\"Blob\"=hex:01,02,\\\n  03,\\\n"
     "\"KeepAliveTime\"=dword:1\n", 5, "continued hex value"},
    {"error after good values", V5 TCPIP "\"KeepAliveTime\"=dword:00001000\n"
     "\"KeepAliveInterval\"=dword:00000100\n\"TcpMaxDataRetransmissions\"=dword:1\n"
     "\"PPTPTcpMaxDataRetransmissions\"=dword:1\n\n[broken\n", 8, "no closing ']'"},
    {"empty file", "", 1, "empty file"},
};

static void check_bad_case(const struct bad_case *bc, enum encoding enc)
{
    struct vg_sysparams sp = sentinel(), before = sentinel();
    char err[256];
    memset(err, 'x', sizeof err);
    err[sizeof err - 1] = '\0';
    int rc = parse_as(&sp, bc->text, enc, err, sizeof err);
    char prefix[32];
    snprintf(prefix, sizeof prefix, "line %u: ", bc->line);
    if (rc != -1 || strncmp(err, prefix, strlen(prefix)) != 0 || !strstr(err, bc->reason))
        print_error("case \"%s\" (%s): rc %d, err \"%s\"; want \"%s...%s\"\n", bc->what,
                    encoding_names[enc], rc, err, prefix, bc->reason);
    assert_int_equal(rc, -1);
    assert_memory_equal(err, prefix, strlen(prefix));
    assert_non_null(strstr(err, bc->reason));
    assert_memory_equal(&sp, &before, sizeof sp);
}

static void c3_malformed_files_rejected_with_line(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++)
        for (enum encoding e = ENC_UTF8_LF; e <= ENC_UTF16_BOM_CRLF; e++)
            check_bad_case(&bad_cases[i], e);
}

static void c3_bad_dword_message_is_exact(void **state)
{
    (void)state;
    static const char text[] = V5 "\n" TCPIP "\"KeepAliveTime\"=dword:00001000\n"
                               "\"KeepAliveInterval\"=dword:00000100\n\n"
                               "\"TcpMaxDataRetransmissions\"=dword:zz12\n";
    struct vg_sysparams sp = sentinel();
    char err[128];
    assert_int_equal(parse_as(&sp, text, ENC_UTF16_BOM_CRLF, err, sizeof err), -1);
    assert_string_equal(err, "line 7: dword value \"zz12\" is not 1-8 hex digits");
    assert_params(&sp, 111111u, 2222u, 33u, 44u);
}

static void c3_utf16_odd_byte_count_rejected(void **state)
{
    (void)state;
    static const char text[] = V5 "\n" TCPIP "\"KeepAliveTime\"=dword:00001000\n";
    struct bytes b = encode(text, ENC_UTF16_BOM_CRLF);
    put(&b, "\x0a", 1);    /* half of one more unit: the file was cut */
    struct vg_sysparams sp = sentinel(), before = sentinel();
    char err[256];
    assert_int_equal(vg_sysparams_parse_reg(&sp, b.p, b.len, err, sizeof err), -1);
    /* Four full lines end in CRLF; the stray byte sits on line 5. */
    assert_memory_equal(err, "line 5: ", 8);
    assert_non_null(strstr(err, "odd number of bytes"));
    assert_memory_equal(&sp, &before, sizeof sp);
    free(b.p);

    /* A BOM and a single byte: cut on line 1. */
    assert_int_equal(vg_sysparams_parse_reg(&sp, "\xff\xfeW", 3, err, sizeof err), -1);
    assert_memory_equal(err, "line 1: ", 8);
    assert_memory_equal(&sp, &before, sizeof sp);
}

static void c3_empty_and_bom_only_files_rejected(void **state)
{
    (void)state;
    static const struct { const char *data; size_t len; } empties[] = {
        {"", 0}, {"\xef\xbb\xbf", 3}, {"\xff\xfe", 2},
    };
    for (size_t i = 0; i < sizeof empties / sizeof empties[0]; i++) {
        struct vg_sysparams sp = sentinel(), before = sentinel();
        char err[128];
        assert_int_equal(vg_sysparams_parse_reg(&sp, empties[i].data, empties[i].len, err,
                                                sizeof err), -1);
        assert_string_equal(err, "line 1: empty file");
        assert_memory_equal(&sp, &before, sizeof sp);
    }
    /* An empty file on disk goes through load_reg the same way. */
    char path[32];
    write_temp(path, "", 0);
    struct vg_sysparams sp = sentinel();
    char err[128];
    int rc = vg_sysparams_load_reg(&sp, path, err, sizeof err);
    unlink(path);
    assert_int_equal(rc, -1);
    assert_string_equal(err, "line 1: empty file");
}

static void c3_utf16_without_bom_rejected(void **state)
{
    (void)state;
    /* Without its byte-order mark the text cannot be told from 8-bit text with NULs. */
    struct bytes b = encode(V5 TCPIP "\"KeepAliveTime\"=dword:00001000\n", ENC_UTF16_BOM_CRLF);
    struct vg_sysparams sp = sentinel(), before = sentinel();
    char err[256];
    assert_int_equal(vg_sysparams_parse_reg(&sp, b.p + 2, b.len - 2, err, sizeof err), -1);
    assert_memory_equal(err, "line 1: ", 8);
    assert_non_null(strstr(err, "byte-order mark"));
    assert_memory_equal(&sp, &before, sizeof sp);
    free(b.p);
}

static void c3_load_reg_unreadable_file(void **state)
{
    (void)state;
    char path[64];
    strcpy(path, "/tmp/vigil-regXXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);    /* a name that surely does not exist now */

    struct vg_sysparams sp = sentinel(), before = sentinel();
    char err[256];
    assert_int_equal(vg_sysparams_load_reg(&sp, path, err, sizeof err), -1);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, strerror(ENOENT)));
    assert_memory_equal(&sp, &before, sizeof sp);

    /* A directory opens but cannot be read as a file. */
    assert_int_equal(vg_sysparams_load_reg(&sp, "/tmp", err, sizeof err), -1);
    assert_non_null(strstr(err, "/tmp"));
    assert_non_null(strstr(err, strerror(EISDIR)));
    assert_memory_equal(&sp, &before, sizeof sp);
}

static void c3_error_buffer_bounds_respected(void **state)
{
    (void)state;
    static const char text[] = V5 TCPIP "\"KeepAliveTime\"=dword:zz12zz12zz12zz12zz12zz12"
                               "zz12zz12zz12zz12zz12zz12zz12zz12zz12zz12zz12zz12\n";
    char err[16];
    memset(err, 'x', sizeof err);
    struct vg_sysparams sp = sentinel();
    /* Only the first 8 bytes are ours to write. */
    assert_int_equal(parse_as(&sp, text, ENC_UTF8_LF, err, 8), -1);
    assert_string_equal(err, "line 3:");
    assert_memory_equal(err + 8, "xxxxxxxx", 8);
    /* No buffer at all is allowed. */
    assert_int_equal(parse_as(&sp, text, ENC_UTF8_LF, NULL, 0), -1);
    assert_int_equal(vg_sysparams_load_reg(&sp, "/nonexistent/vigil.reg", NULL, 0), -1);
    /* A long quoted token is shortened, not spilled. */
    char big[256];
    assert_int_equal(parse_as(&sp, text, ENC_UTF8_LF, big, sizeof big), -1);
    assert_true(strlen(big) < 120);
    assert_non_null(strstr(big, "...\" is not 1-8 hex digits"));
    /* The cut never splits a UTF-8 sequence: 39 ASCII bytes, then a 2-byte character that would
     * straddle the 40-byte limit. */
    char text2[256];
    snprintf(text2, sizeof text2, V5 TCPIP "\"KeepAliveTime\"=dword:%s\xc3\xbc\xc3\xbc\n",
             "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz");
    assert_int_equal(parse_as(&sp, text2, ENC_UTF8_LF, big, sizeof big), -1);
    assert_string_equal(big, "line 3: dword value \"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz...\" "
                             "is not 1-8 hex digits");
    assert_params(&sp, 111111u, 2222u, 33u, 44u);
}

static void c3_utf16_text_quoted_as_utf8(void **state)
{
    (void)state;
    /* Error messages quote the file's text in UTF-8, whatever the file's encoding: a character
     * outside the BMP (a surrogate pair in UTF-16) must come through whole. */
    static const char text[] = V5 TCPIP "\"KeepAliveTime\"=\xf0\x9f\x96\xa5 \xc3\xbc\n";
    for (enum encoding e = ENC_UTF8_LF; e <= ENC_UTF16_BOM_CRLF; e++) {
        struct vg_sysparams sp = sentinel();
        char err[256];
        assert_int_equal(parse_as(&sp, text, e, err, sizeof err), -1);
        assert_string_equal(err, "line 3: value \"KeepAliveTime\" has data of unknown type "
                                 "\"\xf0\x9f\x96\xa5 \xc3\xbc\"");
    }

    /* A lone surrogate (a broken UTF-16 string) reads as U+FFFD, not as an invalid sequence. */
    struct bytes b = encode(V5 TCPIP "\"KeepAliveTime\"=", ENC_UTF16_BOM_CRLF);
    put_unit(&b, 0xd83d);
    put_unit(&b, 'x');
    put_unit(&b, 0xdca5);
    put_unit(&b, '\r');
    put_unit(&b, '\n');
    struct vg_sysparams sp = sentinel();
    char err[256];
    assert_int_equal(vg_sysparams_parse_reg(&sp, b.p, b.len, err, sizeof err), -1);
    assert_string_equal(err, "line 3: value \"KeepAliveTime\" has data of unknown type "
                             "\"\xef\xbf\xbdx\xef\xbf\xbd\"");
    free(b.p);
}

/* The shipped examples (examples/registry) must keep loading. The repository is found from this
 * file's path, which CMake passes absolute. */
static void c3_example_files_load(void **state)
{
    (void)state;
    const char *here = __FILE__;
    const char *slash = strrchr(here, '/');
    if (here[0] != '/' || !slash) {
        skip();
        return;
    }
    static const struct {
        const char *file;
        uint32_t time, interval, tcp_max, pptp_max;
    } examples[] = {
        /* 2222/33/44 mark values a file leaves alone. */
        {"keepalive-5min-regedit5-utf16.reg", 300000u, 1000u, 33u, 44u},
        {"windows2000-retransmissions-regedit4.reg", 600000u, 2222u, 3u, 8u},
        {"keepalive-30s-hand-edited-utf8.reg", 30000u, 5000u, 33u, 44u},
    };
    for (size_t i = 0; i < sizeof examples / sizeof examples[0]; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%.*s/../examples/registry/%s", (int)(slash - here), here,
                 examples[i].file);
        struct vg_sysparams sp = sentinel();
        char err[256] = "";
        int rc = vg_sysparams_load_reg(&sp, path, err, sizeof err);
        if (rc != 0)
            print_error("%s: %s\n", path, err);
        assert_int_equal(rc, 0);
        assert_params(&sp, examples[i].time, examples[i].interval, examples[i].tcp_max,
                      examples[i].pptp_max);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(c3_utf16le_v5_export_with_crlf_loads),
        cmocka_unit_test(c3_every_encoding_reads_the_same),
        cmocka_unit_test(c3_regedit4_ascii_loads),
        cmocka_unit_test(c3_utf8_bom_hand_edited_loads),
        cmocka_unit_test(c3_dword_range),
        cmocka_unit_test(c3_other_keys_values_not_applied),
        cmocka_unit_test(c3_our_names_in_other_keys_may_have_any_type),
        cmocka_unit_test(c3_any_control_set_and_last_one_wins),
        cmocka_unit_test(c3_key_deletion_leaves_values),
        cmocka_unit_test(c3_value_deletion_leaves_value),
        cmocka_unit_test(c3_other_types_and_continuations_skipped),
        cmocka_unit_test(c3_hex4_is_a_dword),
        cmocka_unit_test(c3_malformed_files_rejected_with_line),
        cmocka_unit_test(c3_bad_dword_message_is_exact),
        cmocka_unit_test(c3_utf16_odd_byte_count_rejected),
        cmocka_unit_test(c3_empty_and_bom_only_files_rejected),
        cmocka_unit_test(c3_utf16_without_bom_rejected),
        cmocka_unit_test(c3_load_reg_unreadable_file),
        cmocka_unit_test(c3_error_buffer_bounds_respected),
        cmocka_unit_test(c3_utf16_text_quoted_as_utf8),
        cmocka_unit_test(c3_example_files_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
