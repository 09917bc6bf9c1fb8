/* Profile YAML → fota_profile_t (schema in docs/profiles.md).
 * Strict: an unknown key, a wrong type, a missing field or a duplicate key is an
 * error naming file:line:column, so a typo in a profile never silently changes how
 * a module is driven on the line. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yaml_profile.h"

static int read_usb(fota_yaml_t *y, yaml_node_t *n, fota_profile_t *p)
{
    enum { VENDOR, PRODUCTS, IFACE };
    fota_yaml_field_t f[] = {
        [VENDOR] = {"vendor", true, 0, 0},
        [PRODUCTS] = {"products", false, 0, 0},
        [IFACE] = {"at_interface", false, 0, 0},
    };
    int rc = fota_yaml_map(y, n, f, 3, "usb");
    if (rc)
        return rc;
    long v;
    /* "unknown" everywhere here means: the station probes the port with AT. */
    if (!fota_yaml_is_unknown(f[VENDOR].node)) {
        if ((rc = fota_yaml_long(y, f[VENDOR].node, "usb.vendor", 1, 0xffff, &v)))
            return rc;
        p->usb_vendor = (uint16_t)v;
    }
    if (f[IFACE].node && !fota_yaml_is_unknown(f[IFACE].node)) {
        if ((rc = fota_yaml_long(y, f[IFACE].node, "usb.at_interface", 0, 255, &v)))
            return rc;
        p->at_interface = (int)v;
    }
    if (!f[PRODUCTS].node || fota_yaml_is_unknown(f[PRODUCTS].node))
        return 0;
    size_t cnt;
    if ((rc = fota_yaml_seq(y, f[PRODUCTS].node, "usb.products", &cnt)))
        return rc;
    p->usb_products = calloc(cnt ? cnt : 1, sizeof *p->usb_products);
    p->usb_at_interfaces = calloc(cnt ? cnt : 1, sizeof *p->usb_at_interfaces);
    if (!p->usb_products || !p->usb_at_interfaces)
        return FOTA_E_NOMEM;
    for (size_t i = 0; i < cnt; i++) {
        enum { ID, PIFACE };
        fota_yaml_field_t pf[] = {
            [ID] = {"id", true, 0, 0},
            [PIFACE] = {"at_interface", false, 0, 0},
        };
        yaml_node_t *it = fota_yaml_item(y, f[PRODUCTS].node, i);
        if ((rc = fota_yaml_map(y, it, pf, 2, "usb.products[]")))
            return rc;
        if ((rc = fota_yaml_long(y, pf[ID].node, "usb.products[].id", 0, 0xffff, &v)))
            return rc;
        p->usb_products[i] = (uint16_t)v;
        p->usb_at_interfaces[i] = p->at_interface;
        if (pf[PIFACE].node) {
            if (fota_yaml_is_unknown(pf[PIFACE].node)) {
                p->usb_at_interfaces[i] = -1;
            } else {
                if ((rc = fota_yaml_long(y, pf[PIFACE].node, "usb.products[].at_interface", 0,
                                         255, &v)))
                    return rc;
                p->usb_at_interfaces[i] = (int)v;
            }
        }
        p->n_usb_products = i + 1;
    }
    return 0;
}

static int read_identify(fota_yaml_t *y, yaml_node_t *n, fota_profile_t *p)
{
    enum { MODEL, IMEI, FALLBACK, REV };
    fota_yaml_field_t f[] = {
        [MODEL] = {"model", true, 0, 0},
        [IMEI] = {"imei", true, 0, 0},
        [FALLBACK] = {"imei_fallback", false, 0, 0},
        [REV] = {"revision", false, 0, 0},
    };
    int rc = fota_yaml_map(y, n, f, 4, "identify");
    if (!rc)
        rc = fota_yaml_str(y, f[MODEL].node, "identify.model", &p->ident_command);
    if (!rc)
        rc = fota_yaml_str(y, f[IMEI].node, "identify.imei", &p->imei_command);
    if (!rc && f[FALLBACK].node)
        rc = fota_yaml_str(y, f[FALLBACK].node, "identify.imei_fallback",
                           &p->imei_fallback_command);
    if (!rc && f[REV].node)
        rc = fota_yaml_str(y, f[REV].node, "identify.revision", &p->revision_command);
    return rc;
}

static int read_urc(fota_yaml_t *y, yaml_node_t *n, fota_profile_t *p)
{
    fota_yaml_field_t f[] = {{"prefix", true, 0, 0}, {"tag", true, 0, 0}};
    int rc = fota_yaml_map(y, n, f, 2, "urc");
    if (!rc)
        rc = fota_yaml_str(y, f[0].node, "urc.prefix", &p->urc_prefix);
    if (!rc)
        rc = fota_yaml_str(y, f[1].node, "urc.tag", &p->urc_tag);
    return rc;
}

static int read_timeouts(fota_yaml_t *y, yaml_node_t *n, fota_profile_t *p)
{
    fota_yaml_field_t f[] = {
        {"command", true, 0, 0}, {"reboot", true, 0, 0},        {"download", true, 0, 0},
        {"stall", true, 0, 0},   {"total", true, 0, 0},         {"ports_settle", false, 0, 0},
        {"probe", false, 0, 0},
    };
    fota_timeouts_t *t = &p->timeouts;
    unsigned *dst[] = {&t->command_ms, &t->reboot_ms,       &t->download_ms, &t->stall_ms,
                       &t->total_ms,   &t->ports_settle_ms, &t->probe_ms};
    /* A day is far beyond any FOTA phase; a module's ports settle within a minute. */
    const unsigned lo[] = {1, 1, 1, 1, 1, 0, 1000};
    const unsigned hi[] = {86400000, 86400000, 86400000, 86400000, 86400000, 60000, 600000};
    t->ports_settle_ms = FOTA_PORTS_SETTLE_DEFAULT_MS;
    t->probe_ms = FOTA_PROBE_DEFAULT_MS;
    int rc = fota_yaml_map(y, n, f, 7, "timeouts");
    for (size_t i = 0; !rc && i < 7; i++) {
        if (!f[i].node)
            continue;
        char what[40];
        snprintf(what, sizeof what, "timeouts.%s", f[i].key);
        rc = fota_yaml_seconds(y, f[i].node, what, lo[i], hi[i], dst[i]);
    }
    return rc;
}

/* Optional `quiet:` mapping; today's fixed waits are the defaults. */
static int read_quiet(fota_yaml_t *y, yaml_node_t *n, fota_profile_t *p)
{
    fota_yaml_field_t f[] = {{"boot", false, 0, 0}, {"resync", false, 0, 0},
                             {"give_up", false, 0, 0}, {"hop", false, 0, 0}};
    unsigned *dst[] = {&p->quiet.boot_ms, &p->quiet.resync_ms, &p->quiet.give_up_ms,
                       &p->quiet.hop_ms};
    const unsigned hi[] = {60000, 10000, 600000, 60000};
    int rc = n ? fota_yaml_map(y, n, f, 4, "quiet") : 0;
    for (size_t i = 0; n && !rc && i < 4; i++) {
        if (!f[i].node)
            continue;
        char what[40];
        snprintf(what, sizeof what, "quiet.%s", f[i].key);
        rc = fota_yaml_seconds(y, f[i].node, what, 0, hi[i], dst[i]);
    }
    return rc;
}

static int read_profile(fota_yaml_t *y, fota_profile_t *p)
{
    enum { FAMILY, MODELS, USB, IDENT, URC, RETRIES, PHASES, PATTERNS, METHODS, TIMEOUTS,
           ERRORS, QUIET, NF };
    fota_yaml_field_t f[NF] = {
        [FAMILY] = {"family", true, 0, 0},       [MODELS] = {"models", true, 0, 0},
        [USB] = {"usb", false, 0, 0},            [IDENT] = {"identify", true, 0, 0},
        [URC] = {"urc", false, 0, 0},            [RETRIES] = {"module_retries", true, 0, 0},
        [PHASES] = {"phase_names", false, 0, 0}, [PATTERNS] = {"text_patterns", false, 0, 0},
        [METHODS] = {"methods", true, 0, 0},     [TIMEOUTS] = {"timeouts", true, 0, 0},
        [ERRORS] = {"errors", true, 0, 0},       [QUIET] = {"quiet", false, 0, 0},
    };
    yaml_node_t *root = fota_yaml_root(y);
    int rc = fota_yaml_map(y, root, f, NF, "profile");
    if (rc)
        return rc;
    if ((rc = fota_yaml_str(y, f[FAMILY].node, "family", &p->family)))
        return rc;
    if ((rc = fota_yaml_str_list(y, f[MODELS].node, "models", &p->models, &p->n_models)))
        return rc;
    if (f[USB].node && !fota_yaml_is_unknown(f[USB].node) &&
        (rc = read_usb(y, f[USB].node, p)))
        return rc;
    if ((rc = read_identify(y, f[IDENT].node, p)))
        return rc;
    if (f[URC].node && (rc = read_urc(y, f[URC].node, p)))
        return rc;
    if (f[PHASES].node && !f[URC].node)
        return fota_yaml_fail(y, f[PHASES].key_node,
                              "phase_names: needs 'urc' (the prefix and tag they follow)");
    long v;
    if ((rc = fota_yaml_long(y, f[RETRIES].node, "module_retries", 0, 100, &v)))
        return rc;
    p->module_retries = (int)v;
    if (f[PHASES].node && (rc = fota_profile_read_phase_names(y, f[PHASES].node, p)))
        return rc;
    if (f[PATTERNS].node && (rc = fota_profile_read_text_patterns(y, f[PATTERNS].node, p)))
        return rc;
    if (!p->n_phase_names && !p->n_text_patterns)
        return fota_yaml_fail(y, root, "profile: needs phase_names or text_patterns, or no "
                                       "FOTA progress can be recognised");
    if ((rc = fota_profile_read_methods(y, f[METHODS].node, p)))
        return rc;
    if ((rc = read_timeouts(y, f[TIMEOUTS].node, p)))
        return rc;
    if ((rc = read_quiet(y, f[QUIET].node, p)))
        return rc;
    return fota_profile_read_errors(y, f[ERRORS].node, p);
}

int fota_profile_load_buffer(const char *name, const char *text, size_t len,
                             fota_profile_t **out, fota_load_error_t *err)
{
    *out = NULL;
    fota_yaml_t y;
    int rc = fota_yaml_open(&y, name, text, len, err);
    if (rc)
        return rc;
    fota_profile_t *p = calloc(1, sizeof *p);
    if (!p) {
        fota_yaml_close(&y);
        return FOTA_E_NOMEM;
    }
    p->at_interface = -1;
    p->quiet = (fota_quiet_t){FOTA_QUIET_BOOT_DEFAULT_MS, FOTA_QUIET_RESYNC_DEFAULT_MS,
                              FOTA_QUIET_GIVE_UP_DEFAULT_MS, FOTA_QUIET_HOP_DEFAULT_MS};
    p->source = strdup(name ? name : "<input>");
    rc = p->source ? read_profile(&y, p) : FOTA_E_NOMEM;
    fota_yaml_close(&y);
    if (rc) {
        fota_profile_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

static void io_error(fota_load_error_t *err, const char *path, int rc)
{
    fota_yaml_io_error(err, path, rc);
}

int fota_profile_load_file(const char *path, fota_profile_t **out, fota_load_error_t *err)
{
    *out = NULL;
    char *text;
    size_t len;
    int rc = fota_yaml_read_file(path, &text, &len);
    if (rc) {
        io_error(err, path, rc);
        return rc;
    }
    rc = fota_profile_load_buffer(path, text, len, out, err);
    free(text);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_yaml_name(const char *n)
{
    size_t l = strlen(n);
    return n[0] != '.' && l > 5 && strcmp(n + l - 5, ".yaml") == 0;
}

int fota_profile_set_load_dir(const char *dir, fota_profile_set_t *out, fota_load_error_t *err)
{
    memset(out, 0, sizeof *out);
    DIR *d = opendir(dir);
    if (!d) {
        int rc = fota_error_from_errno(errno);
        io_error(err, dir, rc);
        return rc;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    struct dirent *e;
    while (!rc && (e = readdir(d)) != NULL) {
        if (!is_yaml_name(e->d_name))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn) {
                rc = FOTA_E_NOMEM;
                break;
            }
            names = nn;
        }
        if (!(names[n] = strdup(e->d_name)))
            rc = FOTA_E_NOMEM;
        else
            n++;
    }
    closedir(d);
    if (!rc)
        qsort(names, n, sizeof *names, cmp_str);
    if (!rc && n == 0) {
        io_error(err, dir, FOTA_E_NOENT);
        if (err)
            snprintf(err->message, sizeof err->message, "no *.yaml profile in this folder");
        rc = FOTA_E_NOENT;
    }
    if (!rc && !(out->v = calloc(n, sizeof *out->v)))
        rc = FOTA_E_NOMEM;
    for (size_t i = 0; !rc && i < n; i++) {
        size_t pl = strlen(dir) + strlen(names[i]) + 2;
        char *path = malloc(pl);
        if (!path) {
            rc = FOTA_E_NOMEM;
            break;
        }
        snprintf(path, pl, "%s/%s", dir, names[i]);
        fota_profile_t *p;
        rc = fota_profile_load_file(path, &p, err);
        free(path);
        if (rc)
            break;
        /* Two files claiming one family would make lookups depend on file order. */
        if (fota_profile_set_find_family(out, p->family)) {
            if (err) {
                snprintf(err->file, sizeof err->file, "%s", p->source);
                err->line = err->column = 1;
                snprintf(err->message, sizeof err->message,
                         "family '%.60s' is already defined by another profile", p->family);
            }
            fota_profile_free(p);
            rc = FOTA_E_PARSE;
            break;
        }
        out->v[out->n++] = p;
    }
    fota_yaml_free_strv(names, n);
    if (rc)
        fota_profile_set_free(out);
    return rc;
}
