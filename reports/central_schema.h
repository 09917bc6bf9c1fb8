/* The central PostgreSQL database (docs/database.md, "Central PostgreSQL"): the
 * same attempts, events and runs as a station's SQLite file, keyed by
 * (station, local_id), with views across stations. Migrations are versioned
 * like the SQLite ones: an ordered list of steps, each in its own transaction. */
#ifndef FOTA_CENTRAL_SCHEMA_H
#define FOTA_CENTRAL_SCHEMA_H

#include <stddef.h>

#include <libpq-fe.h>

#define FOTA_CENTRAL_SCHEMA_VERSION 7

/* Brings the central database to FOTA_CENTRAL_SCHEMA_VERSION. Each step runs in
 * its own transaction under an advisory lock, so twenty stations starting at
 * once run each step once. A database newer than this build is refused
 * (FOTA_E_STATE). Blocking: called by `ship` and the shipper process, never on
 * the station's loop. */
int fota_central_migrate(PGconn *c, char *errbuf, size_t errlen);

/* The schema version of the central database, -1 when it has none (or on error). */
int fota_central_version(PGconn *c);

#endif
