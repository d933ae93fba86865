/* vigil sim --svg: draws a scenario run (src/sim/scenario.h) with sim_svg.h. The file is opened
 * before the run, so an unwritable path fails before anything else happens. */
#ifndef VG_SIM_SVG_SCN_H
#define VG_SIM_SVG_SCN_H

#include "sim/scenario.h"

struct sim_svg_scn;

/* Attaches a picture to p (its tap and observer) and opens path; NULL after printing
 * "PROG: cannot write PATH: reason" (or out of memory). */
struct sim_svg_scn *sim_svg_scn_start(struct vg_scn_params *p, const char *path, const char *prog);
/* Writes and closes the file, frees; 0, or -1 after printing why. *packets: arrows drawn. */
int sim_svg_scn_finish(struct sim_svg_scn *s, uint64_t *packets);

#endif
