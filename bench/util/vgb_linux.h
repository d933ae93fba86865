/* The Linux kernel as a benchmark peer: a network namespace of the benchmark's own with its
 * loopback at MTU 1500, its offloads switched, and the kernel's clocks (ksoftirqd, /proc/stat). */
#ifndef VGB_LINUX_H
#define VGB_LINUX_H
#include <stddef.h>

/* Moves the process (call it before starting threads) into a new network namespace and brings
 * its loopback up at MTU 1500. 0, or -1 with why filled (not root, no namespaces, ...). */
int vgb_netns_enter(char *why, size_t len);
/* GSO and TSO of the namespace's loopback on or off (ethtool's ioctl). 0, or -1 with why. */
int vgb_lo_set_gso(int on, char *why, size_t len);
/* CPU seconds (user + system) of every ksoftirqd thread: softirq work not done in the context
 * of the process that caused it. */
double vgb_ksoftirqd_seconds(void);
/* The whole machine's softirq time (/proc/stat "cpu" line), seconds; -1 if unreadable. The
 * kernel's keep-alive timer, the probe's transmission and the loopback delivery of the probe and
 * of its answer all run in softirq context, whoever is on the CPU; the system time of other
 * processes (compilers) does not land there. */
double vgb_softirq_seconds(void);
/* A TcpExt counter of this namespace (/proc/net/netstat), e.g. "TCPKeepAlive"; -1 if absent. */
long long vgb_tcpext(const char *name);
#endif
