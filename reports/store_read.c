/* The station's look-ups in its own results database: the rows a crash left
 * running, an IMEI's latest verdict (rework), a row's result (NOT RECORDED words)
 * and a batch's yields. Prepared statements are the writer's (store_int.h). */
#include "store_int.h"

#include <stdio.h>
#include <string.h>

#include "iso_time.h"

static void copy_col(sqlite3_stmt *st, int col, char *dst, size_t len)
{
    const char *t = (const char *)sqlite3_column_text(st, col);
    snprintf(dst, len, "%s", t ? t : "");
}

int fota_store_running(fota_store_t *s, fota_store_running_t *out, size_t max)
{
    if (!s || (max && !out))
        return FOTA_E_INVAL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT id, slot, imei, family, COALESCE(last_heard_at, started_at)"
                           " FROM attempts WHERE result IS NULL ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK) {
        fota_store_note(s);
        return FOTA_E_IO;
    }
    int n = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if ((size_t)n < max) {
            fota_store_running_t *r = &out[n];
            memset(r, 0, sizeof *r);
            r->id = sqlite3_column_int64(st, 0);
            copy_col(st, 1, r->slot, sizeof r->slot);
            copy_col(st, 2, r->imei, sizeof r->imei);
            copy_col(st, 3, r->family, sizeof r->family);
            const char *t = (const char *)sqlite3_column_text(st, 4);
            if (!t || fota_iso_parse(t, &r->heard_ms) < 0)
                r->heard_ms = 0;
        }
        n++;
    }
    if (rc != SQLITE_DONE) {
        fota_store_note(s);
        n = FOTA_E_IO;
    }
    sqlite3_finalize(st);
    return n;
}

int fota_store_latest_result(fota_store_t *s, const char *imei, fota_result_t *out)
{
    if (!s || !imei || !out)
        return FOTA_E_INVAL;
    sqlite3_stmt *st = s->st[ST_LATEST];
    sqlite3_bind_text(st, 1, imei, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st), found = 0;
    if (rc == SQLITE_ROW) {
        const char *r = (const char *)sqlite3_column_text(st, 0);
        found = 1;
        *out = strcmp(r, "PASS") == 0   ? FOTA_RESULT_PASS
               : strcmp(r, "FAIL") == 0 ? FOTA_RESULT_FAIL
                                        : FOTA_RESULT_INTERRUPTED;
    } else if (rc != SQLITE_DONE) {
        fota_store_note(s);
        found = FOTA_E_IO;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return found;
}

int fota_store_row_result(fota_store_t *s, int64_t id, char *out, size_t len)
{
    sqlite3_stmt *st = s->st[ST_ROW_RESULT];
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (len)
        out[0] = '\0';
    if (rc == SQLITE_ROW && len)
        snprintf(out, len, "%s", (const char *)sqlite3_column_text(st, 0));
    else if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        fota_store_note(s);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : FOTA_E_IO;
}

int fota_store_batch_yield(fota_store_t *s, const char *batch, fota_store_yield_t *out)
{
    sqlite3_stmt *st = s->st[ST_YIELD];
    memset(out, 0, sizeof *out);
    if (fota_store_bind_text(st, 1, batch) != SQLITE_OK) {
        sqlite3_reset(st);
        return FOTA_E_NOMEM;
    }
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->modules = sqlite3_column_int64(st, 0);
        out->first_pass = sqlite3_column_int64(st, 1);
        out->final_pass = sqlite3_column_int64(st, 2);
    } else {
        fota_store_note(s);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_ROW ? 0 : FOTA_E_IO;
}
