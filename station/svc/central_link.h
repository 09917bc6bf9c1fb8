/* `run --central DSN`: the station's link to the central PostgreSQL.
 *
 * Why a child process (`fota-station ship --follow`) and not libpq's async API
 * on the station's loop: shipping is reading the station's own SQLite file and
 * writing the central database. On the loop, the reads of a backlog (after a
 * day offline: thousands of attempts and their transcripts) and libpq's
 * blocking parts (host name resolution inside PQconnectStart, the TLS
 * handshake's certificate files, ~/.pgpass) would all run between two ticks of
 * the line. In a process of its own none of it can stall a module, a libpq or
 * server fault cannot take the line down, the child's own SQLite connection
 * never shares the station's, and the code that ships is exactly the tested
 * `ship --follow`. The loop only reads the child's status lines from a pipe.
 * The DSN goes to the child in its environment (FOTA_CENTRAL_DSN), which only
 * the same user can read, never on its command line, which `ps` shows to all. */
#ifndef FOTA_CENTRAL_LINK_H
#define FOTA_CENTRAL_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

typedef struct fota_central_link fota_central_link_t;

/* Line-log callback: a state change in words (connected, offline since …). */
typedef void (*fota_central_log_fn)(void *ctx, const char *line);

/* Starts the shipper for db_path. 0, or a negative libuv error. */
int fota_central_link_start(uv_loop_t *loop, const char *db_path, const char *dsn,
                            fota_central_log_fn log, void *ctx, fota_central_link_t **out);

/* The station is stopping: the shipper ships what is committed and exits (at
 * most drain_ms, then it is killed). Its handles close when it is gone, so
 * uv_run returns after that. */
void fota_central_link_stop(fota_central_link_t *l, unsigned drain_ms);

/* After uv_run returned. */
void fota_central_link_free(fota_central_link_t *l);

/* The dashboard's words: "central: connected", "central: behind by 12
 * attempt(s)", "central: offline since 2025-11-23T08:00:00Z" or "central:
 * starting". Returns false when l is NULL (no --central). */
bool fota_central_link_state(const fota_central_link_t *l, char *buf, size_t len);

/* The same as figures, for the metrics: up while connected; behind is the
 * shipper's last count of finished attempts not yet shipped (it says so after
 * each round it ships, at most every 5 s); offline_ms how long the link has been
 * down (0 while connected or starting). Returns false when l is NULL. */
typedef struct {
    bool up;
    bool offline;          /* the shipper said "offline since" and not yet connected */
    long long behind;
    int64_t offline_ms;
} fota_central_lag_t;
bool fota_central_link_lag(const fota_central_link_t *l, fota_central_lag_t *out);

#endif
