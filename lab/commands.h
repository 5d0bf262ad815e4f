/* sgp32lab: the subcommands of the binary */
#ifndef SGP_LAB_COMMANDS_H
#define SGP_LAB_COMMANDS_H

/* Each returns the process exit code: 0 success, 1 failure (a scenario
 * failed, a certificate did not verify, input did not decode), 2 usage or
 * file error. */
int cmd_run(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_decode(int argc, char **argv);
int cmd_pki(int argc, char **argv);

#define EXIT_USAGE 2

#endif
