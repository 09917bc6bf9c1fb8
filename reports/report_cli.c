/* `fota-station report [--db FILE] [--batch NAME] [--since ISO8601]
 *  [--format text|csv|json|html] [-o FILE]` (docs/database.md, "Reports"). */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "central_report.h"
#include "fota_types.h"
#include "iso_time.h"
#include "report_model.h"

enum { EXIT_USAGE = 2, EXIT_DB = 3 };

static const char usage[] =
    "usage: fota-station report [--db FILE | --central DSN [--station NAME]]\n"
    "                           [--batch NAME] [--since ISO8601]\n"
    "                           [--format text|csv|json|html] [-o FILE]\n"
    "\n"
    "Pass/fail report from the results database (read only; safe while the\n"
    "station runs).\n"
    "  --db FILE       results database (default results.db)\n"
    "  --central DSN   the central PostgreSQL instead (libpq string or URI); the\n"
    "                  text report ends with each station's shipping lag\n"
    "  --station NAME  with --central: only this station\n"
    "  --batch NAME    only this batch\n"
    "  --since TIME    only attempts started at or after TIME (ISO 8601, e.g.\n"
    "                  2025-11-23 or 2025-11-23T08:00:00Z; no zone = UTC)\n"
    "  --format FMT    text (default), csv (one row per attempt, for MES),\n"
    "                  json, or html (one self-contained file with charts)\n"
    "  -o FILE         write to FILE instead of standard output\n"
    "Exit status: 0 ok, 2 usage error, 3 database unreadable or output unwritable.\n";

/* "--opt VALUE" or "--opt=VALUE"; advances *i past the value. */
static int option(int argc, char **argv, int *i, const char *name, const char **out)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return 0;
    if (a[n] == '=') {
        *out = a + n + 1;
        return 1;
    }
    if (a[n] != '\0')
        return 0;
    if (*i + 1 >= argc) {
        fprintf(stderr, "fota-station report: %s needs a value\n", name);
        return -1;
    }
    *out = argv[++*i];
    return 1;
}

static sqlite3 *open_db(const char *path)
{
    if (access(path, R_OK) != 0) {
        fprintf(stderr, "fota-station report: cannot read database %s\n", path);
        return NULL;
    }
    sqlite3 *db = NULL;
    /* One thread: no per-call mutex. */
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        fprintf(stderr, "fota-station report: %s: %s\n", path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 5000);
    /* The report scans the attempts index once; a bigger cache helps the
     * look-ups of the failed modules' rows that follow. */
    sqlite3_exec(db, "PRAGMA cache_size = -65536", NULL, NULL, NULL);
    /* A file that is not a results database is "unreadable" too. */
    if (sqlite3_exec(db, "SELECT id, result, started_at FROM attempts LIMIT 0", NULL, NULL, NULL) !=
        SQLITE_OK) {
        fprintf(stderr, "fota-station report: %s is not a results database: %s\n", path,
                sqlite3_errmsg(db));
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

int fota_report_main(int argc, char **argv)
{
    const char *db_path = "results.db", *batch = NULL, *since_arg = NULL, *format = "text",
               *out_path = NULL, *central = NULL, *station = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int m;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        }
        if ((m = option(argc, argv, &i, "--db", &db_path)) ||
            (m = option(argc, argv, &i, "--batch", &batch)) ||
            (m = option(argc, argv, &i, "--since", &since_arg)) ||
            (m = option(argc, argv, &i, "--format", &format)) ||
            (m = option(argc, argv, &i, "--central", &central)) ||
            (m = option(argc, argv, &i, "--station", &station)) ||
            (m = option(argc, argv, &i, "-o", &out_path)) ||
            (m = option(argc, argv, &i, "--output", &out_path))) {
            if (m < 0)
                return EXIT_USAGE;
            continue;
        }
        fprintf(stderr, "fota-station report: unknown argument '%s'\n%s", a, usage);
        return EXIT_USAGE;
    }
    if (strcmp(format, "text") && strcmp(format, "csv") && strcmp(format, "json") &&
        strcmp(format, "html")) {
        fprintf(stderr, "fota-station report: --format must be text, csv, json or html, not '%s'\n",
                format);
        return EXIT_USAGE;
    }
    char since[FOTA_ISO_LEN];
    fota_report_sel_t sel = {.batch = batch, .since = NULL};
    if (since_arg) {
        int64_t ms;
        if (fota_iso_parse(since_arg, &ms) != 0) {
            fprintf(stderr, "fota-station report: --since '%s' is not an ISO 8601 time "
                            "(e.g. 2025-11-23 or 2025-11-23T08:00:00Z)\n", since_arg);
            return EXIT_USAGE;
        }
        sel.since = fota_iso_format(ms, since);
    }

    if (station && !central) {
        fputs("fota-station report: --station needs --central\n", stderr);
        return EXIT_USAGE;
    }
    char err[512] = "";
    fota_central_sel_t csel = {.station = station, .batch = batch, .since = sel.since};
    sqlite3 *db = NULL;
    if (central) {
        db_path = "central database"; /* for messages: never the DSN itself */
        if (fota_central_report_db(central, &csel, &db, err, sizeof err) < 0) {
            fprintf(stderr, "fota-station report: central database: %s\n", err);
            return EXIT_DB;
        }
    } else if (!(db = open_db(db_path))) {
        return EXIT_DB;
    }
    FILE *f = stdout;
    if (out_path && !(f = fopen(out_path, "w"))) {
        fprintf(stderr, "fota-station report: cannot write %s\n", out_path);
        sqlite3_close(db);
        return EXIT_DB;
    }
    /* Big writes for big reports; only on our own stream, before its first
     * byte (C11 7.21.5.6): stdout may have been used by the caller. */
    static char obuf[1 << 18];
    if (f != stdout)
        setvbuf(f, obuf, _IOFBF, sizeof obuf);
    int rc = 0;
    if (strcmp(format, "csv") == 0) {
        rc = fota_report_write_csv(db, &sel, f, err, sizeof err);
    } else {
        fota_report_t *r;
        rc = fota_report_load(db, &sel, &r, err, sizeof err);
        if (rc == 0) {
            if (format[0] == 't')
                fota_report_write_text(r, f);
            else if (format[0] == 'j')
                fota_report_write_json(r, f);
            else
                fota_report_write_html(r, f);
            fota_report_free(r);
            if (format[0] == 't' && central)
                rc = fota_central_write_lag(central, &csel, f, err, sizeof err);
        }
    }
    sqlite3_close(db);
    int werr = ferror(f);
    if (f != stdout)
        werr |= fclose(f);
    else
        werr |= fflush(f);
    if (rc < 0) {
        fprintf(stderr, "fota-station report: %s: %s\n", db_path, err);
        return EXIT_DB;
    }
    if (werr) {
        fprintf(stderr, "fota-station report: error writing %s\n", out_path ? out_path : "output");
        return EXIT_DB;
    }
    return 0;
}
