/* vigil: the command-line front end. Subcommands live in tools/cmd_*.c; every one parses its
 * command line with cli_parse() (cli_opts.h), which also answers --help and --version. */
#include <stdio.h>
#include <string.h>

#include "cli_opts.h"
#include "commands.h"

#ifndef VG_VERSION
#define VG_VERSION "unknown"   /* CMake passes project(VERSION) */
#endif

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"transfer", cmd_transfer, "send N bytes between two simulated hosts and verify them"},
    {"serve", cmd_serve, "accept connections on a TUN device and echo or discard their bytes"},
    {"connect", cmd_connect, "connect through a TUN device, send, and hold the connection open"},
    {"sim", cmd_sim, "play a keep-alive scenario (peer crash, partition, NAT, ...) in virtual time"},
    {"demo", cmd_demo, "a peer crashes; keep-alive notices 2:00:10 later (virtual time)"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
    fprintf(f, "usage: vigil COMMAND [OPTIONS]   (vigil COMMAND --help for a command's options)\n"
               "       vigil --help | --version\n\ncommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nexit status: 0 success, 1 a runtime failure, 2 a usage error (one line on stderr,\n"
               "\"vigil COMMAND: \" and a sentence naming the option and what it accepts).\n");
}

static const char command_list[] = "transfer, serve, connect, sim or demo";

int main(int argc, char **argv)
{
    if (argc < 2) {
        cli_fail(NULL, "a command is required: %s (see vigil --help)", command_list);
        return 2;
    }
    const char *arg = argv[1];
    if (!strcmp(arg, "--help") || !strcmp(arg, "-h") || !strcmp(arg, "help")) {
        if (argc > 2) {
            cli_fail(NULL, "unexpected operand '%s' after %s (vigil COMMAND --help shows a "
                           "command's options)", argv[2], arg);
            return 2;
        }
        usage(stdout);
        return 0;
    }
    if (!strcmp(arg, "--version")) {
        if (argc > 2) {
            cli_fail(NULL, "unexpected operand '%s' after --version", argv[2]);
            return 2;
        }
        printf("vigil %s\n", VG_VERSION);
        return 0;
    }
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (!strcmp(arg, commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    if (arg[0] == '-')
        cli_fail(NULL, "unknown option '%s': a command comes first, one of %s (see vigil --help)",
                 arg, command_list);
    else
        cli_fail(NULL, "unknown command '%s': the command must be one of %s (see vigil --help)",
                 arg, command_list);
    return 2;
}
