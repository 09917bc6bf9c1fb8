/* Shipping to the central PostgreSQL; see central_ship.h. This file builds the COPY
 * text and the central transaction; the station's file is read and marked through
 * the results layer (reports/store_ship.h), so no SQLite here. */
#include "central_ship.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fota_types.h"
#include "iso_time.h"
#include "store_ship.h"
#include "utf8.h"

struct fota_central_ship {
    fota_store_ship_t *file; /* the station's results file, through the results layer */
    int64_t low;        /* every attempt with id <= low is finished and shipped */
    int64_t next_low;   /* what low may become, read in the round's own snapshot */
    char host[128];     /* station name for rows written without one */
    char *buf;          /* COPY text being built */
    size_t len, cap;
    int64_t *ids;
    size_t n_ids, cap_ids;
    char **stations;    /* the picked attempts' stations, parallel to ids */
    /* Runs (one row per station start) with id <= runs_low are in the central
     * database; -1: not asked yet (runs_seed). */
    int64_t runs_low, runs_next;
    int64_t n_events;   /* events read this round */
};

#define ATTEMPT_COLS FOTA_SHIP_ATTEMPT_COLS
#define RUN_COLS FOTA_SHIP_RUN_COLS

static int buf_reserve(fota_central_ship_t *s, size_t more)
{
    if (s->len + more <= s->cap)
        return 0;
    size_t cap = s->cap ? s->cap : 1 << 16;
    while (cap < s->len + more)
        cap *= 2;
    char *n = realloc(s->buf, cap);
    if (!n)
        return -1;
    s->buf = n;
    s->cap = cap;
    return 0;
}

/* One COPY text field. A module's transcript may hold any byte; PostgreSQL
 * takes only UTF-8, so an invalid byte becomes U+FFFD (one stuck row would
 * otherwise stop the station's shipping for good). */
static int put_field(fota_central_ship_t *s, const char *text, char sep)
{
    const unsigned char *t = (const unsigned char *)text;
    size_t n = t ? strlen(text) : 0;
    if (buf_reserve(s, 3 * n + 4) < 0)
        return -1;
    char *o = s->buf + s->len;
    if (!t) {
        memcpy(o, "\\N", 2);
        o += 2;
    }
    for (size_t i = 0; i < n;) {
        unsigned char ch = t[i];
        size_t k = fota_utf8_len(t + i);
        if (k == 0) {
            memcpy(o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
            continue;
        }
        if (k > 1) {
            memcpy(o, t + i, k);
            o += k;
            i += k;
            continue;
        }
        const char *esc = ch == '\\' ? "\\\\" : ch == '\t' ? "\\t" : ch == '\n' ? "\\n"
                        : ch == '\r' ? "\\r" : NULL;
        if (esc) {
            memcpy(o, esc, 2);
            o += 2;
        } else {
            *o++ = (char)ch;
        }
        i++;
    }
    *o++ = sep;
    s->len = (size_t)(o - s->buf);
    return 0;
}

int fota_central_ship_open(const char *db_path, fota_central_ship_t **out, char *errbuf,
                           size_t errlen)
{
    *out = NULL;
    fota_central_ship_t *s = calloc(1, sizeof *s);
    if (!s)
        return FOTA_E_NOMEM;
    int rc = fota_store_ship_open(db_path, &s->file, errbuf, errlen);
    if (rc < 0) {
        free(s);
        return rc;
    }
    if (gethostname(s->host, sizeof s->host - 1) != 0 || !s->host[0])
        snprintf(s->host, sizeof s->host, "station");
    s->runs_low = -1;
    *out = s;
    return 0;
}

static void free_stations(fota_central_ship_t *s)
{
    for (size_t k = 0; s->stations && k < s->n_ids; k++)
        free(s->stations[k]);
    free(s->stations);
    s->stations = NULL;
}

void fota_central_ship_close(fota_central_ship_t *s)
{
    if (!s)
        return;
    fota_store_ship_close(s->file);
    free(s->buf);
    free(s->ids);
    free(s);
}

static int push_id(fota_central_ship_t *s, int64_t id)
{
    if (s->n_ids == s->cap_ids) {
        size_t cap = s->cap_ids ? 2 * s->cap_ids : 256;
        int64_t *n = realloc(s->ids, cap * sizeof *n);
        if (!n)
            return -1;
        s->ids = n;
        s->cap_ids = cap;
    }
    s->ids[s->n_ids++] = id;
    return 0;
}

/* A row as one COPY text line: every field, tab-separated. */
static int put_row(fota_central_ship_t *s, const char *const *fields, int n)
{
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++)
        rc = put_field(s, fields[i], i == n - 1 ? '\n' : '\t');
    return rc;
}

/* A picked attempt: its id and station kept (its events follow it), its row as
 * COPY text. */
static int take_attempt(void *ctx, int64_t id, const char *const *fields, int n)
{
    fota_central_ship_t *s = ctx;
    char *name = strdup(fields[0] ? fields[0] : "");
    if (!name)
        return -1;
    s->stations[s->n_ids] = name;
    if (push_id(s, id) < 0) {
        free(name);
        return -1;
    }
    return put_row(s, fields, n);
}

/* The picked attempts as COPY text in s->buf, their ids in s->ids, their
 * stations in s->stations. */
static int read_attempts(fota_central_ship_t *s, int max)
{
    s->stations = calloc((size_t)max, sizeof *s->stations);
    if (!s->stations)
        return -1;
    return fota_store_ship_attempts(s->file, s->low, s->host, max, take_attempt, s);
}

/* An event line: the station of the attempt being read first (ctx's k). */
typedef struct {
    fota_central_ship_t *s;
    size_t k;
} event_ctx_t;

static int take_event(void *ctx, int64_t id, const char *const *fields, int n)
{
    (void)id;
    event_ctx_t *e = ctx;
    e->s->n_events++;
    int rc = put_field(e->s, e->s->stations[e->k], '\t');
    return rc ? rc : put_row(e->s, fields, n);
}

static int read_events(fota_central_ship_t *s)
{
    int rc = 0;
    for (size_t k = 0; k < s->n_ids && rc == 0; k++)
        rc = fota_store_ship_events(s->file, s->ids[k], take_event, &(event_ctx_t){s, k});
    return rc;
}

static int pg_ok(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType t = PQresultStatus(r);
    PQclear(r);
    return t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK ? 0 : -1;
}

static int pg_copy(PGconn *c, const char *sql, const char *data, size_t len)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType t = PQresultStatus(r);
    PQclear(r);
    if (t != PGRES_COPY_IN)
        return -1;
    int rc = 0;
    for (size_t off = 0; off < len && rc == 0;) {
        size_t n = len - off > (1u << 20) ? (1u << 20) : len - off;
        rc = PQputCopyData(c, data + off, (int)n) == 1 ? 0 : -1;
        off += n;
    }
    if (PQputCopyEnd(c, rc ? "aborted" : NULL) != 1)
        rc = -1;
    r = PQgetResult(c);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        rc = -1;
    PQclear(r);
    while ((r = PQgetResult(c)))
        PQclear(r);
    return rc;
}

/* One part of the round: a session-local staging table, the COPY into it, and
 * the idempotent insert. Runs first: a report never sees attempts of a start
 * whose run row is missing. */
typedef struct {
    const char *stage, *copy, *insert;
} ship_part_t;

enum { PART_RUNS, PART_ATTEMPTS, PART_EVENTS, PART__COUNT };

static const ship_part_t parts[PART__COUNT] = {
    [PART_RUNS] = {"CREATE TEMP TABLE IF NOT EXISTS ship_runs (LIKE runs INCLUDING DEFAULTS)"
                   " ON COMMIT DELETE ROWS",
                   "COPY ship_runs (station, local_id, " RUN_COLS ") FROM STDIN",
                   "INSERT INTO runs SELECT * FROM ship_runs ON CONFLICT DO NOTHING"},
    [PART_ATTEMPTS] = {"CREATE TEMP TABLE IF NOT EXISTS ship_attempts"
                       " (LIKE attempts INCLUDING DEFAULTS) ON COMMIT DELETE ROWS",
                       "COPY ship_attempts (station, local_id, " ATTEMPT_COLS ") FROM STDIN",
                       "INSERT INTO attempts SELECT * FROM ship_attempts ON CONFLICT DO NOTHING"},
    [PART_EVENTS] = {"CREATE TEMP TABLE IF NOT EXISTS ship_events (LIKE events) ON COMMIT DELETE ROWS",
                     "COPY ship_events (station, attempt_id, seq, t_ms, dir, text) FROM STDIN",
                     "INSERT INTO events SELECT * FROM ship_events ON CONFLICT DO NOTHING"},
};

/* The central transaction: each non-empty part's COPY text (off[p] .. off[p+1]
 * in buf) staged, then inserted; one COMMIT for all. */
static int central_put(PGconn *c, const char *buf, const size_t off[PART__COUNT + 1])
{
    if (pg_ok(c, "BEGIN") < 0)
        goto fail;
    for (int p = 0; p < PART__COUNT; p++) {
        size_t len = off[p + 1] - off[p];
        if (len == 0)
            continue;
        if (pg_ok(c, parts[p].stage) < 0 || pg_copy(c, parts[p].copy, buf + off[p], len) < 0 ||
            pg_ok(c, parts[p].insert) < 0)
            goto fail;
    }
    if (pg_ok(c, "COMMIT") < 0)
        goto fail;
    return 0;
fail:
    if (PQstatus(c) == CONNECTION_OK)
        pg_ok(c, "ROLLBACK");
    return -1;
}

/* After the central commit: remember what arrived, and move the shipped prefix
 * when nothing finished is left behind it. */
static void mark_shipped(fota_central_ship_t *s, bool all_taken)
{
    char now[FOTA_ISO_LEN];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    fota_iso_format((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, now);
    if (fota_store_ship_mark(s->file, s->ids, s->n_ids, now) < 0)
        return; /* shipped again next round: harmless */
    /* Everything finished after low is shipped now: low moves up to just before
     * the oldest attempt that was running when the round read the file. Read
     * then, not now: an attempt that finished since was not picked, and must not
     * fall behind low. */
    if (all_taken && s->next_low > s->low)
        s->low = s->next_low;
}

/* Where the file's runs stand centrally, asked once per process instead of
 * recorded in the file. Every round ships all runs after runs_low, oldest
 * first, in the same transaction as the attempts, so the central rows of a
 * file are always a prefix of its runs: the highest central local id under the
 * file's station names is where that prefix ends. Nothing local has to be kept
 * in step with the central commit (no send-then-mark gap), the station's file
 * gains no table, and a wrong answer (a central database restored from an
 * older backup while we run) only ships runs again, which the key absorbs.
 * 0, -1 on the file's error, -2 on the server's. */
typedef struct {
    PGconn *c;
    int64_t low;
} seed_ctx_t;

static int seed_station(void *ctx, int64_t id, const char *const *fields, int n)
{
    (void)id;
    (void)n;
    seed_ctx_t *k = ctx;
    const char *name = fields[0];
    PGresult *r = PQexecParams(k->c, "SELECT COALESCE(max(local_id), 0) FROM runs WHERE station = $1",
                               1, NULL, &name, NULL, NULL, 0);
    int rc = 0;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
        int64_t v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        k->low = v > k->low ? v : k->low;
    } else {
        rc = -2;
    }
    PQclear(r);
    return rc;
}

static int runs_seed(fota_central_ship_t *s, PGconn *c)
{
    seed_ctx_t k = {c, 0};
    int has_runs = 0;
    int rc = fota_store_ship_run_stations(s->file, s->host, &has_runs, seed_station, &k);
    if (rc == 0)
        s->runs_low = has_runs ? k.low : 0; /* no table yet: all of them once it appears */
    return rc;
}

static int take_run(void *ctx, int64_t id, const char *const *fields, int n)
{
    fota_central_ship_t *s = ctx;
    s->runs_next = id;
    return put_row(s, fields, n);
}

/* The runs after runs_low as COPY text in s->buf; runs_next: the newest. */
static int read_runs(fota_central_ship_t *s)
{
    s->runs_next = s->runs_low;
    return fota_store_ship_runs(s->file, s->runs_low, s->host, take_run, s);
}

/* The round's COPY text, read in one snapshot (the attempts and their events
 * agree): runs, attempts, events at off[0..3]. */
static int read_round(fota_central_ship_t *s, int max, size_t off[PART__COUNT + 1])
{
    int rc = fota_store_ship_begin(s->file);
    off[PART_RUNS] = 0;
    if (rc == 0)
        s->next_low = fota_store_ship_next_low(s->file, s->low);
    if (rc == 0)
        rc = read_runs(s);
    off[PART_ATTEMPTS] = s->len;
    if (rc == 0)
        rc = read_attempts(s, max);
    off[PART_EVENTS] = s->len;
    if (rc == 0)
        rc = read_events(s);
    off[PART__COUNT] = s->len;
    fota_store_ship_end(s->file);
    return rc;
}

int fota_central_ship_round(fota_central_ship_t *s, PGconn *c, int max, int64_t *events_out,
                            char *errbuf, size_t errlen)
{
    s->len = 0;
    s->n_ids = 0;
    s->n_events = 0;
    *events_out = 0;
    size_t off[PART__COUNT + 1];
    int rc = s->runs_low < 0 ? runs_seed(s, c) : 0;
    if (rc == -2) {
        snprintf(errbuf, errlen, "%s", PQerrorMessage(c));
        return FOTA_E_IO;
    }
    if (rc == 0)
        rc = read_round(s, max, off);
    free_stations(s);
    *events_out = s->n_events;
    if (rc < 0) {
        snprintf(errbuf, errlen, "reading the station's file: %s", fota_store_ship_error(s->file));
        return FOTA_E_IO;
    }
    if (s->n_ids == 0 && s->runs_next == s->runs_low) {
        mark_shipped(s, true);
        return 0;
    }
    if (central_put(c, s->buf, off) < 0) {
        snprintf(errbuf, errlen, "%s", PQerrorMessage(c));
        return FOTA_E_IO;
    }
    s->runs_low = s->runs_next;
    mark_shipped(s, s->n_ids < (size_t)max);
    return (int)s->n_ids;
}

int64_t fota_central_ship_backlog(fota_central_ship_t *s)
{
    return fota_store_ship_backlog(s->file, s->low);
}
