/* One direction of a byte relay between two descriptors on the GLib main loop:
 * read `from` while nothing is pending, watch `to` for room while something is, so
 * a peer that stops reading (a module with RTS/CTS throttling its host) throttles
 * the writer on the other side instead of losing bytes. */
#ifndef FOTA_TESTS_USB_HUB_PIPE_H
#define FOTA_TESTS_USB_HUB_PIPE_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct hub_pipe hub_pipe_t;

/* on_data sees every chunk read (before it is written on); on_end is called once
 * when `from` reports EOF/EIO/HUP; the pipe stops itself before calling it. */
typedef struct {
    void *ctx;
    void (*on_data)(void *ctx, const unsigned char *d, size_t n);
    void (*on_end)(void *ctx);
} hub_pipe_cbs_t;

/* to < 0: a sink (bytes are read and counted, never written anywhere). */
hub_pipe_t *hub_pipe_new(int from, int to, const hub_pipe_cbs_t *cbs);
void hub_pipe_free(hub_pipe_t *p);

#endif
