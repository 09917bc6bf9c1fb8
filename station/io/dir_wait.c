/* The wait for a ports folder that does not exist yet (dir_wait.h). */
#include "dir_wait.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fota_types.h"

struct fota_dir_wait {
    uv_fs_event_t ev;
    uv_timer_t check;
    bool ev_on;            /* ev is watching `above` */
    bool stopped;
    int open_handles;      /* freed when both handles are closed */
    fota_dir_wait_cb appeared;
    void *ctx;
    char above[4096];      /* the nearest existing folder above dir, watched */
    char dir[];
};

int fota_dir_exists(const char *dir)
{
    struct stat sb;
    if (stat(dir, &sb) == 0)
        return S_ISDIR(sb.st_mode) ? 1 : -ENOTDIR;
    return errno == ENOENT ? 0 : -errno; /* ENOTDIR: a file on the way, never a folder */
}

/* The deepest existing folder on dir's path ("/" at worst, "." for a relative
 * path with no existing part). */
static void nearest_above(const char *dir, char *out, size_t n)
{
    snprintf(out, n, "%s", dir);
    for (;;) {
        char *slash = strrchr(out, '/');
        if (!slash) {
            snprintf(out, n, ".");
            return;
        }
        if (slash == out) {
            out[1] = '\0';
            return;
        }
        *slash = '\0';
        if (fota_dir_exists(out) == 1)
            return;
    }
}

static void on_event(uv_fs_event_t *h, const char *name, int events, int status);

/* Watches the nearest existing folder above dir; again lower when one appeared. */
static void arm(fota_dir_wait_t *w)
{
    char above[sizeof w->above];
    nearest_above(w->dir, above, sizeof above);
    if (w->ev_on && strcmp(above, w->above) == 0)
        return;
    if (w->ev_on)
        uv_fs_event_stop(&w->ev);
    snprintf(w->above, sizeof w->above, "%s", above);
    /* A folder that cannot be watched (inotify limits) leaves the periodic check. */
    w->ev_on = uv_fs_event_start(&w->ev, on_event, w->above, 0) == 0;
}

static void look(fota_dir_wait_t *w)
{
    if (w->stopped)
        return;
    if (fota_dir_exists(w->dir) == 1) {
        uv_timer_stop(&w->check);
        if (w->ev_on)
            uv_fs_event_stop(&w->ev);
        w->ev_on = false;
        w->appeared(w->ctx, w->dir);
        return;
    }
    arm(w);
}

static void on_event(uv_fs_event_t *h, const char *name, int events, int status)
{
    (void)name;
    (void)events;
    (void)status;
    look(h->data);
}

static void on_check(uv_timer_t *t)
{
    look(t->data);
}

int fota_dir_wait_start(uv_loop_t *loop, const char *dir, unsigned check_ms,
                        fota_dir_wait_cb appeared, void *ctx, fota_dir_wait_t **out)
{
    size_t len = strlen(dir);
    fota_dir_wait_t *w = calloc(1, sizeof *w + len + 1);
    if (!w)
        return FOTA_E_NOMEM;
    memcpy(w->dir, dir, len + 1);
    while (len > 1 && w->dir[len - 1] == '/')
        w->dir[--len] = '\0'; /* "by-path/" is the folder by-path */
    w->appeared = appeared;
    w->ctx = ctx;
    uv_fs_event_init(loop, &w->ev);
    uv_timer_init(loop, &w->check);
    w->ev.data = w->check.data = w;
    w->open_handles = 2;
    arm(w);
    uv_timer_start(&w->check, on_check, check_ms, check_ms);
    *out = w;
    return 0;
}

static void on_closed(uv_handle_t *h)
{
    fota_dir_wait_t *w = h->data;
    if (--w->open_handles == 0)
        free(w);
}

void fota_dir_wait_stop(fota_dir_wait_t *w)
{
    if (!w || w->stopped)
        return;
    w->stopped = true;
    uv_close((uv_handle_t *)&w->ev, on_closed);
    uv_close((uv_handle_t *)&w->check, on_closed);
}
