/* Shipping a station's finished attempts and their events to the central
 * PostgreSQL (docs/database.md, "Central PostgreSQL").
 *
 * One round: read up to N finished attempts not yet in central_shipped (with
 * their events) from the SQLite file, COPY them into the central database and
 * INSERT … ON CONFLICT DO NOTHING on (station, local_id) in one transaction,
 * then record them in central_shipped. A crash between the central commit and
 * the local record ships them again, and the key absorbs it: at-least-once
 * transport, exactly-once rows. The same transaction first carries the
 * file's `runs` rows (station starts, the reports' traceability header) that
 * the central database does not have yet, also keyed by (station, local id);
 * where they stand is asked from the central database once per process
 * (central_ship.c, runs_seed), not recorded in the file. Blocking: used by
 * `ship` and by the shipper process that `run --central` starts, never on the
 * station's loop. */
#ifndef FOTA_CENTRAL_SHIP_H
#define FOTA_CENTRAL_SHIP_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

typedef struct fota_central_ship fota_central_ship_t;

/* Opens the station's file (migrating it to the current schema, which holds
 * central_shipped). 0, or a negative FOTA_E_* with the reason in errbuf. */
int fota_central_ship_open(const char *db_path, fota_central_ship_t **out, char *errbuf,
                           size_t errlen);
void fota_central_ship_close(fota_central_ship_t *s);

/* Ships up to max attempts, and every run not yet shipped. Returns how many
 * attempts (0: none waiting; runs may still have gone), or a negative FOTA_E_*
 * with the reason in errbuf (the central side failed: the caller checks
 * PQstatus to tell a lost link from a refused statement). */
int fota_central_ship_round(fota_central_ship_t *s, PGconn *c, int max, int64_t *events_out,
                            char *errbuf, size_t errlen);

/* Finished attempts not yet shipped (-1 on error). */
int64_t fota_central_ship_backlog(fota_central_ship_t *s);

#endif
