/* Windows declares TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT, inet_pton and inet_ntop in
 * <ws2tcpip.h> (through <ws2ipdef.h>); vigil declares them in <vigil/winsock2.h>. This header
 * exists so that code including <ws2tcpip.h> needs only the path changed. */
#ifndef VIGIL_WS2TCPIP_H
#define VIGIL_WS2TCPIP_H
#include "vigil/winsock2.h"
#endif
