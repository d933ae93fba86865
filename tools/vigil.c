/* vigil: the command-line front end. Subcommands live in tools/cmd_*.c. */
#include <stdio.h>
#include <string.h>

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

static void usage(FILE *f)
{
    fprintf(f, "usage: vigil COMMAND [OPTIONS]   (vigil COMMAND --help for a command's options)\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
}

/* `vigil CMD ... --version` is answered here, so no command's parser needs to know the option;
 * an argument after "--" is an operand, not an option. */
static int asks_version(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
        if (!strcmp(argv[i], "--version"))
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("vigil %s\n", VG_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[1], commands[i].name))
            continue;
        if (asks_version(argc - 1, argv + 1)) {
            printf("vigil %s\n", VG_VERSION);
            return 0;
        }
        return commands[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "vigil: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
