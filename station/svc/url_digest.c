/* URL packages pinned by a sha256; see url_digest.h. */
#include "url_digest.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "secret_mask.h"
#include "sha256.h"

/* Where the userinfo of the URL u ends (its '@'), or NULL when it has none. The
 * password's extent is secret_mask's rule, so what it masks we hide here too. */
static const char *userinfo_end(const char *u, const char **start)
{
    const char *sep = strstr(u, "://");
    if (!sep)
        return NULL;
    *start = sep + 3;
    const char *pw;
    size_t pl;
    if (fota_secret_find(sep, &pw, &pl))
        return pw + pl;
    const char *at = NULL;
    for (const char *c = *start; *c && !strchr("/?#\"\r\n", *c); c++)
        if (*c == '@')
            at = c;
    return at;
}

void fota_url_digest_shown(const char *u, char *out, size_t outlen)
{
    const char *start, *end = userinfo_end(u, &start);
    if (!end)
        snprintf(out, outlen, "%s", u);
    else
        snprintf(out, outlen, "%.*s***%s", (int)(start - u), u, end);
}

/* Every occurrence of secret in buf replaced by "***", in place. */
static void blank_out(char *buf, size_t cap, const char *secret)
{
    size_t n = strlen(secret);
    if (n == 0)
        return;
    for (char *p = buf; (p = strstr(p, secret)) != NULL;) {
        size_t rest = strlen(p + n);
        if ((size_t)(p - buf) + 3 + rest + 1 > cap) { /* no room: cut the text here */
            snprintf(p, cap - (size_t)(p - buf), "***");
            return;
        }
        memmove(p + 3, p + n, rest + 1);
        memcpy(p, "***", 3);
        p += 3;
    }
}

/* secret (n bytes, as written in the URL) and its %-decoded form, out of buf. */
static void blank_both(char *buf, size_t cap, const char *secret, size_t n)
{
    char *raw = strndup(secret, n);
    if (!raw) { /* cannot scrub: say nothing rather than the secret */
        snprintf(buf, cap, "(the reason is withheld: out of memory)");
        return;
    }
    blank_out(buf, cap, raw);
    free(raw);
    int dl = 0;
    char *dec = curl_easy_unescape(NULL, secret, (int)n, &dl);
    if (dec) {
        if (memchr(dec, '\0', (size_t)dl) == NULL) /* a "%00" cannot be in a message */
            blank_out(buf, cap, dec);
        curl_free(dec);
    }
}

void fota_url_digest_scrub(const char *u, const char *msg, char *out, size_t outlen)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", msg ? msg : "");
    const char *start, *end = userinfo_end(u, &start);
    if (end) {
        const char *colon = memchr(start, ':', (size_t)(end - start));
        const char *user_end = colon ? colon : end;
        if (colon)
            blank_both(buf, sizeof buf, colon + 1, (size_t)(end - colon - 1));
        /* A user name is no secret by itself, but "ftp" or "fw" would blank out
         * ordinary words: names of 3 bytes or more only. */
        if (user_end - start >= 3)
            blank_both(buf, sizeof buf, start, (size_t)(user_end - start));
    }
    fota_secret_mask(buf, out, outlen);
}

/* One fetch's running hash. */
typedef struct {
    fota_sha256_t h;
    uint64_t bytes;
} fetch_t;

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
    fetch_t *f = ctx;
    fota_sha256_update(&f->h, p, size * n);
    f->bytes += size * n;
    return size * n;
}

/* What an operator checks for libcurl's usual failures (its own text says what
 * happened, not what to look at). */
static const struct {
    CURLcode rc;
    const char *text;
} hints[] = {
    {CURLE_COULDNT_CONNECT, "is the server up and its address right?"},
    {CURLE_COULDNT_RESOLVE_HOST, "is the server's name right, and the name service up?"},
    {CURLE_LOGIN_DENIED, "the server refused the login: check the user and password in the URL"},
    {CURLE_REMOTE_ACCESS_DENIED, "the server refused the login or the path: check the user and "
                                 "password in the URL, and the file's path"},
    {CURLE_REMOTE_FILE_NOT_FOUND, "the server has no file at that path"},
    {CURLE_HTTP_RETURNED_ERROR, "the server has no such file, or refuses it"},
    {CURLE_PEER_FAILED_VERIFICATION, "the server's certificate is not trusted by this machine: "
                                     "add its CA to the system's certificates"},
};

/* Fetches url and hashes it into hex; 0, or -1 with why (not yet scrubbed). */
static int fetch_hash(const char *url, const fota_url_fetch_limits_t *lim, char hex[65],
                      uint64_t *bytes, char *why, size_t whylen)
{
    CURL *c = curl_easy_init();
    if (!c) {
        snprintf(why, whylen, "libcurl could not start");
        return -1;
    }
    fetch_t f = {.bytes = 0};
    fota_sha256_init(&f.h);
    char ebuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &f);
    curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
    /* The module fetches this very URL, redirects or not: hash what it names. */
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    /* Nor through a proxy the environment names: modules reach the server directly,
     * and a proxy's cached copy is not what they would get. */
    curl_easy_setopt(c, CURLOPT_PROXY, "");
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,ftp");
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, lim->connect_s);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, lim->stall_s);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, lim->total_s);
    curl_easy_setopt(c, CURLOPT_FTP_USE_EPSV, 1L);
    CURLcode rc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK) {
        char hint[160] = "";
        if (rc == CURLE_OPERATION_TIMEDOUT)
            snprintf(hint, sizeof hint, " (timed out: the station waits %ld s to connect, %ld s "
                     "without data, %ld s for the whole file)", lim->connect_s, lim->stall_s,
                     lim->total_s);
        for (size_t i = 0; i < sizeof hints / sizeof hints[0]; i++)
            if (hints[i].rc == rc)
                snprintf(hint, sizeof hint, " (%s)", hints[i].text);
        snprintf(why, whylen, "%s%s", ebuf[0] ? ebuf : curl_easy_strerror(rc), hint);
        return -1;
    }
    bool http = strncasecmp(url, "http", 4) == 0;
    if (http && (code < 200 || code >= 300)) {
        snprintf(why, whylen, "the server answered HTTP %ld, not the file (a redirect is not "
                              "followed: give the URL the file is at)", code);
        return -1;
    }
    uint8_t d[32];
    fota_sha256_final(&f.h, d);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    *bytes = f.bytes;
    return 0;
}

/* An earlier package of the job with the same URL, already fetched. */
static const fota_package_t *fetched_before(const fota_job_t *job, const fota_package_t *pk)
{
    for (size_t t = 0; t < job->n_targets; t++)
        for (size_t i = 0; i < job->targets[t].n_packages; i++) {
            const fota_package_t *o = &job->targets[t].packages[i];
            if (o == pk)
                return NULL;
            if (o->url && o->sha256_actual[0] && strcmp(o->url, pk->url) == 0)
                return o;
        }
    return NULL;
}

/* One pinned package: fetched (or its twin's digest reused) and compared. */
static int check_one(const fota_job_t *job, fota_package_t *pk,
                     const fota_url_fetch_limits_t *lim, FILE *out, FILE *err)
{
    char shown[600];
    fota_url_digest_shown(pk->url, shown, sizeof shown);
    const fota_package_t *twin = fetched_before(job, pk);
    uint64_t bytes = 0;
    if (twin) {
        memcpy(pk->sha256_actual, twin->sha256_actual, sizeof pk->sha256_actual);
    } else {
        fprintf(out, "URL package %s: fetching %s to check its sha256 ...\n", pk->name, shown);
        fflush(out);
        char why[512], clean[512];
        if (fetch_hash(pk->url, lim, pk->sha256_actual, &bytes, why, sizeof why) < 0) {
            fota_url_digest_scrub(pk->url, why, clean, sizeof clean);
            fprintf(err,
                    "%s:%d:%d: URL package %s: cannot fetch %s to check its sha256: %s; "
                    "the job is refused, since its sha256 pins the file every module would "
                    "download (remove the sha256 to run without this check)\n",
                    job->source, pk->line, pk->column, pk->name, shown, clean);
            pk->sha256_actual[0] = '\0';
            return 1;
        }
    }
    if (strcmp(pk->sha256_actual, pk->sha256) != 0) {
        fprintf(err,
                "%s:%d:%d: URL package %s: sha256 mismatch for %s: the job says %s, the "
                "server's file has %s; the job is refused (every module would download a "
                "file other than the one pinned)\n",
                job->source, pk->line, pk->column, pk->name, shown, pk->sha256,
                pk->sha256_actual);
        pk->sha256_actual[0] = '\0';
        return 1;
    }
    if (twin)
        fprintf(out, "URL package %s: same URL as %s, sha256 matched\n", pk->name, twin->name);
    else
        fprintf(out, "URL package %s: %llu bytes fetched, sha256 matched\n", pk->name,
                (unsigned long long)bytes);
    return 0;
}

int fota_url_digest_check(fota_job_t *job, const fota_url_fetch_limits_t *lim, FILE *out,
                          FILE *err)
{
    int refused = 0;
    bool started = false;
    for (size_t t = 0; t < job->n_targets; t++)
        for (size_t i = 0; i < job->targets[t].n_packages; i++) {
            fota_package_t *pk = &job->targets[t].packages[i];
            if (!pk->url || !pk->sha256)
                continue;
            if (!started && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
                fprintf(err, "%s: libcurl could not start: URL packages cannot be checked\n",
                        job->source);
                return 1;
            }
            started = true;
            refused += check_one(job, pk, lim, out, err);
        }
    if (started)
        curl_global_cleanup();
    return refused;
}
