/* Test support: two simulated hosts on one link, an event recorder, connection set-up and a
 * two-way transfer checked with SHA-256. For tests only: failures are cmocka assertions. */
#ifndef TESTNET_H
#define TESTNET_H

#include <stddef.h>
#include <stdint.h>

#include "sim/simnet.h"
#include "wire/wire.h"
#include "util/prng.h"
#include "util/sha256.h"
#include "vigil/vigil.h"

#define TN_ADDR0 0xc0000201u   /* 192.0.2.1 */
#define TN_ADDR1 0xc0000202u   /* 192.0.2.2 */
/* In a pair made for IPv6 (tn_use_family), the hosts have the IPv6 addresses 2001:db8::1 and
 * 2001:db8::2 (/64) unless their configs have their own; IPv4 pairs are IPv4 only. */
extern const uint8_t TN_ADDR6[2][16];

/* The family tn_listen and tn_connect_pair use for the pairs made from now on (VG_AF_INET
 * unless changed): a test group run once per family runs the same tests over IPv4 and IPv6. */
void tn_use_family(int family);
int tn_family(void);
/* A cmocka group setup for each family, and the group names to print. */
int tn_group_ipv4(void **state);
int tn_group_ipv6(void **state);

/* One recorded event. ev.tcb is only an identity to compare with: the TCB may be gone. */
struct tn_event {
    int host;
    struct vg_event ev;
};

struct tn_pair;
struct tn_host_ctx {
    struct tn_pair *pair;
    int host;
};

struct tn_pair {
    vg_simnet *net;
    struct tn_host_ctx hctx[2];
    int host[2];               /* simnet host indices (0 and 1) */
    uint32_t addr[2];
    int family;                /* enum vg_family of the pair's connections */
    uint8_t addr6[2][16];
    struct tn_event *events;
    size_t nevents, cap;
    /* Called after each event is recorded, if set (host index first). */
    void (*hook)(void *ctx, int host, const struct vg_event *ev);
    void *hook_ctx;
};

/* A net seeded with seed, link lp (NULL: an ideal link with 1 ms latency), and hosts
 * 192.0.2.1 and 192.0.2.2 with vg_stack_config_default(prof) and seeds derived from seed. */
struct tn_pair *tn_pair_new(uint64_t seed, const struct vg_link_params *lp, enum vg_profile prof);
/* The two configs tn_pair_new uses, for a test to change before tn_pair_new_cfg. */
void tn_pair_configs(struct vg_stack_config c[2], enum vg_profile prof, uint64_t seed);
/* The same with explicit configs; addr and seed of each are used as given. */
struct tn_pair *tn_pair_new_cfg(uint64_t seed, const struct vg_link_params *lp,
                                const struct vg_stack_config *c0, const struct vg_stack_config *c1);
void tn_pair_free(struct tn_pair *p);

vg_stack *tn_stack(const struct tn_pair *p, int host);
vg_time tn_now(const struct tn_pair *p);
/* Reboots a host (see vg_simnet_reboot) and records the new stack's events too. */
vg_stack *tn_reboot(struct tn_pair *p, int host);

void tn_run_until(struct tn_pair *p, vg_time t);
void tn_run_for(struct tn_pair *p, vg_time dt);
/* Runs until t reaches state (1) or the clock passes limit (0). */
int tn_run_until_state(struct tn_pair *p, const vg_tcb *t, enum vg_tcp_state state, vg_time limit);
/* Runs until pred(ctx) holds (1) or the clock passes limit (0). */
int tn_run_until_pred(struct tn_pair *p, int (*pred)(void *ctx), void *ctx, vg_time limit);

/* Host's address in the pair's family. */
vg_addr tn_addr(const struct tn_pair *p, int host);

/* A TCP segment of either family on the wire: 1 when pkt is one (checksums correct), with its
 * header, data and the IP header's family (VG_AF_INET or VG_AF_INET6). */
int tn_parse_tcp(const uint8_t *pkt, size_t len, struct vg_tcp_hdr *th, const uint8_t **data,
                 size_t *dlen, int *family);
/* Writes into buf the datagram t's end of its connection would send with header th and data:
 * t's addresses, its family's IP header. Returns its length. */
size_t tn_build_tcp(const vg_tcb *t, const struct vg_tcp_hdr *th, const uint8_t *data,
                    size_t dlen, uint8_t *buf, size_t cap);

/* A listener on host's address and port (asserts). */
vg_tcb *tn_listen(struct tn_pair *p, int host, uint16_t port);
/* Connects client (a TCB opened on host `from`, options already set, or NULL to open one) to
 * listener on the other host, accepts, and runs until both ends are ESTABLISHED; asserts it
 * happens within limit_us of virtual time (0: 60 s). */
void tn_connect_pair(struct tn_pair *p, int from, vg_tcb *client, vg_tcb *listener,
                     vg_time limit_us, vg_tcb **client_out, vg_tcb **server_out);

/* Events. host -1 and tcb NULL match any; start is the index to search from. */
const struct tn_event *tn_find_event(const struct tn_pair *p, int host, enum vg_event_type type,
                                     const vg_tcb *tcb, size_t start);
size_t tn_count_events(const struct tn_pair *p, int host, enum vg_event_type type, const vg_tcb *tcb);
/* Time of the first matching event, VG_TIME_NEVER if none. */
vg_time tn_first_event_time(const struct tn_pair *p, int host, enum vg_event_type type,
                            const vg_tcb *tcb);
void tn_clear_events(struct tn_pair *p);

/* Pumps bytes[0] bytes from t[0] (on host 0) to t[1] and bytes[1] the other way, at the same
 * time, content from a PRNG seeded with seed. With TN_SHUTDOWN each side shuts down sending
 * when done, and the transfer also waits for each receiver to see EOF. */
#define TN_SHUTDOWN 1u
struct tn_transfer_result {
    int completed;                      /* everything arrived (and EOF seen) within the limit */
    uint64_t sent[2], received[2];      /* [d]: direction d, from host d to host 1-d */
    uint8_t sha_sent[2][VG_SHA256_LEN], sha_received[2][VG_SHA256_LEN];
    uint64_t first_mismatch[2];         /* offset of the first wrong byte, UINT64_MAX if none */
    int eof[2];                         /* receiver of direction d saw EOF */
    int error[2];                       /* vg_tcp_error of t[d] at the end */
    vg_time elapsed;                    /* virtual time taken */
};
int tn_transfer(struct tn_pair *p, vg_tcb *t0, vg_tcb *t1, const uint64_t bytes[2], uint64_t seed,
                unsigned flags, vg_time limit_us, struct tn_transfer_result *r);
/* Asserts a transfer completed and both directions arrived byte-exact. */
void tn_assert_transfer_exact(const struct tn_transfer_result *r);

/* Deterministic stream content: fills buf with the bytes at the generator's next position. */
struct tn_stream {
    struct vg_prng prng;
    uint64_t word;
    unsigned avail;   /* bytes of word not yet used */
};
void tn_stream_init(struct tn_stream *s, uint64_t seed);
void tn_stream_fill(struct tn_stream *s, uint8_t *buf, size_t len);

#endif
