/* Reading a registry export from disk for the parser in regfile.c (spec C3). */
#include "vigil/vigil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads the whole file: exports of a full hive run to hundreds of megabytes, but the parser needs
 * the text in one piece to number lines across UTF-16 decoding. Returns 0 or an errno value. */
static int read_all(const char *path, char **out, size_t *outlen)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno ? errno : EIO;
    size_t cap = 16384, n = 0;
    char *buf = malloc(cap);
    int e = buf ? 0 : ENOMEM;
    while (!e) {
        if (n == cap) {
            char *bigger = cap > SIZE_MAX / 2 ? NULL : realloc(buf, cap * 2);
            if (!bigger) {
                e = ENOMEM;
                break;
            }
            buf = bigger;
            cap *= 2;
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
        if (err && errlen > 0)
            snprintf(err, errlen, "cannot read %s: %s", path, strerror(e));
        return -1;
    }
    int rc = vg_sysparams_parse_reg(sp, buf, len, err, errlen);
    free(buf);
    return rc;
}
