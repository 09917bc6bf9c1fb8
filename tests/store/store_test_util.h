/* Helpers shared by the store tests: fresh database files and one-value queries
 * through a second, independent connection (what an MES would see). */
#ifndef STORE_TEST_UTIL_H
#define STORE_TEST_UTIL_H

#include <stdint.h>
#include <sqlite3.h>

#include "attempt.h"

/* Removes name, name-wal, name-shm. */
void tu_remove_db(const char *name);
/* A filled-in attempt as the station would hand it over at the start. */
void tu_attempt(fota_attempt_t *a, const char *imei, const char *batch, int64_t started_ms);
/* Opens a separate read connection. */
sqlite3 *tu_reader(const char *path);
/* First column of the first row as integer / malloc'd text (NULL for SQL NULL). */
int64_t tu_int(sqlite3 *db, const char *sql);
char *tu_text(sqlite3 *db, const char *sql);

#endif
