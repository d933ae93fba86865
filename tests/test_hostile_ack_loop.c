/* ACK loops: two ends that disagree about the sequence space (after a blind injection, or a
 * middlebox that rewrote one side) answer each other's every segment with an ACK that the other
 * finds unacceptable, forever, at wire speed. Each end now answers bare out-of-window ACKs and
 * sends challenge ACKs at most once per cfg.oow_ratelimit_ms per connection (Linux
 * tcp_invalid_ratelimit), so the exchange dies down — while a peer's keep-alive probe (spec B5)
 * and a FIN retransmitted into TIME_WAIT are still answered every time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "rawpeer.h"
#include "tcp/tcb.h"
#include "testnet.h"

#define PORT 8080

struct wire_count { uint64_t from[2]; };

static int count_packets(void *ctx, uint8_t *pkt, size_t len, int from, int to, vg_time now)
{
    (void)pkt, (void)len, (void)to, (void)now;
    ((struct wire_count *)ctx)->from[from]++;
    return 1;
}

static void desynchronised_ends_stop_acking_each_other(void **state)
{
    (void)state;
    struct tn_pair *p = tn_pair_new(8, NULL, VG_PROFILE_WINDOWS_VISTA);
    vg_tcb *l = tn_listen(p, 1, PORT);
    vg_tcb *c, *s;
    tn_connect_pair(p, 0, NULL, l, 0, &c, &s);
    assert_int_equal(vg_tcp_send(c, "hello", 5, tn_now(p)), 5);
    tn_run_for(p, VG_MS(100));
    char buf[16];
    assert_int_equal(vg_tcp_recv(s, buf, sizeof buf, tn_now(p)), 5);

    /* A blind injection lands: 100 octets in the server's window, "from" the client. The
     * server's RCV.NXT is now 100 past anything the client sent. */
    uint8_t junk[100], pkt[256];
    memset(junk, 'J', sizeof junk);
    struct vg_tcp_hdr h;
    memset(&h, 0, sizeof h);
    h.sport = c->lport;
    h.dport = s->lport;
    h.seq = s->rcv_nxt;
    h.ack = s->snd_nxt;
    h.flags = VG_TCP_ACK | VG_TCP_PSH;
    h.wnd = 512;
    size_t n = rp_build(pkt, sizeof pkt, TN_ADDR0, TN_ADDR1, &h, junk, sizeof junk);
    struct wire_count wc = {{0, 0}};
    vg_simnet_set_filter(p->net, count_packets, &wc);
    vg_stack_input(tn_stack(p, 1), pkt, n, tn_now(p));

    /* The ends now disagree for good. Every second of the next ten, each sends at most 2. */
    for (int sec = 0; sec < 10; sec++) {
        struct wire_count before = wc;
        tn_run_for(p, VG_MS(1000));
        uint64_t c_sent = wc.from[0] - before.from[0], s_sent = wc.from[1] - before.from[1];
        if (c_sent > 2 || s_sent > 2)
            fail_msg("second %d: client sent %llu, server %llu segments", sec,
                     (unsigned long long)c_sent, (unsigned long long)s_sent);
    }
    print_message("after the desync: client sent %llu, server %llu segments in 10 s "
                  "(oow ratelimited %llu + %llu, challenges suppressed %llu + %llu)\n",
                  (unsigned long long)wc.from[0], (unsigned long long)wc.from[1],
                  (unsigned long long)vg_stack_stats(tn_stack(p, 0))->tcp_oow_ratelimited,
                  (unsigned long long)vg_stack_stats(tn_stack(p, 1))->tcp_oow_ratelimited,
                  (unsigned long long)vg_stack_stats(tn_stack(p, 0))->tcp_challenge_acks_suppressed,
                  (unsigned long long)vg_stack_stats(tn_stack(p, 1))->tcp_challenge_acks_suppressed);
    assert_true(vg_stack_stats(tn_stack(p, 0))->tcp_bad_acks >= 1);
    vg_simnet_set_filter(p->net, NULL, NULL);
    vg_tcp_abort(c, tn_now(p));
    vg_tcp_abort(s, tn_now(p));
    vg_tcp_close(l, tn_now(p));
    tn_pair_free(p);
}

static vg_tcb *established(struct rawpeer *rp)
{
    vg_tcb *l = rp_listen(rp, PORT, 4);
    vg_tcb *t = rp_open_passive(rp, l, PORT, NULL, 65535);
    vg_tcp_close(l, rp->now);
    return t;
}

/* Counts what the stack sent since the last call. */
static unsigned sent_since(struct rawpeer *rp)
{
    unsigned n = 0;
    while (rp_take(rp))
        n++;
    return n;
}

static void oow_ratelimit_never_limits_keepalive_probe_answers(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = established(rp);
    /* For 5 s, every 100 ms: a keep-alive probe from the peer (zero-length, then with a garbage
     * octet, SEQ = RCV.NXT-1), and 50 ms later a bare ACK far out of the window. */
    unsigned probes = 0, probe_answers = 0, oow = 0, oow_answers = 0;
    for (int i = 0; i < 50; i++) {
        rp_send(rp, VG_TCP_ACK, rp->seq - 1, rp->ack, 65535, NULL, "g", (size_t)(i & 1));
        probes++;
        probe_answers += sent_since(rp);
        rp_run_for(rp, VG_MS(50));
        rp_send(rp, VG_TCP_ACK, rp->seq + 0x40000000u, rp->ack, 65535, NULL, NULL, 0);
        oow++;
        oow_answers += sent_since(rp);
        rp_run_for(rp, VG_MS(50));
    }
    print_message("probes %u answered %u; out-of-window ACKs %u answered %u\n", probes,
                  probe_answers, oow, oow_answers);
    assert_int_equal(probe_answers, probes);          /* B5: every probe */
    assert_int_equal(rp_stats(rp)->ka_peer_probes_answered, probes);
    assert_true(oow_answers >= 9 && oow_answers <= 11);   /* one per 500 ms */
    assert_int_equal(rp_stats(rp)->tcp_oow_ratelimited, oow - oow_answers);
    assert_int_equal(vg_tcp_state(t), VG_TCP_ESTABLISHED);
    vg_tcp_abort(t, rp->now);
    rp_free(rp);
}

static void time_wait_answers_every_retransmitted_fin(void **state)
{
    (void)state;
    struct rawpeer *rp = rp_new(NULL);
    vg_tcb *t = established(rp);
    assert_int_equal(vg_tcp_shutdown_send(t, rp->now), 0);
    const struct rp_seg *f = rp_expect(rp);
    assert_true(f->th.flags & VG_TCP_FIN);
    rp->ack = f->th.seq + 1;
    rp_send_seg(rp, VG_TCP_FIN | VG_TCP_ACK, NULL, 0);
    assert_int_equal(vg_tcp_state(t), VG_TCP_TIME_WAIT);
    rp_drain(rp);
    /* The peer lost our ACK and retransmits its FIN every 100 ms; a forger adds bare ACKs far
     * out of the window in between. Every FIN gets its ACK; the forgeries one per 500 ms. */
    unsigned fin_answers = 0, oow_answers = 0;
    for (int i = 0; i < 20; i++) {
        rp_send(rp, VG_TCP_FIN | VG_TCP_ACK, rp->seq - 1, rp->ack, 65535, NULL, NULL, 0);
        fin_answers += sent_since(rp);
        rp_run_for(rp, VG_MS(50));
        rp_send(rp, VG_TCP_ACK, rp->seq + 0x40000000u, rp->ack, 65535, NULL, NULL, 0);
        oow_answers += sent_since(rp);
        rp_run_for(rp, VG_MS(50));
    }
    assert_int_equal(fin_answers, 20);
    assert_true(oow_answers >= 3 && oow_answers <= 5);
    assert_int_equal(vg_tcp_state(t), VG_TCP_TIME_WAIT);
    vg_tcp_close(t, rp->now);
    rp_free(rp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(desynchronised_ends_stop_acking_each_other),
        cmocka_unit_test(oow_ratelimit_never_limits_keepalive_probe_answers),
        cmocka_unit_test(time_wait_answers_every_retransmitted_fin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
