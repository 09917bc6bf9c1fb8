/* Job YAML → fota_job_t (format: docs/profiles.md). Structure only: whether families, methods and
 * URLs fit the profiles is fota_job_validate()'s business, package bytes are
 * fota_job_load_packages()'s. Errors name file:line:column. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attempt.h"
#include "job.h"
#include "job_load_scans.h"
#include "secret_mask.h"
#include "yaml_doc.h"

static void set_pos(const yaml_node_t *n, int *line, int *col)
{
    *line = (int)n->start_mark.line + 1;
    *col = (int)n->start_mark.column + 1;
}

/* "packages/a.zip" relative to the job file's folder; absolute paths stay. */
static char *resolve(const char *dir, const char *file)
{
    if (file[0] == '/' || !dir || !dir[0])
        return strdup(file);
    size_t n = strlen(dir) + strlen(file) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, file);
    return p;
}

/* Base name for AT+QFUPL and reports: last path segment of the file or URL path,
 * without a query string. */
static char *base_name(const char *s)
{
    const char *end = s + strcspn(s, "?#");
    const char *b = s;
    for (const char *c = s; c < end; c++)
        if (*c == '/')
            b = c + 1;
    size_t n = (size_t)(end - b);
    char *r = malloc(n + 1);
    if (r) {
        memcpy(r, b, n);
        r[n] = '\0';
    }
    return r;
}

static void lower(char *s)
{
    for (; s && *s; s++)
        if (*s >= 'A' && *s <= 'F')
            *s = (char)(*s - 'A' + 'a');
}

/* scheme://host[:port]/…: the form a module's AT+QFOTADL takes. Whether the scheme
 * is one the family accepts is fota_job_validate's (it knows the profile). */
static int check_url_form(fota_yaml_t *y, yaml_node_t *n, const char *what, const char *u)
{
    size_t sl = strspn(u, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");
    if (sl == 0 || strncmp(u + sl, "://", 3) != 0)
        return fota_yaml_fail(y, n, "%s: '%.80s' is not a URL (expected scheme://host/file)",
                              what, u);
    const char *auth = u + sl + 3;
    size_t al = strcspn(auth, "/?#");
    const char *host = auth;
    for (const char *c = auth; c < auth + al; c++)
        if (*c == '@')
            host = c + 1; /* userinfo runs to the last '@' (RFC 3986) */
    size_t hl = (size_t)(auth + al - host);
    /* Names, IPv4 and [IPv6] literals, an optional :port, %-escapes. */
    size_t ok = strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                             ".-_:[]%");
    if (hl == 0 || host[0] == ':' || ok < hl)
        return fota_yaml_fail(y, n, "%s: '%.80s' has no valid host (expected scheme://host/file)",
                              what, u);
    return 0;
}

/* A url (packages[].url or a target's bare url) into pk: one AT-safe line in URL form. */
static int read_url(fota_yaml_t *y, yaml_node_t *n, const char *what, fota_package_t *pk)
{
    int rc = fota_yaml_str(y, n, what, &pk->url);
    if (!rc)
        rc = fota_yaml_at_safe(y, n, what, pk->url, true);
    if (!rc)
        rc = check_url_form(y, n, what, pk->url);
    if (!rc && !(pk->name = base_name(pk->url)))
        rc = FOTA_E_NOMEM;
    return rc;
}

/* The package's url: only method url fetches one (the module downloads it). */
static int read_package_url(fota_yaml_t *y, yaml_node_t *key, yaml_node_t *n,
                            const fota_target_t *t, fota_package_t *pk)
{
    if (t->method != FOTA_METHOD_URL)
        return fota_yaml_fail(y, key,
                              "packages[].url: only method 'url' downloads from a URL; "
                              "method '%s' needs 'file'",
                              fota_method_name(t->method));
    return read_url(y, n, "packages[].url", pk);
}

/* The package's file, relative to the job's folder; method url cannot use one. */
static int read_package_file(fota_yaml_t *y, yaml_node_t *key, yaml_node_t *n, const char *dir,
                             const fota_target_t *t, fota_package_t *pk)
{
    if (t->method == FOTA_METHOD_URL)
        return fota_yaml_fail(y, key,
                              "packages[].file: method 'url' needs 'url' (the module "
                              "downloads the package itself)");
    char *raw;
    int rc = fota_yaml_str(y, n, "packages[].file", &raw);
    if (rc)
        return rc;
    pk->file = resolve(dir, raw);
    pk->name = base_name(raw);
    free(raw);
    if (!pk->file || !pk->name)
        return FOTA_E_NOMEM;
    /* local uploads the file under its name: AT+QFUPL="<name>". */
    if (t->method == FOTA_METHOD_LOCAL)
        rc = fota_yaml_at_safe(y, n, "packages[].file (its name goes to AT+QFUPL)", pk->name,
                               true);
    return rc;
}

/* method_ok: the target's method is known; checks that depend on it are skipped
 * otherwise (the unknown method is reported once, on the target). */
static int read_package(fota_yaml_t *y, yaml_node_t *n, const char *dir, fota_target_t *t,
                        bool method_ok, fota_package_t *pk)
{
    enum { FROM, TO, FILE_, URL, SHA, NF };
    fota_yaml_field_t f[NF] = {
        [FROM] = {"from", false, 0, 0}, [TO] = {"to", false, 0, 0},
        [FILE_] = {"file", false, 0, 0}, [URL] = {"url", false, 0, 0},
        [SHA] = {"sha256", false, 0, 0},
    };
    int rc = fota_yaml_map(y, n, f, NF, "packages[]");
    if (n->type != YAML_MAPPING_NODE)
        return rc;
    set_pos(n, &pk->line, &pk->column);
    if (f[FROM].node)
        fota_yaml_stop(&rc, fota_yaml_str(y, f[FROM].node, "packages[].from", &pk->from));
    if (f[TO].node)
        fota_yaml_stop(&rc, fota_yaml_str(y, f[TO].node, "packages[].to", &pk->to));
    else if (t->to && !(pk->to = strdup(t->to))) /* a package leads to the target unless told */
        return FOTA_E_NOMEM;
    if (f[SHA].node &&
        !fota_yaml_stop(&rc, fota_yaml_str(y, f[SHA].node, "packages[].sha256", &pk->sha256)))
        /* Format is checked with the bytes (fota_job_load_packages) and by
         * fota_job_validate, so a "3f1c…" placeholder copied from an example still parses. */
        lower(pk->sha256);
    if (!!f[FILE_].node == !!f[URL].node) {
        fota_yaml_stop(&rc, fota_yaml_fail(y, f[FILE_].node ? f[URL].key_node : n,
                                           "packages[]: give exactly one of 'file' or 'url'"));
        return rc;
    }
    if (!method_ok)
        return rc;
    int r = f[URL].node ? read_package_url(y, f[URL].key_node, f[URL].node, t, pk)
                        : read_package_file(y, f[FILE_].key_node, f[FILE_].node, dir, t, pk);
    if (fota_yaml_stop(&rc, r) || r)
        return rc;
    /* The base name is what AT+QFUPL stores and reports show: it cannot be empty. */
    if (!pk->name[0]) {
        /* Quoted masked: the URL's password never reaches a message. */
        char shown[256];
        fota_secret_mask(pk->file ? pk->file : pk->url, shown, sizeof shown);
        fota_yaml_stop(&rc, fota_yaml_fail(y, f[FILE_].node ? f[FILE_].node : f[URL].node,
                                           "packages[]: '%.80s' names no file", shown));
    }
    return rc;
}

/* A bare `url:` on the target: one full image for any revision, pinned by the
 * target's own `sha256:` when given (the station fetches it at start to check). */
static int read_bare_url(fota_yaml_t *y, fota_yaml_field_t *url, fota_yaml_field_t *sha,
                         fota_target_t *t, fota_package_t *pk)
{
    if (t->method != FOTA_METHOD_URL)
        return fota_yaml_fail(y, url->key_node,
                              "targets[].url: only method 'url' downloads from a URL");
    set_pos(url->node, &pk->line, &pk->column);
    int rc = read_url(y, url->node, "targets[].url", pk);
    if (!rc && t->to && !(pk->to = strdup(t->to)))
        rc = FOTA_E_NOMEM;
    if (sha->node &&
        !fota_yaml_stop(&rc, fota_yaml_str(y, sha->node, "targets[].sha256", &pk->sha256)))
        lower(pk->sha256); /* format: as a package's sha256 (read_package) */
    return rc;
}

/* A target's sha256 pins its bare url, nothing else: packages carry their own. */
static int check_target_sha(fota_yaml_t *y, const fota_yaml_field_t *sha,
                            const fota_yaml_field_t *url)
{
    if (!sha->node || url->node)
        return 0;
    return fota_yaml_fail(y, sha->key_node,
                          "targets[].sha256: pins the target's bare 'url', and this target "
                          "has none (a package in 'packages' gives its own sha256)");
}

/* The target's packages: list and bare url, read after its method (method_ok). */
static int read_packages(fota_yaml_t *y, yaml_node_t *target, fota_yaml_field_t *list,
                         fota_yaml_field_t *url, fota_yaml_field_t *sha, const char *dir,
                         bool method_ok, fota_target_t *t)
{
    if (!list->node && !url->node)
        return fota_yaml_fail(y, target, "targets[]: needs 'packages' or 'url'");
    size_t cnt = 0;
    int rc = list->node ? fota_yaml_seq(y, list->node, "targets[].packages", &cnt) : 0;
    if (!rc && list->node && cnt == 0)
        rc = fota_yaml_fail(y, list->node, "targets[].packages: the list is empty");
    size_t total = cnt + (url->node ? 1 : 0);
    if (!total)
        return rc;
    if (!(t->packages = calloc(total, sizeof *t->packages)))
        return FOTA_E_NOMEM;
    t->n_packages = total;
    for (size_t i = 0; i < cnt; i++)
        if (fota_yaml_stop(&rc, read_package(y, fota_yaml_item(y, list->node, i), dir, t,
                                             method_ok, &t->packages[i])))
            return rc;
    if (url->node && method_ok)
        fota_yaml_stop(&rc, read_bare_url(y, url, sha, t, &t->packages[cnt]));
    return rc;
}

static int read_target(fota_yaml_t *y, yaml_node_t *n, const char *dir, fota_target_t *t)
{
    enum { MODELS, FAMILY, TO, METHOD, PACKAGES, URL, SHA, NF };
    fota_yaml_field_t f[NF] = {
        [MODELS] = {"models", false, 0, 0},  [FAMILY] = {"family", false, 0, 0},
        [TO] = {"to", true, 0, 0},           [METHOD] = {"method", true, 0, 0},
        [PACKAGES] = {"packages", false, 0, 0}, [URL] = {"url", false, 0, 0},
        [SHA] = {"sha256", false, 0, 0},
    };
    int rc = fota_yaml_map(y, n, f, NF, "targets[]");
    if (n->type != YAML_MAPPING_NODE)
        return rc;
    set_pos(n, &t->line, &t->column);
    if (!!f[MODELS].node == !!f[FAMILY].node)
        rc = fota_yaml_fail(y, f[MODELS].node ? f[FAMILY].key_node : n,
                            "targets[]: give exactly one of 'models' or 'family'");
    else if (f[MODELS].node)
        fota_yaml_stop(&rc, fota_yaml_str_list(y, f[MODELS].node, "targets[].models",
                                               &t->models, &t->n_models));
    else
        fota_yaml_stop(&rc, fota_yaml_str(y, f[FAMILY].node, "targets[].family", &t->family));
    fota_yaml_stop(&rc, fota_yaml_str(y, f[TO].node, "targets[].to", &t->to));
    const char *m = fota_yaml_scalar(f[METHOD].node);
    bool method_ok = m && fota_method_from_name(m, &t->method) == 0;
    if (!method_ok)
        fota_yaml_stop(&rc, fota_yaml_fail(y, f[METHOD].node,
                                           "targets[].method: unknown method '%.40s' (expected "
                                           "one of: url, local, stream, qfua, qfaw)",
                                           m ? m : ""));
    fota_yaml_stop(&rc, check_target_sha(y, &f[SHA], &f[URL]));
    fota_yaml_stop(&rc, read_packages(y, n, &f[PACKAGES], &f[URL], &f[SHA], dir, method_ok, t));
    return rc;
}

static int read_limits(fota_yaml_t *y, yaml_node_t *n, fota_limits_t *l)
{
    fota_yaml_field_t f[] = {
        {"max_parallel", false, 0, 0},     {"max_transfers", false, 0, 0},
        {"max_per_hub", false, 0, 0},      {"stop_after_same_failures", false, 0, 0},
        {"transcript_kib", false, 0, 0},   {"transcript_lines", false, 0, 0},
        {"flood_kib_per_s", false, 0, 0},  {"flood_s", false, 0, 0},
        {"usb_devices_per_controller", false, 0, 0},
        {"port_health_failures", false, 0, 0},
    };
    unsigned *dst[] = {&l->max_parallel,    &l->max_transfers,    &l->max_per_hub,
                       &l->stop_after_same_failures, &l->transcript_kib, &l->transcript_lines,
                       &l->flood_kib_per_s, &l->flood_s, &l->usb_devices_per_controller,
                       &l->port_health_failures};
    /* max_per_hub, the transcript bounds, the flood rate, the controller budget and
     * the port health: 0 = none (job.h). */
    static const long lo[] = {1, 1, 0, 0, 0, 0, 0, 1, 0, 0};
    static const long hi[] = {100000, 100000, 100000, 100000, 4194304, 10000000, 1048576, 3600,
                              100000, 1000};
    enum { N_LIMITS = sizeof f / sizeof f[0] };
    int rc = fota_yaml_map(y, n, f, N_LIMITS, "limits");
    for (size_t i = 0; i < N_LIMITS; i++) {
        if (!f[i].node)
            continue;
        char what[48];
        snprintf(what, sizeof what, "limits.%s", f[i].key);
        long v;
        if (!fota_yaml_stop(&rc, fota_yaml_long(y, f[i].node, what, lo[i], hi[i], &v)))
            *dst[i] = (unsigned)v;
    }
    return rc;
}

static int read_timeouts(fota_yaml_t *y, yaml_node_t *n, fota_job_timeouts_t *t)
{
    fota_yaml_field_t f[] = {
        {"command", false, 0, 0}, {"reboot", false, 0, 0},       {"download", false, 0, 0},
        {"stall", false, 0, 0},   {"total", false, 0, 0},        {"ports_settle", false, 0, 0},
        {"probe", false, 0, 0},
    };
    unsigned *dst[] = {&t->command_ms, &t->reboot_ms,       &t->download_ms, &t->stall_ms,
                       &t->total_ms,   &t->ports_settle_ms, &t->probe_ms};
    const unsigned hi[] = {86400000, 86400000, 86400000, 86400000, 86400000, 60000, 600000};
    int rc = fota_yaml_map(y, n, f, 7, "timeouts");
    for (size_t i = 0; i < 7; i++) {
        if (!f[i].node)
            continue;
        char what[48];
        snprintf(what, sizeof what, "timeouts.%s", f[i].key);
        /* 0 = the profile's value */
        fota_yaml_stop(&rc, fota_yaml_seconds(y, f[i].node, what, 0, hi[i], dst[i]));
    }
    return rc;
}

static int read_rework_offline(fota_yaml_t *y, yaml_node_t *n, fota_job_t *j)
{
    char *v = NULL;
    int rc = fota_yaml_str(y, n, "rework_offline", &v);
    if (rc)
        return rc;
    bool local = strcmp(v, "local") == 0, refuse = strcmp(v, "refuse") == 0;
    free(v);
    if (!local && !refuse)
        return fota_yaml_fail(y, n, "rework_offline: must be refuse (the default) or local");
    j->rework_offline_local = local;
    return 0;
}

/* power: {enabled, off, max_cycles, method}: sysfs (the default) or uhubctl as the
 * fallback where the port's `disable` file is missing or refused. */
static int read_power(fota_yaml_t *y, yaml_node_t *n, fota_power_t *p)
{
    enum { ENABLED, OFF, MAX, METHOD, NF };
    fota_yaml_field_t f[NF] = {
        [ENABLED] = {"enabled", false, 0, 0}, [OFF] = {"off", false, 0, 0},
        [MAX] = {"max_cycles", false, 0, 0},  [METHOD] = {"method", false, 0, 0},
    };
    int rc = fota_yaml_map(y, n, f, NF, "power");
    p->enabled = true; /* a power: section switches it on unless it says enabled: false */
    if (f[ENABLED].node)
        fota_yaml_stop(&rc, fota_yaml_bool(y, f[ENABLED].node, "power.enabled", &p->enabled));
    if (f[OFF].node)
        fota_yaml_stop(&rc, fota_yaml_seconds(y, f[OFF].node, "power.off", 500, 60000,
                                              &p->off_ms));
    long v;
    if (f[MAX].node &&
        !fota_yaml_stop(&rc, fota_yaml_long(y, f[MAX].node, "power.max_cycles", 1, 10, &v)))
        p->max_cycles = (unsigned)v;
    if (f[METHOD].node) {
        char *m = NULL;
        if (!fota_yaml_stop(&rc, fota_yaml_str(y, f[METHOD].node, "power.method", &m))) {
            if (strcmp(m, "uhubctl") == 0)
                p->uhubctl = true;
            else if (strcmp(m, "sysfs") != 0)
                fota_yaml_stop(&rc, fota_yaml_fail(y, f[METHOD].node,
                                                   "power.method: must be sysfs (the port's "
                                                   "disable file, the default) or uhubctl"));
        }
        free(m);
    }
    return rc;
}

static int read_targets(fota_yaml_t *y, yaml_node_t *n, fota_job_t *j)
{
    size_t cnt = 0;
    int rc = fota_yaml_seq(y, n, "targets", &cnt);
    if (rc)
        return rc;
    if (cnt == 0)
        return fota_yaml_fail(y, n, "targets: the list is empty");
    if (!(j->targets = calloc(cnt, sizeof *j->targets)))
        return FOTA_E_NOMEM;
    j->n_targets = cnt;
    for (size_t i = 0; i < cnt; i++)
        if (fota_yaml_stop(&rc, read_target(y, fota_yaml_item(y, n, i), j->dir, &j->targets[i])))
            break;
    return rc;
}

/* A name every attempt row carries: refused when longer than the row holds. */
static int read_name(fota_yaml_t *y, yaml_node_t *n, const char *what, size_t max,
                     const char *why, char **out)
{
    int rc = fota_yaml_str(y, n, what, out);
    if (rc || !*out || strlen(*out) <= max)
        return rc;
    return fota_yaml_fail(y, n, "%s: %zu bytes, at most %zu (%s)", what, strlen(*out), max, why);
}

static int read_job(fota_yaml_t *y, fota_job_t *j)
{
    enum { NAME, STATION, TARGETS, LIMITS, TIMEOUTS, REWORK_OFFLINE, SCANS, POWER, NF };
    fota_yaml_field_t f[NF] = {
        [NAME] = {"name", true, 0, 0},       [STATION] = {"station", false, 0, 0},
        [TARGETS] = {"targets", true, 0, 0}, [LIMITS] = {"limits", false, 0, 0},
        [TIMEOUTS] = {"timeouts", false, 0, 0}, [REWORK_OFFLINE] = {"rework_offline", false, 0, 0},
        [SCANS] = {"scans", false, 0, 0},
        [POWER] = {"power", false, 0, 0},
    };
    yaml_node_t *root = fota_yaml_root(y);
    int rc = fota_yaml_map(y, root, f, NF, "job");
    if (root->type != YAML_MAPPING_NODE)
        return rc;
    /* Independent sections: each is read whatever the others held. */
    fota_yaml_stop(&rc, read_name(y, f[NAME].node, "name", FOTA_BATCH_MAX,
                                  "the default batch, recorded on every row", &j->name));
    if (f[STATION].node)
        fota_yaml_stop(&rc, read_name(y, f[STATION].node, "station", FOTA_STATION_MAX,
                                      "recorded on every row", &j->station));
    fota_yaml_stop(&rc, read_targets(y, f[TARGETS].node, j));
    if (f[LIMITS].node)
        fota_yaml_stop(&rc, read_limits(y, f[LIMITS].node, &j->limits));
    if (f[TIMEOUTS].node)
        fota_yaml_stop(&rc, read_timeouts(y, f[TIMEOUTS].node, &j->timeouts));
    if (f[REWORK_OFFLINE].node)
        fota_yaml_stop(&rc, read_rework_offline(y, f[REWORK_OFFLINE].node, j));
    if (f[SCANS].node)
        fota_yaml_stop(&rc, fota_job_read_scans(y, f[SCANS].node, j));
    if (f[POWER].node)
        fota_yaml_stop(&rc, read_power(y, f[POWER].node, &j->power));
    return rc;
}

int fota_job_load_buffer_all(const char *name, const char *dir, const char *text, size_t len,
                             fota_job_t **out, fota_load_errors_t *errs)
{
    *out = NULL;
    fota_yaml_t y;
    int rc = fota_yaml_open(&y, name, text, len, errs);
    if (rc)
        return rc;
    fota_job_t *j = calloc(1, sizeof *j);
    if (!j) {
        fota_yaml_close(&y);
        return FOTA_E_NOMEM;
    }
    /* Documented defaults (docs/profiles.md). */
    j->limits = (fota_limits_t){.max_parallel = 64, .max_transfers = 16, .max_per_hub = 4,
                                .stop_after_same_failures = 5, .transcript_kib = 2048,
                                .transcript_lines = 20000, .flood_kib_per_s = 64, .flood_s = 30,
                                .usb_devices_per_controller = 32, .port_health_failures = 3};
    j->timeouts.ports_settle_ms = j->timeouts.probe_ms = FOTA_TIMEOUT_UNSET;
    j->power.max_cycles = FOTA_POWER_MAX_CYCLES_DEFAULT;
    j->source = strdup(name ? name : "<input>");
    j->dir = strdup(dir ? dir : ".");
    rc = fota_yaml_done(&y, j->source && j->dir ? read_job(&y, j) : FOTA_E_NOMEM);
    fota_yaml_close(&y);
    if (rc) {
        /* Never half-used: one wrong value refuses the whole job. */
        fota_job_free(j);
        return rc;
    }
    *out = j;
    return 0;
}

int fota_job_load_buffer(const char *name, const char *dir, const char *text, size_t len,
                         fota_job_t **out, fota_load_error_t *err)
{
    fota_load_errors_t l = {.n = 0};
    return fota_load_errors_first(&l, fota_job_load_buffer_all(name, dir, text, len, out, &l),
                                  err);
}

int fota_job_load_file_all(const char *path, fota_job_t **out, fota_load_errors_t *errs)
{
    *out = NULL;
    char *text;
    size_t len;
    int rc = fota_yaml_read_file(path, &text, &len);
    if (rc) {
        fota_yaml_io_error(errs, path, rc);
        return rc;
    }
    /* Package paths are relative to the job file's folder. */
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    rc = dir ? fota_job_load_buffer_all(path, dir, text, len, out, errs) : FOTA_E_NOMEM;
    free(dir);
    free(text);
    return rc;
}

int fota_job_load_file(const char *path, fota_job_t **out, fota_load_error_t *err)
{
    fota_load_errors_t l = {.n = 0};
    return fota_load_errors_first(&l, fota_job_load_file_all(path, out, &l), err);
}
