/* The ports directory (/dev/serial/by-path or fota-sim's --ports DIR): one symlink per
 * module AT port, its name the slot's name. Watched with uv_fs_event (inotify) and a
 * slow periodic rescan as a safety net for missed events. A link that is removed and
 * re-created between two scans (a module rebooting into a new tty) is still seen as a
 * change: its identity is the link's inode plus the device it points to. */
#ifndef FOTA_STATION_WATCH_H
#define FOTA_STATION_WATCH_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

typedef struct {
    char name[NAME_MAX + 1]; /* slot name: the link's name (a file name: 255 bytes at most) */
    char target[256];   /* resolved device path */
    uint64_t ino;       /* the link's own inode … */
    uint64_t ctime_ns;  /* … and change time: a freed inode number is reused at once */
    uint64_t rdev;      /* the device's number */
} fota_link_t;

/* link == NULL: the slot's link went away (or now dangles). Otherwise it appeared or
 * changed (a changed link is reported as gone then appeared). */
typedef void (*fota_watch_cb)(void *ctx, const char *name, const fota_link_t *link);

typedef struct fota_watch fota_watch_t;

/* Fails with FOTA_E_NOENT when dir is not a directory. The first scan is
 * reported synchronously, before this returns. */
int fota_watch_start(uv_loop_t *loop, const char *dir, unsigned rescan_ms, fota_watch_cb cb,
                     void *ctx, fota_watch_t **out);
/* Scans now (e.g. after a port error, to learn whether the link changed). */
void fota_watch_rescan(fota_watch_t *w);
void fota_watch_stop(fota_watch_t *w);
/* Links currently present. */
size_t fota_watch_count(const fota_watch_t *w);
/* Scans dir once without a loop (probe): *out (malloc'd, sorted by name, free() it)
 * holds every link to a character device. FOTA_E_NOENT or FOTA_E_ACCES when the
 * folder cannot be read. */
int fota_watch_list(const char *dir, fota_link_t **out, size_t *n);
/* Whether a listing error leaves the known links as they were: only a folder that is
 * gone (FOTA_E_NOENT) or unreadable (FOTA_E_ACCES) empties the list. Any other failure
 * (FOTA_E_MFILE: the station had no descriptor to open it with, FOTA_E_NOMEM, an i/o
 * error) says nothing about the links: none is reported gone, and the folder is
 * listed again a second later. */
bool fota_watch_error_keeps(int err);
/* Told when listing the folder starts or stops failing (err 0: readable again). */
typedef void (*fota_watch_error_cb)(void *ctx, const char *dir, int err);
void fota_watch_on_error(fota_watch_t *w, fota_watch_error_cb cb);

#endif
