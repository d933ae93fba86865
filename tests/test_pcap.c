/* The pcap writer, checked by parsing the file it wrote as a reader (tshark, Wireshark) would:
 * global header, record headers, timestamps split into seconds and microseconds, packet bytes. */
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

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }

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

static void global_header_is_classic_pcap_raw_ipv4(void **state)
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
    assert_int_equal(len, 24);
    assert_int_equal(le32(b), 0xa1b2c3d4u);        /* microsecond timestamps */
    assert_int_equal(le16(b + 4), 2);
    assert_int_equal(le16(b + 6), 4);
    assert_int_equal(le32(b + 8), 0);
    assert_int_equal(le32(b + 16), 65535);
    assert_int_equal(le32(b + 20), 101);           /* LINKTYPE_RAW */
    free(b);
    unlink(path);
}

static void records_read_back_with_times_and_bytes(void **state)
{
    (void)state;
    char path[64];
    temp_path(path, sizeof path);
    struct vg_pcap *p = vg_pcap_open(path);
    assert_non_null(p);
    enum { N = 50 };
    uint64_t times[N];
    size_t lens[N];
    for (int i = 0; i < N; i++) {
        /* Times across second boundaries and beyond 2^32 µs (71 minutes), lengths up to the
         * largest IPv4 datagram. */
        times[i] = (uint64_t)i * 7654321987ull + (uint64_t)i * 999999u;
        lens[i] = i == N - 1 ? 65535 : (size_t)(20 + i * 31);
        uint8_t *pkt = malloc(lens[i]);
        assert_non_null(pkt);
        for (size_t j = 0; j < lens[i]; j++)
            pkt[j] = (uint8_t)(i * 13 + j);
        assert_int_equal(vg_pcap_write(p, times[i], pkt, lens[i]), 0);
        free(pkt);
    }
    assert_int_equal(vg_pcap_count(p), N);
    assert_int_equal(vg_pcap_close(p), 0);

    size_t len;
    uint8_t *b = slurp(path, &len);
    size_t off = 24;
    for (int i = 0; i < N; i++) {
        assert_true(off + 16 <= len);
        assert_int_equal(le32(b + off), (uint32_t)(times[i] / 1000000u));
        assert_int_equal(le32(b + off + 4), (uint32_t)(times[i] % 1000000u));
        assert_true(le32(b + off + 4) < 1000000u);
        assert_int_equal(le32(b + off + 8), lens[i]);
        assert_int_equal(le32(b + off + 12), lens[i]);
        off += 16;
        assert_true(off + lens[i] <= len);
        for (size_t j = 0; j < lens[i]; j++)
            assert_int_equal(b[off + j], (uint8_t)(i * 13 + j));
        off += lens[i];
    }
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
        cmocka_unit_test(global_header_is_classic_pcap_raw_ipv4),
        cmocka_unit_test(records_read_back_with_times_and_bytes),
        cmocka_unit_test(open_failure_sets_errno),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
