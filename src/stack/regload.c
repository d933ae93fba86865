/* Reading a registry export from disk for the parser in regfile.c (spec C3). */
#include "vigil/vigil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads the whole file, at most VG_REG_MAX_BYTES of it: the parser needs the text in one piece
 * to number lines across UTF-16 decoding, and a Tcpip\Parameters export is a few kilobytes.
 * Reading limit + 1 bytes tells "exactly the limit" from "more"; the same bound stops a file
 * that never ends (/dev/zero, a FIFO that keeps writing) without asking what kind of file it is.
 * Returns 0, EFBIG when the file is larger than the limit, or another errno value. */
static int read_all(const char *path, char **out, size_t *outlen)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno ? errno : EIO;
    const size_t want = (size_t)VG_REG_MAX_BYTES + 1;
    size_t cap = 16384, n = 0;
    char *buf = malloc(cap);
    int e = buf ? 0 : ENOMEM;
    while (!e && n < want) {
        if (n == cap) {
            size_t bigger_cap = cap * 2 < want ? cap * 2 : want;
            char *bigger = realloc(buf, bigger_cap);
            if (!bigger) {
                e = ENOMEM;
                break;
            }
            buf = bigger;
            cap = bigger_cap;
        }
        errno = 0;
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f))
                e = errno ? errno : EIO;
            break;
        }
    }
    fclose(f);
    if (!e && n > VG_REG_MAX_BYTES)
        e = EFBIG;
    if (e) {
        free(buf);
        return e;
    }
    *out = buf;
    *outlen = n;
    return 0;
}

int vg_sysparams_load_reg(struct vg_sysparams *sp, const char *path, char *err, size_t errlen)
{
    return vg_sysparams_load_reg_ex(sp, path, 0, NULL, NULL, err, errlen);
}

int vg_sysparams_load_reg_ex(struct vg_sysparams *sp, const char *path, unsigned flags,
                             void (*warn)(void *ctx, const char *msg), void *ctx, char *err,
                             size_t errlen)
{
    if (err && errlen > 0)
        err[0] = '\0';
    if (!sp || !path) {
        if (err && errlen > 0)
            snprintf(err, errlen, "invalid argument");
        return -1;
    }
    char *buf = NULL;
    size_t len = 0;
    int e = read_all(path, &buf, &len);
    if (e) {
        if (err && errlen > 0) {
            if (e == EFBIG)
                snprintf(err, errlen, "%s is larger than 1 MiB (the limit for a registry export)",
                         path);
            else
                snprintf(err, errlen, "cannot read %s: %s", path, strerror(e));
        }
        errno = e;                    /* EFBIG lets a CLI tell "too large" from "unreadable" */
        return -1;
    }
    int rc = vg_sysparams_parse_reg_ex(sp, buf, len, flags, warn, ctx, err, errlen);
    free(buf);
    return rc;
}
