#include "store_test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void tu_remove_db(const char *name)
{
    char buf[512];
    unlink(name);
    snprintf(buf, sizeof buf, "%s-wal", name);
    unlink(buf);
    snprintf(buf, sizeof buf, "%s-shm", name);
    unlink(buf);
}

void tu_attempt(fota_attempt_t *a, const char *imei, const char *batch, int64_t started_ms)
{
    memset(a, 0, sizeof *a);
    snprintf(a->batch, sizeof a->batch, "%s", batch);
    snprintf(a->station, sizeof a->station, "line3-st1");
    snprintf(a->operator_id, sizeof a->operator_id, "op42");
    snprintf(a->slot, sizeof a->slot, "pci-0000:00:14.0-usb-0:1.2:1.0");
    snprintf(a->port, sizeof a->port, "/dev/ttyUSB2");
    snprintf(a->imei, sizeof a->imei, "%s", imei);
    snprintf(a->method, sizeof a->method, "url");
    a->started_at_ms = started_ms;
}

sqlite3 *tu_reader(const char *path)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        fprintf(stderr, "open %s: %s\n", path, sqlite3_errmsg(db));
        abort();
    }
    sqlite3_busy_timeout(db, 5000);
    return db;
}

int64_t tu_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
        abort();
    }
    int64_t v = -999999;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

char *tu_text(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
        abort();
    }
    char *v = NULL;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        v = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return v;
}
