/* Schema of the results database and its forward migrations (docs/database.md). */
#ifndef FOTA_STORE_SCHEMA_H
#define FOTA_STORE_SCHEMA_H

#include <stddef.h>
#include <sqlite3.h>

#define FOTA_STORE_SCHEMA_VERSION 11
/* The step that added attempts.power_cycles (the shipper reads 0 before it). */
#define FOTA_STORE_POWER_VERSION 10

/* Brings a database at any earlier user_version (0 = empty file) to
 * FOTA_STORE_SCHEMA_VERSION, one step per version, each step in its own
 * transaction with user_version bumped inside it, so an interrupted upgrade
 * resumes where it stopped. A file newer than this build is refused
 * (FOTA_E_STATE): its columns may mean things this code does not know. */
int fota_store_schema_migrate(sqlite3 *db, char *errbuf, size_t errlen);
/* The same up to version `target` only: how the tests build the file an older
 * station left, from that schema's own steps. */
int fota_store_schema_migrate_to(sqlite3 *db, int target, char *errbuf, size_t errlen);

/* 1 when the file has this table, 0 when not (a file written by an older
 * station), -1 when SQLite cannot tell. */
int fota_store_has_table(sqlite3 *db, const char *name);

#endif
