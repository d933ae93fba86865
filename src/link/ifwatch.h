/* Notice of interface changes from the kernel (rtnetlink link messages), so a real-time loop
 * learns that its device went down or away without polling for it. */
#ifndef VG_IFWATCH_H
#define VG_IFWATCH_H

struct vg_ifwatch;

/* NULL if the kernel refuses the subscription (the loop then checks the link on its own). */
struct vg_ifwatch *vg_ifwatch_open(void);
int vg_ifwatch_fd(const struct vg_ifwatch *w);
/* Drains the pending messages; 1 if any of them was about a link, 0 otherwise. */
int vg_ifwatch_drain(struct vg_ifwatch *w);
void vg_ifwatch_close(struct vg_ifwatch *w);

#endif
