#include "usb_watch.h"

#include <stdlib.h>

static void usb_watch_scan(fota_usb_watch_t *w)
{
    fota_usb_dev_t *d = NULL;
    size_t n = 0;
    if (fota_usb_list(&d, &n) < 0)
        return;
    w->cb(w->ctx, d, n);
    free(d);
}

static void usb_watch_cb(uv_timer_t *t)
{
    usb_watch_scan(t->data);
}

void fota_usb_watch_start(fota_usb_watch_t *w, uv_loop_t *loop, unsigned every_ms,
                          fota_usb_watch_cb cb, void *ctx)
{
    w->cb = cb;
    w->ctx = ctx;
    usb_watch_scan(w);
    uv_timer_init(loop, &w->timer);
    w->timer.data = w;
    uv_timer_start(&w->timer, usb_watch_cb, every_ms, every_ms);
    w->on = true;
}

static void usb_watch_closed(uv_handle_t *h)
{
    (void)h;
}

void fota_usb_watch_stop(fota_usb_watch_t *w)
{
    if (!w->on)
        return;
    w->on = false;
    uv_close((uv_handle_t *)&w->timer, usb_watch_closed);
}
