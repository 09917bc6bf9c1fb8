/* The attach socket (attach_srv.h): libuv pipes, writes that never block the loop. */
#include "attach_srv.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fota_types.h"
#include "lock.h"

struct fota_attach_client {
    uv_pipe_t pipe;              /* first: the handle's data is not needed to find us */
    fota_attach_srv_t *srv;
    fota_attach_client_t *next_client;
    void *ctx;
    uv_write_t req;
    char *rest;                  /* the part of a frame the socket did not take at once */
    char *latest;                /* the newest frame waiting behind it (older ones dropped) */
    size_t latest_len;
    bool writing;
    bool closing;
    int64_t since_ms;            /* when the pending write began */
    char in[512];
};

struct fota_attach_srv {
    uv_pipe_t listen;
    fota_attach_cbs_t cbs;
    void *ctx;
    fota_attach_client_t *clients;
    size_t n;
    char path[PATH_MAX];
    char alias[PATH_MAX];
};

static int64_t mono_ms(void)
{
    return (int64_t)(uv_hrtime() / 1000000u);
}

int fota_attach_path(const char *kind, const char *path, char *out, size_t cap)
{
    char prefix[32];
    snprintf(prefix, sizeof prefix, "fota-%s", kind);
    int rc = fota_lock_name(fota_lock_dir(), prefix, path, ".sock", out, cap);
    /* Short: a unix socket's path holds 107 bytes. */
    return rc == 0 && strlen(out) >= 108 ? FOTA_E_RANGE : rc;
}

static void client_closed(uv_handle_t *h)
{
    fota_attach_client_t *c = (fota_attach_client_t *)h;
    free(c->rest);
    free(c->latest);
    free(c);
}

void fota_attach_drop(fota_attach_client_t *c, const char *why)
{
    if (c->closing)
        return;
    c->closing = true;
    fota_attach_srv_t *s = c->srv;
    for (fota_attach_client_t **p = &s->clients; *p; p = &(*p)->next_client)
        if (*p == c) {
            *p = c->next_client;
            s->n--;
            break;
        }
    if (s->cbs.on_close && c->ctx)
        s->cbs.on_close(s->ctx, c->ctx, why);
    c->ctx = NULL;
    uv_close((uv_handle_t *)&c->pipe, client_closed); /* a pending write ends ECANCELED */
}

static void write_done(uv_write_t *req, int status)
{
    fota_attach_client_t *c = req->data;
    free(c->rest);
    c->rest = NULL;
    c->writing = false;
    if (c->closing)
        return;
    if (status < 0) {
        fota_attach_drop(c, "write failed");
        return;
    }
    if (c->latest) {
        char *f = c->latest;
        size_t len = c->latest_len;
        c->latest = NULL;
        fota_attach_send(c, f, len);
        free(f);
    }
}

void fota_attach_send(fota_attach_client_t *c, const char *frame, size_t len)
{
    if (c->closing || len == 0)
        return;
    if (c->writing) {
        if (mono_ms() - c->since_ms >= FOTA_ATTACH_STALL_MS) {
            fota_attach_drop(c, "stopped reading");
            return;
        }
        char *copy = malloc(len);
        if (!copy)
            return; /* this frame is lost; the next one comes within a tick */
        memcpy(copy, frame, len);
        free(c->latest);
        c->latest = copy;
        c->latest_len = len;
        return;
    }
    uv_buf_t b = uv_buf_init((char *)frame, (unsigned)len);
    int n = uv_try_write((uv_stream_t *)&c->pipe, &b, 1);
    if (n == UV_EAGAIN)
        n = 0;
    if (n < 0) {
        fota_attach_drop(c, "write failed");
        return;
    }
    if ((size_t)n == len)
        return;
    /* The rest of this frame must still go out (a frame cut in the middle of an
     * escape sequence would garble the viewer's screen): libuv writes it when the
     * socket has room, the loop goes on meanwhile. */
    c->rest = malloc(len - (size_t)n);
    if (!c->rest) {
        fota_attach_drop(c, "out of memory");
        return;
    }
    memcpy(c->rest, frame + n, len - (size_t)n);
    b = uv_buf_init(c->rest, (unsigned)(len - (size_t)n));
    c->req.data = c;
    if (uv_write(&c->req, (uv_stream_t *)&c->pipe, &b, 1, write_done) < 0) {
        free(c->rest);
        c->rest = NULL;
        fota_attach_drop(c, "write failed");
        return;
    }
    c->writing = true;
    c->since_ms = mono_ms();
}

static void client_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    fota_attach_client_t *c = (fota_attach_client_t *)h;
    (void)suggested;
    *buf = uv_buf_init(c->in, sizeof c->in);
}

static void client_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
    fota_attach_client_t *c = (fota_attach_client_t *)st;
    if (n < 0) {
        fota_attach_drop(c, n == UV_EOF ? "closed" : "read failed");
        return;
    }
    if (n > 0 && c->srv->cbs.on_data && c->ctx)
        c->srv->cbs.on_data(c->srv->ctx, c->ctx, buf->base, (size_t)n);
}

static void on_connect(uv_stream_t *l, int status)
{
    fota_attach_srv_t *s = l->data;
    if (status < 0)
        return;
    fota_attach_client_t *c = calloc(1, sizeof *c);
    if (!c)
        return;
    c->srv = s;
    uv_pipe_init(l->loop, &c->pipe, 0);
    if (uv_accept(l, (uv_stream_t *)&c->pipe) < 0 || s->n >= FOTA_ATTACH_MAX_CLIENTS) {
        c->closing = true;
        uv_close((uv_handle_t *)&c->pipe, client_closed);
        return;
    }
    c->next_client = s->clients;
    s->clients = c;
    s->n++;
    c->ctx = s->cbs.on_open ? s->cbs.on_open(s->ctx, c) : NULL;
    if (!c->ctx) {
        fota_attach_drop(c, "refused");
        return;
    }
    uv_read_start((uv_stream_t *)&c->pipe, client_alloc, client_read);
}

int fota_attach_srv_start(uv_loop_t *loop, const char *path, const char *alias,
                          const char *group, const fota_attach_cbs_t *cbs, void *ctx,
                          fota_attach_srv_t **out)
{
    *out = NULL;
    fota_attach_srv_t *s = calloc(1, sizeof *s);
    if (!s)
        return -ENOMEM;
    s->cbs = *cbs;
    s->ctx = ctx;
    snprintf(s->path, sizeof s->path, "%s", path);
    uv_pipe_init(loop, &s->listen, 0);
    s->listen.data = s;
    unlink(path); /* a crashed station's: the caller holds the locks now */
    int rc = uv_pipe_bind(&s->listen, path);
    if (rc == 0) {
        /* The operators' group may attach; nobody else (keys act on the line). */
        chmod(path, 0660);
        struct group *g = group ? getgrnam(group) : NULL;
        if (g && chown(path, (uid_t)-1, g->gr_gid) != 0) {
            /* not a member of the group: the socket stays the user's own */
        }
        rc = uv_listen((uv_stream_t *)&s->listen, 8, on_connect);
    }
    if (rc < 0) {
        uv_close((uv_handle_t *)&s->listen, (uv_close_cb)free);
        unlink(path);
        return rc;
    }
    if (alias) {
        unlink(alias);
        if (symlink(path, alias) == 0)
            snprintf(s->alias, sizeof s->alias, "%s", alias);
    }
    *out = s;
    return 0;
}

void fota_attach_srv_stop(fota_attach_srv_t *s)
{
    if (!s)
        return;
    while (s->clients)
        fota_attach_drop(s->clients, "station stopped");
    unlink(s->path);
    if (s->alias[0])
        unlink(s->alias);
    uv_close((uv_handle_t *)&s->listen, (uv_close_cb)free);
}

size_t fota_attach_count(const fota_attach_srv_t *s)
{
    return s ? s->n : 0;
}
