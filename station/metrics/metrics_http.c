/* The metrics' HTTP thread; see metrics_http.h. */
#include "metrics_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "util.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct fota_metrics_http {
    struct MHD_Daemon *d;
    int fd;                /* the listening socket, handed to libmicrohttpd */
    pthread_mutex_t lock;  /* page and len: held for a swap or a copy only */
    char *page;
    size_t len;
};

int fota_metrics_addr_parse(const char *addr, char *host, size_t host_cap, unsigned *port,
                            char *err, size_t err_cap)
{
    const char *colon = strrchr(addr, ':');
    const char *h = addr;
    size_t hlen = colon ? (size_t)(colon - addr) : 0;
    if (colon && addr[0] == '[') { /* [::1]:9477 */
        h = addr + 1;
        hlen = hlen >= 2 && addr[hlen - 1] == ']' ? hlen - 2 : 0;
        if (!hlen)
            colon = NULL;
    } else if (colon && memchr(addr, ':', hlen)) {
        colon = NULL; /* a bare IPv6 address: its port is ambiguous */
    }
    char *end = NULL;
    unsigned long p = 0;
    if (colon && colon[1] >= '0' && colon[1] <= '9') {
        errno = 0;
        p = strtoul(colon + 1, &end, 10);
    }
    if (!colon || !hlen || !end || *end || errno || p > 65535 || hlen >= host_cap) {
        snprintf(err, err_cap, "wants HOST:PORT (127.0.0.1:9477, [::1]:9477, 0.0.0.0:9477 for "
                               "every address), got '%s'", addr);
        return -1;
    }
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    *port = (unsigned)p;
    return 0;
}

/* A listening socket on host:port: the first address of the name that binds. */
static int metrics_listen(const char *host, unsigned port, char *err, size_t err_cap)
{
    char service[8];
    snprintf(service, sizeof service, "%u", port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host, service, &hints, &res);
    if (rc) {
        snprintf(err, err_cap, "cannot resolve %s: %s", host, gai_strerror(rc));
        return -1;
    }
    int fd = -1, e = 0;
    for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
        if (fd < 0) {
            e = errno;
            continue;
        }
        int one = 1; /* a restarted station rebinds while old connections linger */
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, a->ai_addr, a->ai_addrlen) != 0 || listen(fd, 16) != 0) {
            e = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0)
        snprintf(err, err_cap, "cannot listen on %s port %u: %s%s", host, port, strerror(e),
                 e == EADDRINUSE    ? " (another program, or another station, uses that port)"
                 : e == EADDRNOTAVAIL ? " (no interface of this PC has that address)"
                 : e == EACCES        ? " (ports below 1024 need privileges: choose another)"
                                      : "");
    return fd;
}

/* "HOST:PORT" of the socket as bound. */
static void metrics_bound(int fd, char *out, size_t cap)
{
    struct sockaddr_storage ss;
    socklen_t n = sizeof ss;
    char ip[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;
    if (getsockname(fd, (struct sockaddr *)&ss, &n) == 0) {
        if (ss.ss_family == AF_INET6) {
            struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
            inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof ip);
            port = ntohs(s6->sin6_port);
            snprintf(out, cap, "[%s]:%u", ip, port);
            return;
        }
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof ip);
        port = ntohs(s4->sin_port);
    }
    snprintf(out, cap, "%s:%u", ip, port);
}

static enum MHD_Result respond(struct MHD_Connection *c, unsigned status, char *body,
                               size_t len, enum MHD_ResponseMemoryMode mode)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
    if (!r) {
        if (mode == MHD_RESPMEM_MUST_FREE)
            free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE);
    enum MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

/* On the HTTP thread. GET (or HEAD) /metrics: a copy of the latest page. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **req_cls)
{
    fota_metrics_http_t *h = cls;
    (void)version;
    (void)upload_data;
    (void)upload_size;
    (void)req_cls;
    static char not_get[] = "only GET\n", not_here[] = "the metrics are at /metrics\n";
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return respond(c, MHD_HTTP_METHOD_NOT_ALLOWED, not_get, sizeof not_get - 1,
                       MHD_RESPMEM_PERSISTENT);
    if (strcmp(url, "/metrics") != 0)
        return respond(c, MHD_HTTP_NOT_FOUND, not_here, sizeof not_here - 1,
                       MHD_RESPMEM_PERSISTENT);
    pthread_mutex_lock(&h->lock);
    size_t len = h->len;
    char *copy = malloc(len ? len : 1);
    if (copy && len)
        memcpy(copy, h->page, len);
    pthread_mutex_unlock(&h->lock);
    if (!copy)
        return MHD_NO;
    return respond(c, MHD_HTTP_OK, copy, len, MHD_RESPMEM_MUST_FREE);
}

fota_metrics_http_t *fota_metrics_http_start(const char *addr, char *bound, size_t bound_cap,
                                             char *err, size_t err_cap)
{
    char host[256];
    unsigned port;
    if (fota_metrics_addr_parse(addr, host, sizeof host, &port, err, err_cap) < 0)
        return NULL;
    fota_metrics_http_t *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(err, err_cap, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&h->lock, NULL);
    h->fd = metrics_listen(host, port, err, err_cap);
    if (h->fd >= 0) {
        metrics_bound(h->fd, bound, bound_cap);
        /* epoll on Linux (MHD_USE_AUTO): no FD_SETSIZE ceiling on a station that
         * holds thousands of descriptors. */
        h->d = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD, 0, NULL, NULL, on_request, h,
                                MHD_OPTION_LISTEN_SOCKET, (MHD_socket)h->fd,
                                MHD_OPTION_CONNECTION_LIMIT,
                                (unsigned int)FOTA_METRICS_HTTP_CONNECTIONS,
                                MHD_OPTION_CONNECTION_TIMEOUT,
                                (unsigned int)FOTA_METRICS_HTTP_TIMEOUT_S, MHD_OPTION_END);
        if (!h->d)
            snprintf(err, err_cap, "cannot start the HTTP server on %s", bound);
        /* the socket is libmicrohttpd's from here on, closed by it (on a failed
         * start at worst left open until the exit that follows) */
    }
    if (!h->d) {
        pthread_mutex_destroy(&h->lock);
        free(h);
        return NULL;
    }
    return h;
}

void fota_metrics_http_publish(fota_metrics_http_t *h, char *text, size_t len)
{
    pthread_mutex_lock(&h->lock);
    char *old = h->page;
    h->page = text;
    h->len = len;
    pthread_mutex_unlock(&h->lock);
    free(old);
}

void fota_metrics_http_stop(fota_metrics_http_t *h)
{
    if (!h)
        return;
    MHD_stop_daemon(h->d); /* closes the listening socket too */
    pthread_mutex_destroy(&h->lock);
    free(h->page);
    free(h);
}
