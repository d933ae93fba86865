/* Timing-wheel cost over a million timers: ns per arm, re-arm, cancel and per expired timer
 * (time driven by vg_wheel_next(), as the stack's event loop does), and the structures' sizes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/vgb_leading_opts.h"
#include "timer/wheel.h"
#include "util/prng.h"

static size_t N = 1000000;   /* argv[1] overrides, to compare with a set that fits in cache */
#define SPAN_US (UINT64_C(4) * 3600 * 1000000)   /* expiries spread over four hours */

static double clock_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void random_expiries(struct vg_prng *r, uint64_t *out, uint64_t from)
{
    for (size_t i = 0; i < N; i++)
        out[i] = from + 1 + vg_prng_below(r, SPAN_US);
}

int main(int argc, char **argv)
{
    int quick = vgb_take_leading_opts(&argc, &argv);   /* one short run: the runner's smoke test */
    if (quick)
        N = 10000;
    if (argc > 1)
        N = strtoul(argv[1], NULL, 10);
    struct vg_timer *timers = calloc(N, sizeof *timers);
    uint64_t *first = malloc(N * sizeof *first), *second = malloc(N * sizeof *second);
    static struct vg_wheel w;
    if (!timers || !first || !second) {
        fprintf(stderr, "bench_wheel: out of memory\n");
        return 1;
    }
    struct vg_prng r;
    vg_prng_seed(&r, 42);
    uint64_t start = 1000;
    vg_wheel_init(&w, start);
    for (size_t i = 0; i < N; i++)
        vg_timer_init(&timers[i]);
    random_expiries(&r, first, start);
    random_expiries(&r, second, start);

    double t0 = clock_ns();
    for (size_t i = 0; i < N; i++)
        vg_wheel_arm(&w, &timers[i], first[i]);
    double t1 = clock_ns();
    for (size_t i = 0; i < N; i++)
        vg_wheel_arm(&w, &timers[i], second[i]);
    double t2 = clock_ns();
    for (size_t i = 0; i < N; i++)
        vg_wheel_cancel(&w, &timers[i]);
    double t3 = clock_ns();
    if (w.count != 0) {
        fprintf(stderr, "bench_wheel: %zu timers left after cancelling all\n", w.count);
        return 1;
    }

    for (size_t i = 0; i < N; i++)
        vg_wheel_arm(&w, &timers[i], first[i]);
    size_t fired = 0, wakeups = 0;
    uint64_t last = 0;
    double t4 = clock_ns();
    while (w.count) {
        uint64_t now = vg_wheel_next(&w);
        struct vg_timer *t;
        wakeups++;
        while ((t = vg_wheel_expire(&w, now)) != NULL) {
            if (t->expires < last || t->expires != now) {
                fprintf(stderr, "bench_wheel: timer for %llu fired at %llu after %llu\n",
                        (unsigned long long)t->expires, (unsigned long long)now,
                        (unsigned long long)last);
                return 1;
            }
            last = t->expires;
            fired++;
        }
    }
    double t5 = clock_ns();
    if (fired != N) {
        fprintf(stderr, "bench_wheel: %zu of %zu timers fired\n", fired, N);
        return 1;
    }

    printf("timers: %zu, expiries uniform over %llu s\n", N, (unsigned long long)(SPAN_US / 1000000));
    printf("arm:     %6.1f ns\n", (t1 - t0) / N);
    printf("re-arm:  %6.1f ns\n", (t2 - t1) / N);
    printf("cancel:  %6.1f ns\n", (t3 - t2) / N);
    printf("expire:  %6.1f ns per expired timer (%zu wake-ups via vg_wheel_next)\n",
           (t5 - t4) / N, wakeups);
    printf("sizeof(struct vg_timer) = %zu, sizeof(struct vg_wheel) = %zu\n",
           sizeof(struct vg_timer), sizeof(struct vg_wheel));
    free(timers);
    free(first);
    free(second);
    return 0;
}
