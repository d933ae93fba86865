/* lwIP configuration for the peer benchmarks: NO_SYS=1 raw API, IPv4 and TCP only, two netifs
 * in one process joined by an in-memory link (peer_link.c). Sized so bulk transfer is limited by
 * the stack, not by its pools, and so 10^4 idle connections fit (bench_peer_idle). */
#ifndef VGB_LWIPOPTS_H
#define VGB_LWIPOPTS_H

#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_NETCONN 0
#define LWIP_SOCKET 0
#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 0
#define LWIP_ETHERNET 0
#define LWIP_ICMP 1
#define LWIP_RAW 0
#define LWIP_UDP 0
#define LWIP_DHCP 0
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0
#define LWIP_DNS 0
#define IP_REASSEMBLY 0
#define IP_FRAG 0
#define LWIP_NETIF_LOOPBACK 0
#define LWIP_HAVE_LOOPIF 0

/* Memory: lwIP's own pools and heap (not libc malloc), as an embedded build uses them. The
 * heap holds tcp_write copies (64 KiB send buffer per connection, a few at once). */
#define MEM_LIBC_MALLOC 0
#define MEMP_MEM_MALLOC 0
#define MEM_ALIGNMENT 8
#define MEM_SIZE (4 * 1024 * 1024)
/* The pcb pool: 64 for bulk and connect (lwIP recycles its oldest TIME_WAIT pcb when the pool
 * is full, and walks every pcb on each segment, so a small pool is its fast case); the idle
 * benchmark builds a second copy of the library with room for 10^4 connections, both ends. */
#ifndef VGB_LWIP_PCBS
#define VGB_LWIP_PCBS 64
#endif
#define MEMP_NUM_TCP_PCB VGB_LWIP_PCBS
#define MEMP_NUM_TCP_PCB_LISTEN 8
#define MEMP_NUM_TCP_SEG 1024
#define MEMP_NUM_PBUF 1024
#define PBUF_POOL_SIZE 1024
#define PBUF_POOL_BUFSIZE 1600          /* one MTU-1500 frame per pool pbuf */
#define MEMP_NUM_SYS_TIMEOUT 8

/* TCP sized as vigil's defaults: 64 KiB windows and buffers (vigil's 65536; lwIP without window
 * scaling tops out at 65535), MSS for MTU 1500. */
#define LWIP_TCP 1
#define TCP_MSS 1460
#define TCP_WND 65535
#define TCP_SND_BUF 65535
/* RFC 7323 timestamps on every segment, as vigil sends them by default (both SYNs offer them):
 * the two stacks put the same options on the wire. lwIP echoes and sends them; it keeps no PAWS
 * and takes no RTT sample from them. */
#define LWIP_TCP_TIMESTAMPS 1
#define TCP_SND_QUEUELEN 512
#define TCP_SNDLOWAT 16384
#define TCP_QUEUE_OOSEQ 1
#define LWIP_WND_SCALE 0
#define LWIP_TCP_KEEPALIVE 1            /* per-pcb keep_idle/keep_intvl/keep_cnt */
#define TCP_LISTEN_BACKLOG 0

/* Checksums generated and checked in software, as vigil does them: lwIP's fastest portable
 * algorithm (3: 32 bits at a time) and its checksum-on-copy for tcp_write. */
#define CHECKSUM_GEN_IP 1
#define CHECKSUM_GEN_TCP 1
#define CHECKSUM_CHECK_IP 1
#define CHECKSUM_CHECK_TCP 1
#define LWIP_CHKSUM_ALGORITHM 3
#define LWIP_CHECKSUM_ON_COPY 1

/* Statistics: only the memory pools' (bench_peer_idle reads the pcb pool's use from them). */
#define LWIP_STATS 1
#define MEMP_STATS 1
#define MEM_STATS 1
#define LINK_STATS 0
#define IP_STATS 0
#define ICMP_STATS 0
#define TCP_STATS 0
#define SYS_STATS 0
#define LWIP_STATS_DISPLAY 0

#define LWIP_NETIF_STATUS_CALLBACK 0
#define LWIP_NETIF_LINK_CALLBACK 0
#define LWIP_SINGLE_NETIF 0

/* Both netifs share one stack: route by source address so each side leaves by its own netif. */
#define LWIP_HOOK_FILENAME "vgb_lwip_hooks.h"
#define LWIP_HOOK_IP4_ROUTE_SRC(src, dest) vgb_lwip_route((src), (dest))

#define LWIP_DEBUG 0
#endif
