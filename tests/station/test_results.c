/* The results queue (station/svc/results.c) as the line notices it: a slow disk does not
 * hold the loop that serves every port, yet a verdict is reported committed only once
 * its row is in the file; the rework read answers while a commit waits for the disk;
 * stopping while a commit is under way loses nothing and frees everything.
 *
 * The slow disk is a SQLite VFS registered here as the default: it wraps the real
 * one and sleeps in xSync while `slow_ms` says so. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "results.h"

#define SLOW_MS 400

/* ---- a VFS whose xSync sleeps ------------------------------------------------ */

static atomic_int slow_ms;
static atomic_int syncs; /* xSync calls on any file */
static sqlite3_vfs *real_vfs;
static sqlite3_vfs slow_vfs;
/* The unix VFS gives the main file and the WAL different method tables: one copy of
 * each, with xSync replaced. Files are opened on one thread at a time here. */
#define N_TABLES 4
static const sqlite3_io_methods *real_io[N_TABLES];
static sqlite3_io_methods slow_io[N_TABLES];

static int slow_sync(sqlite3_file *f, int flags)
{
    atomic_fetch_add(&syncs, 1);
    int ms = atomic_load(&slow_ms);
    if (ms > 0) {
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    for (int i = 0; i < N_TABLES; i++)
        if (f->pMethods == &slow_io[i])
            return real_io[i]->xSync(f, flags);
    return SQLITE_IOERR_FSYNC;
}

/* Same file object as the real VFS's; only its method table is ours. */
static int slow_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out)
{
    (void)vfs;
    int rc = real_vfs->xOpen(real_vfs, name, f, flags, out);
    if (rc != SQLITE_OK || !f->pMethods)
        return rc;
    for (int i = 0; i < N_TABLES; i++) {
        if (!real_io[i]) {
            real_io[i] = f->pMethods;
            slow_io[i] = *f->pMethods;
            slow_io[i].xSync = slow_sync;
        }
        if (real_io[i] == f->pMethods) {
            f->pMethods = &slow_io[i];
            break;
        }
    }
    return rc;
}

static void slow_vfs_install(void)
{
    if (real_vfs)
        return;
    real_vfs = sqlite3_vfs_find(NULL);
    slow_vfs = *real_vfs;
    slow_vfs.pNext = NULL;
    slow_vfs.zName = "test-slow-sync";
    slow_vfs.xOpen = slow_open;
    sqlite3_vfs_register(&slow_vfs, 1);
}

/* ---- the loop side ------------------------------------------------------------ */

typedef struct {
    fota_results_t *r;
    const char *db;
    uv_loop_t loop;
    uv_timer_t tick;
    uint64_t last_ns, max_gap_ns;
    unsigned ticks, resolved, committed;
    bool row_in_file;      /* seen by another connection when `committed` came */
    int latest_rc;         /* fota_results_latest asked while the flush was in flight */
    fota_result_t latest;
    uint64_t latest_ns;    /* how long that answer took */
    bool detach_in_flight; /* stop while the commit still waits for the disk */
} ctx_t;

static bool row_committed(const char *db, const char *imei)
{
    sqlite3 *c = NULL;
    bool found = false;
    if (sqlite3_open_v2(db, &c, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(c, "SELECT 1 FROM attempts WHERE imei = ?1 AND result = 'PASS'", -1,
                               &st, NULL) == SQLITE_OK) {
            sqlite3_bind_text(st, 1, imei, -1, SQLITE_STATIC);
            found = sqlite3_step(st) == SQLITE_ROW;
            sqlite3_finalize(st);
        }
    }
    sqlite3_close(c);
    return found;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void on_resolved(void *actx, fota_results_attempt_t *h)
{
    (void)h;
    ((ctx_t *)actx)->resolved++;
}

static void stop(ctx_t *c)
{
    if (!uv_is_closing((uv_handle_t *)&c->tick))
        uv_close((uv_handle_t *)&c->tick, NULL);
    fota_results_detach(c->r);
}

static void on_committed(void *actx, fota_results_attempt_t *h, const fota_attempt_t *a,
                         const char *not_recorded)
{
    (void)h;
    assert_null(not_recorded);
    ctx_t *c = actx;
    c->committed++;
    c->row_in_file = row_committed(c->db, a->imei);
    stop(c);
}

static void on_health(void *actx)
{
    (void)actx;
}

static void tick_cb(uv_timer_t *t)
{
    ctx_t *c = t->data;
    uint64_t now = now_ns();
    if (c->last_ns && now - c->last_ns > c->max_gap_ns)
        c->max_gap_ns = now - c->last_ns;
    c->last_ns = now;
    if (++c->ticks == 5 && fota_results_pending(c->r)) { /* the flush waits for the disk */
        uint64_t t0 = now_ns();
        c->latest_rc = fota_results_latest(c->r, "359876543210984", &c->latest);
        c->latest_ns = now_ns() - t0;
        if (c->detach_in_flight)
            stop(c);
    }
}

static void make_attempt(fota_attempt_t *a, const char *imei)
{
    memset(a, 0, sizeof *a);
    snprintf(a->slot, sizeof a->slot, "slot-1");
    snprintf(a->imei, sizeof a->imei, "%s", imei);
    snprintf(a->model, sizeof a->model, "RG500Q-EA");
    a->started_at_ms = 1700000000000;
    a->result = FOTA_RESULT_INTERRUPTED;
}

/* A database with one committed PASS for the IMEI, a results queue attached to a
 * fresh loop, and one queued attempt of that IMEI: begin and a PASS finish. */
static void setup_run(ctx_t *c, char *path, size_t len)
{
    memset(c, 0, sizeof *c);
    snprintf(path, len, "/tmp/test_results_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    c->db = path;
    atomic_store(&slow_ms, 0);
    int recovered = 0;
    char err[256];
    assert_int_equal(fota_results_open(path, &c->r, &recovered, err, sizeof err), 0);
    assert_int_equal(uv_loop_init(&c->loop), 0);
    fota_results_cbs_t cbs = {.resolved = on_resolved, .committed = on_committed,
                              .health = on_health};
    fota_results_attach(c->r, &c->loop, &cbs, c);
    fota_attempt_t a;
    make_attempt(&a, "359876543210984");
    fota_results_attempt_t *h = fota_results_begin(c->r, &a, c);
    assert_non_null(h);
    a.result = FOTA_RESULT_PASS;
    a.finished_at_ms = a.started_at_ms + 1000;
    assert_int_equal(fota_results_finish(c->r, h, &a), 0);
    uv_timer_init(&c->loop, &c->tick);
    c->tick.data = c;
    uv_timer_start(&c->tick, tick_cb, 10, 10);
}

static void teardown_run(ctx_t *c, const char *path)
{
    assert_int_equal(uv_loop_close(&c->loop), 0);
    fota_results_close(c->r);
    char side[512];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

static void slow_disk_does_not_hold_the_loop(void **state)
{
    (void)state;
    ctx_t c;
    char path[64];
    setup_run(&c, path, sizeof path);
    atomic_store(&slow_ms, SLOW_MS);
    uint64_t t0 = now_ns();
    uv_run(&c.loop, UV_RUN_DEFAULT);
    uint64_t took = now_ns() - t0;
    atomic_store(&slow_ms, 0);
    /* The commit waited for the disk... */
    assert_true(took >= (uint64_t)SLOW_MS * 1000000u);
    assert_int_equal(c.resolved, 1);
    assert_int_equal(c.committed, 1);
    /* ...while the loop went on: its 10 ms timer never waited for the fsync. */
    assert_true(c.ticks >= SLOW_MS / 10 / 2);
    assert_true(c.max_gap_ns < (uint64_t)SLOW_MS * 1000000u / 2);
    /* The verdict was reported only once another reader could see its row. */
    assert_true(c.row_in_file);
    /* The rework read asked meanwhile got the verdict still on its way, at once. */
    assert_int_equal(c.latest_rc, 1);
    assert_int_equal(c.latest, FOTA_RESULT_PASS);
    assert_true(c.latest_ns < (uint64_t)SLOW_MS * 1000000u / 4);
    assert_int_equal(fota_results_drain(c.r, 0, stderr), 0);
    teardown_run(&c, path);
}

static void stop_during_a_slow_commit_loses_nothing(void **state)
{
    (void)state;
    ctx_t c;
    char path[64];
    setup_run(&c, path, sizeof path);
    c.detach_in_flight = true;
    atomic_store(&slow_ms, SLOW_MS);
    uv_run(&c.loop, UV_RUN_DEFAULT); /* returns once the flush in flight is back */
    atomic_store(&slow_ms, 0);
    assert_int_equal(c.committed, 0); /* detached: no callback after that */
    assert_false(fota_results_pending(c.r));
    assert_true(row_committed(path, "359876543210984"));
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    assert_int_equal(fota_results_drain(c.r, 0, f), 0);
    fclose(f);
    assert_int_equal(len, 0); /* nothing listed as unwritten */
    free(out);
    teardown_run(&c, path);
}

/* ---- durability: transcript lines alone wait for no fsync ------------------- */

static unsigned counted_resolved, counted_committed;

static void count_resolved(void *actx, fota_results_attempt_t *h)
{
    (void)actx;
    (void)h;
    counted_resolved++;
}

static void count_committed(void *actx, fota_results_attempt_t *h, const fota_attempt_t *a,
                            const char *not_recorded)
{
    (void)actx;
    (void)h;
    (void)a;
    (void)not_recorded;
    counted_committed++;
}

static void run_until(uv_loop_t *loop, fota_results_t *r, const unsigned *counter, unsigned want)
{
    for (int i = 0; i < 20000 && (*counter < want || fota_results_pending(r)); i++) {
        uv_run(loop, UV_RUN_NOWAIT);
        struct timespec ts = {0, 100000};
        nanosleep(&ts, NULL);
    }
    assert_true(*counter >= want);
    assert_false(fota_results_pending(r));
}

/* A flush of transcript lines alone commits without an fsync (a verdict queued
 * behind it waits for a write, not for the disk); a flush with a row in it is
 * durable as before, and makes the lines before it durable too. */
static void transcript_lines_alone_wait_for_no_fsync(void **state)
{
    (void)state;
    char path[64];
    snprintf(path, sizeof path, "/tmp/test_results_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    fota_results_t *r = NULL;
    int recovered = 0;
    char err[256];
    assert_int_equal(fota_results_open(path, &r, &recovered, err, sizeof err), 0);
    uv_loop_t loop;
    assert_int_equal(uv_loop_init(&loop), 0);
    fota_results_cbs_t cbs = {.resolved = count_resolved, .committed = count_committed,
                              .health = on_health};
    fota_results_attach(r, &loop, &cbs, NULL);
    counted_resolved = counted_committed = 0;
    fota_attempt_t a;
    make_attempt(&a, "359876543210984");
    fota_results_attempt_t *h = fota_results_begin(r, &a, NULL);
    assert_non_null(h);
    int before_row = atomic_load(&syncs);
    run_until(&loop, r, &counted_resolved, 1);
    assert_true(atomic_load(&syncs) > before_row); /* the attempt's row: durable */

    int before_lines = atomic_load(&syncs);
    for (int i = 0; i < FOTA_RESULTS_EVENT_BATCH + 10; i++)
        assert_int_equal(fota_results_event(r, h, i, FOTA_TRACE_RX, "+QIND: \"FOTA\",\"UPDATING\",50"),
                         0);
    run_until(&loop, r, &counted_resolved, 1);
    assert_int_equal(atomic_load(&syncs), before_lines); /* lines alone: no fsync */

    a.result = FOTA_RESULT_PASS;
    a.finished_at_ms = a.started_at_ms + 1000;
    assert_int_equal(fota_results_finish(r, h, &a), 0);
    run_until(&loop, r, &counted_committed, 1);
    assert_true(atomic_load(&syncs) > before_lines); /* the verdict: durable */
    assert_true(row_committed(path, "359876543210984"));

    fota_results_detach(r);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    fota_results_close(r);
    char side[512];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

/* ---- a verdict the file never takes is said, never taken for recorded ------- */

typedef struct {
    unsigned resolved, committed;
    char not_recorded[2][256]; /* per attempt: why, "" recorded */
    fota_results_attempt_t *h[2];
} lost_ctx_t;

static void lost_resolved(void *actx, fota_results_attempt_t *h)
{
    (void)h;
    ((lost_ctx_t *)actx)->resolved++;
}

static void lost_committed(void *actx, fota_results_attempt_t *h, const fota_attempt_t *a,
                           const char *not_recorded)
{
    (void)a;
    lost_ctx_t *c = actx;
    c->committed++;
    for (int i = 0; i < 2; i++)
        if (c->h[i] == h)
            snprintf(c->not_recorded[i], sizeof c->not_recorded[i], "%s",
                     not_recorded ? not_recorded : "");
}

static void sql_exec(const char *db, const char *sql)
{
    sqlite3 *c = NULL;
    assert_int_equal(sqlite3_open(db, &c), SQLITE_OK);
    sqlite3_busy_timeout(c, 5000);
    char *err = NULL;
    int rc = sqlite3_exec(c, sql, NULL, NULL, &err);
    if (rc != SQLITE_OK)
        fprintf(stderr, "%s: %s\n", sql, err);
    sqlite3_free(err);
    assert_int_equal(rc, SQLITE_OK);
    sqlite3_close(c);
}

static char *sql_text(const char *db, const char *sql)
{
    sqlite3 *c = NULL;
    sqlite3_stmt *st;
    char *out = NULL;
    assert_int_equal(sqlite3_open_v2(db, &c, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(c, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        out = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(c);
    return out;
}

/* Two attempts' rows committed; `closing` is run by another connection (the test
 * plays a second station or an MES tool); then both PASS verdicts are queued and
 * flushed in one transaction. */
static void run_two_finishes(const char *closing, lost_ctx_t *c, char *path, size_t len)
{
    memset(c, 0, sizeof *c);
    snprintf(path, len, "/tmp/test_results_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    fota_results_t *r = NULL;
    int recovered = 0;
    char err[256];
    assert_int_equal(fota_results_open(path, &r, &recovered, err, sizeof err), 0);
    uv_loop_t loop;
    assert_int_equal(uv_loop_init(&loop), 0);
    fota_results_cbs_t cbs = {.resolved = lost_resolved, .committed = lost_committed,
                              .health = on_health};
    fota_results_attach(r, &loop, &cbs, c);
    fota_attempt_t a[2];
    make_attempt(&a[0], "359876543210984");
    make_attempt(&a[1], "359876543210992");
    for (int i = 0; i < 2; i++)
        assert_non_null(c->h[i] = fota_results_begin(r, &a[i], c));
    run_until(&loop, r, &c->resolved, 2);
    sql_exec(path, closing);
    for (int i = 0; i < 2; i++) {
        a[i].result = FOTA_RESULT_PASS;
        a[i].finished_at_ms = a[i].started_at_ms + 1000;
        snprintf(a[i].final_version, sizeof a[i].final_version, "RG500QEAAAR11A07M4G");
        assert_int_equal(fota_results_finish(r, c->h[i], &a[i]), 0);
    }
    run_until(&loop, r, &c->committed, 2);
    fota_results_detach(r);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    fota_results_close(r);
}

static void unlink_db(const char *path)
{
    char side[512];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

/* Another writer closed the first row while its module ran: the finish changes no
 * row. That verdict is reported not recorded, with the row's own result in the
 * words; the other attempt's verdict in the same commit is recorded. */
static void finish_that_changes_no_row_is_not_recorded(void **state)
{
    (void)state;
    lost_ctx_t c;
    char path[64];
    run_two_finishes("UPDATE attempts SET result = 'FAIL', finished_at = started_at,"
                     " error_text = 'closed by the MES' WHERE imei = '359876543210984'",
                     &c, path, sizeof path);
    assert_int_equal(c.committed, 2);
    assert_non_null(strstr(c.not_recorded[0], "already closed as FAIL by another writer"));
    assert_string_equal(c.not_recorded[1], "");
    char *v = sql_text(path, "SELECT result || ' ' || error_text FROM attempts"
                             " WHERE imei = '359876543210984'");
    assert_string_equal(v, "FAIL closed by the MES"); /* the other writer's verdict stays */
    free(v);
    v = sql_text(path, "SELECT result FROM attempts WHERE imei = '359876543210992'");
    assert_string_equal(v, "PASS");
    free(v);
    unlink_db(path);
}

/* The file refuses one verdict for good (here a trigger an MES installed): it is
 * reported not recorded at once instead of being retried forever, and it does not
 * hold back the other verdict of the same flush. */
static void finish_refused_for_good_is_not_recorded(void **state)
{
    (void)state;
    lost_ctx_t c;
    char path[64];
    run_two_finishes("CREATE TRIGGER mes_guard BEFORE UPDATE OF result ON attempts"
                     " WHEN NEW.imei = '359876543210984'"
                     " BEGIN SELECT RAISE(ABORT, 'module blocked by the MES'); END",
                     &c, path, sizeof path);
    assert_int_equal(c.committed, 2);
    assert_non_null(strstr(c.not_recorded[0], "the database refused it"));
    assert_non_null(strstr(c.not_recorded[0], "module blocked by the MES"));
    assert_string_equal(c.not_recorded[1], "");
    char *v = sql_text(path, "SELECT COALESCE(result, 'running') FROM attempts"
                             " WHERE imei = '359876543210984'");
    assert_string_equal(v, "running");
    free(v);
    v = sql_text(path, "SELECT result FROM attempts WHERE imei = '359876543210992'");
    assert_string_equal(v, "PASS");
    free(v);
    unlink_db(path);
}

int main(void)
{
    slow_vfs_install();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(slow_disk_does_not_hold_the_loop),
        cmocka_unit_test(stop_during_a_slow_commit_loses_nothing),
        cmocka_unit_test(transcript_lines_alone_wait_for_no_fsync),
        cmocka_unit_test(finish_that_changes_no_row_is_not_recorded),
        cmocka_unit_test(finish_refused_for_good_is_not_recorded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
