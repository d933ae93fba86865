/* Where TCB slabs come from (stack/mem.c): the first VG_SLAB_HEAP_FIRST from the heap, the rest
 * from 2 MiB chunks (huge pages where the kernel gives them). What a user relies on: every TCB
 * is usable and walked once wherever it lives, the mapped memory is counted whole in
 * stats.slab_chunk_bytes and goes back when the TCBs do, cfg.no_huge_pages keeps everything on
 * the heap, and a refused allocation fails an open cleanly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "tcp/tcb.h"

#define MAX_TCBS 120000   /* past VG_SLAB_HEAP_FIRST + 2 chunks of slabs, for TCBs down to 100 B */

static vg_stack *new_stack(int no_huge_pages)
{
    struct vg_stack_config cfg;
    vg_stack_config_default(&cfg, VG_PROFILE_WINDOWS_VISTA);
    cfg.addr = 0xc0000201u;
    cfg.seed = 5;
    cfg.no_huge_pages = (uint8_t)no_huge_pages;
    vg_stack *s = vg_stack_new(&cfg);
    assert_non_null(s);
    return s;
}

static vg_tcb *tcbs[MAX_TCBS];

/* Opens TCBs until the stack holds `slabs` slabs; returns how many. */
static size_t open_until(vg_stack *s, size_t slabs)
{
    const struct vg_stack_stats *st = vg_stack_stats(s);
    size_t n = 0;
    while (st->tcb_bytes < slabs * VG_TCB_SLAB_BYTES) {
        assert_true(n < MAX_TCBS);
        tcbs[n] = vg_tcp_open(s);
        assert_non_null(tcbs[n]);
        n++;
    }
    return n;
}

static size_t chunks_for(size_t slabs)
{
    size_t mapped = slabs > VG_SLAB_HEAP_FIRST ? slabs - VG_SLAB_HEAP_FIRST : 0;
    return (mapped + VG_SLAB_CHUNK_SLABS - 1) / VG_SLAB_CHUNK_SLABS;
}

/* Past the heap's slabs, whole chunks: one more than a chunk's worth of mapped slabs takes two,
 * both counted whole. Each TCB is writable and the walk sees each once. */
static void slabs_past_the_heap_come_from_whole_counted_chunks(void **state)
{
    (void)state;
    vg_stack *s = new_stack(0);
    const struct vg_stack_stats *st = vg_stack_stats(s);
    size_t slabs = VG_SLAB_HEAP_FIRST + VG_SLAB_CHUNK_SLABS + 1;
    size_t n = open_until(s, slabs);
    assert_int_equal(st->tcb_bytes, slabs * VG_TCB_SLAB_BYTES);
    assert_int_equal(st->slab_chunk_bytes, chunks_for(slabs) * VG_SLAB_CHUNK_BYTES);
    assert_int_equal(st->slab_chunk_bytes, 2 * (uint64_t)VG_SLAB_CHUNK_BYTES);
    for (size_t i = 0; i < n; i++)
        tcbs[i]->user = &tcbs[i];             /* every slot is memory we may write */
    size_t seen = 0;
    for (vg_tcb *t = vg_stack_next_tcb(s, NULL); t; t = vg_stack_next_tcb(s, t)) {
        assert_ptr_equal(*(vg_tcb **)t->user, t);
        seen++;
    }
    assert_int_equal(seen, n);
    for (size_t i = 0; i < n; i++)
        vg_tcp_close(tcbs[i], 0);
    assert_int_equal(st->tcbs_live, 0);
    /* The pool's spare slab may be a chunk's: that chunk stays, no other. */
    assert_true(st->tcb_bytes <= VG_TCB_SLAB_BYTES);
    assert_true(st->slab_chunk_bytes <= VG_SLAB_CHUNK_BYTES);
    vg_stack_free(s);
}

/* Slabs freed inside a chunk are reused before any new chunk is mapped. */
static void a_chunk_s_freed_slabs_are_reused(void **state)
{
    (void)state;
    vg_stack *s = new_stack(0);
    const struct vg_stack_stats *st = vg_stack_stats(s);
    size_t slabs = VG_SLAB_HEAP_FIRST + VG_SLAB_CHUNK_SLABS / 2;
    size_t n = open_until(s, slabs);
    uint64_t chunk_bytes = st->slab_chunk_bytes, tcb_bytes = st->tcb_bytes;
    assert_int_equal(chunk_bytes, VG_SLAB_CHUNK_BYTES);
    for (int round = 0; round < 3; round++) {
        for (size_t i = n / 3; i < n; i++)
            vg_tcp_close(tcbs[i], 0);
        assert_true(st->tcb_bytes < tcb_bytes);
        for (size_t i = n / 3; i < n; i++) {
            tcbs[i] = vg_tcp_open(s);
            assert_non_null(tcbs[i]);
        }
        assert_int_equal(st->tcb_bytes, tcb_bytes);
        assert_int_equal(st->slab_chunk_bytes, chunk_bytes);
    }
    for (size_t i = 0; i < n; i++)
        vg_tcp_close(tcbs[i], 0);
    vg_stack_free(s);
}

/* cfg.no_huge_pages: the same TCBs, all on the heap. */
static void no_huge_pages_keeps_every_slab_on_the_heap(void **state)
{
    (void)state;
    vg_stack *s = new_stack(1);
    const struct vg_stack_stats *st = vg_stack_stats(s);
    size_t n = open_until(s, VG_SLAB_HEAP_FIRST + VG_SLAB_CHUNK_SLABS + 1);
    assert_int_equal(st->slab_chunk_bytes, 0);
    for (size_t i = 0; i < n; i++)
        vg_tcp_close(tcbs[i], 0);
    vg_stack_free(s);
}

static int refuse_slabs(void *ctx, size_t size)
{
    return *(int *)ctx && size == VG_TCB_SLAB_BYTES;
}

/* A slab refused (as malloc or mmap failing would) fails the open that needed it, counted, and
 * changes nothing else; allowed again, opens go on from chunks. */
static void a_refused_slab_fails_the_open_cleanly(void **state)
{
    (void)state;
    vg_stack *s = new_stack(0);
    const struct vg_stack_stats *st = vg_stack_stats(s);
    size_t n = open_until(s, VG_SLAB_HEAP_FIRST + 1);   /* the first chunk slab holds one */
    size_t per_slab = (n - 1) / VG_SLAB_HEAP_FIRST;
    for (size_t k = 1; k < per_slab; k++) {      /* fill it: the next open needs a new slab */
        tcbs[n] = vg_tcp_open(s);
        assert_non_null(tcbs[n]);
        n++;
    }
    assert_int_equal(st->tcb_bytes, (VG_SLAB_HEAP_FIRST + 1) * (uint64_t)VG_TCB_SLAB_BYTES);
    int refuse = 1;
    vg_stack_set_alloc_fail(s, refuse_slabs, &refuse);
    uint64_t failures = st->alloc_failures, live = st->tcbs_live, bytes = st->tcb_bytes;
    uint64_t mapped = st->slab_chunk_bytes;
    assert_null(vg_tcp_open(s));
    assert_int_equal(st->alloc_failures, failures + 1);
    assert_int_equal(st->tcbs_live, live);
    assert_int_equal(st->tcb_bytes, bytes);
    assert_int_equal(st->slab_chunk_bytes, mapped);
    refuse = 0;
    tcbs[n] = vg_tcp_open(s);
    assert_non_null(tcbs[n]);
    n++;
    assert_int_equal(st->slab_chunk_bytes, VG_SLAB_CHUNK_BYTES);
    for (size_t i = 0; i < n; i++)
        vg_tcp_close(tcbs[i], 0);
    vg_stack_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(slabs_past_the_heap_come_from_whole_counted_chunks),
        cmocka_unit_test(a_chunk_s_freed_slabs_are_reused),
        cmocka_unit_test(no_huge_pages_keeps_every_slab_on_the_heap),
        cmocka_unit_test(a_refused_slab_fails_the_open_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
