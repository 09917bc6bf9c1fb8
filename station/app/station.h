/* `fota-station run`: the whole line in one libuv loop (docs/station.md). */
#ifndef FOTA_STATION_STATION_H
#define FOTA_STATION_STATION_H

#include "cli.h"

/* Loads and validates everything, then runs until --until-idle / --expect / a
 * signal. Returns the process exit code (0 passed, 1 failed, 2 config, 3 runtime). */
int fota_station_run(const fota_cli_t *opts);

#endif
