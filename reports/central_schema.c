#include "central_schema.h"

#include <stdio.h>
#include <stdlib.h>

#include "fota_types.h"
#include "slot_hub.h"

/* The hub views (docs/database.md, "Slots and hubs") over a slot->hub rule. */
#define HUB_VIEWS(rule) \
    "CREATE VIEW attempts_hub AS SELECT a.*, " rule " AS hub FROM attempts a;" \
    "CREATE VIEW slot_summary AS" \
    "  SELECT batch, station, hub, slot, attempts, pass, fail, interrupted, skip, running," \
    "    CASE WHEN pass + fail + interrupted > 0" \
    "      THEN round(pass::numeric / (pass + fail + interrupted), 4) END AS yield" \
    "  FROM (SELECT batch, station, hub, slot, count(*) AS attempts," \
    "    count(*) FILTER (WHERE result = 'PASS') AS pass," \
    "    count(*) FILTER (WHERE result = 'FAIL') AS fail," \
    "    count(*) FILTER (WHERE result = 'INTERRUPTED') AS interrupted," \
    "    count(*) FILTER (WHERE result = 'SKIP') AS skip," \
    "    count(*) FILTER (WHERE result IS NULL) AS running" \
    "    FROM attempts_hub GROUP BY batch, station, hub, slot) s;" \
    "CREATE VIEW hub_summary AS" \
    "  SELECT batch, station, hub, count(*) AS slots, sum(attempts) AS attempts," \
    "    sum(pass) AS pass, sum(fail) AS fail, sum(interrupted) AS interrupted," \
    "    sum(skip) AS skip, sum(running) AS running," \
    "    CASE WHEN sum(pass + fail + interrupted) > 0" \
    "      THEN round(sum(pass)::numeric / sum(pass + fail + interrupted), 4) END AS yield" \
    "  FROM slot_summary GROUP BY batch, station, hub;"

/* Each entry upgrades version i to i+1. Never edit a shipped step: add one. */
static const char *const steps[] = {
    /* 0 -> 1: the first layout. The columns and values of a station's attempts
     * and events (docs/database.md), text times kept as the station wrote them
     * (ISO 8601 UTC, same width: they order as text), plus the key. */
    "CREATE TABLE attempts ("
    "  station TEXT NOT NULL,"      /* the station's name (job key `station`) */
    "  local_id BIGINT NOT NULL,"   /* attempts.id in that station's file */
    "  batch TEXT, operator TEXT, slot TEXT, port TEXT,"
    "  imei TEXT, model TEXT, family TEXT,"
    "  from_version TEXT, to_version TEXT, final_version TEXT,"
    "  method TEXT, package_names TEXT, package_sha256 TEXT,"
    "  started_at TEXT NOT NULL, finished_at TEXT,"
    "  result TEXT CHECK (result IN ('PASS','FAIL','SKIP','INTERRUPTED')),"
    "  noop INTEGER NOT NULL DEFAULT 0,"
    "  error_class TEXT, error_code BIGINT NOT NULL DEFAULT 0, error_text TEXT,"
    "  module_retries INTEGER NOT NULL DEFAULT 0, hops INTEGER NOT NULL DEFAULT 0,"
    "  download_ms BIGINT, update_ms BIGINT, duration_ms BIGINT,"
    "  last_heard_at TEXT,"
    "  shipped_at TIMESTAMPTZ NOT NULL DEFAULT now()," /* when the central commit took it */
    "  PRIMARY KEY (station, local_id));"
    "CREATE TABLE events ("
    "  station TEXT NOT NULL,"
    "  attempt_id BIGINT NOT NULL," /* attempts.local_id */
    "  seq BIGINT NOT NULL,"        /* the line's rowid in the station's file: its order */
    "  t_ms BIGINT NOT NULL,"
    "  dir TEXT NOT NULL CHECK (dir IN ('tx','rx','info')),"
    "  text TEXT NOT NULL,"
    "  PRIMARY KEY (station, attempt_id, seq),"
    "  FOREIGN KEY (station, attempt_id) REFERENCES attempts (station, local_id));"
    /* The MES's usual questions: one module (rework, traceability), one batch,
     * a day or any time range, and "what arrived since I last looked". */
    "CREATE INDEX attempts_imei ON attempts (imei, started_at);"
    "CREATE INDEX attempts_batch ON attempts (batch, station);"
    "CREATE INDEX attempts_started ON attempts (started_at);"
    "CREATE INDEX attempts_shipped ON attempts (shipped_at);"
    /* Latest verdict per IMEI across stations: the one that started last (the
     * local rule "highest id" is start order too); SKIP and running rows are
     * not verdicts and never hide one. Ties (same millisecond on two stations)
     * go to the station name, then the local id, so the answer is stable. */
    "CREATE VIEW latest_results AS"
    "  SELECT DISTINCT ON (imei) * FROM attempts"
    "  WHERE imei IS NOT NULL AND result IN ('PASS','FAIL','INTERRUPTED')"
    "  ORDER BY imei, started_at DESC, station DESC, local_id DESC;"
    /* One row per batch across stations; a module is an IMEI (a module seen on
     * two stations counts once), or station#id when the IMEI was never read. */
    "CREATE VIEW batch_summary AS"
    "  WITH v AS ("
    "    SELECT batch, result,"
    "      row_number() OVER (PARTITION BY batch, COALESCE(imei, station || '#' || local_id)"
    "        ORDER BY started_at, station, local_id) AS nth,"
    "      row_number() OVER (PARTITION BY batch, COALESCE(imei, station || '#' || local_id)"
    "        ORDER BY started_at DESC, station DESC, local_id DESC) AS nth_last"
    "    FROM attempts WHERE result IN ('PASS','FAIL','INTERRUPTED')),"
    "  m AS ("
    "    SELECT batch, count(*) FILTER (WHERE nth_last = 1) AS modules,"
    "      count(*) FILTER (WHERE nth_last = 1 AND result = 'PASS') AS pass,"
    "      count(*) FILTER (WHERE nth_last = 1 AND result = 'FAIL') AS fail,"
    "      count(*) FILTER (WHERE nth_last = 1 AND result = 'INTERRUPTED') AS interrupted,"
    "      count(*) FILTER (WHERE nth = 1 AND result = 'PASS') AS first_pass"
    "    FROM v GROUP BY batch),"
    "  t AS ("
    "    SELECT batch, count(*) AS attempts, count(*) FILTER (WHERE result = 'SKIP') AS skip,"
    "      count(*) FILTER (WHERE result IS NULL) AS running,"
    "      min(started_at) AS first_started_at, max(finished_at) AS last_finished_at,"
    "      count(DISTINCT station) AS stations"
    "    FROM attempts GROUP BY batch)"
    "  SELECT t.batch, t.attempts, COALESCE(m.modules, 0) AS modules,"
    "    COALESCE(m.pass, 0) AS pass, COALESCE(m.fail, 0) AS fail, t.skip,"
    "    COALESCE(m.interrupted, 0) AS interrupted, t.running,"
    "    CASE WHEN m.modules > 0 THEN round(m.first_pass::numeric / m.modules, 4) END"
    "      AS first_pass_yield,"
    "    CASE WHEN m.modules > 0 THEN round(m.pass::numeric / m.modules, 4) END AS final_yield,"
    "    t.first_started_at, t.last_finished_at, t.stations"
    "  FROM t LEFT JOIN m ON m.batch IS NOT DISTINCT FROM t.batch;"
    /* Per station: how much arrived and how late (report --central). */
    "CREATE VIEW station_shipping AS"
    "  SELECT station, count(*) AS attempts, max(local_id) AS last_local_id,"
    "    max(finished_at) AS last_finished_at, max(shipped_at) AS last_shipped_at"
    "  FROM attempts GROUP BY station;",

    /* 1 -> 2: yield per hub, as the station's file has it (schema 7): the
     * slot's hub by the same rule (core/slot_hub.h), per slot and per hub
     * by station and batch (a slot's name means something on its own station
     * only); package_sha256 NULL when no package had local bytes to hash. */
    "UPDATE attempts SET package_sha256 = NULL WHERE btrim(package_sha256, '-,') = '';"
    HUB_VIEWS(FOTA_SLOT_HUB_SQL_FIRST),

    /* 2 -> 3: traceability (the station's `runs`, schema 7): one row per
     * station start, keyed like attempts by (station, local id), so
     * `report --central` prints the same header as the local report. The
     * report looks runs up by batch and station before a time (runs_batch,
     * also the "superseded by a later start" probe) and by time alone. */
    "CREATE TABLE runs ("
    "  station TEXT NOT NULL,"      /* as for attempts: the job's, else the host's */
    "  local_id BIGINT NOT NULL,"   /* runs.id in that station's file */
    "  started_at TEXT NOT NULL, batch TEXT, operator TEXT,"
    "  job_name TEXT, job_path TEXT, job_sha256 TEXT, software_version TEXT,"
    "  packages TEXT,"
    "  shipped_at TIMESTAMPTZ NOT NULL DEFAULT now(),"
    "  PRIMARY KEY (station, local_id));"
    "CREATE INDEX runs_batch ON runs (batch, station, started_at);"
    "CREATE INDEX runs_started ON runs (started_at);",

    /* 3 -> 4: queued_ms as in the station's schema 8: the time an identified
     * module waited for the line, left out of duration_ms. Rows shipped before
     * keep NULL (not measured). */
    "ALTER TABLE attempts ADD COLUMN queued_ms BIGINT;",

    /* 4 -> 5: the slot's hub by the one rule, as the station's schema 9: a name
     * from before slots were grouped has no hub. Views only. */
    "DROP VIEW IF EXISTS hub_summary; DROP VIEW IF EXISTS slot_summary;"
    "DROP VIEW IF EXISTS attempts_hub;"
    HUB_VIEWS(FOTA_SLOT_HUB_SQL),

    /* 5 -> 6: `report --central` computes on the server. Its module walk reads
     * the verdicts in (imei, start order) from this partial index alone, no
     * sort and no table access (once vacuumed: autovacuum does it as rows
     * arrive); batch is included for --batch. The Pareto and the rework list
     * read the FAIL and INTERRUPTED rows (a few in a hundred) with every
     * column they show from the second, instead of every row. The per-batch
     * table walks the verdicts in (batch, imei, start order) from the third
     * the same way. */
    "CREATE INDEX attempts_module ON attempts (imei, started_at, station, local_id)"
    "  INCLUDE (result, batch) WHERE result IN ('PASS','FAIL','INTERRUPTED');"
    "CREATE INDEX attempts_batch_module ON attempts (batch, imei, started_at, station, local_id)"
    "  INCLUDE (result) WHERE result IN ('PASS','FAIL','INTERRUPTED');"
    "CREATE INDEX attempts_fail ON attempts (error_class, error_code)"
    "  INCLUDE (result, imei, started_at, station, local_id, batch, error_text, slot,"
    "  finished_at, model, hops, module_retries) WHERE result IN ('FAIL','INTERRUPTED');",
    /* 6 -> 7: power_cycles as in the station's file: the hub port power cycles
     * of the attempt's module. Rows shipped before: 0. */
    "ALTER TABLE attempts ADD COLUMN power_cycles INTEGER NOT NULL DEFAULT 0;",
};

_Static_assert(sizeof steps / sizeof steps[0] == FOTA_CENTRAL_SCHEMA_VERSION,
               "one migration step per central schema version");

/* Any 64-bit constant: all FOTA Station processes serialise migrations on it. */
#define MIGRATE_LOCK "SELECT pg_advisory_xact_lock(7460737461746)"

static int exec_ok(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType s = PQresultStatus(r);
    PQclear(r);
    return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK ? 0 : -1;
}

int fota_central_version(PGconn *c)
{
    PGresult *r = PQexec(c, "SELECT version FROM fota_schema");
    int v = -1;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
        v = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

int fota_central_migrate(PGconn *c, char *errbuf, size_t errlen)
{
    for (;;) {
        if (exec_ok(c, "BEGIN") < 0 || exec_ok(c, MIGRATE_LOCK) < 0 ||
            exec_ok(c, "CREATE TABLE IF NOT EXISTS fota_schema (version INTEGER NOT NULL)") < 0 ||
            exec_ok(c, "INSERT INTO fota_schema SELECT 0 WHERE NOT EXISTS "
                       "(SELECT 1 FROM fota_schema)") < 0)
            goto fail;
        int v = fota_central_version(c);
        if (v == FOTA_CENTRAL_SCHEMA_VERSION)
            return exec_ok(c, "COMMIT") < 0 ? FOTA_E_IO : 0;
        if (v < 0 || v > FOTA_CENTRAL_SCHEMA_VERSION) {
            exec_ok(c, "ROLLBACK");
            if (errbuf)
                snprintf(errbuf, errlen,
                         "central schema version %d is newer than this build understands (%d)", v,
                         FOTA_CENTRAL_SCHEMA_VERSION);
            return FOTA_E_STATE;
        }
        char bump[64];
        snprintf(bump, sizeof bump, "UPDATE fota_schema SET version = %d", v + 1);
        if (exec_ok(c, steps[v]) < 0 || exec_ok(c, bump) < 0 || exec_ok(c, "COMMIT") < 0)
            goto fail;
    }
fail:
    if (errbuf)
        snprintf(errbuf, errlen, "central schema migration failed: %s", PQerrorMessage(c));
    exec_ok(c, "ROLLBACK");
    return FOTA_E_IO;
}
