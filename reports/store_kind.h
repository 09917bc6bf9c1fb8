/* Is this file ours? Before the station switches a file to WAL or adds a table, it
 * reads what the file already is, so a database of another program given as --db by
 * mistake is refused and left exactly as it was (docs/database.md, "Which files the
 * station takes"). */
#ifndef FOTA_STORE_KIND_H
#define FOTA_STORE_KIND_H

#include <stddef.h>
#include <sqlite3.h>

typedef enum {
    FOTA_STORE_KIND_EMPTY,   /* new or empty: no schema, user_version 0: initialised */
    FOTA_STORE_KIND_OURS,    /* a results database (user_version >= 1, table attempts) */
    FOTA_STORE_KIND_NEWER,   /* ours, written by a newer build: refused, not changed */
    FOTA_STORE_KIND_FOREIGN, /* anything else: refused, not changed */
    FOTA_STORE_KIND_UNREADABLE, /* SQLite could not read it (I/O error, full disk while
                                 * opening a WAL file): the caller's own open says why */
} fota_store_kind_t;

/* Reads only (the header, sqlite_schema): nothing is written. why gets the reason
 * in words for NEWER and FOREIGN (a file that is not SQLite at all is FOREIGN). */
fota_store_kind_t fota_store_kind(sqlite3 *db, char *why, size_t len);

/* PRAGMA quick_check, reading only: 0 when SQLite says "ok", else -1 with its
 * first findings (or the error that stopped it) in why, on one line. */
int fota_store_intact(sqlite3 *db, char *why, size_t len);

#endif
