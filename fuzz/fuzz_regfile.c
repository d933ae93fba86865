/* libFuzzer entry point for the registry-export parser (spec C3).
 *
 * Beyond "does not crash", it checks the parser's contract on every input: a failure leaves the
 * parameters untouched and says "line N: ..." with N >= 1; a success never yields a keep-alive
 * time or interval of 0; and the answer does not depend on the size of the error buffer.
 * Seed it with the samples in examples/registry. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/vigil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vg_sysparams sp, before;
    vg_sysparams_default(VG_PROFILE_WINDOWS_2000, &sp);
    before = sp;
    char err[256];
    int rc = vg_sysparams_parse_reg(&sp, data, size, err, sizeof err);

    if (rc != 0) {
        if (rc != -1 || memcmp(&sp, &before, sizeof sp) != 0)
            abort();
        if (strncmp(err, "line ", 5) != 0 || err[5] < '1' || err[5] > '9')
            abort();
    } else if (sp.keepalive_time_ms == 0 || sp.keepalive_interval_ms == 0) {
        abort();
    }

    /* Same input, tiny and absent error buffers: same result, no overrun. */
    struct vg_sysparams again = before;
    char tiny[4];
    if (vg_sysparams_parse_reg(&again, data, size, tiny, sizeof tiny) != rc ||
        memcmp(&again, &sp, sizeof sp) != 0 || memchr(tiny, '\0', sizeof tiny) == NULL)
        abort();
    again = before;
    if (vg_sysparams_parse_reg(&again, data, size, NULL, 0) != rc ||
        memcmp(&again, &sp, sizeof sp) != 0)
        abort();
    return 0;
}
