/* CSV for the MES: one row per attempt, every `attempts` column in the order
 * docs/database.md lists them, then the slot's `hub` (derived here, so files of
 * any schema version have it), then the traceability of the attempt's run
 * (`job_sha256`, `software_version`: the latest run of its batch and station
 * that started no later than it), streamed straight from the database (a
 * million rows need no memory; the run is one probe of runs_batch per row). */
#include "report_model.h"

#include <string.h>

#include "fota_types.h"
#include "slot_hub.h"
#include "store_schema.h"
#include "text_escape.h"

static const char *const columns[] = {
    "id", "batch", "station", "operator", "slot", "port", "imei", "model", "family",
    "from_version", "to_version", "final_version", "method", "package_names", "package_sha256",
    "started_at", "finished_at", "result", "noop", "error_class", "error_code", "error_text",
    "module_retries", "hops", "download_ms", "update_ms", "duration_ms",
};
#define N_COLUMNS (sizeof columns / sizeof columns[0])
#define SLOT_COLUMN 4

/* The attempt's run (table runs; NULL in a file without it, before schema 7). */
#define RUN_SQL(col)                                                                               \
    "(SELECT " col " FROM runs v WHERE v.batch = attempts.batch AND v.station = attempts.station"  \
    " AND v.started_at <= attempts.started_at ORDER BY v.started_at DESC, v.id DESC LIMIT 1)"

static void put_int(FILE *f, int64_t v)
{
    char tmp[24];
    int n = 0;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[n++] = '-';
    while (n)
        putc_unlocked(tmp[--n], f);
}

static void put_cell(FILE *f, sqlite3_stmt *st, int i)
{
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_NULL:
        break;
    case SQLITE_INTEGER:
        put_int(f, sqlite3_column_int64(st, i));
        break;
    default:
        fota_text_csv_cell(f, (const char *)sqlite3_column_text(st, i));
    }
}

int fota_report_write_csv(sqlite3 *db, const fota_report_sel_t *sel, FILE *f, char *errbuf,
                          size_t errlen)
{
    char sql[2048], where[128];
    size_t o = (size_t)snprintf(sql, sizeof sql, "SELECT ");
    for (size_t i = 0; i < N_COLUMNS; i++)
        o += (size_t)snprintf(sql + o, sizeof sql - o, "%s%s", i ? ", " : "", columns[i]);
    int runs = fota_store_has_table(db, "runs");
    o += (size_t)snprintf(sql + o, sizeof sql - o, ", %s, %s",
                          runs == 1 ? RUN_SQL("job_sha256") : "NULL",
                          runs == 1 ? RUN_SQL("software_version") : "NULL");
    fota_report_where(sel, where, sizeof where);
    snprintf(sql + o, sizeof sql - o, " FROM attempts%s ORDER BY id", where);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(errbuf, errlen, "reading attempts: %s", sqlite3_errmsg(db));
        return FOTA_E_IO;
    }
    fota_report_bind(st, sel);
    for (size_t i = 0; i < N_COLUMNS; i++)
        fprintf(f, "%s%s", i ? "," : "", columns[i]);
    fputs(",hub,job_sha256,software_version\r\n", f); /* RFC 4180 line ends */
    /* A million rows: integers without printf, cells written whole. */
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (int i = 0; i < (int)N_COLUMNS; i++) {
            if (i)
                putc_unlocked(',', f);
            put_cell(f, st, i);
        }
        char hub[256];
        putc_unlocked(',', f);
        if (fota_slot_hub((const char *)sqlite3_column_text(st, SLOT_COLUMN), hub, sizeof hub))
            fota_text_csv_cell(f, hub);
        for (int i = (int)N_COLUMNS; i < (int)N_COLUMNS + 2; i++) {
            putc_unlocked(',', f);
            put_cell(f, st, i);
        }
        fputs("\r\n", f);
    }

    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        snprintf(errbuf, errlen, "reading attempts: %s", sqlite3_errmsg(db));
        return FOTA_E_IO;
    }
    return 0;
}
