/* libFuzzer entry point for the scenario-file parser (src/sim/scnfile_parse.c).
 *
 * Beyond "does not crash", it checks the parser's contract on every input: a refusal names a
 * line of the file (1 when the file is empty) with a one-line printable reason, whatever the
 * size of the error buffer; an accepted file has at least two hosts and a connection, refers
 * only to hosts it declares, keeps its actions in time order and ends no earlier than anything
 * it names. A small accepted scenario (a minute of virtual time, little data) is also run, so
 * the runner sees what the parser lets through. Seed it with scenarios/ (fuzz/corpus/). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scnfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_refusal(const char *err, int line, int lines)
{
    if (line < 1 || line > (lines > 0 ? lines : 1) || !err[0])
        abort();
    for (const char *c = err; *c; c++)
        if ((unsigned char)*c < 0x20)
            abort();
}

static int host_ok(const struct scnf *s, int h) { return h >= 0 && h < s->nhosts; }

static void check_accepted(const struct scnf *s)
{
    if (s->nhosts < 2 || s->nconns < 1 || s->nlistens < 1)
        abort();
    vg_time end = scnf_end(s), prev = 0;
    for (int i = 0; i < s->nconns; i++)
        if (!host_ok(s, s->conns[i].from) || !host_ok(s, s->conns[i].to) ||
            s->conns[i].from == s->conns[i].to || s->conns[i].port == 0)
            abort();
    for (int i = 0; i < s->nactions; i++) {
        const struct scnf_action *a = &s->actions[i];
        if (a->at < prev || a->at > end || !host_ok(s, a->host))
            abort();
        if ((a->kind == SCNF_PARTITION || a->kind == SCNF_HEAL) &&
            (!host_ok(s, a->host2) || a->host2 == a->host))
            abort();
        prev = a->at;
    }
    for (int i = 0; i < s->nexpects; i++) {
        const struct scnf_expect *e = &s->expects[i];
        if (!(host_ok(s, e->m.host) || e->m.host == SCNF_HOST_NET || e->m.host == SCNF_HOST_NAT))
            abort();
        if (e->kind == SCNF_EXPECT_AT ? e->at + e->tol > end : e->from > e->to || e->to > end)
            abort();
        if (strncmp(e->text, "expect", 6) != 0)
            abort();
    }
}

/* A minute of virtual time and a megabyte of data at most: a fuzzer input must stay quick. */
static int small(const struct scnf *s)
{
    uint64_t bytes = 0;
    for (int i = 0; i < s->nactions; i++)
        bytes += s->actions[i].bytes;
    return scnf_end(s) <= VG_MS(60000) && bytes <= (1u << 20);
}

static void run(const struct scnf *s)
{
    struct vg_stack_config cfg[SCNF_MAX_HOSTS];
    for (int i = 0; i < s->nhosts; i++) {
        vg_stack_config_default(&cfg[i], s->hosts[i].profile);
        cfg[i].keepalive_garbage_octet = (uint8_t)s->hosts[i].garbage_octet;
    }
    static struct scnf_outcome out[SCNF_MAX_EXPECTS];
    struct scnf_run_params p = {.scn = s, .cfg = cfg};
    char err[256];
    vg_time end = 0;
    int rc = scnf_run(&p, out, &end, err, sizeof err);
    if (rc > s->nexpects || (rc >= 0 && end != scnf_end(s)))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct scnf s, again;
    char err[320], tiny[4];
    int line = 0, line2 = 0;
    int rc = scnf_parse((const char *)data, size, &s, &line, err, sizeof err);
    if (rc != 0 && rc != -1)
        abort();
    /* Same input, tiny and absent error buffers: same answer, no overrun. */
    if (scnf_parse((const char *)data, size, &again, &line2, tiny, sizeof tiny) != rc ||
        line2 != line || memchr(tiny, '\0', sizeof tiny) == NULL)
        abort();
    if (scnf_parse((const char *)data, size, &again, NULL, NULL, 0) != rc)
        abort();
    if (rc != 0) {
        check_refusal(err, line, s.lines);
        return 0;
    }
    check_accepted(&s);
    if (small(&s))
        run(&s);
    return 0;
}
