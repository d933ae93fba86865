/* Loopback TCP connections of the Linux peer (in the benchmark's own namespace). */
#ifndef VGB_LINUX_TCP_H
#define VGB_LINUX_TCP_H
/* A listener on 127.0.0.1 (port chosen by the kernel); its fd, -1 on failure. *port gets it. */
int vgb_lx_listen(unsigned short *port, int backlog);
/* A connected client socket to 127.0.0.1:port, or -1. */
int vgb_lx_connect(unsigned short port);
#endif
