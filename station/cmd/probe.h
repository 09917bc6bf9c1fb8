/* `fota-station probe` (docs/station.md). */
#ifndef FOTA_STATION_PROBE_H
#define FOTA_STATION_PROBE_H

#include <stdbool.h>
#include <stdio.h>

/* Lists present modules on out (a table, or JSON). Returns the exit code. */
int fota_probe_main(const char *ports, const char *profiles_dir, bool json, FILE *out);

#endif
