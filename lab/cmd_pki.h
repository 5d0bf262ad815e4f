/* sgp32lab: the "pki" command (lab/cmd_pki.c) */
#ifndef SGP_LAB_CMD_PKI_H
#define SGP_LAB_CMD_PKI_H

/* argv[0] is "pki", argv[1] the subcommand (init, verify, show).
 * Returns the exit status: 0 ok, 1 verification failed, 2 usage or file error. */
int cmd_pki(int argc, char **argv);

#endif
