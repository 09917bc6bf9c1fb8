/* Exclusive use that dies with the process: flock(2) locks and who holds them.
 *
 * flock, not a pid file: the kernel drops the lock when the last descriptor of the
 * holder closes, also when it crashes or is killed with SIGKILL, so a line never
 * waits for someone to delete a stale file. flock locks are independent of the
 * POSIX (fcntl) locks SQLite takes on a database, so a lock file beside the
 * database never meets SQLite's own locking (an flock on the database itself would
 * on NFS, where the kernel emulates flock with fcntl locks).
 *
 * Who holds a lock comes from the kernel too (/proc/locks lists each flock with
 * the pid that took it and its file's device and inode), so the answer is right
 * whoever wrote the lock file last. */
#ifndef FOTA_STATION_LOCK_H
#define FOTA_STATION_LOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct {
    int pid;            /* -1: not found */
    char program[32];   /* its /proc/<pid>/comm; "" unknown */
    char started[32];   /* when that process started, ISO 8601 UTC; "" unknown */
} fota_lock_holder_t;

/* Fills h with the process holding an flock on the file (device, inode), read from
 * locks_path (/proc/locks) and the /proc/<pid> files. 0, or FOTA_E_NOENT when no
 * holder is listed (h->pid is then -1). */
int fota_lock_holder_find(const char *locks_path, dev_t dev, ino_t ino, fota_lock_holder_t *h);

/* "fota-station pid 4711 (started 2026-12-05T21:40:00Z)", as much as is known;
 * "another process" when nothing is. Returns buf. */
char *fota_lock_holder_words(const fota_lock_holder_t *h, char *buf, size_t len);

/* Takes an exclusive flock on the lock file `path` without waiting, creating it
 * (0644) when missing, and writes "pid N\nstarted T\n<note>\n" into it when it may
 * (the content is for people; the holder is told by the kernel). *fd_out keeps the
 * lock until it is closed or the process ends. FOTA_E_BUSY with *h filled when
 * another descriptor holds it; another negative code when the file cannot be
 * opened (errno's meaning). */
int fota_lock_file_take(const char *path, const char *note, int *fd_out, fota_lock_holder_t *h);

/* The path with every symbolic link, "." and ".." resolved, also when its last
 * components do not exist yet (they are appended to their nearest existing
 * ancestor's real path): two names of one file or folder give one string. 0 or
 * FOTA_E_RANGE. */
int fota_lock_path_canonical(const char *path, char *out, size_t cap);
/* The folder of the station's locks and sockets: $FOTA_LOCK_DIR, else /run/lock
 * (the FHS folder for lock files, emptied at boot), else /tmp. A ports folder's
 * path names one folder only within one /dev: a station that sees its own /dev (a
 * container, a umockdev testbed) but shares /run/lock with others needs its own. */
const char *fota_lock_dir(void);
/* "<dir>/<prefix>-<16 hex digits><suffix>": one short, stable name per folder or
 * file, whatever path names it (the hash, FNV-1a, is of its canonical path). 0,
 * a negative errno, or FOTA_E_RANGE when out is too small. */
int fota_lock_name(const char *dir, const char *prefix, const char *path, const char *suffix,
                   char *out, size_t cap);

#endif
