/* Short readable reasons for the codec errors, for logs and counters. */
#include "wire/wire.h"

const char *vg_wire_err_name(enum vg_wire_err e)
{
    switch (e) {
    case VG_WIRE_OK: return "ok";
    case VG_WIRE_SHORT: return "short";
    case VG_WIRE_BAD_VERSION: return "bad version";
    case VG_WIRE_BAD_IHL: return "bad header length";
    case VG_WIRE_BAD_LEN: return "bad length";
    case VG_WIRE_BAD_CSUM: return "bad checksum";
    case VG_WIRE_FRAGMENT: return "fragment";
    case VG_WIRE_BAD_DOFF: return "bad data offset";
    case VG_WIRE_BAD_OPT: return "bad option";
    case VG_WIRE_BAD_EXT: return "bad extension header";
    }
    return "unknown";
}
