/* Randomness for real mode. The core never calls this (it reads no global state): the driver
 * that builds a stack for a real wire does, so that ISNs, SYN cookies and ports cannot be
 * predicted, while a simulation keeps its seed and replays. */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "vigil/vigil.h"

static int fill(void *buf, size_t n)
{
    uint8_t *p = buf;
    while (n) {
        ssize_t got = getrandom(p, n, 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += got;
        n -= (size_t)got;
    }
    return 0;
}

int vg_stack_config_randomize(struct vg_stack_config *cfg)
{
    uint8_t secret[sizeof cfg->secret];
    uint64_t seed;
    if (fill(secret, sizeof secret) || fill(&seed, sizeof seed))
        return -1;
    memcpy(cfg->secret, secret, sizeof secret);
    cfg->has_secret = 1;
    cfg->seed = seed;
    return 0;
}
