/* Byte relay on the GLib loop; see hub_pipe.h. */
#include "hub_pipe.h"

#include <errno.h>
#include <glib-unix.h>
#include <string.h>
#include <unistd.h>

struct hub_pipe {
    int from, to;
    hub_pipe_cbs_t cbs;
    GByteArray *q;   /* read but not yet written to `to` */
    guint src;
    bool ended;
};

static void pipe_arm(hub_pipe_t *p);

static void pipe_end(hub_pipe_t *p)
{
    if (p->src)
        g_source_remove(p->src);
    p->src = 0;
    p->ended = true;
    if (p->cbs.on_end)
        p->cbs.on_end(p->cbs.ctx);
}

static bool pipe_flush(hub_pipe_t *p)
{
    while (p->q->len > 0) {
        ssize_t n = write(p->to, p->q->data, p->q->len);
        if (n > 0) {
            g_byte_array_remove_range(p->q, 0, (guint)n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return true;
        /* The far side is gone: what is left has nowhere to go. That side's own
         * pipe reports the end. */
        g_byte_array_set_size(p->q, 0);
        return true;
    }
    return true;
}

static gboolean pipe_ready(gint fd, GIOCondition cond, gpointer data)
{
    hub_pipe_t *p = data;
    (void)fd;
    p->src = 0;
    if (p->q->len > 0) { /* we were waiting for room on `to` */
        pipe_flush(p);
        pipe_arm(p);
        return G_SOURCE_REMOVE;
    }
    unsigned char buf[4096];
    ssize_t n = read(p->from, buf, sizeof buf);
    if (n > 0) {
        if (p->cbs.on_data)
            p->cbs.on_data(p->cbs.ctx, buf, (size_t)n);
        if (p->to >= 0) {
            g_byte_array_append(p->q, buf, (guint)n);
            pipe_flush(p);
        }
        pipe_arm(p);
        return G_SOURCE_REMOVE;
    }
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
        pipe_arm(p);
        return G_SOURCE_REMOVE;
    }
    (void)cond;
    pipe_end(p); /* EOF, or EIO: a pty whose other end closed */
    return G_SOURCE_REMOVE;
}

static void pipe_arm(hub_pipe_t *p)
{
    if (p->ended || p->src)
        return;
    if (p->q->len > 0)
        p->src = g_unix_fd_add(p->to, G_IO_OUT | G_IO_ERR | G_IO_HUP, pipe_ready, p);
    else
        p->src = g_unix_fd_add(p->from, G_IO_IN | G_IO_ERR | G_IO_HUP, pipe_ready, p);
}

hub_pipe_t *hub_pipe_new(int from, int to, const hub_pipe_cbs_t *cbs)
{
    hub_pipe_t *p = g_new0(hub_pipe_t, 1);
    p->from = from;
    p->to = to;
    p->cbs = *cbs;
    p->q = g_byte_array_new();
    g_unix_set_fd_nonblocking(from, TRUE, NULL);
    if (to >= 0)
        g_unix_set_fd_nonblocking(to, TRUE, NULL);
    pipe_arm(p);
    return p;
}

void hub_pipe_free(hub_pipe_t *p)
{
    if (!p)
        return;
    if (p->src)
        g_source_remove(p->src);
    g_byte_array_unref(p->q);
    g_free(p);
}
