/* One station per results file and per ports folder (docs/station.md, "Exclusive
 * use"): `run` takes both locks before anything else, in particular before the
 * crash recovery that closes rows left running as INTERRUPTED, which would
 * otherwise close a running station's rows. */
#ifndef FOTA_STATION_STATION_LOCK_H
#define FOTA_STATION_STATION_LOCK_H

#include <stddef.h>

typedef struct {
    int db_fd;     /* flock on "<results file>.station.lock"; -1 none */
    int ports_fd;  /* flock on the ports folder's lock file; -1 none */
} fota_station_locks_t;

/* Where the ports folder's lock lives: a file in lock_dir named after a hash of
 * the folder's canonical path. 0 or FOTA_E_RANGE. */
int fota_station_ports_lock_path(const char *lock_dir, const char *ports, char *out, size_t cap);

/* Takes both locks. 0; 2 when another process holds one (said on stderr with its
 * pid); 3 when a lock file cannot be made (said on stderr). */
int fota_station_locks_take(const char *db, const char *ports, fota_station_locks_t *l);
void fota_station_locks_release(fota_station_locks_t *l);

#endif
