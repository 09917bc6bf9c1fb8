/* `fota-station ship`: see central_cli.c. */
#ifndef FOTA_CENTRAL_CLI_H
#define FOTA_CENTRAL_CLI_H

/* argv[0] = "ship". Returns the exit code. */
int fota_central_cli_main(int argc, char **argv);

#endif
