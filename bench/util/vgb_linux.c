#define _GNU_SOURCE   /* unshare, CLONE_NEWNET */
#include "vgb_linux.h"

#include <dirent.h>
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int lo_ioctl(unsigned long req, struct ifreq *ifr)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0)
        return -1;
    snprintf(ifr->ifr_name, sizeof ifr->ifr_name, "lo");
    int rc = ioctl(fd, req, ifr);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

int vgb_netns_enter(char *why, size_t len)
{
    if (unshare(CLONE_NEWNET) != 0) {
        snprintf(why, len, "cannot make a network namespace (unshare: %s; needs root or CAP_SYS_ADMIN)", strerror(errno));
        return -1;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_mtu = 1500;
    if (lo_ioctl(SIOCSIFMTU, &ifr) != 0) {
        snprintf(why, len, "cannot set the namespace's loopback MTU to 1500: %s", strerror(errno));
        return -1;
    }
    memset(&ifr, 0, sizeof ifr);
    if (lo_ioctl(SIOCGIFFLAGS, &ifr) != 0)
        goto fail;
    ifr.ifr_flags |= IFF_UP;
    if (lo_ioctl(SIOCSIFFLAGS, &ifr) != 0)
        goto fail;
    return 0;
fail:
    snprintf(why, len, "cannot bring the namespace's loopback up: %s", strerror(errno));
    return -1;
}

int vgb_lo_set_gso(int on, char *why, size_t len)
{
    /* The legacy one-feature commands of ethtool -K (still served by the kernel's ethtool
     * layer): GSO, then TSO. */
    const unsigned set[] = {ETHTOOL_SGSO, ETHTOOL_STSO}, get[] = {ETHTOOL_GGSO, ETHTOOL_GTSO};
    for (size_t i = 0; i < sizeof set / sizeof set[0]; i++) {
        struct ethtool_value ev = {.cmd = set[i], .data = on ? 1u : 0u};
        struct ifreq ifr;
        memset(&ifr, 0, sizeof ifr);
        ifr.ifr_data = (char *)&ev;
        int rc = lo_ioctl(SIOCETHTOOL, &ifr);
        /* Read it back: a feature the device fixes may be refused silently. */
        struct ethtool_value now = {.cmd = get[i]};
        memset(&ifr, 0, sizeof ifr);
        ifr.ifr_data = (char *)&now;
        if (rc != 0 || lo_ioctl(SIOCETHTOOL, &ifr) != 0 || !now.data != !on) {
            snprintf(why, len, "cannot switch %s %s on the namespace's loopback: %s",
                     i ? "TSO" : "GSO", on ? "on" : "off", rc ? strerror(errno) : "it did not change");
            return -1;
        }
    }
    return 0;
}

static double task_seconds(const char *statpath)
{
    FILE *f = fopen(statpath, "r");
    if (!f)
        return 0;
    char buf[1024];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');   /* the command may hold spaces; fields follow its ')' */
    if (!p)
        return 0;
    unsigned long long ut = 0, st = 0;
    /* state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return 0;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

double vgb_ksoftirqd_seconds(void)
{
    DIR *d = opendir("/proc");
    if (!d)
        return 0;
    double total = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        char path[300], comm[64] = "";
        snprintf(path, sizeof path, "/proc/%s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        if (!fgets(comm, sizeof comm, f))
            comm[0] = 0;
        fclose(f);
        if (strncmp(comm, "ksoftirqd/", 10) == 0) {
            snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
            total += task_seconds(path);
        }
    }
    closedir(d);
    return total;
}

double vgb_softirq_seconds(void)
{
    FILE *f = fopen("/proc/stat", "r");
    if (!f)
        return -1;
    unsigned long long user, nice, sys, idle, iowait, irq, softirq;
    int ok = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu", &user, &nice, &sys, &idle, &iowait, &irq, &softirq) == 7;
    fclose(f);
    (void)user, (void)nice, (void)sys, (void)idle, (void)iowait, (void)irq;
    return ok ? (double)softirq / (double)sysconf(_SC_CLK_TCK) : -1;
}

long long vgb_tcpext(const char *name)
{
    FILE *f = fopen("/proc/net/netstat", "r");
    if (!f)
        return -1;
    static char names[8192], values[8192];
    long long result = -1;
    while (fgets(names, sizeof names, f) && fgets(values, sizeof values, f)) {
        if (strncmp(names, "TcpExt:", 7) != 0)
            continue;
        char *sn, *sv;
        char *n = strtok_r(names, " \n", &sn), *v = strtok_r(values, " \n", &sv);
        while (n && v) {
            if (strcmp(n, name) == 0) {
                result = atoll(v);
                break;
            }
            n = strtok_r(NULL, " \n", &sn);
            v = strtok_r(NULL, " \n", &sv);
        }
    }
    fclose(f);
    return result;
}
