/* The station's attach socket: a unix stream socket `fota-station attach` viewers
 * connect to. The loop never waits for a viewer: every write is non-blocking; a
 * viewer that reads slower than frames come keeps at most the frame being written
 * and the latest one (older frames are replaced, never queued); one that takes no
 * byte for FOTA_ATTACH_STALL_MS is disconnected. What the bytes mean (frames one
 * way, lines of requests the other) is the app layer's (app/station_attach.c). */
#ifndef FOTA_STATION_ATTACH_SRV_H
#define FOTA_STATION_ATTACH_SRV_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#define FOTA_ATTACH_STALL_MS 10000
#define FOTA_ATTACH_MAX_CLIENTS 32

typedef struct fota_attach_srv fota_attach_srv_t;
typedef struct fota_attach_client fota_attach_client_t;

typedef struct {
    /* A viewer connected; returns its context (NULL refuses it). */
    void *(*on_open)(void *ctx, fota_attach_client_t *c);
    /* Bytes from the viewer, as they came (lines are the caller's to cut). */
    void (*on_data)(void *ctx, void *client_ctx, const char *data, size_t len);
    /* The viewer left or was disconnected (why: "closed", "stalled", ...). */
    void (*on_close)(void *ctx, void *client_ctx, const char *why);
} fota_attach_cbs_t;

/* The socket, in the station's lock folder (fota_lock_dir), named after a ports folder ("ports") or a results file ("db"): a hash of
 * the canonical path, so a relative name or a symlink finds the same socket.
 * 0, or a negative fota error. */
int fota_attach_path(const char *kind, const char *path, char *out, size_t cap);

/* Listens on `path` (an old socket there is removed: the caller holds the station's
 * locks), mode 0660, group `group` when that group exists. `alias` (may be NULL) is
 * made a symlink to it. 0, or -errno with nothing left behind. */
int fota_attach_srv_start(uv_loop_t *loop, const char *path, const char *alias,
                          const char *group, const fota_attach_cbs_t *cbs, void *ctx,
                          fota_attach_srv_t **out);
/* Closes every viewer and the socket, removes its path and alias. NULL is fine. */
void fota_attach_srv_stop(fota_attach_srv_t *s);
/* Sends one whole frame to one viewer without waiting: written now as far as the
 * socket takes it; otherwise it replaces any frame still waiting. A viewer whose
 * last write has waited FOTA_ATTACH_STALL_MS is disconnected instead. */
void fota_attach_send(fota_attach_client_t *c, const char *frame, size_t len);
/* Disconnects one viewer (its on_close follows). */
void fota_attach_drop(fota_attach_client_t *c, const char *why);
size_t fota_attach_count(const fota_attach_srv_t *s);

#endif
