/* Many idle Linux connections probing vigil with keep-alive, for test_tun_keepalive_10k.sh:
 *
 *   ka_many HOST PORT N HOLD_S
 *
 * opens N connections to an echo server (at most WINDOW connecting at once), each with
 * SO_KEEPALIVE, TCP_KEEPIDLE=1, TCP_KEEPINTVL=1, TCP_KEEPCNT=3; sends one octet on every one and
 * reads its echo, so that every connection goes idle within a few milliseconds of the others and
 * their probes leave in lockstep; holds them HOLD_S seconds; then counts the connections the
 * kernel still has ESTABLISHED (tcp_info) and those that echo one more octet. Prints key=value
 * lines: connected, connect_s, established, echoed, died; exit 0 only if all N echoed at the
 * end. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define WINDOW 128
#define STEP_TIMEOUT_MS 10000

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void keepalive(int s)
{
    int on = 1, idle = 1, intvl = 1, cnt = 3;
    setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
    setsockopt(s, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
    setsockopt(s, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
    setsockopt(s, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
}

/* Opens n connections, WINDOW at a time (non-blocking connect, then poll for writability). */
static int open_all(const struct sockaddr_in *to, int *fd, int n)
{
    struct pollfd pfd[WINDOW];
    int started = 0, done = 0, pending = 0;
    int slot_of[WINDOW];
    while (done < n) {
        while (pending < WINDOW && started < n) {
            int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
            if (s < 0) {
                fprintf(stderr, "socket: %s\n", strerror(errno));
                return -1;
            }
            keepalive(s);
            if (connect(s, (const struct sockaddr *)to, sizeof *to) != 0 && errno != EINPROGRESS) {
                fprintf(stderr, "connect: %s\n", strerror(errno));
                return -1;
            }
            fd[started] = s;
            pfd[pending] = (struct pollfd){.fd = s, .events = POLLOUT};
            slot_of[pending] = started;
            pending++;
            started++;
        }
        int r = poll(pfd, (nfds_t)pending, STEP_TIMEOUT_MS);
        if (r <= 0) {
            fprintf(stderr, "connections stalled: %d of %d open\n", done, n);
            return -1;
        }
        for (int i = 0; i < pending;) {
            if (!pfd[i].revents) {
                i++;
                continue;
            }
            int err = 0;
            socklen_t len = sizeof err;
            getsockopt(pfd[i].fd, SOL_SOCKET, SO_ERROR, &err, &len);
            if (err) {
                fprintf(stderr, "connection %d: %s\n", slot_of[i], strerror(err));
                return -1;
            }
            done++;
            pending--;
            pfd[i] = pfd[pending];
            slot_of[i] = slot_of[pending];
        }
    }
    return 0;
}

/* One octet out on every connection, then its echo back; how many echoed. */
static int echo_all(int *fd, int n)
{
    int ok = 0;
    char c = 'k';
    for (int i = 0; i < n; i++)
        if (fd[i] >= 0 && send(fd[i], &c, 1, MSG_NOSIGNAL) != 1) {
            close(fd[i]);
            fd[i] = -1;
        }
    struct pollfd *p = calloc((size_t)n, sizeof *p);
    if (!p)
        return 0;
    int want = 0;
    for (int i = 0; i < n; i++) {
        p[i] = (struct pollfd){.fd = fd[i], .events = POLLIN};
        want += fd[i] >= 0;
    }
    double until = now_s() + STEP_TIMEOUT_MS / 1000.0;
    while (want && now_s() < until) {
        if (poll(p, (nfds_t)n, 1000) < 0)
            break;
        for (int i = 0; i < n; i++) {
            if (p[i].fd < 0 || !p[i].revents)
                continue;
            char got;
            ssize_t k = recv(p[i].fd, &got, 1, MSG_DONTWAIT);
            if (k == 1 && got == c)
                ok++;
            else if (k < 0 && (errno == EAGAIN || errno == EINTR))
                continue;
            p[i].fd = -1;
            want--;
        }
    }
    free(p);
    return ok;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: ka_many HOST PORT N HOLD_S\n");
        return 2;
    }
    int n = atoi(argv[3]);
    int hold = atoi(argv[4]);
    struct rlimit rl = {.rlim_cur = (rlim_t)n + 64, .rlim_max = (rlim_t)n + 64};
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
        fprintf(stderr, "cannot raise RLIMIT_NOFILE to %d: %s\n", n + 64, strerror(errno));
        return 2;
    }
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
    if (n < 1 || hold < 0 || inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) {
        fprintf(stderr, "ka_many: bad arguments\n");
        return 2;
    }
    int *fd = calloc((size_t)n, sizeof *fd);
    if (!fd)
        return 2;
    double t0 = now_s();
    if (open_all(&to, fd, n) != 0)
        return 1;
    printf("connected=%d\nconnect_s=%.2f\n", n, now_s() - t0);
    int synced = echo_all(fd, n);
    printf("synced=%d\n", synced);
    fflush(stdout);

    /* Idle: nothing but keep-alive on the wire. A connection the kernel gives up on becomes
     * readable (an error); it is counted at the end. */
    double until = now_s() + hold;
    while (now_s() < until) {
        struct timespec ts = {.tv_sec = 0, .tv_nsec = 200000000};
        nanosleep(&ts, NULL);
    }

    int established = 0;
    for (int i = 0; i < n; i++) {
        struct tcp_info ti;
        socklen_t len = sizeof ti;
        if (fd[i] >= 0 && getsockopt(fd[i], IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 &&
            ti.tcpi_state == 1 /* TCP_ESTABLISHED */)
            established++;
    }
    int echoed = echo_all(fd, n);
    printf("established=%d\nechoed=%d\ndied=%d\n", established, echoed, n - established);
    /* Reset, not FIN: the hold is what is measured. N FINs at once, each retransmitted by Linux
     * until answered, would fill the device queue again while a slow (sanitized) vigil works
     * through them; N resets are one packet each and need no answer. */
    const struct linger abortive = {.l_onoff = 1, .l_linger = 0};
    for (int i = 0; i < n; i++)
        if (fd[i] >= 0) {
            setsockopt(fd[i], SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive);
            close(fd[i]);
        }
    free(fd);
    return echoed == n && established == n ? 0 : 3;
}
