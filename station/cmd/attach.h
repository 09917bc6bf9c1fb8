/* `fota-station attach [--view] [--ports DIR | --db FILE]`: the live dashboard of a
 * running station (one started with --no-dashboard too) through its attach socket
 * (io/attach_srv.h, app/station_attach.c). */
#ifndef FOTA_STATION_ATTACH_H
#define FOTA_STATION_ATTACH_H

/* argv[0] = "attach". Returns the exit code: 0 left, 2 usage, 3 no station to
 * attach to (said on stderr). */
int fota_attach_main(int argc, char **argv);

#endif
