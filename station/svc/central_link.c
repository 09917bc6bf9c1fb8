/* The shipper child of `run --central` and its status on the loop (see
 * central_link.h for why a process). */
#include "central_link.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "central_conn.h"

extern char **environ;

#define RESPAWN_MS 5000 /* a shipper that died is started again after this */

typedef enum { LINK_STARTING, LINK_CONNECTED, LINK_OFFLINE } link_state_t;

struct fota_central_link {
    uv_loop_t *loop;
    uv_process_t proc;
    uv_pipe_t out;       /* the child's stdout and stderr */
    uv_timer_t timer;    /* respawn, or the drain deadline */
    char *db, *dsn;
    fota_central_log_fn log;
    void *ctx;
    char rbuf[4096];
    char line[1024];
    size_t line_len;
    link_state_t state;
    long long behind;
    char since[40];
    uint64_t offline_at;  /* uv_now when the link went down (the metrics' seconds) */
    bool running, stopping, pipe_open;
};

static void say(fota_central_link_t *l, const char *prefix, const char *msg)
{
    /* The child scrubs its lines; scrub again: no path may show the password. */
    char clean[1200], full[1200];
    snprintf(full, sizeof full, "%s%s", prefix, msg);
    msg = full;
    fota_central_scrub(l->dsn, msg, clean, sizeof clean);
    if (l->log)
        l->log(l->ctx, clean);
}

/* One status line of the child (central_cli.c prints them). */
static void on_line(fota_central_link_t *l, const char *s)
{
    const char *p;
    if (strncmp(s, "central: connected", 18) == 0) {
        l->state = LINK_CONNECTED;
        say(l, "", s);
    } else if (strncmp(s, "central: offline since ", 23) == 0) {
        if (l->state != LINK_OFFLINE) {
            say(l, "", s);
            l->offline_at = uv_now(l->loop);
        }
        l->state = LINK_OFFLINE;
        snprintf(l->since, sizeof l->since, "%.*s", (int)strcspn(s + 23, ": "), s + 23);
    } else if ((p = strstr(s, "behind by ")) != NULL) {
        l->behind = atoll(p + 10);
    } else if (s[0]) {
        say(l, "central shipper: ", s);
    }
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    fota_central_link_t *l = h->data;
    (void)suggested;
    *buf = uv_buf_init(l->rbuf, sizeof l->rbuf);
}

static void pipe_closed(uv_handle_t *h)
{
    fota_central_link_t *l = h->data;
    l->pipe_open = false;
}

static void read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    fota_central_link_t *l = s->data;
    if (n < 0) {
        uv_close((uv_handle_t *)s, pipe_closed);
        return;
    }
    for (ssize_t i = 0; i < n; i++) {
        char c = buf->base[i];
        if (c == '\n') {
            l->line[l->line_len] = '\0';
            on_line(l, l->line);
            l->line_len = 0;
        } else if (l->line_len < sizeof l->line - 1) {
            l->line[l->line_len++] = c;
        }
    }
}

static int spawn(fota_central_link_t *l);

static void timer_cb(uv_timer_t *t)
{
    fota_central_link_t *l = t->data;
    if (l->stopping) {
        if (l->running)
            uv_process_kill(&l->proc, SIGKILL); /* the drain took too long */
        return;
    }
    if (!l->running && !l->pipe_open && spawn(l) < 0)
        uv_timer_start(&l->timer, timer_cb, RESPAWN_MS, 0);
}

static void noop_close(uv_handle_t *h)
{
    (void)h;
}

static void exit_cb(uv_process_t *p, int64_t status, int sig)
{
    fota_central_link_t *l = p->data;
    l->running = false;
    uv_close((uv_handle_t *)p, noop_close);
    if (l->stopping) {
        uv_close((uv_handle_t *)&l->timer, noop_close);
        return;
    }
    char why[96];
    snprintf(why, sizeof why, "%s %d); started again in 5 s", sig ? "signal" : "status",
             sig ? sig : (int)status);
    say(l, "central shipper exited (", why);
    uv_timer_start(&l->timer, timer_cb, RESPAWN_MS, 0);
}

/* environ without our two variables, plus them. */
static char **child_env(fota_central_link_t *l, char *dsn_var, char *parent_var)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + 3, sizeof *env);
    if (!env)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "FOTA_CENTRAL_DSN=", 17) && strncmp(environ[i], "FOTA_SHIP_PARENT=", 17))
            env[k++] = environ[i];
    snprintf(dsn_var, strlen(l->dsn) + 18, "FOTA_CENTRAL_DSN=%s", l->dsn);
    snprintf(parent_var, 40, "FOTA_SHIP_PARENT=%ld", (long)getpid());
    env[k++] = dsn_var;
    env[k++] = parent_var;
    return env;
}

static int spawn(fota_central_link_t *l)
{
    char exe[4096];
    size_t size = sizeof exe;
    int rc = uv_exepath(exe, &size);
    if (rc < 0)
        return rc;
    char *args[] = {exe, "ship", "--db", l->db, "--follow", NULL};
    char *dsn_var = malloc(strlen(l->dsn) + 18), parent_var[40];
    char **env = dsn_var ? child_env(l, dsn_var, parent_var) : NULL;
    if (!env) {
        free(dsn_var);
        return UV_ENOMEM;
    }
    uv_pipe_init(l->loop, &l->out, 0);
    l->out.data = l;
    l->pipe_open = true;
    uv_stdio_container_t stdio[3] = {
        {.flags = UV_IGNORE},
        {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&l->out},
        {.flags = UV_IGNORE}, /* the child sends its stderr down the pipe */
    };
    uv_process_options_t o = {.file = exe, .args = args, .env = env, .exit_cb = exit_cb,
                              .stdio = stdio, .stdio_count = 3};
    l->proc.data = l;
    rc = uv_spawn(l->loop, &l->proc, &o);
    free(env);
    memset(dsn_var, 0, strlen(dsn_var));
    free(dsn_var);
    if (rc < 0) {
        uv_close((uv_handle_t *)&l->proc, noop_close);
        uv_close((uv_handle_t *)&l->out, pipe_closed);
        return rc;
    }
    l->running = true;
    l->line_len = 0;
    uv_read_start((uv_stream_t *)&l->out, alloc_cb, read_cb);
    return 0;
}

int fota_central_link_start(uv_loop_t *loop, const char *db_path, const char *dsn,
                            fota_central_log_fn log, void *ctx, fota_central_link_t **out)
{
    *out = NULL;
    fota_central_link_t *l = calloc(1, sizeof *l);
    if (!l || !(l->db = strdup(db_path)) || !(l->dsn = strdup(dsn))) {
        if (l) {
            free(l->db);
            free(l);
        }
        return UV_ENOMEM;
    }
    l->loop = loop;
    l->log = log;
    l->ctx = ctx;
    uv_timer_init(loop, &l->timer);
    l->timer.data = l;
    /* A shipper that cannot start now (e.g. too many processes) is tried again. */
    if (spawn(l) < 0)
        uv_timer_start(&l->timer, timer_cb, RESPAWN_MS, 0);
    *out = l;
    return 0;
}

void fota_central_link_stop(fota_central_link_t *l, unsigned drain_ms)
{
    if (!l || l->stopping)
        return;
    l->stopping = true;
    if (!l->running) {
        uv_timer_stop(&l->timer);
        uv_close((uv_handle_t *)&l->timer, noop_close);
        return;
    }
    uv_process_kill(&l->proc, SIGUSR1);
    uv_timer_start(&l->timer, timer_cb, drain_ms, 0);
}

void fota_central_link_free(fota_central_link_t *l)
{
    if (!l)
        return;
    free(l->db);
    if (l->dsn)
        memset(l->dsn, 0, strlen(l->dsn));
    free(l->dsn);
    free(l);
}

bool fota_central_link_state(const fota_central_link_t *l, char *buf, size_t len)
{
    if (!l)
        return false;
    if (l->state == LINK_OFFLINE)
        snprintf(buf, len, "central: offline since %s", l->since);
    else if (l->state == LINK_STARTING)
        snprintf(buf, len, "central: starting");
    else if (l->behind > 0)
        snprintf(buf, len, "central: behind by %lld attempt(s)", l->behind);
    else
        snprintf(buf, len, "central: connected");
    return true;
}

bool fota_central_link_lag(const fota_central_link_t *l, fota_central_lag_t *out)
{
    if (!l)
        return false;
    out->up = l->state == LINK_CONNECTED;
    out->offline = l->state == LINK_OFFLINE;
    out->behind = l->behind;
    out->offline_ms = l->state == LINK_OFFLINE ? (int64_t)(uv_now(l->loop) - l->offline_at) : 0;
    return true;
}
