#include "store_schema.h"

#include <stdio.h>

#include "fota_types.h"
#include "slot_hub.h"

/* The hub views (docs/database.md, "Slots and hubs") over a slot->hub rule. */
#define HUB_VIEWS(rule) \
    "CREATE VIEW attempts_hub AS SELECT a.*, " rule " AS hub FROM attempts a;" \
    "CREATE VIEW slot_summary AS" \
    "  SELECT batch, station, hub, slot, attempts, pass, fail, interrupted, skip, running," \
    "    CASE WHEN pass + fail + interrupted > 0" \
    "      THEN ROUND(1.0 * pass / (pass + fail + interrupted), 4) END AS yield" \
    "  FROM (SELECT batch, station, hub, slot, count(*) AS attempts," \
    "    sum(result = 'PASS') AS pass, sum(result = 'FAIL') AS fail," \
    "    sum(result = 'INTERRUPTED') AS interrupted, sum(result = 'SKIP') AS skip," \
    "    sum(result IS NULL) AS running" \
    "    FROM attempts_hub GROUP BY batch, station, hub, slot);" \
    "CREATE VIEW hub_summary AS" \
    "  SELECT batch, station, hub, count(*) AS slots, sum(attempts) AS attempts," \
    "    sum(pass) AS pass, sum(fail) AS fail, sum(interrupted) AS interrupted," \
    "    sum(skip) AS skip, sum(running) AS running," \
    "    CASE WHEN sum(pass + fail + interrupted) > 0" \
    "      THEN ROUND(1.0 * sum(pass) / sum(pass + fail + interrupted), 4) END AS yield" \
    "  FROM slot_summary GROUP BY batch, station, hub;"

/* Each entry upgrades version i to i+1. Never edit a shipped step: add one. */
static const char *const steps[] = {
    /* 0 -> 1: the first layout. */
    "CREATE TABLE attempts ("
    "  id INTEGER PRIMARY KEY,"
    "  batch TEXT, station TEXT, operator TEXT, slot TEXT, port TEXT,"
    "  imei TEXT, model TEXT, family TEXT,"
    "  from_version TEXT, to_version TEXT, final_version TEXT,"
    "  method TEXT, package_names TEXT, package_sha256 TEXT,"
    "  started_at TEXT NOT NULL, finished_at TEXT,"
    "  result TEXT CHECK (result IN ('PASS','FAIL','SKIP','INTERRUPTED')),"
    "  noop INTEGER NOT NULL DEFAULT 0,"
    "  error_class TEXT, error_code INTEGER NOT NULL DEFAULT 0, error_text TEXT,"
    "  module_retries INTEGER NOT NULL DEFAULT 0, hops INTEGER NOT NULL DEFAULT 0,"
    "  download_ms INTEGER, update_ms INTEGER, duration_ms INTEGER);"
    "CREATE TABLE events ("
    "  attempt_id INTEGER NOT NULL REFERENCES attempts(id),"
    "  t_ms INTEGER NOT NULL,"
    "  dir TEXT NOT NULL CHECK (dir IN ('tx','rx','info')),"
    "  text TEXT NOT NULL);"
    "CREATE INDEX attempts_imei ON attempts(imei, result);"
    "CREATE INDEX attempts_batch ON attempts(batch);"
    "CREATE INDEX attempts_started ON attempts(started_at);"
    "CREATE INDEX events_attempt ON events(attempt_id);",

    /* 1 -> 2: last_heard_at for crash recovery (finished_at of an INTERRUPTED
     * row = the last time the station heard from the module), a partial index
     * so recovery finds running rows without a scan, and the two MES views. */
    "ALTER TABLE attempts ADD COLUMN last_heard_at TEXT;"
    "UPDATE attempts SET last_heard_at = COALESCE(finished_at, started_at);"
    "CREATE INDEX attempts_running ON attempts(id) WHERE result IS NULL;"
    "DROP VIEW IF EXISTS latest_results;"
    /* The latest verdict per IMEI. SKIP rows (the station declined to touch the
     * module) and running rows are not verdicts, so they never hide one: a
     * module skipped as "already passed" stays PASS for the next rework run. */
    "CREATE VIEW latest_results AS"
    "  SELECT a.* FROM attempts a"
    "  WHERE a.imei IS NOT NULL AND a.id = ("
    "    SELECT MAX(b.id) FROM attempts b"
    "    WHERE b.imei = a.imei AND b.result IN ('PASS','FAIL','INTERRUPTED'));"
    "DROP VIEW IF EXISTS batch_summary;"
    /* Module = IMEI; an attempt that never learnt its IMEI counts as a module
     * of its own ('#'||id). Denominator: modules with a verdict in the batch
     * (PASS/FAIL/INTERRUPTED); SKIP and running rows are not in it. */
    "CREATE VIEW batch_summary AS"
    "  WITH v AS ("
    "    SELECT batch, COALESCE(imei, '#' || id) AS module, MIN(id) AS first_id, MAX(id) AS last_id"
    "    FROM attempts WHERE result IN ('PASS','FAIL','INTERRUPTED')"
    "    GROUP BY batch, module),"
    "  m AS ("
    "    SELECT v.batch, COUNT(*) AS modules,"
    "      SUM(l.result = 'PASS') AS pass, SUM(l.result = 'FAIL') AS fail,"
    "      SUM(l.result = 'INTERRUPTED') AS interrupted,"
    "      SUM(f.result = 'PASS') AS first_pass"
    "    FROM v JOIN attempts f ON f.id = v.first_id JOIN attempts l ON l.id = v.last_id"
    "    GROUP BY v.batch),"
    "  t AS ("
    "    SELECT batch, COUNT(*) AS attempts, SUM(result = 'SKIP') AS skip,"
    "      SUM(result IS NULL) AS running,"
    "      MIN(started_at) AS first_started_at, MAX(finished_at) AS last_finished_at"
    "    FROM attempts GROUP BY batch)"
    "  SELECT t.batch AS batch, t.attempts AS attempts, COALESCE(m.modules, 0) AS modules,"
    "    COALESCE(m.pass, 0) AS pass, COALESCE(m.fail, 0) AS fail, t.skip AS skip,"
    "    COALESCE(m.interrupted, 0) AS interrupted, t.running AS running,"
    "    CASE WHEN m.modules > 0 THEN ROUND(1.0 * m.first_pass / m.modules, 4) END AS first_pass_yield,"
    "    CASE WHEN m.modules > 0 THEN ROUND(1.0 * m.pass / m.modules, 4) END AS final_yield,"
    "    t.first_started_at AS first_started_at, t.last_finished_at AS last_finished_at"
    "  FROM t LEFT JOIN m ON m.batch IS t.batch;",

    /* 2 -> 3: a covering index in (imei, id) order for reports: a module's
     * attempts come out adjacent, first to latest, so a report over a million
     * attempts needs no hash table and never reads the wide table rows, which
     * lie scattered between the transcript's pages. */
    "CREATE INDEX attempts_module ON attempts(imei, id, result, noop, model, from_version,"
    "  to_version, error_class, error_code, download_ms, update_ms, duration_ms, slot, batch,"
    "  finished_at, error_text);",

    /* 3 -> 4: the report reads ten narrow columns for every row and the rework
     * details only for failed rows, so split the index in two: a narrower
     * covering index for all rows and a partial one for the ~10% that failed
     * (a report pays ~45 ms per column per million rows). */
    "DROP INDEX attempts_module;"
    "CREATE INDEX attempts_module ON attempts(imei, id, result, noop, model, from_version,"
    "  to_version, download_ms, update_ms, duration_ms);"
    "CREATE INDEX attempts_failed ON attempts(imei, id, error_class, error_code, error_text, slot,"
    "  batch, finished_at, model, result) WHERE result IN ('FAIL','INTERRUPTED');",

    /* 4 -> 5: batch_summary answered from a table kept by triggers. The
     * module-level view had to group every attempt of every batch even when
     * asked for one batch (SQLite does not push a WHERE into an aggregate
     * view): 5 s on a million attempts. batch_modules holds each (batch,
     * module)'s first and latest verdict, maintained when a verdict is written
     * (finish, recovery, or a row inserted with one), so the view reads small
     * per-batch ranges. Rows finishing out of id order are handled by
     * comparing ids, never by arrival. */
    "CREATE TABLE batch_modules ("
    "  batch TEXT NOT NULL,"       /* attempts.batch, '' for NULL */
    "  module TEXT NOT NULL,"      /* imei, or '#'||id when the IMEI was never read */
    "  first_id INTEGER NOT NULL, first_result TEXT NOT NULL,"
    "  last_id INTEGER NOT NULL, last_result TEXT NOT NULL,"
    "  verdicts INTEGER NOT NULL,"
    "  PRIMARY KEY (batch, module)) WITHOUT ROWID;"
    "INSERT INTO batch_modules"
    "  SELECT batch, module,"
    "    min(code) / 4, CASE min(code) % 4 WHEN 0 THEN 'PASS' WHEN 1 THEN 'FAIL' ELSE 'INTERRUPTED' END,"
    "    max(code) / 4, CASE max(code) % 4 WHEN 0 THEN 'PASS' WHEN 1 THEN 'FAIL' ELSE 'INTERRUPTED' END,"
    "    count(*)"
    "  FROM (SELECT COALESCE(batch, '') AS batch, COALESCE(imei, '#' || id) AS module,"
    "          id * 4 + CASE result WHEN 'PASS' THEN 0 WHEN 'FAIL' THEN 1 ELSE 2 END AS code"
    "        FROM attempts WHERE result IN ('PASS','FAIL','INTERRUPTED'))"
    "  GROUP BY batch, module;"
    "CREATE TRIGGER attempts_verdict_update AFTER UPDATE OF result ON attempts"
    "  WHEN OLD.result IS NULL AND NEW.result IN ('PASS','FAIL','INTERRUPTED')"
    "BEGIN"
    "  INSERT INTO batch_modules VALUES (COALESCE(NEW.batch, ''), COALESCE(NEW.imei, '#' || NEW.id),"
    "    NEW.id, NEW.result, NEW.id, NEW.result, 1)"
    "  ON CONFLICT (batch, module) DO UPDATE SET"
    "    first_result = CASE WHEN excluded.first_id < first_id THEN excluded.first_result ELSE first_result END,"
    "    first_id = min(first_id, excluded.first_id),"
    "    last_result = CASE WHEN excluded.last_id > last_id THEN excluded.last_result ELSE last_result END,"
    "    last_id = max(last_id, excluded.last_id),"
    "    verdicts = verdicts + 1;"
    "END;"
    "CREATE TRIGGER attempts_verdict_insert AFTER INSERT ON attempts"
    "  WHEN NEW.result IN ('PASS','FAIL','INTERRUPTED')"
    "BEGIN"
    "  INSERT INTO batch_modules VALUES (COALESCE(NEW.batch, ''), COALESCE(NEW.imei, '#' || NEW.id),"
    "    NEW.id, NEW.result, NEW.id, NEW.result, 1)"
    "  ON CONFLICT (batch, module) DO UPDATE SET"
    "    first_result = CASE WHEN excluded.first_id < first_id THEN excluded.first_result ELSE first_result END,"
    "    first_id = min(first_id, excluded.first_id),"
    "    last_result = CASE WHEN excluded.last_id > last_id THEN excluded.last_result ELSE last_result END,"
    "    last_id = max(last_id, excluded.last_id),"
    "    verdicts = verdicts + 1;"
    "END;"
    /* Per-batch counts straight from an index range (no table rows). */
    "DROP INDEX attempts_batch;"
    "CREATE INDEX attempts_batch ON attempts(batch, result, started_at, finished_at);"
    "DROP VIEW batch_summary;"
    "CREATE VIEW batch_summary AS"
    "  SELECT batch, attempts, modules, pass, fail, skip, interrupted, running,"
    "    CASE WHEN modules > 0 THEN ROUND(1.0 * first_pass / modules, 4) END AS first_pass_yield,"
    "    CASE WHEN modules > 0 THEN ROUND(1.0 * pass / modules, 4) END AS final_yield,"
    "    first_started_at, last_finished_at"
    "  FROM (SELECT b.batch AS batch,"
    "    (SELECT count(*) FROM attempts a WHERE a.batch IS b.batch) AS attempts,"
    "    (SELECT count(*) FROM attempts a WHERE a.batch IS b.batch AND a.result = 'SKIP') AS skip,"
    "    (SELECT count(*) FROM attempts a WHERE a.batch IS b.batch AND a.result IS NULL) AS running,"
    "    (SELECT min(started_at) FROM attempts a WHERE a.batch IS b.batch) AS first_started_at,"
    "    (SELECT max(finished_at) FROM attempts a WHERE a.batch IS b.batch) AS last_finished_at,"
    "    (SELECT count(*) FROM batch_modules m WHERE m.batch = COALESCE(b.batch, '')) AS modules,"
    "    (SELECT count(*) FROM batch_modules m WHERE m.batch = COALESCE(b.batch, '')"
    "       AND m.last_result = 'PASS') AS pass,"
    "    (SELECT count(*) FROM batch_modules m WHERE m.batch = COALESCE(b.batch, '')"
    "       AND m.last_result = 'FAIL') AS fail,"
    "    (SELECT count(*) FROM batch_modules m WHERE m.batch = COALESCE(b.batch, '')"
    "       AND m.last_result = 'INTERRUPTED') AS interrupted,"
    "    (SELECT count(*) FROM batch_modules m WHERE m.batch = COALESCE(b.batch, '')"
    "       AND m.first_result = 'PASS') AS first_pass"
    "  FROM (SELECT DISTINCT batch FROM attempts) b);",

    /* 5 -> 6: what has reached the central PostgreSQL (`ship`, `run --central`).
     * One row per finished attempt whose row and events the central database
     * committed; written after that commit, so a crash in between only ships
     * the attempt again, which the central key (station, local id) absorbs.
     * A table rather than a column: the station's own writes never touch it.
     * IF NOT EXISTS: `ship` beside an older station creates it without
     * bumping the version (central_ship.c), so that station keeps opening it. */
    "CREATE TABLE IF NOT EXISTS central_shipped ("
    "  attempt_id INTEGER PRIMARY KEY," /* attempts.id */
    "  shipped_at TEXT NOT NULL);",

    /* 6 -> 7: traceability and yield per hub.
     * - runs: one row per station start (job, its file's SHA-256, packages,
     *   software version, station, operator), for the report's header.
     * - package_sha256 is NULL when no package had local bytes to hash (URL
     *   packages without a job sha256); rows written as "-" say so now too.
     * - attempts_hub: every attempts column plus the slot's hub (the rule of
     *   core/slot_hub.h); slot_summary and hub_summary: yield per slot and
     *   per hub by batch, PASS / (PASS + FAIL + INTERRUPTED) per attempt as
     *   the dashboard and the report count it. */
    "CREATE TABLE runs ("
    "  id INTEGER PRIMARY KEY,"
    "  started_at TEXT NOT NULL, batch TEXT, station TEXT, operator TEXT,"
    "  job_name TEXT, job_path TEXT, job_sha256 TEXT, software_version TEXT,"
    "  packages TEXT);"
    "CREATE INDEX runs_batch ON runs(batch, station, started_at);"
    /* The report's per-slot pass (and slot_summary) reads this index alone, in
     * slot order: no table rows, no sort. */
    "CREATE INDEX attempts_slot ON attempts(slot, station, operator, result, batch, started_at);"
    /* The rework list shows hops and the module's own retries: in the failed
     * rows' covering index, so the report still never reads a wide row. */
    "DROP INDEX attempts_failed;"
    "CREATE INDEX attempts_failed ON attempts(imei, id, error_class, error_code, error_text, slot,"
    "  batch, finished_at, model, result, hops, module_retries)"
    "  WHERE result IN ('FAIL','INTERRUPTED');"
    "UPDATE attempts SET package_sha256 = NULL"
    "  WHERE package_sha256 IS NOT NULL AND trim(package_sha256, '-,') = '';"
    HUB_VIEWS(FOTA_SLOT_HUB_SQL_FIRST),

    /* 7 -> 8: queued_ms, the time an identified module waited for the line (its
     * start, a transfer token, the pause); duration_ms leaves it out from now on
     * and started_at is when the upgrade began. Older rows were never measured:
     * NULL, and their duration_ms (queue included) stays as it was written. */
    "ALTER TABLE attempts ADD COLUMN queued_ms INTEGER;",

    /* 8 -> 9: the slot's hub by the one rule (core/slot_hub.h): a name from
     * before slots were grouped ("…-usb-0:4.5:1.2") has no hub, no longer a
     * bogus one-port hub of its own. Views only: no row changes. */
    "DROP VIEW IF EXISTS hub_summary; DROP VIEW IF EXISTS slot_summary;"
    "DROP VIEW IF EXISTS attempts_hub;"
    HUB_VIEWS(FOTA_SLOT_HUB_SQL),

    /* 9 -> 10 (FOTA_STORE_POWER_VERSION): power_cycles, how often the station
     * power-cycled the module's hub port before or during this attempt (the job's
     * `power:`). Older rows: 0, no station cut their power. */
    "ALTER TABLE attempts ADD COLUMN power_cycles INTEGER NOT NULL DEFAULT 0;",
    /* 10 -> 11: slots out of service (run's x key, port health, `port enable`):
     * one row per slot whose service state was ever changed; a slot with no row
     * is in service. `reason` is NULL for the operator, else the port health's
     * words ("3 hardware failures in a row"). The attempts behind a port health
     * decision are the slot's rows in attempts (error_class). */
    "CREATE TABLE port_service ("
    "  slot TEXT PRIMARY KEY,"
    "  out_of_service INTEGER NOT NULL CHECK (out_of_service IN (0, 1)),"
    "  reason TEXT,"
    "  changed_at TEXT NOT NULL);",
};

_Static_assert(sizeof steps / sizeof steps[0] == FOTA_STORE_SCHEMA_VERSION,
               "one migration step per schema version");

static int user_version(sqlite3 *db, int *out)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc = sqlite3_step(st) == SQLITE_ROW ? 0 : -1;
    if (rc == 0)
        *out = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return rc;
}

int fota_store_schema_migrate(sqlite3 *db, char *errbuf, size_t errlen)
{
    return fota_store_schema_migrate_to(db, FOTA_STORE_SCHEMA_VERSION, errbuf, errlen);
}

int fota_store_schema_migrate_to(sqlite3 *db, int target, char *errbuf, size_t errlen)
{
    if (target < 0 || target > FOTA_STORE_SCHEMA_VERSION)
        target = FOTA_STORE_SCHEMA_VERSION;
    for (;;) {
        /* Read the version inside the write transaction: two stations opening
         * the same new file must not both run step 0. */
        if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
            goto sqlerr;
        int v;
        if (user_version(db, &v) != 0)
            goto rollback;
        if (v == target && v <= FOTA_STORE_SCHEMA_VERSION) {
            sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
            return 0;
        }
        if (v < 0 || v > target) {
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            if (errbuf)
                snprintf(errbuf, errlen,
                         "database schema version %d is newer than this build understands (%d)", v,
                         FOTA_STORE_SCHEMA_VERSION);
            return FOTA_E_STATE;
        }
        char bump[48];
        snprintf(bump, sizeof bump, "PRAGMA user_version = %d", v + 1);
        if (sqlite3_exec(db, steps[v], NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_exec(db, bump, NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
            goto rollback;
    }
rollback:
    if (errbuf)
        snprintf(errbuf, errlen, "schema migration failed: %s", sqlite3_errmsg(db));
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return FOTA_E_IO;
sqlerr:
    if (errbuf)
        snprintf(errbuf, errlen, "schema migration failed: %s", sqlite3_errmsg(db));
    return FOTA_E_IO;
}

int fota_store_has_table(sqlite3 *db, const char *name)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}
