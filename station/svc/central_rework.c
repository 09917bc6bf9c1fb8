/* Central rework look-ups on libuv's thread pool (see central_rework.h). */
#include "central_rework.h"

#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "central_conn.h"

struct fota_central_rework {
    uv_loop_t *loop;
    char *dsn;
    uv_mutex_t lock; /* the connection: one look-up at a time */
    PGconn *pg;
    unsigned pending;
};

typedef struct {
    uv_work_t req;
    fota_central_rework_t *c;
    char imei[32];
    fota_central_answer_fn cb;
    void *ctx;
    int found;
    fota_result_t result;
    char why[300];
} ask_t;

static const struct {
    const char *name;
    fota_result_t r;
} results[] = {
    {"PASS", FOTA_RESULT_PASS},
    {"FAIL", FOTA_RESULT_FAIL},
    {"INTERRUPTED", FOTA_RESULT_INTERRUPTED},
};

/* Thread pool: connect when needed (bounded waits), then one query. */
static void work_cb(uv_work_t *w)
{
    ask_t *a = w->data;
    fota_central_rework_t *c = a->c;
    uv_mutex_lock(&c->lock);
    if (c->pg && PQstatus(c->pg) != CONNECTION_OK) {
        PQfinish(c->pg);
        c->pg = NULL;
    }
    if (!c->pg) {
        /* The DSN as given, then bounded waits (later keywords override). */
        const char *keys[] = {"dbname", "connect_timeout", "options", NULL};
        const char *vals[] = {c->dsn, "3", "-c statement_timeout=3000", NULL};
        c->pg = PQconnectdbParams(keys, vals, 1);
        if (PQstatus(c->pg) != CONNECTION_OK) {
            fota_central_scrub(c->dsn, PQerrorMessage(c->pg), a->why, sizeof a->why);
            PQfinish(c->pg);
            c->pg = NULL;
            a->found = -1;
            uv_mutex_unlock(&c->lock);
            return;
        }
    }
    const char *params[1] = {a->imei};
    PGresult *r = PQexecParams(c->pg, "SELECT result FROM latest_results WHERE imei = $1", 1, NULL,
                               params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        fota_central_scrub(c->dsn, PQerrorMessage(c->pg), a->why, sizeof a->why);
        a->found = -1;
        PQfinish(c->pg); /* start over next time */
        c->pg = NULL;
    } else if (PQntuples(r) == 0) {
        a->found = 0;
    } else {
        a->found = 0;
        for (size_t i = 0; i < sizeof results / sizeof results[0]; i++)
            if (strcmp(PQgetvalue(r, 0, 0), results[i].name) == 0) {
                a->found = 1;
                a->result = results[i].r;
            }
    }
    PQclear(r);
    uv_mutex_unlock(&c->lock);
}

static void after_cb(uv_work_t *w, int status)
{
    ask_t *a = w->data;
    a->c->pending--;
    if (status == UV_ECANCELED) {
        a->found = -1;
        snprintf(a->why, sizeof a->why, "look-up cancelled");
    }
    a->cb(a->ctx, a->found, a->result, a->why);
    free(a);
}

fota_central_rework_t *fota_central_rework_new(uv_loop_t *loop, const char *dsn)
{
    fota_central_rework_t *c = calloc(1, sizeof *c);
    if (!c || !(c->dsn = strdup(dsn)) || uv_mutex_init(&c->lock) != 0) {
        if (c)
            free(c->dsn);
        free(c);
        return NULL;
    }
    c->loop = loop;
    return c;
}

int fota_central_rework_ask(fota_central_rework_t *c, const char *imei, fota_central_answer_fn cb,
                            void *ctx)
{
    ask_t *a = calloc(1, sizeof *a);
    if (!a)
        return UV_ENOMEM;
    a->c = c;
    snprintf(a->imei, sizeof a->imei, "%s", imei);
    a->cb = cb;
    a->ctx = ctx;
    a->req.data = a;
    int rc = uv_queue_work(c->loop, &a->req, work_cb, after_cb);
    if (rc < 0) {
        free(a);
        return rc;
    }
    c->pending++;
    return 0;
}

unsigned fota_central_rework_pending(const fota_central_rework_t *c)
{
    return c ? c->pending : 0;
}

void fota_central_rework_free(fota_central_rework_t *c)
{
    if (!c)
        return;
    PQfinish(c->pg);
    uv_mutex_destroy(&c->lock);
    memset(c->dsn, 0, strlen(c->dsn));
    free(c->dsn);
    free(c);
}
