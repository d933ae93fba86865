/* --cc NAME (transfer, serve, connect): the congestion control of every connection the command
 * opens. The names are in enum vg_cc_algo's order, so the option's index is the value. */
#ifndef VG_CLI_CC_H
#define VG_CLI_CC_H

static const char *const cli_cc_names[] = {"cubic", "newreno", NULL};

#define CLI_CC_HELP "congestion control: cubic (RFC 9438 with HyStart++, the\ndefault) or newreno"

#endif
