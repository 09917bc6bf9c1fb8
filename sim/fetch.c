/* URL packages are really downloaded, from the server the URL names, with
 * libcurl on the libuv thread pool (never on the loop thread). A wrong host,
 * port, credential or path fails as it would on a line, and the failure is
 * reported with a code from the family's <ftp_err>/<http_err> table. */
#include "sim.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
    uv_work_t work;
    sim_module_t *m;
    char url[600];
    char ca[256];
    int insecure;
    uint64_t max;
    CURLcode rc;
    long resp;
    sim_buf_t body;
    int too_big;
} fetch_t;

static size_t write_cb(char *p, size_t sz, size_t n, void *ud)
{
    fetch_t *f = ud;
    size_t len = sz * n;
    if (f->body.len + len > f->max) {
        f->too_big = 1;
        return 0;
    }
    sim_buf_add(&f->body, p, len);
    return len;
}

static int progress_cb(void *ud, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
    (void)a, (void)b, (void)c, (void)d;
    fetch_t *f = ud;
    return f->m->sim->abort_fetch ? 1 : 0;
}

static void work_cb(uv_work_t *w)
{
    fetch_t *f = w->data;
    CURL *c = curl_easy_init();
    if (!c) {
        f->rc = CURLE_FAILED_INIT;
        return;
    }
    curl_easy_setopt(c, CURLOPT_URL, f->url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress_cb);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, f);
    curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 30L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,ftp");
    curl_easy_setopt(c, CURLOPT_FTP_USE_EPSV, 1L);
    if (f->insecure) { /* self-signed test servers: scenario tls_insecure / FOTA_SIM_TLS_INSECURE */
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (f->ca[0])
        curl_easy_setopt(c, CURLOPT_CAINFO, f->ca);
    f->rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &f->resp);
    curl_easy_cleanup(c);
}

/* EC200T has full tables (EC200T FOTA guide §4.1, §4.2); RG50xQ and EG06xK only know 601/701. */
static int map_error(const sim_module_t *m, const fetch_t *f)
{
    int ftp = strncasecmp(f->url, "ftp", 3) == 0;
    if (f->rc == CURLE_OK)
        return 0;
    if (m->fam->id != SIM_FAM_EC200T)
        return ftp ? 601 : 701;
    if (ftp) {
        switch (f->rc) {
        case CURLE_COULDNT_RESOLVE_HOST: return 604;
        case CURLE_COULDNT_CONNECT: return 605;
        case CURLE_OPERATION_TIMEDOUT: return 609;
        case CURLE_URL_MALFORMAT: return 610;
        case CURLE_LOGIN_DENIED: return 625;
        case CURLE_REMOTE_FILE_NOT_FOUND:
        case CURLE_FTP_COULDNT_RETR_FILE: return 627;
        case CURLE_PARTIAL_FILE: return 616;
        case CURLE_WRITE_ERROR: return f->too_big ? 619 : 613;
        case CURLE_RECV_ERROR:
        case CURLE_SEND_ERROR: return 608;
        default: return 601;
        }
    }
    switch (f->rc) {
    case CURLE_COULDNT_RESOLVE_HOST: return 714;
    case CURLE_COULDNT_CONNECT: return 716;
    case CURLE_OPERATION_TIMEDOUT: return 702;
    case CURLE_URL_MALFORMAT: return 711;
    case CURLE_HTTP_RETURNED_ERROR: return 723;
    case CURLE_RECV_ERROR: return 717;
    case CURLE_SEND_ERROR: return 718;
    case CURLE_WRITE_ERROR: return f->too_big ? 729 : 701;
    default: return 701;
    }
}

static void after_cb(uv_work_t *w, int status)
{
    fetch_t *f = w->data;
    sim_module_t *m = f->m;
    int err = status == 0 ? map_error(m, f) : 701;
    if (f->rc != CURLE_OK)
        sim_log(m, "download failed: %s (http %ld) -> %d", curl_easy_strerror(f->rc), f->resp, err);
    uint8_t *data = f->body.p;
    size_t len = f->body.len;
    if (err) {
        free(data);
        data = NULL;
        len = 0;
    }
    free(f);
    sim_fetch_done(m, err, data, len);
}

int sim_fetch_start(sim_module_t *m)
{
    fetch_t *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    f->m = m;
    f->work.data = f;
    snprintf(f->url, sizeof f->url, "%s", m->url);
    snprintf(f->ca, sizeof f->ca, "%s", m->ca_file);
    const char *env = getenv("FOTA_SIM_TLS_INSECURE");
    f->insecure = m->tls_insecure || (env && *env && strcmp(env, "0") != 0);
    uint64_t used = sim_file_used(m);
    f->max = m->free_space > used ? m->free_space - used : 0;
    m->fetch_busy = 1;
    if (uv_queue_work(m->sim->loop, &f->work, work_cb, after_cb) != 0) {
        m->fetch_busy = 0;
        free(f);
        return -1;
    }
    return 0;
}
