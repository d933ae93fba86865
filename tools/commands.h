/* The CLI's subcommands: each lives in its own file as `int cmd_NAME(int argc, char **argv)`,
 * argv[0] being the subcommand's name. Register a new one in the table in vigil.c. */
#ifndef VG_COMMANDS_H
#define VG_COMMANDS_H

int cmd_transfer(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_connect(int argc, char **argv);
int cmd_sim(int argc, char **argv);
int cmd_demo(int argc, char **argv);

#endif
