/* The results database writer (docs/database.md). One connection, WAL, prepared
 * statements kept for the store's lifetime; the transcript is buffered and
 * written in batches because a commit per AT line would cost an fsync each. */
#include "store.h"
#include "store_int.h"
#include "utf8.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "iso_time.h"
#include "wall_clock.h"
#include "store_kind.h"
#include "store_schema.h"
#include "text_escape.h"

#define BUSY_TIMEOUT_MS 5000

static const char *const sql[ST__COUNT] = {
    [ST_BEGIN] = "INSERT INTO attempts (batch, station, operator, slot, port, imei, model, family,"
                 " from_version, to_version, method, package_names, package_sha256, started_at,"
                 " last_heard_at, queued_ms)"
                 " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?14,0)",
    /* COALESCE: a blank field in a later call never erases what was learnt. */
    [ST_IDENTIFY] = "UPDATE attempts SET slot = COALESCE(?1, slot), port = COALESCE(?2, port),"
                    " imei = COALESCE(?3, imei), model = COALESCE(?4, model),"
                    " family = COALESCE(?5, family), from_version = COALESCE(?6, from_version),"
                    " to_version = COALESCE(?7, to_version), method = COALESCE(?8, method),"
                    " package_names = COALESCE(?9, package_names),"
                    " package_sha256 = COALESCE(?10, package_sha256), last_heard_at = ?11,"
                    " started_at = COALESCE(?13, started_at), queued_ms = COALESCE(?14, queued_ms)"
                    " WHERE id = ?12 AND result IS NULL",
    [ST_FINISH] = "UPDATE attempts SET slot = COALESCE(?1, slot), port = COALESCE(?2, port),"
                  " imei = COALESCE(?3, imei), model = COALESCE(?4, model),"
                  " family = COALESCE(?5, family), from_version = COALESCE(?6, from_version),"
                  " to_version = COALESCE(?7, to_version), method = COALESCE(?8, method),"
                  " package_names = COALESCE(?9, package_names),"
                  " package_sha256 = COALESCE(?10, package_sha256), last_heard_at = ?11,"
                  " final_version = COALESCE(?13, final_version), finished_at = ?14, result = ?15,"
                  " noop = ?16, error_class = ?17, error_code = ?18, error_text = ?19,"
                  " module_retries = ?20, hops = ?21, download_ms = ?22, update_ms = ?23,"
                  " duration_ms = ?24, started_at = COALESCE(?25, started_at),"
                  " queued_ms = COALESCE(?26, queued_ms), power_cycles = ?27"
                  " WHERE id = ?12 AND result IS NULL",
    [ST_EVENT] = "INSERT INTO events (attempt_id, t_ms, dir, text) VALUES (?1, ?2, ?3, ?4)",
    [ST_HEARD] = "UPDATE attempts SET last_heard_at = MAX(COALESCE(last_heard_at, ''), ?1)"
                 " WHERE id = ?2 AND result IS NULL",
    [ST_LATEST] = "SELECT result FROM attempts WHERE imei = ?1"
                  " AND result IN ('PASS','FAIL','INTERRUPTED') ORDER BY id DESC LIMIT 1",
    /* finished_at never before started_at, even if the clocks disagreed. */
    [ST_RECOVER] =
        "UPDATE attempts SET result = 'INTERRUPTED',"
        " finished_at = MAX(started_at, COALESCE(last_heard_at, started_at)),"
        " duration_ms = CAST(ROUND((julianday(MAX(started_at, COALESCE(last_heard_at, started_at)))"
        "   - julianday(started_at)) * 86400000.0) AS INTEGER),"
        " error_text = COALESCE(error_text, 'station stopped before the attempt finished')"
        " WHERE result IS NULL",
    /* batch_summary's modules, first-pass and final counts for one batch: the same
     * table (kept by the verdict triggers), the same expressions. */
    [ST_YIELD] = "SELECT count(*), coalesce(sum(first_result = 'PASS'), 0),"
                 " coalesce(sum(last_result = 'PASS'), 0) FROM batch_modules"
                 " WHERE batch = COALESCE(?1, '')",
    [ST_ROW_RESULT] = "SELECT COALESCE(result, 'running') FROM attempts WHERE id = ?1",
};


static int64_t wall_clock(void *ctx)
{
    (void)ctx;
    return fota_wall_ms();
}


/* The reason in words first ("disk full", "not writable"), SQLite's after it. */
static int fail(fota_store_t *s, sqlite3 *db, char *errbuf, size_t errlen, const char *what)
{
    if (errbuf && db) {
        char words[256];
        fota_store_note(s);
        if (fota_store_last_error(s, words, sizeof words) == FOTA_STORE_ERR_NONE)
            snprintf(errbuf, errlen, "%s", what);
        else
            snprintf(errbuf, errlen, "%s: %s", what, words);
    } else if (errbuf) {
        snprintf(errbuf, errlen, "%s: out of memory", what);
    }
    fota_store_close(s);
    return FOTA_E_IO;
}

static int store_open(const char *path, fota_store_t **out, char *errbuf, size_t errlen,
                      bool check)
{
    *out = NULL;
    fota_store_t *s = calloc(1, sizeof *s);
    if (!s)
        return FOTA_E_NOMEM;
    s->now_ms = wall_clock;
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK)
        return fail(s, s->db, errbuf, errlen, path);
    sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
    /* Another program's database given by mistake is refused before anything is
     * written to it: no WAL switch, no table. Only reads so far. */
    char why[256] = "";
    fota_store_kind_t kind = fota_store_kind(s->db, why, sizeof why);
    if (kind == FOTA_STORE_KIND_FOREIGN || kind == FOTA_STORE_KIND_NEWER) {
        if (errbuf)
            snprintf(errbuf, errlen, "%s; it is left as it is (%s)", why,
                     kind == FOTA_STORE_KIND_NEWER ? "use the newer fota-station"
                                                   : "give --db a new file or a results database");
        fota_store_close(s);
        return FOTA_E_STATE;
    }
    if (check && kind == FOTA_STORE_KIND_OURS && fota_store_intact(s->db, why, sizeof why) < 0) {
        if (errbuf)
            snprintf(errbuf, errlen,
                     "the file is damaged (quick_check: %s); it is left as it is: restore it "
                     "from a backup or start a new file", why);
        /* Not even the WAL folded in on close: the main file stays as it was. */
        sqlite3_db_config(s->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
        fota_store_close(s);
        return FOTA_E_STATE;
    }
    /* WAL: an MES reader's snapshot never blocks our writes, nor ours its reads.
     * synchronous=FULL: a result the dashboard showed survives a power cut too. */
    char *mode = NULL;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode=WAL", -1, &st, NULL) != SQLITE_OK)
        return fail(s, s->db, errbuf, errlen, path);
    if (sqlite3_step(st) == SQLITE_ROW)
        mode = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    bool wal = mode && strcmp(mode, "wal") == 0;
    free(mode);
    if (!wal)
        return fail(s, s->db, errbuf, errlen, "cannot switch the database to WAL mode");
    if (sqlite3_exec(s->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL) != SQLITE_OK)
        return fail(s, s->db, errbuf, errlen, path);
    int rc = fota_store_schema_migrate(s->db, errbuf, errlen);
    if (rc < 0) {
        fota_store_close(s);
        return rc;
    }
    for (int i = 0; i < ST__COUNT; i++)
        if (sqlite3_prepare_v3(s->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL) !=
            SQLITE_OK)
            return fail(s, s->db, errbuf, errlen, "prepare");
    *out = s;
    return 0;
}

int fota_store_open(const char *path, fota_store_t **out, char *errbuf, size_t errlen)
{
    return store_open(path, out, errbuf, errlen, false);
}

int fota_store_open_checked(const char *path, fota_store_t **out, char *errbuf, size_t errlen)
{
    return store_open(path, out, errbuf, errlen, true);
}

void fota_store_close(fota_store_t *s)
{
    if (!s)
        return;
    if (s->db)
        fota_store_flush(s);
    for (int i = 0; i < ST__COUNT; i++)
        sqlite3_finalize(s->st[i]);
    for (size_t i = 0; i < s->n_ev; i++)
        free(s->ev[i].text);
    free(s->ev);
    sqlite3_close(s->db);
    free(s);
}

void fota_store_set_clock(fota_store_t *s, int64_t (*now_ms)(void *ctx), void *ctx)
{
    s->now_ms = now_ms ? now_ms : wall_clock;
    s->now_ctx = ctx;
}

size_t fota_store_pending_events(const fota_store_t *s)
{
    return s->n_ev;
}

/* Binds text as valid UTF-8 (a module's junk bytes become U+FFFD: one invalid
 * byte would make the whole table unreadable to a strict reader such as Python's
 * sqlite3), NULL for NULL. */
static int bind_utf8(sqlite3_stmt *st, int idx, const char *v)
{
    char *fixed;
    if (fota_utf8_repair(v, &fixed) < 0)
        return SQLITE_NOMEM;
    if (!fixed)
        return sqlite3_bind_text(st, idx, v, -1, SQLITE_TRANSIENT);
    return sqlite3_bind_text(st, idx, fixed, -1, free);
}

/* Binds text with secrets masked; "" binds NULL (unknown). The mask is the last
 * line of defence: callers are expected to have masked already. */
int fota_store_bind_text(sqlite3_stmt *st, int idx, const char *v)
{
    if (!v || !*v)
        return sqlite3_bind_null(st, idx);
    if (!fota_text_has_secret(v))
        return bind_utf8(st, idx, v);
    char *m = fota_text_mask_secrets(v);
    if (!m)
        return SQLITE_NOMEM;
    int rc = bind_utf8(st, idx, m);
    free(m);
    return rc;
}

/* The packages' digests: NULL when no package had local bytes to hash (every
 * entry "-": URL packages the job gives no sha256 for), so the column never
 * holds a placeholder that reads like a value (docs/database.md). */
static int bind_digests(sqlite3_stmt *st, int idx, const char *v)
{
    if (v && v[strspn(v, "-,")] == '\0')
        return sqlite3_bind_null(st, idx);
    return fota_store_bind_text(st, idx, v);
}

static int bind_time(sqlite3_stmt *st, int idx, int64_t ms)
{
    if (ms <= 0)
        return sqlite3_bind_null(st, idx);
    char buf[FOTA_ISO_LEN];
    return sqlite3_bind_text(st, idx, fota_iso_format(ms, buf), -1, SQLITE_TRANSIENT);
}

/* Remembers why the last call failed, before a ROLLBACK overwrites SQLite's
 * own record of it: the station puts it in words ("disk full"). */
void fota_store_note(fota_store_t *s)
{
    s->last_rc = sqlite3_extended_errcode(s->db);
    s->last_errno = sqlite3_system_errno(s->db);
    snprintf(s->last_msg, sizeof s->last_msg, "%s", sqlite3_errmsg(s->db));
}

/* Runs a statement to completion and resets it (bindings cleared too). */
static int run(fota_store_t *s, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
        fota_store_note(s);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : FOTA_E_IO;
}

static int bind_identity(fota_store_t *s, sqlite3_stmt *st, int64_t id, const fota_attempt_t *a)
{
    int rc = fota_store_bind_text(st, 1, a->slot) | fota_store_bind_text(st, 2, a->port) | fota_store_bind_text(st, 3, a->imei) |
             fota_store_bind_text(st, 4, a->model) | fota_store_bind_text(st, 5, a->family) |
             fota_store_bind_text(st, 6, a->from_version) | fota_store_bind_text(st, 7, a->to_version) |
             fota_store_bind_text(st, 8, a->method) | fota_store_bind_text(st, 9, a->package_names) |
             bind_digests(st, 10, a->package_sha256) | bind_time(st, 11, s->now_ms(s->now_ctx)) |
             sqlite3_bind_int64(st, 12, id);
    return rc == SQLITE_OK ? 0 : FOTA_E_NOMEM;
}

int fota_store_attempt_begin(fota_store_t *s, const fota_attempt_t *a, int64_t *id_out)
{
    if (!s || !a)
        return FOTA_E_INVAL;
    sqlite3_stmt *st = s->st[ST_BEGIN];
    int rc = fota_store_bind_text(st, 1, a->batch) | fota_store_bind_text(st, 2, a->station) |
             fota_store_bind_text(st, 3, a->operator_id) | fota_store_bind_text(st, 4, a->slot) |
             fota_store_bind_text(st, 5, a->port) | fota_store_bind_text(st, 6, a->imei) | fota_store_bind_text(st, 7, a->model) |
             fota_store_bind_text(st, 8, a->family) | fota_store_bind_text(st, 9, a->from_version) |
             fota_store_bind_text(st, 10, a->to_version) | fota_store_bind_text(st, 11, a->method) |
             fota_store_bind_text(st, 12, a->package_names) | bind_digests(st, 13, a->package_sha256) |
             bind_time(st, 14, a->started_at_ms > 0 ? a->started_at_ms : s->now_ms(s->now_ctx));
    if (rc != SQLITE_OK) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return FOTA_E_NOMEM;
    }
    if (run(s, st) < 0)
        return FOTA_E_IO;
    if (id_out)
        *id_out = sqlite3_last_insert_rowid(s->db);
    return 0;
}

/* Runs an UPDATE … WHERE id = ? AND result IS NULL: no row changed means the
 * attempt does not exist or is already closed. */
static int run_update(fota_store_t *s, sqlite3_stmt *st)
{
    if (run(s, st) < 0)
        return FOTA_E_IO;
    return sqlite3_changes(s->db) == 1 ? 0 : FOTA_E_NOENT;
}

int fota_store_attempt_identify(fota_store_t *s, int64_t id, const fota_attempt_t *a)
{
    if (!s || !a)
        return FOTA_E_INVAL;
    sqlite3_stmt *st = s->st[ST_IDENTIFY];
    /* With a start time this is the module's start after its queue: started_at
     * becomes that, and queued_ms what it waited (docs/database.md). */
    int rc = a->started_at_ms > 0
                 ? bind_time(st, 13, a->started_at_ms) | sqlite3_bind_int64(st, 14, a->queued_ms)
                 : SQLITE_OK;
    if (rc != SQLITE_OK || bind_identity(s, st, id, a) < 0) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return FOTA_E_NOMEM;
    }
    return run_update(s, st);
}

/* Writes every buffered event and the attempts' last_heard_at; the caller
 * holds the transaction. The buffer is kept until the commit succeeds. */
static int write_events(fota_store_t *s)
{
    static const char *const dirs[] = {"tx", "rx", "info"};
    sqlite3_stmt *ev = s->st[ST_EVENT], *heard = s->st[ST_HEARD];
    for (size_t i = 0; i < s->n_ev; i++) {
        const pending_event_t *e = &s->ev[i];
        sqlite3_bind_int64(ev, 1, e->attempt_id);
        sqlite3_bind_int64(ev, 2, e->t_ms);
        sqlite3_bind_text(ev, 3, dirs[(unsigned)e->dir < 3 ? e->dir : 2], -1, SQLITE_STATIC);
        if (bind_utf8(ev, 4, e->text) != SQLITE_OK) {
            sqlite3_reset(ev);
            sqlite3_clear_bindings(ev);
            return FOTA_E_NOMEM;
        }
        if (run(s, ev) < 0)
            return FOTA_E_IO;
    }
    /* One last_heard_at per attempt: its latest event (buffers are short). */
    for (size_t i = s->n_ev; i-- > 0;) {
        bool later = false;
        for (size_t j = i + 1; j < s->n_ev && !later; j++)
            later = s->ev[j].attempt_id == s->ev[i].attempt_id;
        if (later)
            continue;
        bind_time(heard, 1, s->ev[i].heard_ms);
        sqlite3_bind_int64(heard, 2, s->ev[i].attempt_id);
        if (run(s, heard) < 0)
            return FOTA_E_IO;
    }
    return 0;
}

static void drop_events(fota_store_t *s)
{
    for (size_t i = 0; i < s->n_ev; i++)
        free(s->ev[i].text);
    s->n_ev = 0;
    s->ev_bytes = 0;
}

/* BEGIN IMMEDIATE takes the write lock up front, so the busy timeout applies
 * there instead of failing half-way through a transaction. */
static int tx_begin(fota_store_t *s)
{
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK)
        return 0;
    fota_store_note(s);
    return FOTA_E_IO;
}

static int tx_end(fota_store_t *s, int rc)
{
    if (rc == 0) {
        if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
            return 0;
        fota_store_note(s);
    }
    /* A failed COMMIT may have rolled back already (SQLITE_FULL does). */
    if (!sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return rc < 0 ? rc : FOTA_E_IO;
}

int fota_store_flush(fota_store_t *s)
{
    if (!s)
        return FOTA_E_INVAL;
    if (s->n_ev == 0)
        return 0;
    int rc = tx_begin(s);
    if (rc < 0)
        return rc;
    rc = tx_end(s, write_events(s));
    if (rc == 0)
        drop_events(s);
    return rc;
}

int fota_store_event(fota_store_t *s, int64_t attempt_id, int64_t t_ms, fota_trace_dir_t dir,
                     const char *text)
{
    if (!s || !text)
        return FOTA_E_INVAL;
    if (s->n_ev == s->cap_ev) {
        size_t cap = s->cap_ev ? 2 * s->cap_ev : 64;
        pending_event_t *n = realloc(s->ev, cap * sizeof *n);
        if (!n)
            return FOTA_E_NOMEM;
        s->ev = n;
        s->cap_ev = cap;
    }
    char *m = fota_text_mask_secrets(text);
    if (!m)
        return FOTA_E_NOMEM;
    int64_t now = s->now_ms(s->now_ctx);
    s->ev[s->n_ev++] = (pending_event_t){attempt_id, t_ms, now, dir, m};
    s->ev_bytes += strlen(m) + 32;
    /* The age limit keeps last_heard_at (the INTERRUPTED finished_at) and the
     * transcript within seconds of the truth even if nobody calls flush. A wall
     * clock stepped back (a line heard in the "future") flushes too, rather than
     * holding the lines until the clock catches up. */
    if (s->n_ev >= FOTA_STORE_EVENT_BATCH || s->ev_bytes >= FOTA_STORE_EVENT_BYTES ||
        now - s->ev[0].heard_ms >= FOTA_STORE_EVENT_AGE_MS || now < s->ev[0].heard_ms)
        return fota_store_flush(s);
    return 0;
}

int fota_store_attempt_finish(fota_store_t *s, int64_t id, const fota_attempt_t *a)
{
    if (!s || !a)
        return FOTA_E_INVAL;
    int rc = tx_begin(s);
    if (rc < 0)
        return rc;
    rc = write_events(s);
    if (rc == 0)
        rc = fota_store_attempt_close(s, id, a);
    rc = tx_end(s, rc);
    if (rc == 0)
        drop_events(s);
    return rc;
}

int fota_store_recover_interrupted(fota_store_t *s)
{
    if (!s)
        return FOTA_E_INVAL;
    if (run(s, s->st[ST_RECOVER]) < 0)
        return FOTA_E_IO;
    return sqlite3_changes(s->db);
}

/* ---- the station's write queue --------------------------------------------- */

void fota_store_set_busy_timeout(fota_store_t *s, int ms)
{
    sqlite3_busy_timeout(s->db, ms);
}

int fota_store_tx_begin(fota_store_t *s)
{
    return tx_begin(s);
}

/* In WAL mode a commit under synchronous=NORMAL writes the log without an fsync;
 * the next commit under FULL fsyncs the log and with it every frame before it. So
 * a transaction of transcript lines alone can skip the wait for the disk, and every
 * row a verdict or a recovery depends on stays as durable as before. Set between
 * transactions only. */
int fota_store_tx_durable(fota_store_t *s, bool durable)
{
    if (s->relaxed == !durable)
        return 0;
    const char *pragma = durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL";
    if (sqlite3_exec(s->db, pragma, NULL, NULL, NULL) != SQLITE_OK) {
        fota_store_note(s);
        return FOTA_E_IO;
    }
    s->relaxed = !durable;
    return 0;
}

int fota_store_tx_commit(fota_store_t *s)
{
    return tx_end(s, 0);
}

void fota_store_tx_rollback(fota_store_t *s)
{
    tx_end(s, FOTA_E_IO);
}

int fota_store_attempt_close(fota_store_t *s, int64_t id, const fota_attempt_t *a)
{
    sqlite3_stmt *st = s->st[ST_FINISH];
    const char *cls = a->error_class == FOTA_ERR_NONE ? NULL : fota_error_class_name(a->error_class);
    int64_t fin = a->finished_at_ms > 0 ? a->finished_at_ms : s->now_ms(s->now_ctx);
    int brc = bind_identity(s, st, id, a) | fota_store_bind_text(st, 13, a->final_version) |
              bind_time(st, 14, fin) |
              sqlite3_bind_text(st, 15, fota_result_name(a->result), -1, SQLITE_STATIC) |
              sqlite3_bind_int(st, 16, a->noop ? 1 : 0) | fota_store_bind_text(st, 17, cls) |
              sqlite3_bind_int(st, 18, a->error_code) | fota_store_bind_text(st, 19, a->error_text) |
              sqlite3_bind_int(st, 20, a->module_retries) | sqlite3_bind_int(st, 21, a->hops) |
              sqlite3_bind_int64(st, 22, a->download_ms) |
              sqlite3_bind_int64(st, 23, a->update_ms) |
              sqlite3_bind_int64(st, 24, a->duration_ms) | bind_time(st, 25, a->started_at_ms) |
              sqlite3_bind_int64(st, 26, a->queued_ms) | sqlite3_bind_int(st, 27, a->power_cycles);
    if (brc != SQLITE_OK) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return FOTA_E_NOMEM;
    }
    return run_update(s, st);
}

int fota_store_event_insert(fota_store_t *s, int64_t attempt_id, int64_t t_ms,
                            fota_trace_dir_t dir, const char *text)
{
    static const char *const dirs[] = {"tx", "rx", "info"};
    sqlite3_stmt *ev = s->st[ST_EVENT];
    sqlite3_bind_int64(ev, 1, attempt_id);
    sqlite3_bind_int64(ev, 2, t_ms);
    sqlite3_bind_text(ev, 3, dirs[(unsigned)dir < 3 ? dir : 2], -1, SQLITE_STATIC);
    if (fota_store_bind_text(ev, 4, text) != SQLITE_OK) {
        sqlite3_reset(ev);
        sqlite3_clear_bindings(ev);
        return FOTA_E_NOMEM;
    }
    return run(s, ev);
}

int fota_store_heard(fota_store_t *s, int64_t attempt_id, int64_t heard_ms)
{
    sqlite3_stmt *heard = s->st[ST_HEARD];
    bind_time(heard, 1, heard_ms);
    sqlite3_bind_int64(heard, 2, attempt_id);
    return run(s, heard);
}

/* Rewriting user_version with its own value dirties page 1, so the commit really
 * appends to the WAL and syncs it: a read-only file or folder, a read-only file
 * system or a full disk fail here, not on the first module. The file's content
 * and schema do not change. */
int fota_store_check_writable(fota_store_t *s)
{
    int rc = tx_begin(s);
    if (rc < 0)
        return rc;
    sqlite3_stmt *st;
    int v = -1;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    char q[48];
    snprintf(q, sizeof q, "PRAGMA user_version = %d", v);
    if (v < 0 || sqlite3_exec(s->db, q, NULL, NULL, NULL) != SQLITE_OK) {
        fota_store_note(s);
        return tx_end(s, FOTA_E_IO);
    }
    return tx_end(s, 0);
}

fota_store_err_t fota_store_last_error(const fota_store_t *s, char *words, size_t len)
{
    int prim = s->last_rc & 0xff, e = s->last_errno;
    fota_store_err_t k = FOTA_STORE_ERR_IO;
    if (s->last_rc == SQLITE_OK)
        k = FOTA_STORE_ERR_NONE;
    else if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED)
        k = FOTA_STORE_ERR_BUSY;
    else if (prim == SQLITE_FULL || e == ENOSPC || e == EDQUOT)
        k = FOTA_STORE_ERR_FULL;
    else if (prim == SQLITE_READONLY || prim == SQLITE_PERM || prim == SQLITE_CANTOPEN ||
             e == EROFS || e == EACCES || e == EPERM)
        k = FOTA_STORE_ERR_READONLY;
    if (words && len) {
        if (k == FOTA_STORE_ERR_NONE)
            snprintf(words, len, "%s", fota_store_err_name(k));
        else if (e)
            snprintf(words, len, "%s (%s; %s)", fota_store_err_name(k), s->last_msg, strerror(e));
        else
            snprintf(words, len, "%s (%s)", fota_store_err_name(k), s->last_msg);
    }
    return k;
}

bool fota_store_last_error_for_good(const fota_store_t *s)
{
    int prim = s->last_rc & 0xff;
    return prim == SQLITE_CONSTRAINT || prim == SQLITE_MISMATCH || prim == SQLITE_TOOBIG;
}

const char *fota_store_err_name(fota_store_err_t k)
{
    static const char *const names[] = {
        [FOTA_STORE_ERR_NONE] = "ok",
        [FOTA_STORE_ERR_BUSY] = "busy (another process holds the write lock)",
        [FOTA_STORE_ERR_FULL] = "disk full",
        [FOTA_STORE_ERR_READONLY] = "not writable (read-only file, folder or file system)",
        [FOTA_STORE_ERR_IO] = "write error",
    };
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "write error";
}
