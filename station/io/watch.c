/* Ports directory watch; see watch.h. */
#include "watch.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fota_types.h"
#include "port.h"
#include "util.h"


/* A listing that failed for want of a descriptor is tried again this soon. */
#define WATCH_RETRY_MS 1000

struct fota_watch {
    uv_fs_event_t ev;
    uv_timer_t rescan;   /* periodic safety net */
    uv_timer_t debounce; /* one scan shortly after a burst of inotify events */
    char dir[PATH_MAX];
    unsigned rescan_ms;
    fota_watch_cb cb;
    void *ctx;
    fota_link_t *links;  /* sorted by name */
    size_t n;
    int open_handles;
    bool have_ev;
    int list_error;          /* last listing's error, reported once per change */
    fota_watch_error_cb error_cb;
};

static int link_cmp(const void *a, const void *b)
{
    return strcmp(((const fota_link_t *)a)->name, ((const fota_link_t *)b)->name);
}

/* A directory entry that cannot be a link to a tty is skipped without a stat. */
static bool maybe_port(const struct dirent *e)
{
    if (e->d_name[0] == '.')
        return false;
    return e->d_type == DT_LNK || e->d_type == DT_CHR || e->d_type == DT_UNKNOWN;
}

static int link_read(const char *dir, const char *name, fota_link_t *l)
{
    char path[PATH_MAX], real[PATH_MAX];
    if (strlen(name) >= sizeof l->name ||
        (size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
        return FOTA_E_RANGE;
    struct stat ls, ts;
    if (lstat(path, &ls) != 0 || stat(path, &ts) != 0)
        return FOTA_E_NOENT; /* vanished meanwhile, or a dangling link: no port there */
    if (!S_ISCHR(ts.st_mode))
        return FOTA_E_NOENT;
    if (fota_port_resolve(path, real, sizeof real) != 0 || strlen(real) >= sizeof l->target)
        return FOTA_E_RANGE;
    memset(l, 0, sizeof *l);
    fota_copy(l->name, sizeof l->name, name);
    fota_copy(l->target, sizeof l->target, real);
    l->ino = (uint64_t)ls.st_ino;
    l->ctime_ns = (uint64_t)ls.st_ctim.tv_sec * 1000000000u + (uint64_t)ls.st_ctim.tv_nsec;
    l->rdev = (uint64_t)ts.st_rdev;
    return 0;
}

int fota_watch_list(const char *dir, fota_link_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) {
        int e = errno;
        if (e == ENOENT || e == ENOTDIR)
            return FOTA_E_NOENT;
        return fota_error_from_errno(e); /* FOTA_E_MFILE: no descriptor to list it with */
    }
    /* No limit on the folder's size: a real /dev/serial/by-path holds a few hundred
     * links at most, and anything else in it is skipped cheaply. */
    size_t cap = 0;
    fota_link_t *v = NULL;
    struct dirent *e;
    int rc = 0;
    errno = 0;
    while ((e = readdir(d)) != NULL) {
        if (!maybe_port(e))
            continue;
        if (*n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            fota_link_t *nv = realloc(v, ncap * sizeof *nv);
            if (!nv) {
                rc = FOTA_E_NOMEM;
                break;
            }
            v = nv;
            cap = ncap;
        }
        if (link_read(dir, e->d_name, &v[*n]) == 0)
            (*n)++;
        errno = 0;
    }
    if (!rc && !e && errno)
        rc = fota_error_from_errno(errno); /* a listing cut short is no listing */
    closedir(d);
    if (rc) {
        free(v);
        *n = 0;
        return rc;
    }
    if (*n)
        qsort(v, *n, sizeof *v, link_cmp);
    *out = v;
    return 0;
}

bool fota_watch_error_keeps(int err)
{
    return err != 0 && err != FOTA_E_NOENT && err != FOTA_E_ACCES;
}

static void watch_rescan_cb(uv_timer_t *t);
static void watch_ev_cb(uv_fs_event_t *h, const char *filename, int events, int status);

static bool link_same(const fota_link_t *a, const fota_link_t *b)
{
    return a->ino == b->ino && a->ctime_ns == b->ctime_ns && a->rdev == b->rdev && strcmp(a->target, b->target) == 0;
}

void fota_watch_rescan(fota_watch_t *w)
{
    fota_link_t *now = NULL;
    size_t n = 0;
    if (!w->have_ev && w->open_handles == 3)
        w->have_ev = uv_fs_event_start(&w->ev, watch_ev_cb, w->dir, 0) == 0; /* inotify */
    int rc = fota_watch_list(w->dir, &now, &n);
    if (rc != w->list_error && w->error_cb)
        w->error_cb(w->ctx, w->dir, rc);
    w->list_error = rc;
    if (fota_watch_error_keeps(rc)) {
        /* The station could not look (no descriptor left, no memory): the links are
         * as they were as far as anyone knows. Nothing is reported gone, and the
         * folder is looked at again soon. */
        uv_timer_start(&w->debounce, watch_rescan_cb, WATCH_RETRY_MS, 0);
        return;
    }
    /* Merge two sorted lists; report in name order. Swap the list in before the
     * callbacks so a callback that rescans sees a consistent state. */
    fota_link_t *old = w->links;
    size_t on = w->n;
    w->links = now;
    w->n = n;
    size_t i = 0, j = 0;
    while (i < on || j < n) {
        int c = i >= on ? 1 : j >= n ? -1 : strcmp(old[i].name, now[j].name);
        if (c < 0) {
            w->cb(w->ctx, old[i].name, NULL);
            i++;
        } else if (c > 0) {
            w->cb(w->ctx, now[j].name, &now[j]);
            j++;
        } else {
            if (!link_same(&old[i], &now[j])) {
                w->cb(w->ctx, old[i].name, NULL);
                w->cb(w->ctx, now[j].name, &now[j]);
            }
            i++;
            j++;
        }
    }
    free(old);
}

static void watch_rescan_cb(uv_timer_t *t)
{
    fota_watch_rescan(t->data);
}

static void watch_ev_cb(uv_fs_event_t *h, const char *filename, int events, int status)
{
    (void)filename;
    (void)events;
    (void)status;
    fota_watch_t *w = h->data;
    /* inotify fires once per link operation; a short debounce folds a burst (a
     * reboot removes and re-creates the link) into one scan. */
    uv_timer_start(&w->debounce, watch_rescan_cb, 20, 0);
}

int fota_watch_start(uv_loop_t *loop, const char *dir, unsigned rescan_ms, fota_watch_cb cb,
                     void *ctx, fota_watch_t **out)
{
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return FOTA_E_NOENT;
    fota_watch_t *w = calloc(1, sizeof *w);
    if (!w)
        return FOTA_E_NOMEM;
    fota_copy(w->dir, sizeof w->dir, dir);
    w->cb = cb;
    w->ctx = ctx;
    w->rescan_ms = rescan_ms;
    uv_timer_init(loop, &w->rescan);
    uv_timer_init(loop, &w->debounce);
    w->rescan.data = w->debounce.data = w;
    w->open_handles = 2;
    if (uv_fs_event_init(loop, &w->ev) == 0) {
        w->ev.data = w;
        w->open_handles++;
        w->have_ev = uv_fs_event_start(&w->ev, watch_ev_cb, dir, 0) == 0;
    }
    uv_timer_start(&w->rescan, watch_rescan_cb, rescan_ms, rescan_ms);
    *out = w;
    fota_watch_rescan(w);
    return 0;
}

static void watch_close_cb(uv_handle_t *h)
{
    fota_watch_t *w = h->data;
    if (--w->open_handles == 0) {
        free(w->links);
        free(w);
    }
}

void fota_watch_stop(fota_watch_t *w)
{
    if (!w)
        return;
    uv_close((uv_handle_t *)&w->rescan, watch_close_cb);
    uv_close((uv_handle_t *)&w->debounce, watch_close_cb);
    if (w->open_handles == 3)
        uv_close((uv_handle_t *)&w->ev, watch_close_cb);
}

size_t fota_watch_count(const fota_watch_t *w)
{
    return w->n;
}

void fota_watch_on_error(fota_watch_t *w, fota_watch_error_cb cb)
{
    w->error_cb = cb;
}
