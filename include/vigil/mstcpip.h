/* Windows declares SIO_KEEPALIVE_VALS and struct tcp_keepalive in <mstcpip.h>; vigil declares
 * them in <vigil/winsock2.h>. This header exists so that code including <mstcpip.h> needs only
 * the path changed. */
#ifndef VIGIL_MSTCPIP_H
#define VIGIL_MSTCPIP_H
#include "vigil/winsock2.h"
#endif
