/* `fota-station report [--db FILE] [--batch NAME] [--since ISO8601] [--until ISO8601]
 *  [--format text|csv|json|html] [-o FILE]` (docs/database.md, "Reports"). */
#include "report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "central_report.h"
#include "fota_types.h"
#include "iso_time.h"
#include "report_model.h"

enum { EXIT_USAGE = 2, EXIT_DB = 3 };

static const char usage[] =
    "usage: fota-station report [--db FILE | --central DSN [--station NAME]]\n"
    "                           [--batch NAME] [--since ISO8601] [--until ISO8601]\n"
    "                           [--format text|csv|json|html] [--attempts] [-o FILE]\n"
    "\n"
    "Pass/fail report from the results database (read only; safe while the\n"
    "station runs).\n"
    "  --db FILE       results database (default results.db)\n"
    "  --central DSN   the central PostgreSQL instead (libpq string or URI); the\n"
    "                  text report ends with each station's shipping lag\n"
    "  --station NAME  with --central: only this station\n"
    "  --batch NAME    only this batch\n"
    "  --since TIME    only attempts started at or after TIME (ISO 8601, e.g.\n"
    "                  2025-11-23, 2025-11-23T08:00:00Z or 2025-11-23T09:00+01:00\n"
    "                  for local time; no zone = UTC). Reports show times in UTC\n"
    "  --until TIME    only attempts started before TIME (same forms)\n"
    "  --format FMT    text (default), csv (one row per attempt, for MES),\n"
    "                  json, or html (one self-contained file with charts)\n"
    "  --attempts      with --format json: add every attempt of the selection\n"
    "  -o FILE         write to FILE instead of standard output\n"
    "A selection that matches nothing says so and names the batches the file has.\n"
    "Exit status: 0 ok, 2 usage error, 3 database missing, unreadable or not a\n"
    "results file, or output unwritable.\n";

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

/* Why the file cannot be a results file, before SQLite opens it: SQLite would
 * say only "unable to open" or "file is not a database". 0 when it may be one. */
static int check_file(const char *path)
{
    static const char magic[16] = "SQLite format 3";
    struct stat sb;
    const char *why = NULL;
    char head[16] = {0};
    if (stat(path, &sb) != 0) {
        why = errno == ENOENT ? "no such file" : strerror(errno);
    } else if (S_ISDIR(sb.st_mode)) {
        why = "is a directory, not a results file";
    } else if (access(path, R_OK) != 0) {
        why = errno == EACCES ? "permission denied (no read access)" : strerror(errno);
    } else if (sb.st_size == 0) {
        why = "empty file, not a results file";
    } else {
        FILE *f = fopen(path, "rb");
        size_t n = f ? fread(head, 1, sizeof head, f) : 0;
        if (f)
            fclose(f);
        if (!f)
            why = strerror(errno);
        else if (n < sizeof head || memcmp(head, magic, sizeof magic) != 0)
            why = "not a results file (not an SQLite database)";
    }
    if (why) {
        fprintf(stderr, "fota-station report: cannot read database %s: %s\n", path, why);
        return -1;
    }
    return 0;
}

static sqlite3 *open_db(const char *path)
{
    if (check_file(path) < 0)
        return NULL;
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
        fprintf(stderr, "fota-station report: cannot read database %s: not a results file (%s)\n",
                path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

typedef struct {
    const char *db_path, *batch, *since_arg, *until_arg, *format, *out_path, *central, *station;
    bool attempts; /* --attempts */
} report_args_t;

/* One entry per --format. csv has no writer here: it streams rows straight from the
 * database instead of loading the summary. */
typedef struct {
    const char *name;
    void (*write)(const fota_report_t *r, FILE *f);
} report_format_t;

static const report_format_t report_formats[] = {
    {"text", fota_report_write_text},
    {"csv", NULL},
    {"json", fota_report_write_json},
    {"html", fota_report_write_html},
};

static const report_format_t *report_format_find(const char *name)
{
    for (size_t i = 0; i < sizeof report_formats / sizeof report_formats[0]; i++)
        if (strcmp(name, report_formats[i].name) == 0)
            return &report_formats[i];
    return NULL;
}

/* 0: parsed; 1: --help printed (exit 0); -1: usage error, already reported. */
static int report_parse_args(int argc, char **argv, report_args_t *a)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int m;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            fputs(usage, stdout);
            return 1;
        }
        if (strcmp(arg, "--attempts") == 0) {
            a->attempts = true;
            continue;
        }
        if ((m = option(argc, argv, &i, "--db", &a->db_path)) ||
            (m = option(argc, argv, &i, "--batch", &a->batch)) ||
            (m = option(argc, argv, &i, "--since", &a->since_arg)) ||
            (m = option(argc, argv, &i, "--until", &a->until_arg)) ||
            (m = option(argc, argv, &i, "--format", &a->format)) ||
            (m = option(argc, argv, &i, "--central", &a->central)) ||
            (m = option(argc, argv, &i, "--station", &a->station)) ||
            (m = option(argc, argv, &i, "-o", &a->out_path)) ||
            (m = option(argc, argv, &i, "--output", &a->out_path))) {
            if (m < 0)
                return -1;
            continue;
        }
        fprintf(stderr, "fota-station report: unknown argument '%s'\n%s", arg, usage);
        return -1;
    }
    return 0;
}

/* One --since/--until value, normalised to the stored form in buf. */
static int report_time_arg(const char *opt, const char *arg, char buf[FOTA_ISO_LEN],
                           const char **out, int64_t *ms)
{
    if (!arg)
        return 0;
    if (fota_iso_parse(arg, ms) != 0) {
        fprintf(stderr, "fota-station report: %s '%s' is not an ISO 8601 time "
                        "(e.g. 2025-11-23, 2025-11-23T08:00:00Z or 2025-11-23T09:00+01:00)\n",
                opt, arg);
        return -1;
    }
    *out = fota_iso_format(*ms, buf);
    return 0;
}

/* The values the options' syntax cannot check: the format's name, the --since
 * and --until times (normalised into since/until, which sel points at) and
 * --station's need for --central. */
static int report_check_args(const report_args_t *a, const report_format_t **fmt,
                             fota_report_sel_t *sel, char since[FOTA_ISO_LEN],
                             char until[FOTA_ISO_LEN])
{
    if (!(*fmt = report_format_find(a->format))) {
        fprintf(stderr, "fota-station report: --format must be text, csv, json or html, not '%s'\n",
                a->format);
        return -1;
    }
    int64_t from = 0, to = 0;
    if (report_time_arg("--since", a->since_arg, since, &sel->since, &from) < 0 ||
        report_time_arg("--until", a->until_arg, until, &sel->until, &to) < 0)
        return -1;
    if (sel->since && sel->until && to <= from) {
        fprintf(stderr, "fota-station report: --until %s is not later than --since %s\n",
                sel->until, sel->since);
        return -1;
    }
    if (a->attempts && (*fmt)->write != fota_report_write_json) {
        fputs("fota-station report: --attempts is for --format json (csv has one row per attempt"
              " already)\n", stderr);
        return -1;
    }
    if (a->station && !a->central) {
        fputs("fota-station report: --station needs --central\n", stderr);
        return -1;
    }
    return 0;
}

/* The results file; with --central, for csv only, the central database's
 * selected rows copied into one (the other formats ask the server for their
 * figures, see report_write). NULL when reported; *db NULL and 0 when nothing
 * needs opening. */
static int report_open_source(report_args_t *a, const report_format_t *fmt,
                              const fota_central_sel_t *csel, sqlite3 **db, char *err,
                              size_t errlen)
{
    *db = NULL;
    if (!a->central) {
        *db = open_db(a->db_path);
        return *db ? 0 : -1;
    }
    a->db_path = "central database"; /* for messages: never the DSN itself */
    if (fmt->write)
        return 0;
    if (fota_central_report_db(a->central, csel, db, err, errlen) < 0) {
        fprintf(stderr, "fota-station report: central database: %s\n", err);
        return -1;
    }
    return 0;
}

static FILE *report_open_output(const char *out_path)
{
    FILE *f = stdout;
    if (out_path && !(f = fopen(out_path, "w"))) {
        fprintf(stderr, "fota-station report: cannot write %s\n", out_path);
        return NULL;
    }
    /* Big writes for big reports; only on our own stream, before its first
     * byte (C11 7.21.5.6): stdout may have been used by the caller. */
    static char obuf[1 << 18];
    if (f != stdout)
        setvbuf(f, obuf, _IOFBF, sizeof obuf);
    return f;
}

/* Nonzero when anything written to f may not have reached it. */
static int report_close_output(FILE *f)
{
    int werr = ferror(f);
    if (f != stdout)
        werr |= fclose(f);
    else
        werr |= fflush(f);
    return werr;
}

/* Whether anything matched the selection; -1 on a database error. */
static int report_matches(sqlite3 *db, const fota_report_sel_t *sel)
{
    char sql[256], where[128];
    fota_report_where(sel, where, sizeof where);
    snprintf(sql, sizeof sql, "SELECT EXISTS (SELECT 1 FROM attempts%s)", where);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    fota_report_bind(st, sel);
    int rc = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    return rc;
}

/* A selection that matched nothing, on standard error when the document does
 * not reach the terminal: most often a mistyped --batch. names: the batches
 * the source has (n of them, and more beyond). */
static void report_say_none(const fota_report_sel_t *sel, const char *db_path, char **names,
                            size_t n, int64_t more)
{
    fprintf(stderr, "fota-station report: no attempts match");
    if (sel->batch)
        fprintf(stderr, " batch '%s'", sel->batch);
    if (sel->since || sel->until)
        fprintf(stderr, " started %s .. %s", sel->since ? sel->since : "(all time)",
                sel->until ? sel->until : "(now)");
    if (n == 0) {
        fprintf(stderr, "; %s has no attempts\n", db_path);
        return;
    }
    fprintf(stderr, "; batches in %s: ", db_path);
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "%s%s", i ? ", " : "", names[i]);
    if (more)
        fprintf(stderr, " and %lld more", (long long)more);
    fputc('\n', stderr);
}

/* report_say_none for the csv, with the file's batches. */
static void report_say_none_csv(sqlite3 *db, const fota_report_sel_t *sel, const char *db_path)
{
    char **names;
    size_t n;
    int64_t more;
    if (fota_report_known_batches(db, FOTA_REPORT_KNOWN_MAX, &names, &n, &more) < 0)
        n = 0, names = NULL, more = 0;
    report_say_none(sel, db_path, names, n, more);
    fota_report_free_names(names, n);
}

static int report_write(sqlite3 *db, const report_format_t *fmt, const fota_report_sel_t *sel,
                        const report_args_t *a, const fota_central_sel_t *csel, FILE *f, char *err,
                        size_t errlen)
{
    if (!fmt->write) {
        int rc = fota_report_write_csv(db, sel, f, err, errlen);
        /* the CSV has nowhere to say it (centrally the copy holds the selection
         * only: the report formats name the central batches) */
        if (rc == 0 && !a->central && report_matches(db, sel) == 0)
            report_say_none_csv(db, sel, a->db_path);
        return rc;
    }
    /* The text report's central shipping lag is computed on the server while
     * the report's own queries run. */
    PGconn *lag = NULL;
    if (fmt->write == fota_report_write_text && a->central &&
        !(lag = fota_central_lag_start(a->central, csel, err, errlen)))
        return FOTA_E_IO;
    fota_report_t *r;
    /* From the central server, its own queries compute the figures. */
    unsigned need = (fmt->write == fota_report_write_html ? FOTA_CENTRAL_NEED_HISTOGRAM : 0) |
                    (a->attempts ? FOTA_CENTRAL_NEED_ATTEMPTS : 0);
    int rc = a->central ? fota_central_report_load(a->central, csel, need, &r, err, errlen)
                        : fota_report_load(db, sel, &r, err, errlen);
    if (rc == 0 && a->attempts && !a->central)
        rc = fota_report_load_attempts(db, sel, r, err, errlen);
    if (rc != 0) {
        fota_report_free(r);
        PQfinish(lag);
        return rc;
    }
    if (r->attempts == 0 && a->out_path) /* the document says it; the terminal should too */
        report_say_none(sel, a->db_path, r->known_batches, r->n_known_batches,
                        r->known_batches_more);
    fmt->write(r, f);
    fota_report_free(r);
    if (lag)
        rc = fota_central_lag_write(lag, a->central, f, err, errlen);
    return rc;
}

int fota_report_main(int argc, char **argv)
{
    report_args_t a = {.db_path = "results.db", .format = "text"};
    int parsed = report_parse_args(argc, argv, &a);
    if (parsed != 0)
        return parsed > 0 ? 0 : EXIT_USAGE;
    const report_format_t *fmt;
    char since[FOTA_ISO_LEN], until[FOTA_ISO_LEN];
    fota_report_sel_t sel = {.batch = a.batch, .since = NULL, .until = NULL};
    if (report_check_args(&a, &fmt, &sel, since, until) < 0)
        return EXIT_USAGE;

    char err[512] = "";
    fota_central_sel_t csel = {
        .station = a.station, .batch = a.batch, .since = sel.since, .until = sel.until};
    sqlite3 *db;
    if (report_open_source(&a, fmt, &csel, &db, err, sizeof err) < 0)
        return EXIT_DB;
    FILE *f = report_open_output(a.out_path);
    if (!f) {
        sqlite3_close(db);
        return EXIT_DB;
    }
    int rc = report_write(db, fmt, &sel, &a, &csel, f, err, sizeof err);
    sqlite3_close(db);
    int werr = report_close_output(f);
    if (rc < 0) {
        fprintf(stderr, "fota-station report: %s: %s\n", a.db_path, err);
        return EXIT_DB;
    }
    if (werr) {
        fprintf(stderr, "fota-station report: error writing %s\n",
                a.out_path ? a.out_path : "output");
        return EXIT_DB;
    }
    return 0;
}
