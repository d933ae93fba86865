#include "cli_verify.h"

void cli_verify_init(struct cli_verify *v, uint64_t key, uint64_t expected)
{
    cli_stream_init(&v->stream, key);
    v->expected = expected;
    v->offset = 0;
    v->first_diff = CLI_VERIFY_NONE;
}

int cli_verify_feed(struct cli_verify *v, const uint8_t *buf, size_t len)
{
    if (v->first_diff == CLI_VERIFY_NONE) {
        uint64_t room = v->expected > v->offset ? v->expected - v->offset : 0;
        size_t n = room < len ? (size_t)room : len;
        size_t bad = cli_stream_check(&v->stream, v->offset, buf, n);
        if (bad < n || n < len)
            v->first_diff = v->offset + bad;
    }
    v->offset += len;
    return v->first_diff == CLI_VERIFY_NONE ? 0 : -1;
}
