/* What `fota-station run` sets on its own process before it opens anything. */
#ifndef FOTA_STATION_PROCESS_SETUP_H
#define FOTA_STATION_PROCESS_SETUP_H

#include <stdint.h>

typedef struct {
    uint64_t nofile_before; /* soft RLIMIT_NOFILE as the station was started */
    uint64_t nofile;        /* soft limit in force now (the hard one when it could rise) */
} fota_process_limits_t;

/* Files the station creates (results database, WAL, transcripts, log folder) are never
 * readable by others: the umask gains 027 (0640 files, 0750 folders). The soft
 * descriptor limit rises to the hard one: each module holds its AT port, and while
 * the AT port is chosen, every tty interface of the module; systemd and shells start
 * processes at a soft 1024 that a large line outgrows. */
void fota_process_setup_run(fota_process_limits_t *out);

#endif
