/* IPv6 in <vigil/winsock2.h>: in6_addr and sockaddr_in6 as the SDK lays them out, the IN6_*
 * tests, and inet_pton/inet_ntop for AF_INET6: every text form RFC 4291 §2.2 allows, the
 * malformed ones refused, and the output RFC 5952 prescribes (RFC 5952's own examples).
 * tests/test_win_headers.sh compares the same names' values and layouts with mingw-w64's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vigil/winsock2.h"
#include "vigil/ws2tcpip.h"

#include <string.h>

static void layouts_are_the_sdks(void **state)
{
    (void)state;
    assert_int_equal(AF_INET6, 23);
    assert_int_equal(IPPROTO_IPV6, 41);
    assert_int_equal(IPV6_V6ONLY, 27);
    assert_int_equal(INET6_ADDRSTRLEN, 65);
    assert_int_equal(INET_ADDRSTRLEN, 22);
    assert_int_equal(sizeof(struct in6_addr), 16);
    assert_int_equal(sizeof(SOCKADDR_IN6), 28);
    assert_int_equal(offsetof(struct sockaddr_in6, sin6_port), 2);
    assert_int_equal(offsetof(struct sockaddr_in6, sin6_flowinfo), 4);
    assert_int_equal(offsetof(struct sockaddr_in6, sin6_addr), 8);
    assert_int_equal(offsetof(struct sockaddr_in6, sin6_scope_id), 24);
    assert_int_equal(offsetof(struct sockaddr_in6, sin6_scope_struct), 24);
    assert_int_equal(sizeof(SOCKADDR_STORAGE), 128);
    assert_true(sizeof(SOCKADDR_STORAGE) >= sizeof(SOCKADDR_IN6));
    struct in6_addr a = IN6ADDR_LOOPBACK_INIT;
    assert_int_equal(a.s6_addr[15], 1);
    assert_int_equal(a.u.Byte[15], 1);
    assert_int_equal(a.s6_bytes[15], 1);
    assert_int_equal(a.s6_words[7], htons(1));
    assert_true(IN6_ARE_ADDR_EQUAL(&a, &in6addr_loopback));
    struct in6_addr any = IN6ADDR_ANY_INIT;
    assert_memory_equal(&any, &in6addr_any, sizeof any);
    SCOPE_ID sc;
    sc.Value = 0;
    sc.Zone = 5;
    sc.Level = ScopeLevelLink;
    struct sockaddr_in6 sin6;
    memset(&sin6, 0, sizeof sin6);
    sin6.sin6_scope_struct = sc;
    assert_int_equal(sin6.sin6_scope_id & 0x0fffffff, 5);
    IN6ADDR_SETLOOPBACK(&sin6);
    assert_int_equal(sin6.sin6_family, AF_INET6);
    assert_true(IN6ADDR_ISLOOPBACK(&sin6));
    assert_false(IN6ADDR_ISANY(&sin6));
    IN6ADDR_SETANY(&sin6);
    assert_true(IN6ADDR_ISANY(&sin6));
}

static struct in6_addr bin(const char *text)
{
    struct in6_addr a;
    memset(&a, 0xee, sizeof a);
    assert_int_equal(inet_pton(AF_INET6, text, &a), 1);
    return a;
}

static void address_classes(void **state)
{
    (void)state;
    struct in6_addr a = bin("::");
    assert_true(IN6_IS_ADDR_UNSPECIFIED(&a));
    assert_false(IN6_IS_ADDR_LOOPBACK(&a));
    a = bin("::1");
    assert_true(IN6_IS_ADDR_LOOPBACK(&a));
    assert_false(IN6_IS_ADDR_UNSPECIFIED(&a));
    assert_false(IN6_IS_ADDR_V4COMPAT(&a));
    a = bin("::ffff:192.0.2.1");
    assert_true(IN6_IS_ADDR_V4MAPPED(&a));
    a = bin("::192.0.2.1");
    assert_true(IN6_IS_ADDR_V4COMPAT(&a));
    assert_false(IN6_IS_ADDR_V4MAPPED(&a));
    a = bin("fe80::1");
    assert_true(IN6_IS_ADDR_LINKLOCAL(&a));
    assert_false(IN6_IS_ADDR_SITELOCAL(&a));
    a = bin("fec0::1");
    assert_true(IN6_IS_ADDR_SITELOCAL(&a));
    a = bin("ff02::1");
    assert_true(IN6_IS_ADDR_MULTICAST(&a));
    assert_true(IN6_IS_ADDR_MC_LINKLOCAL(&a));
    assert_false(IN6_IS_ADDR_MC_GLOBAL(&a));
    a = bin("ff0e::1");
    assert_true(IN6_IS_ADDR_MC_GLOBAL(&a));
    a = bin("2001:db8::1");
    assert_false(IN6_IS_ADDR_MULTICAST(&a) || IN6_IS_ADDR_LINKLOCAL(&a) || IN6_IS_ADDR_LOOPBACK(&a));
}

/* Text in, bytes out: each form RFC 4291 §2.2 gives, with the 16 octets it stands for. */
static void pton_accepts_rfc4291_forms(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        uint8_t bytes[16];
    } ok[] = {
        {"2001:DB8:0:0:8:800:200C:417A",
         {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 8, 8, 0, 0x20, 0x0c, 0x41, 0x7a}},
        {"2001:db8::8:800:200c:417a",
         {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 8, 8, 0, 0x20, 0x0c, 0x41, 0x7a}},
        {"FF01::101", {0xff, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x01}},
        {"::1", {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
        {"::", {0}},
        {"1::", {0, 1}},
        {"1:2:3:4:5:6:7::", {0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 0}},
        {"::2:3:4:5:6:7:8", {0, 0, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8}},
        {"0:0:0:0:0:0:13.1.68.3", {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 13, 1, 68, 3}},
        {"::13.1.68.3", {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 13, 1, 68, 3}},
        {"::FFFF:129.144.52.38", {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 129, 144, 52, 38}},
        {"1:2:3:4:5:6:1.2.3.4", {0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 1, 2, 3, 4}},
        {"0001:0002:0003:0004:0005:0006:0007:0008", {0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8}},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        struct in6_addr a = bin(ok[i].text);
        assert_memory_equal(a.s6_addr, ok[i].bytes, 16);
    }
}

static void pton_refuses_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        ":::", "1::2::3", "1:2:3:4:5:6:7:8:9", "12345::", "1:2:3:4:5:6:7:", ":1:2:3:4:5:6:7",
        "::ffff:1.2.3", "::ffff:1.2.3.256", "::ffff:1.2.3.4.5", "1.2.3.4", "1.2.3.4::",
        "1:2:3:4:5:6:7:1.2.3.4", "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8", "", ":", "g::1",
        "1:::2", "fe80::1%3", " ::1", "::1 ", "1:2:3:4:5:6:7", "::ab.1.2.3",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct in6_addr a;
        memset(&a, 0xee, sizeof a);
        assert_int_equal(inet_pton(AF_INET6, bad[i], &a), 0);
        assert_int_equal(a.s6_addr[0], 0xee);   /* nothing written */
    }
    struct in6_addr a;
    assert_int_equal(inet_pton(AF_INET6, NULL, &a), -1);
    assert_int_equal(WSAGetLastError(), WSAEFAULT);
    assert_int_equal(inet_pton(99, "::1", &a), -1);
    assert_int_equal(WSAGetLastError(), WSAEAFNOSUPPORT);
}

/* Bytes in, text out: RFC 5952 §4's rules, and its examples. */
static void ntop_writes_rfc5952(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},      /* §4.1, §4.2.1 */
        {"2001:db8:0:0:0:0:2:1", "2001:db8::2:1"},
        {"2001:db8::1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},                 /* §4.2.2: one 0 stays */
        {"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},                         /* §4.2.3: the longest */
        {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},                   /* §4.2.3: the first */
        {"2001:DB8::AAAA", "2001:db8::aaaa"},                            /* §4.3: lowercase */
        {"::", "::"},
        {"::1", "::1"},
        {"1::", "1::"},
        {"1:0:0:0:0:0:0:0", "1::"},
        {"0:0:0:0:0:0:0:1", "::1"},
        {"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"},
        {"fe80::0001", "fe80::1"},
        {"::ffff:192.0.2.1", "::ffff:192.0.2.1"},                        /* §5, as Windows */
        {"::ffff:c000:201", "::ffff:192.0.2.1"},
        {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
    };
    char text[INET6_ADDRSTRLEN];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct in6_addr a = bin(cases[i].in);
        assert_string_equal(inet_ntop(AF_INET6, &a, text, sizeof text), cases[i].out);
        /* And back: the output parses to the same address. */
        struct in6_addr b = bin(text);
        assert_memory_equal(&a, &b, sizeof a);
    }
    /* The buffer must hold the text and its NUL; else ERROR_INVALID_PARAMETER, as Windows. */
    struct in6_addr a = bin("2001:db8::1");
    assert_non_null(inet_ntop(AF_INET6, &a, text, 12));
    assert_null(inet_ntop(AF_INET6, &a, text, 11));
    assert_int_equal(WSAGetLastError(), WSA_INVALID_PARAMETER);
    assert_null(inet_ntop(AF_INET6, &a, NULL, sizeof text));
    assert_int_equal(WSAGetLastError(), WSA_INVALID_PARAMETER);
    assert_null(inet_ntop(AF_INET6, NULL, text, sizeof text));
    assert_int_equal(WSAGetLastError(), WSAEFAULT);
    /* The widest text fits INET6_ADDRSTRLEN with room to spare. */
    a = bin("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255");
    assert_string_equal(inet_ntop(AF_INET6, &a, text, sizeof text),
                        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(layouts_are_the_sdks),
        cmocka_unit_test(address_classes),
        cmocka_unit_test(pton_accepts_rfc4291_forms),
        cmocka_unit_test(pton_refuses_malformed),
        cmocka_unit_test(ntop_writes_rfc5952),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
