/* `run --metrics HOST:PORT`: the HTTP side of the metrics, libmicrohttpd on its own
 * thread (MHD_USE_INTERNAL_POLLING_THREAD), so that no scraper, however slow, ever
 * holds the station's loop.
 *
 * The loop renders the page (metrics_render.h) and hands it over with
 * fota_metrics_http_publish; the HTTP thread only copies the latest page under a
 * mutex that either side holds for a pointer swap or a memcpy, never across a
 * socket operation. A scraper that connects and never reads costs the HTTP thread
 * one connection until its timeout, and the loop nothing. */
#ifndef FOTA_STATION_METRICS_HTTP_H
#define FOTA_STATION_METRICS_HTTP_H

#include <stddef.h>

typedef struct fota_metrics_http fota_metrics_http_t;

/* Scrapers at once (Prometheus keeps one connection; a second server, a curl by
 * hand) and how long an idle or stalled one is kept. */
#define FOTA_METRICS_HTTP_CONNECTIONS 16
#define FOTA_METRICS_HTTP_TIMEOUT_S 10

/* "HOST:PORT", "[V6]:PORT": host copied to host (without brackets), port 0..65535
 * (0: any free port). 0, or -1 with the reason in err. */
int fota_metrics_addr_parse(const char *addr, char *host, size_t host_cap, unsigned *port,
                            char *err, size_t err_cap);

/* Binds and listens on addr, starts the HTTP thread. NULL with the reason in err
 * ("address already in use", "cannot resolve host …"). bound gets "HOST:PORT" as
 * bound (the port chosen for port 0). */
fota_metrics_http_t *fota_metrics_http_start(const char *addr, char *bound, size_t bound_cap,
                                             char *err, size_t err_cap);
/* The page from now on; takes text (malloc'd, len bytes). */
void fota_metrics_http_publish(fota_metrics_http_t *h, char *text, size_t len);
/* Stops the thread (closing its connections) and frees; NULL is fine. */
void fota_metrics_http_stop(fota_metrics_http_t *h);

#endif
