/* Inside the results database writer: what store.c (writes, transactions, errors)
 * and store_read.c (the station's look-ups) share. Nothing outside reports/store*.c
 * includes this. */
#ifndef FOTA_REPORTS_STORE_INT_H
#define FOTA_REPORTS_STORE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "store.h"

typedef struct {
    int64_t attempt_id;
    int64_t t_ms;
    int64_t heard_ms; /* store clock when buffered: becomes last_heard_at */
    fota_trace_dir_t dir;
    char *text;       /* already masked */
} pending_event_t;

enum {
    ST_BEGIN,
    ST_IDENTIFY,
    ST_FINISH,
    ST_EVENT,
    ST_HEARD,
    ST_LATEST,
    ST_RECOVER,
    ST_YIELD,
    ST_ROW_RESULT,
    ST__COUNT
};

struct fota_store {
    sqlite3 *db;
    sqlite3_stmt *st[ST__COUNT];
    pending_event_t *ev;
    size_t n_ev, cap_ev, ev_bytes;
    int64_t (*now_ms)(void *ctx);
    void *now_ctx;
    int last_rc;      /* extended SQLite code of the last failure */
    int last_errno;   /* the system's errno behind it (ENOSPC, EROFS…) */
    char last_msg[160];
    bool relaxed;     /* synchronous=NORMAL for the next transaction (transcript only) */
};

/* Remembers the connection's last error (code, errno, words) for fota_store_last_error. */
void fota_store_note(fota_store_t *s);
/* Binds text as stored: secrets masked, valid UTF-8, "" as NULL. */
int fota_store_bind_text(sqlite3_stmt *st, int idx, const char *v);

#endif
