/* Waiting for a folder that does not exist yet: /dev/serial/by-path is made by udev
 * with the first USB serial device, so a line PC started before its hub is powered
 * has no ports folder. The nearest folder above it that exists is watched
 * (uv_fs_event, re-armed lower as each level appears) with a slow periodic check as
 * a safety net; `appeared` is called once, when the folder is there. */
#ifndef FOTA_STATION_DIR_WAIT_H
#define FOTA_STATION_DIR_WAIT_H

#include <uv.h>

typedef struct fota_dir_wait fota_dir_wait_t;
typedef void (*fota_dir_wait_cb)(void *ctx, const char *dir);

/* 0, or FOTA_E_NOMEM. `appeared` may call fota_dir_wait_stop. */
int fota_dir_wait_start(uv_loop_t *loop, const char *dir, unsigned check_ms,
                        fota_dir_wait_cb appeared, void *ctx, fota_dir_wait_t **out);
/* Closes its handles; freed once they are closed. NULL is fine. */
void fota_dir_wait_stop(fota_dir_wait_t *w);
/* 1: dir is a folder, 0: it (or a folder above it) does not exist (yet), -errno
 * otherwise (-ENOTDIR: it, or something on its path, is not a folder). */
int fota_dir_exists(const char *dir);

#endif
