/* `fota-station port list|enable|disable` (port_cli.c). */
#ifndef FOTA_STATION_PORT_CLI_H
#define FOTA_STATION_PORT_CLI_H

/* argv[0] is "port"; returns the exit status. */
int fota_port_cli_main(int argc, char **argv);

#endif
