/* Job lookups and checks: which target a module gets, whether the job fits the
 * profiles (families, methods, URL and path rules), freeing. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "job.h"
#include "secret_mask.h"
#include "sha256.h"

static void free_package(fota_package_t *p)
{
    free(p->from);
    free(p->to);
    free(p->file);
    free(p->url);
    free(p->sha256);
    free(p->name);
    if (!p->data_borrowed)
        free(p->data);
}

void fota_job_free(fota_job_t *j)
{
    if (!j)
        return;
    for (size_t t = 0; t < j->n_targets; t++) {
        fota_target_t *tg = &j->targets[t];
        for (size_t i = 0; i < tg->n_models; i++)
            free(tg->models[i]);
        free(tg->models);
        free(tg->family);
        free(tg->to);
        for (size_t i = 0; i < tg->n_packages; i++)
            free_package(&tg->packages[i]);
        free(tg->packages);
    }
    free(j->targets);
    free(j->source);
    free(j->dir);
    free(j->name);
    free(j->station);
    for (size_t k = 0; k < FOTA_SCAN_N; k++)
        if (j->scans[k].pattern) {
            regfree(&j->scans[k].re);
            free(j->scans[k].pattern);
        }
    free(j);
}

const fota_target_t *fota_job_match(const fota_job_t *j, const fota_profile_t *profile,
                                    const char *model)
{
    /* A target naming the model beats one naming its family; among model targets
     * the longest name wins ("RM500Q-GL" over "RM500Q"). */
    const fota_target_t *best = NULL;
    size_t best_len = 0;
    for (size_t t = 0; model && t < j->n_targets; t++)
        for (size_t i = 0; i < j->targets[t].n_models; i++) {
            size_t l = fota_profile_model_fit(j->targets[t].models[i], model);
            if (l > best_len) {
                best_len = l;
                best = &j->targets[t];
            }
        }
    if (best)
        return best;
    for (size_t t = 0; profile && t < j->n_targets; t++)
        if (j->targets[t].family && strcasecmp(j->targets[t].family, profile->family) == 0)
            return &j->targets[t];
    return NULL;
}

typedef struct {
    const fota_job_t *j;
    fota_job_issue_cb cb;
    void *ctx;
    int count;
} issues_t;

static void issue(issues_t *is, int line, int column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void issue(issues_t *is, int line, int column, const char *fmt, ...)
{
    fota_load_error_t e;
    snprintf(e.file, sizeof e.file, "%s", is->j->source);
    e.line = line;
    e.column = column;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e.message, sizeof e.message, fmt, ap);
    va_end(ap);
    is->count++;
    if (is->cb)
        is->cb(is->ctx, &e);
}

static void check_url(issues_t *is, const fota_profile_t *p, const fota_method_profile_t *m,
                      const fota_package_t *pk)
{
    const char *u = pk->url;
    const char *sep = strstr(u, "://");
    size_t sl = sep ? (size_t)(sep - u) : 0;
    bool scheme_ok = false;
    for (size_t i = 0; sep && i < m->n_schemes; i++)
        /* Case-insensitive: Quectel's notes print both "FTP://" and "ftp://"
         * (EG06xK DFOTA note §3.3.1.1). */
        scheme_ok |= strlen(m->schemes[i]) == sl && strncasecmp(m->schemes[i], u, sl) == 0;
    char shown[256]; /* quoted masked: the password never reaches a message */
    fota_secret_mask(u, shown, sizeof shown);
    if (!scheme_ok)
        issue(is, pk->line, pk->column, "url '%.60s': %s accepts only %s%s%s%s%s URLs", shown,
              p->family, m->n_schemes > 0 ? m->schemes[0] : "",
              m->n_schemes > 1 ? ", " : "", m->n_schemes > 1 ? m->schemes[1] : "",
              m->n_schemes > 2 ? ", " : "", m->n_schemes > 2 ? m->schemes[2] : "");
    size_t len = strlen(u);
    if (len > m->max_url_len)
        issue(is, pk->line, pk->column, "url is %zu bytes; %s accepts at most %zu", len,
              p->family, m->max_url_len);
    if (m->ftp_root_only && sep && sl == 3 && strncasecmp(u, "ftp", 3) == 0) {
        const char *path = strchr(sep + 3, '/');
        if (path && strchr(path + 1, '/'))
            issue(is, pk->line, pk->column,
                  "url path '%.60s': %s fetches FTP files only from the server's root "
                  "folder; put the package in the root folder (ftp://host/FILE) or "
                  "serve it over HTTP",
                  path, p->family);
    }
}

static void check_local(issues_t *is, const fota_profile_t *p, const fota_method_profile_t *m,
                        const fota_package_t *pk)
{
    size_t nl = strlen(pk->name);
    if (nl > m->max_name_len)
        issue(is, pk->line, pk->column, "file name '%.60s' is %zu bytes; AT+QFUPL on %s "
                                        "accepts at most %zu",
              pk->name, nl, p->family, m->max_name_len);
    size_t pl = strlen(m->local_prefix) + nl;
    if (pl > m->max_path_len)
        issue(is, pk->line, pk->column, "path %s%.60s is %zu bytes; %s accepts at most %zu",
              m->local_prefix, pk->name, pl, p->family, m->max_path_len);
}

static void check_target_family(issues_t *is, const fota_target_t *t, const fota_profile_t *p)
{
    const fota_method_profile_t *m = &p->methods[t->method];
    if (!m->supported) {
        char list[80] = "";
        size_t used = 0;
        for (int i = 0; i < FOTA_METHOD__COUNT; i++)
            if (p->methods[i].supported && used < sizeof list)
                used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                                         used ? ", " : "", fota_method_name((fota_method_t)i));
        issue(is, t->line, t->column, "method '%s' is not supported by %s (supported: %s)",
              fota_method_name(t->method), p->family, list);
        return;
    }
    for (size_t i = 0; i < t->n_packages; i++) {
        const fota_package_t *pk = &t->packages[i];
        if (pk->url)
            check_url(is, p, m, pk);
        else if (t->method == FOTA_METHOD_LOCAL)
            check_local(is, p, m, pk);
    }
}

int fota_job_validate(const fota_job_t *j, const fota_profile_set_t *profiles,
                      fota_job_issue_cb cb, void *ctx)
{
    issues_t is = {j, cb, ctx, 0};
    for (size_t t = 0; t < j->n_targets; t++) {
        const fota_target_t *tg = &j->targets[t];
        /* The families this target applies to, each checked once. */
        const fota_profile_t *seen[16];
        size_t n_seen = 0;
        if (tg->family) {
            const fota_profile_t *p = fota_profile_set_find_family(profiles, tg->family);
            if (p)
                seen[n_seen++] = p;
            else
                issue(&is, tg->line, tg->column, "family '%.60s' has no profile", tg->family);
        }
        for (size_t i = 0; i < tg->n_models; i++) {
            const fota_profile_t *p = fota_profile_set_match_model(profiles, tg->models[i]);
            if (!p) {
                issue(&is, tg->line, tg->column, "model '%.60s' matches no profile",
                      tg->models[i]);
                continue;
            }
            size_t k = 0;
            while (k < n_seen && seen[k] != p)
                k++;
            if (k == n_seen && n_seen < sizeof seen / sizeof seen[0])
                seen[n_seen++] = p;
        }
        for (size_t k = 0; k < n_seen; k++)
            check_target_family(&is, tg, seen[k]);
        bool reaches = false;
        for (size_t i = 0; i < tg->n_packages; i++) {
            const fota_package_t *pk = &tg->packages[i];
            reaches |= fota_revision_equal(pk->to, tg->to);
            if (pk->sha256 && !fota_sha256_hex_valid(pk->sha256))
                issue(&is, pk->line, pk->column, "sha256 '%.70s' is not 64 hex digits",
                      pk->sha256);
        }
        if (!reaches)
            issue(&is, tg->line, tg->column, "no package leads to the target revision %.80s",
                  tg->to);
    }
    return is.count;
}
