/* --cc NAME (transfer, serve, connect): the congestion control of every connection the command
 * opens. The names are in enum vg_cc_algo's order, so the option's index is the value. */
#ifndef VG_CLI_CC_H
#define VG_CLI_CC_H

static const char *const cli_cc_names[] = {"cubic", "newreno", NULL};

/* --no-rack's help, the same for transfer, serve and connect. */
#define CLI_NO_RACK_HELP                                                                   \
    "SACK connections mark losses by RFC 6675's DupThresh instead of\n"                  \
    "RACK (RFC 8985), and send no tail loss probe"

#define CLI_CC_HELP "congestion control: cubic (RFC 9438 with HyStart++, the\ndefault) or newreno"

#endif
