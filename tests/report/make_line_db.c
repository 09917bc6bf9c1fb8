/* make_line_db FILE: a month-like results file for the report's print test.
 * 13 batches L01..L13, one a day from 2025-11-03, each one station run
 * (identical job, software and packages but for L13's newer software), on
 * 12 hubs x 7 ports (slot "…-usb-0:1.<hub>.<port>"), 84 modules a batch.
 * About one module in 12 fails first; most of those pass on a retest, the
 * rest are left to rework. Rows are written through SQL in one transaction
 * on a file the store created (its schema, its indexes). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "iso_time.h"
#include "store.h"

#define USB "pci-0000:00:14.0-usb-0:1."
#define DAY_MS 86400000LL
#define T0 1762156800000LL /* 2025-11-03T08:00:00Z */

static const char job_sha[] = "3b1f0c6e9d1a4e8b7c3f2a1d0e9b8c7a6f5e4d3c2b1a09f8e7d6c5b4a3920f1e";
static const char packages[] =
    "5f2b0c6e9d1a4e8b7c3f2a1d0e9b8c7a6f5e4d3c2b1a09f8e7d6c5b4a3928170  a06-to-a08.zip (A06 -> A08)\n"
    "9c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d  v01-to-v03.zip (V01 -> V03)";

static int attempt(sqlite3_stmt *ins, const char *batch, int hub, int port, long module,
                   int64_t t, const char *result, int code)
{
    char slot[64], imei[32], start[FOTA_ISO_LEN], end[FOTA_ISO_LEN];
    snprintf(slot, sizeof slot, USB "%d.%d", hub, port);
    snprintf(imei, sizeof imei, "86%013ld", 4000000 + module * 7);
    int64_t dur = 300000 + (module % 9) * 10000;
    fota_iso_format(t, start);
    fota_iso_format(t + dur, end);
    bool fail = strcmp(result, "FAIL") == 0;
    sqlite3_bind_text(ins, 1, batch, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(ins, 2, slot, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(ins, 3, imei, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(ins, 4, module % 2 ? "EC200T-CN" : "RM500Q-GL", -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 5, start, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(ins, 6, end, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(ins, 7, result, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 8, fail ? "download" : NULL, -1, SQLITE_STATIC);
    sqlite3_bind_int(ins, 9, code);
    sqlite3_bind_text(ins, 10, fail ? "FTP unknown error: the server closed the data connection"
                                    : NULL, -1, SQLITE_STATIC);
    sqlite3_bind_int64(ins, 11, dur);
    int rc = sqlite3_step(ins) == SQLITE_DONE ? 0 : -1;
    sqlite3_reset(ins);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: make_line_db FILE\n");
        return 2;
    }
    remove(argv[1]);
    fota_store_t *s;
    char err[256];
    if (fota_store_open(argv[1], &s, err, sizeof err) != 0) {
        fprintf(stderr, "make_line_db: %s\n", err);
        return 3;
    }
    fota_store_close(s);
    sqlite3 *db;
    sqlite3_stmt *ins, *run;
    if (sqlite3_open(argv[1], &db) != SQLITE_OK ||
        sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "INSERT INTO attempts (batch, station, operator, slot, port, imei, model,"
                           " family, from_version, to_version, final_version, method, started_at,"
                           " finished_at, result, noop, error_class, error_code, error_text,"
                           " module_retries, hops, download_ms, update_ms, duration_ms,"
                           " last_heard_at) VALUES (?1, 'line3-st1', 'op42', ?2, '/dev/ttyUSB2', ?3,"
                           " ?4, 'fam', 'A06', 'A08', 'A08', 'ftp', ?5, ?6, ?7, 0, ?8, ?9, ?10, 0, 1,"
                           " ?11 / 3, ?11 / 2, ?11, ?6)",
                           -1, &ins, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "INSERT INTO runs (started_at, batch, station, operator, job_name,"
                           " job_path, job_sha256, software_version, packages) VALUES"
                           " (?1, ?2, 'line3-st1', 'op42', 'line3-a08', 'job.yaml', ?3, ?4, ?5)",
                           -1, &run, NULL) != SQLITE_OK) {
        fprintf(stderr, "make_line_db: %s\n", sqlite3_errmsg(db));
        return 3;
    }
    long module = 0;
    for (int b = 1; b <= 13; b++) {
        char batch[8], start[FOTA_ISO_LEN];
        snprintf(batch, sizeof batch, "L%02d", b);
        int64_t t = T0 + (b - 1) * DAY_MS;
        sqlite3_bind_text(run, 1, fota_iso_format(t - 60000, start), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(run, 2, batch, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(run, 3, job_sha, -1, SQLITE_STATIC);
        sqlite3_bind_text(run, 4, b == 13 ? "fota-station 0.2.0 (git 1c2d3e4)"
                                          : "fota-station 0.1.0 (git 8da1e15)", -1, SQLITE_STATIC);
        sqlite3_bind_text(run, 5, packages, -1, SQLITE_STATIC);
        int rc = sqlite3_step(run) == SQLITE_DONE ? 0 : -1;
        sqlite3_reset(run);
        for (int k = 0; rc == 0 && k < 84; k++, module++) {
            int hub = 1 + k / 7, port = 1 + k % 7;
            /* Hub 12 is the bad one, port 7 a little worse everywhere. */
            bool fails = module % 12 == 5 || (hub == 12 && k % 3 == 0) || (port == 7 && b % 4 == 0);
            t += 45000;
            rc = attempt(ins, batch, hub, port, module, t, fails ? "FAIL" : "PASS", fails ? 601 : 0);
            /* Two failed modules in three pass on the retest at the end of the batch. */
            if (rc == 0 && fails && module % 3 != 0)
                rc = attempt(ins, batch, hub, port, module, t + 3 * 3600000LL, "PASS", 0);
        }
        if (rc < 0) {
            fprintf(stderr, "make_line_db: %s\n", sqlite3_errmsg(db));
            return 3;
        }
    }
    sqlite3_finalize(ins);
    sqlite3_finalize(run);
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "make_line_db: %s\n", sqlite3_errmsg(db));
        return 3;
    }
    sqlite3_close(db);
    return 0;
}
