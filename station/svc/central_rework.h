/* `run --rework --central DSN`: the rework decision asks the central database
 * for an IMEI's newest verdict from any station.
 *
 * The question runs on libuv's thread pool (uv_queue_work): libpq's blocking
 * calls there, the answer back on the loop. A lookup is one short query on a
 * connection kept between lookups, with a 3 s connect timeout and a 3 s
 * statement timeout, so an unreachable server answers "offline" within
 * seconds and the job's rework_offline policy decides. Threads, not the
 * shipper process: a lookup needs an answer for one module now, and the pool
 * gives that without a protocol between processes. Lookups are serialised on
 * the one connection (a mutex): rework benches see a module every few
 * seconds, not hundreds. */
#ifndef FOTA_CENTRAL_REWORK_H
#define FOTA_CENTRAL_REWORK_H

#include <stddef.h>

#include <uv.h>

#include "fota_types.h"

typedef struct fota_central_rework fota_central_rework_t;

/* found: 1 with *result, 0 never seen centrally, -1 central unreachable (why
 * says so in words, the password scrubbed). Called on the loop. */
typedef void (*fota_central_answer_fn)(void *ctx, int found, fota_result_t result,
                                       const char *why);

fota_central_rework_t *fota_central_rework_new(uv_loop_t *loop, const char *dsn);
/* Asks; the answer comes later on the loop. 0, or a negative libuv error. */
int fota_central_rework_ask(fota_central_rework_t *c, const char *imei, fota_central_answer_fn cb,
                            void *ctx);
/* Questions in flight (the caller must not free a ctx with one pending). */
unsigned fota_central_rework_pending(const fota_central_rework_t *c);
/* After uv_run returned (no question in flight). */
void fota_central_rework_free(fota_central_rework_t *c);

#endif
