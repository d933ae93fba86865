/* TCP option codec, shared by the TCP header parser and writer; internal to src/wire. */
#ifndef VG_WIRE_TCP_OPTS_H
#define VG_WIRE_TCP_OPTS_H

#include "wire/wire.h"

/* Decodes the option bytes p[0..len) into *o (cleared first). */
enum vg_wire_err vg_tcp_opts_parse(const uint8_t *p, size_t len, struct vg_tcp_opts *o);
/* Encodes o into p, which has room for vg_tcp_opts_len(o) bytes; returns that length. */
size_t vg_tcp_opts_write(uint8_t *p, const struct vg_tcp_opts *o);
/* vg_tcp_opts_write that also adds the options' checksum sum to *acc (wire/hdr_put.h). */
size_t vg_tcp_opts_put(uint8_t *p, const struct vg_tcp_opts *o, uint64_t *acc);

#endif
