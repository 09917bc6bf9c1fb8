/* Connecting to the central PostgreSQL without ever showing its password. The
 * DSN is whatever libpq takes (a "key=value" string or a postgresql:// URI);
 * PGPASSFILE/~/.pgpass, sslmode and the PG* variables work as libpq does,
 * because the string goes to libpq untouched. Only what we print is scrubbed. */
#ifndef FOTA_CENTRAL_CONN_H
#define FOTA_CENTRAL_CONN_H

#include <stddef.h>

#include <libpq-fe.h>

/* "user@host:port/dbname" for messages, from libpq's own parse of the DSN (so
 * both forms and the PG* defaults are understood); never the password. */
void fota_central_label(const char *dsn, char *out, size_t outlen);

/* Copies msg to out with every trace of the DSN's password replaced by "***":
 * the password itself wherever it appears, URL userinfo (fota_secret_mask) and
 * any "password=…" keyword. Trailing newlines (libpq's) are dropped. */
void fota_central_scrub(const char *dsn, const char *msg, char *out, size_t outlen);

/* Blocking connect (for `ship`, `report` and the shipper process, never the
 * station's loop): returns the connection, or NULL with the scrubbed reason. */
PGconn *fota_central_connect(const char *dsn, char *errbuf, size_t errlen);

#endif
