/* The value names a Tcpip\Parameters key may hold, for the registry loader's warnings (spec C3). */
#ifndef VG_STACK_REGNAMES_H
#define VG_STACK_REGNAMES_H

#include <stddef.h>

/* True when name[0..len) (ASCII case folded) is a value Windows keeps under Tcpip\Parameters
 * that vigil knows of but does not read: it is skipped without a warning. */
int vg_regname_is_other(const char *name, size_t len);

/* The known name closest to name[0..len) by edit distance (ASCII case folded, an adjacent swap
 * counting as one edit) among ours[0..n) and the names above, or NULL when none is close enough
 * to be a likely typo. */
const char *vg_regname_closest(const char *name, size_t len, const char *const *ours, size_t n);

#endif
