/* The capture writer, checked by parsing the pcapng file it wrote as a reader (tshark, Wireshark)
 * would: section header, interface (raw IPv4), packet blocks with 64-bit microsecond timestamps,
 * packet bytes padded to 32 bits, and the comment option on the packets given one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "link/pcap.h"
#include "pcapng_read.h"

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    uint8_t *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void temp_path(char *path, size_t cap)
{
    snprintf(path, cap, "/tmp/vg_test_pcap_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
}

static void header_is_one_pcapng_section_with_a_raw_ipv4_interface(void **state)
{
    (void)state;
    char path[64];
    temp_path(path, sizeof path);
    struct vg_pcap *p = vg_pcap_open(path);
    assert_non_null(p);
    assert_int_equal(vg_pcap_count(p), 0);
    assert_int_equal(vg_pcap_close(p), 0);
    size_t len;
    uint8_t *b = slurp(path, &len);
    assert_int_equal(pcapng_le32(b), 0x0a0d0d0au);          /* Section Header Block */
    assert_int_equal(pcapng_le32(b + 8), 0x1a2b3c4du);      /* little-endian */
    size_t off = pcapng_header(b, len);                     /* then LINKTYPE_RAW, 65535 */
    assert_true(off > 0);
    assert_int_equal(off, len);                             /* and no packet */
    free(b);
    unlink(path);
}

static void records_read_back_with_times_bytes_and_comments(void **state)
{
    (void)state;
    char path[64];
    temp_path(path, sizeof path);
    struct vg_pcap *p = vg_pcap_open(path);
    assert_non_null(p);
    enum { N = 50 };
    uint64_t times[N];
    size_t lens[N];
    char comments[N][40];
    for (int i = 0; i < N; i++) {
        /* Times across second boundaries and beyond 2^32 µs (71 minutes) and 2^32 s, lengths up
         * to the largest IPv4 datagram and of every remainder modulo 4; every third packet has a
         * comment, of every length modulo 4. */
        times[i] = (uint64_t)i * 7654321987ull + (uint64_t)i * 999999u + (i == N - 2 ? 1ull << 53 : 0);
        lens[i] = i == N - 1 ? 65535 : (size_t)(20 + i * 31);
        comments[i][0] = '\0';
        if (i % 3 == 0)
            snprintf(comments[i], sizeof comments[i], "dropped: %.*s", (int)(i % 7 + 1), "partition");
        uint8_t *pkt = malloc(lens[i]);
        assert_non_null(pkt);
        for (size_t j = 0; j < lens[i]; j++)
            pkt[j] = (uint8_t)(i * 13 + j);
        assert_int_equal(vg_pcap_write_comment(p, times[i], pkt, lens[i], comments[i]), 0);
        free(pkt);
    }
    assert_int_equal(vg_pcap_count(p), N);
    assert_int_equal(vg_pcap_commented(p), (N + 2) / 3);
    assert_int_equal(vg_pcap_close(p), 0);

    size_t len;
    uint8_t *b = slurp(path, &len);
    size_t off = pcapng_header(b, len);
    assert_true(off > 0);
    for (int i = 0; i < N; i++) {
        struct pcapng_rec r = {0};
        assert_int_equal(pcapng_next(b, len, &off, &r), 1);
        assert_int_equal(r.t_us, times[i]);
        assert_int_equal(r.incl, lens[i]);
        assert_int_equal(r.orig, lens[i]);
        for (size_t j = 0; j < lens[i]; j++)
            assert_int_equal(r.data[j], (uint8_t)(i * 13 + j));
        if (comments[i][0]) {
            assert_non_null(r.comment);
            assert_int_equal(r.comment_len, strlen(comments[i]));
            assert_memory_equal(r.comment, comments[i], r.comment_len);
        } else {
            assert_null(r.comment);
        }
    }
    struct pcapng_rec r = {0};
    assert_int_equal(pcapng_next(b, len, &off, &r), 0);
    assert_int_equal(off, len);
    free(b);
    unlink(path);
}

static void open_failure_sets_errno(void **state)
{
    (void)state;
    errno = 0;
    struct vg_pcap *p = vg_pcap_open("/nonexistent-dir-vigil/x.pcap");
    assert_null(p);
    assert_int_equal(errno, ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(header_is_one_pcapng_section_with_a_raw_ipv4_interface),
        cmocka_unit_test(records_read_back_with_times_bytes_and_comments),
        cmocka_unit_test(open_failure_sets_errno),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
