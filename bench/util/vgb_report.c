#include "vgb_report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vgb_parse_args(int argc, char **argv, struct vgb_args *a, const char *prog)
{
    a->runs = 5;
    a->quick = 0;
    a->only = NULL;
    a->chunk = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            a->quick = 1;
        } else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc && atoi(argv[i + 1]) > 0) {
            a->runs = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc
                   && (strcmp(argv[i + 1], "vigil") == 0 || strcmp(argv[i + 1], "lwip") == 0
                       || strcmp(argv[i + 1], "linux") == 0)) {
            a->only = argv[++i];
        } else if (strcmp(argv[i], "--chunk") == 0 && i + 1 < argc && atol(argv[i + 1]) > 0) {
            a->chunk = atol(argv[++i]);
        } else {
            fprintf(stderr, "usage: %s [--runs N] [--quick] [--only vigil|lwip|linux] [--chunk N]\n", prog);
            exit(2);
        }
    }
    if (a->quick)
        a->runs = 1;
    setvbuf(stdout, NULL, _IOLBF, 0);   /* lines reach the runner as they are measured */
}

int vgb_wants(const struct vgb_args *a, const char *impl)
{
    return !a->only || strcmp(a->only, impl) == 0;
}

void vgb_emit(const char *suite, const char *impl, const char *variant, long n, const char *metric,
              const char *unit, double value, const char *better, int run)
{
    printf("VGBENCH {\"suite\":\"%s\",\"impl\":\"%s\",\"variant\":\"%s\",\"n\":%ld,\"metric\":\"%s\","
           "\"unit\":\"%s\",\"value\":%.6g,\"better\":\"%s\",\"run\":%d}\n",
           suite, impl, variant, n, metric, unit, value, better, run);
}

void vgb_skip(const char *suite, const char *impl, const char *variant, const char *why)
{
    printf("VGBENCH-SKIP {\"suite\":\"%s\",\"impl\":\"%s\",\"variant\":\"%s\",\"why\":\"", suite, impl, variant);
    for (const char *c = why; *c; c++)   /* a JSON string: no quote, backslash or control octet */
        putchar(*c == '"' || *c == '\\' || (unsigned char)*c < 0x20 ? '\'' : *c);
    printf("\"}\n");
}
