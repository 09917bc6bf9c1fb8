/* The station's two locks; see station_lock.h. Both are flock(2) locks on small
 * lock files (lock.h says why flock and why beside the database, not on it):
 *   - the results file: "<results file>.station.lock" next to it, named from the file's
 *     canonical path, so a symlink or a relative name of the same database finds
 *     the same lock, and it lives and goes where the database does. Not
 *     "<file>.lock": that is the lock folder of SQLite's unix-dotfile VFS, which a
 *     reader on a system without POSIX locks may use;
 *   - the ports folder: a file in /run/lock named from a hash of the folder's
 *     canonical path. Not a lock on the folder itself: udev removes
 *     /dev/serial/by-path when the last serial device leaves and makes a new one
 *     (a new inode) when the next arrives, so a lock on the old folder would no
 *     longer meet the next station's. The path stays the same. */
#include "station_lock.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fota_types.h"
#include "lock.h"

/* The ports folder's lock, in the lock folder (fota_lock_dir: /run/lock is the FHS
 * folder for lock files, FOTA_LOCK_DIR another where a station sees its own /dev). */
int fota_station_ports_lock_path(const char *lock_dir, const char *ports, char *out, size_t cap)
{
    return fota_lock_name(lock_dir, "fota-station-ports", ports, ".lock", out, cap);
}

/* One lock; 0, 2 (held: said with the holder) or 3 (cannot be made: said). */
static int take(const char *lock_path, const char *what, const char *name, const char *one_per,
                const char *note, int *fd)
{
    fota_lock_holder_t h;
    int rc = fota_lock_file_take(lock_path, note, fd, &h);
    if (rc == 0)
        return 0;
    *fd = -1;
    if (rc == FOTA_E_BUSY) {
        char who[160];
        fprintf(stderr, "fota-station: %s %s is used by %s; one station per %s (lock %s); not "
                        "starting\n",
                what, name, fota_lock_holder_words(&h, who, sizeof who), one_per, lock_path);
        return 2;
    }
    fprintf(stderr, "fota-station: %s %s: cannot make its lock file %s: %s; not starting\n", what,
            name, lock_path, fota_strerror(rc));
    return 3;
}

int fota_station_locks_take(const char *db, const char *ports, fota_station_locks_t *l)
{
    l->db_fd = l->ports_fd = -1;
    char canon[PATH_MAX], path[PATH_MAX + 8], note[PATH_MAX + 16];
    if (fota_lock_path_canonical(db, canon, sizeof canon) < 0 ||
        snprintf(path, sizeof path, "%s.station.lock", canon) >= (int)sizeof path) {
        fprintf(stderr, "fota-station: results file %s: path too long; not starting\n", db);
        return 3;
    }
    snprintf(note, sizeof note, "results %s", canon);
    int rc = take(path, "results file", db, "results file", note, &l->db_fd);
    if (rc)
        return rc;
    if (fota_station_ports_lock_path(fota_lock_dir(), ports, path, sizeof path) < 0 ||
        fota_lock_path_canonical(ports, canon, sizeof canon) < 0) {
        fprintf(stderr, "fota-station: ports folder %s: path too long; not starting\n", ports);
        fota_station_locks_release(l);
        return 3;
    }
    snprintf(note, sizeof note, "ports %s", canon);
    rc = take(path, "ports folder", ports, "ports folder", note, &l->ports_fd);
    if (rc)
        fota_station_locks_release(l);
    return rc;
}

void fota_station_locks_release(fota_station_locks_t *l)
{
    if (l->db_fd >= 0)
        close(l->db_fd);
    if (l->ports_fd >= 0)
        close(l->ports_fd);
    l->db_fd = l->ports_fd = -1;
}
