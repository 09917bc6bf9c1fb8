/* Table port_service: which slots are out of service (store_ports.h). */
#include "store_ports.h"

#include <string.h>

#include "iso_time.h"
#include "store_int.h"
#include <stdio.h>

static void copy(char *dst, size_t cap, const unsigned char *src)
{
    snprintf(dst, cap, "%s", src ? (const char *)src : "");
}

int fota_store_port_set(fota_store_t *s, const char *slot, bool off, const char *reason,
                        int64_t at_ms)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO port_service(slot, out_of_service, reason, changed_at)"
                           " VALUES (?1, ?2, ?3, ?4) ON CONFLICT(slot) DO UPDATE SET"
                           " out_of_service = ?2, reason = ?3, changed_at = ?4",
                           -1, &st, NULL) != SQLITE_OK) {
        fota_store_note(s);
        return FOTA_E_IO;
    }
    char when[FOTA_ISO_LEN];
    sqlite3_bind_text(st, 1, slot, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 2, off ? 1 : 0);
    if (reason && reason[0])
        sqlite3_bind_text(st, 3, reason, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, 3);
    sqlite3_bind_text(st, 4, fota_iso_format(at_ms, when), -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
        fota_store_note(s);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : FOTA_E_IO;
}

int fota_store_port_list(fota_store_t *s, bool only_off, fota_store_port_t *out, size_t max)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT slot, out_of_service, COALESCE(reason, ''), changed_at"
                           " FROM port_service WHERE out_of_service = 1 OR NOT ?1"
                           " ORDER BY out_of_service DESC, slot",
                           -1, &st, NULL) != SQLITE_OK) {
        fota_store_note(s);
        return FOTA_E_IO;
    }
    sqlite3_bind_int(st, 1, only_off ? 1 : 0);
    size_t n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n < max) {
            fota_store_port_t *p = &out[n];
            memset(p, 0, sizeof *p);
            copy(p->slot, sizeof p->slot, sqlite3_column_text(st, 0));
            p->off = sqlite3_column_int(st, 1) != 0;
            copy(p->reason, sizeof p->reason, sqlite3_column_text(st, 2));
            copy(p->changed_at, sizeof p->changed_at, sqlite3_column_text(st, 3));
        }
        n++;
    }
    if (rc != SQLITE_DONE)
        fota_store_note(s);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? (int)(n > 1000000 ? 1000000 : n) : FOTA_E_IO;
}
