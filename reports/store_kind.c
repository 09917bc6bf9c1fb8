/* Tells a results database from any other SQLite file, by reading only; see
 * store_kind.h. */
#include "store_kind.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "store_schema.h"

static int int_of(sqlite3 *db, const char *sql, long long *out)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : -1;
}

fota_store_kind_t fota_store_kind(sqlite3 *db, char *why, size_t len)
{
    long long version = 0, objects = 0, app = 0;
    if (int_of(db, "PRAGMA user_version", &version) < 0 ||
        int_of(db, "SELECT count(*) FROM sqlite_master", &objects) < 0 ||
        int_of(db, "PRAGMA application_id", &app) < 0) {
        if ((sqlite3_errcode(db) & 0xff) != SQLITE_NOTADB)
            return FOTA_STORE_KIND_UNREADABLE;
        snprintf(why, len, "it is not an SQLite database (%s)", sqlite3_errmsg(db));
        return FOTA_STORE_KIND_FOREIGN;
    }
    if (objects == 0 && version == 0 && app == 0)
        return FOTA_STORE_KIND_EMPTY;
    int attempts = fota_store_has_table(db, "attempts");
    if (version >= 1 && attempts == 1 && app == 0) {
        if (version <= FOTA_STORE_SCHEMA_VERSION)
            return FOTA_STORE_KIND_OURS;
        snprintf(why, len, "database schema version %lld is newer than this build understands (%d)",
                 version, FOTA_STORE_SCHEMA_VERSION);
        return FOTA_STORE_KIND_NEWER;
    }
    if (app != 0)
        snprintf(why, len, "it is not a FOTA results database (another program's: application_id "
                           "%lld, %lld schema object(s))", app, objects);
    else if (attempts != 1)
        snprintf(why, len, "it is not a FOTA results database (it has %lld schema object(s), no "
                           "table attempts; user_version %lld)", objects, version);
    else
        snprintf(why, len, "it is not a FOTA results database (a table attempts but user_version "
                           "%lld)", version);
    return FOTA_STORE_KIND_FOREIGN;
}

/* PRAGMA quick_check: every page of every b-tree read once (no index-to-table
 * cross-check, which integrity_check would add at many times the cost). A damaged
 * page accepted at start fails later writes one by one (every module left
 * "queued"); refused here, the file is left for a restore. */
int fota_store_intact(sqlite3 *db, char *why, size_t len)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "PRAGMA quick_check(3)", -1, &st, NULL) != SQLITE_OK) {
        snprintf(why, len, "%s", sqlite3_errmsg(db));
        return -1;
    }
    int rc, rows = 0;
    size_t n = 0;
    bool ok = false;
    why[0] = '\0';
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        if (rows++ == 0 && t && strcmp(t, "ok") == 0)
            ok = true;
        else if (t && n < len) /* its first lines, one after the other */
            n += (size_t)snprintf(why + n, len - n, "%s%s", n ? "; " : "", t);
    }
    if (rc != SQLITE_DONE) {
        ok = false;
        if (n < len)
            snprintf(why + n, len - n, "%s%s", n ? "; " : "", sqlite3_errmsg(db));
    }
    sqlite3_finalize(st);
    if (!ok)
        for (char *p = why; *p; p++) /* SQLite's lines: one line of ours */
            if (*p == '\n')
                *p = ' ';
    return ok ? 0 : -1;
}
