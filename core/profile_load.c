/* Profile YAML → fota_profile_t (schema in docs/profiles.md).
 * Strict: an unknown key, a wrong type, a missing field or a duplicate key is an
 * error naming file:line:column, so a typo in a profile never silently changes how
 * a module is driven on the line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "yaml_profile.h"

/* One usb.products[] entry; the profile-wide at_interface is its default. */
static int read_product(fota_yaml_t *y, yaml_node_t *it, fota_profile_t *p, size_t i)
{
    enum { ID, PIFACE };
    fota_yaml_field_t pf[] = {
        [ID] = {"id", true, 0, 0},
        [PIFACE] = {"at_interface", false, 0, 0},
    };
    long v;
    int rc = fota_yaml_map(y, it, pf, 2, "usb.products[]");
    p->usb_at_interfaces[i] = p->at_interface;
    if (!fota_yaml_stop(&rc, fota_yaml_long(y, pf[ID].node, "usb.products[].id", 0, 0xffff, &v)))
        p->usb_products[i] = (uint16_t)v;
    if (!pf[PIFACE].node)
        return rc;
    if (fota_yaml_is_unknown(pf[PIFACE].node))
        p->usb_at_interfaces[i] = -1;
    else if (!fota_yaml_stop(&rc, fota_yaml_long(y, pf[PIFACE].node,
                                                 "usb.products[].at_interface", 0, 255, &v)))
        p->usb_at_interfaces[i] = (int)v;
    return rc;
}

static int read_usb(fota_yaml_t *y, yaml_node_t *n, fota_profile_t *p)
{
    enum { VENDOR, PRODUCTS, IFACE };
    fota_yaml_field_t f[] = {
        [VENDOR] = {"vendor", true, 0, 0},
        [PRODUCTS] = {"products", false, 0, 0},
        [IFACE] = {"at_interface", false, 0, 0},
    };
    int rc = fota_yaml_map(y, n, f, 3, "usb");
    long v;
    /* "unknown" everywhere here means: the station probes the port with AT. */
    if (f[VENDOR].node && !fota_yaml_is_unknown(f[VENDOR].node) &&
        !fota_yaml_stop(&rc, fota_yaml_long(y, f[VENDOR].node, "usb.vendor", 1, 0xffff, &v)))
        p->usb_vendor = (uint16_t)v;
    if (f[IFACE].node && !fota_yaml_is_unknown(f[IFACE].node) &&
        !fota_yaml_stop(&rc, fota_yaml_long(y, f[IFACE].node, "usb.at_interface", 0, 255, &v)))
        p->at_interface = (int)v;
    if (!f[PRODUCTS].node || fota_yaml_is_unknown(f[PRODUCTS].node))
        return rc;
    size_t cnt = 0;
    if (fota_yaml_stop(&rc, fota_yaml_seq(y, f[PRODUCTS].node, "usb.products", &cnt)) || !cnt)
        return rc;
    p->usb_products = calloc(cnt, sizeof *p->usb_products);
    p->usb_at_interfaces = calloc(cnt, sizeof *p->usb_at_interfaces);
    if (!p->usb_products || !p->usb_at_interfaces)
        return FOTA_E_NOMEM;
    p->n_usb_products = cnt;
    for (size_t i = 0; i < cnt; i++)
        if (fota_yaml_stop(&rc, read_product(y, fota_yaml_item(y, f[PRODUCTS].node, i), p, i)))
            break;
    return rc;
}

/* identify.transient_errors: CME codes (0..65535) and the word ERROR, each once. */
static int read_transient_errors(fota_yaml_t *y, yaml_node_t *n, fota_ident_retry_t *t)
{
    const char *what = "identify.transient_errors";
    size_t cnt = 0;
    int rc = fota_yaml_seq(y, n, what, &cnt);
    if (rc)
        return rc;
    t->n_codes = 0;
    t->plain_error = false;
    for (size_t i = 0; i < cnt; i++) {
        yaml_node_t *it = fota_yaml_item(y, n, i);
        const char *s = fota_yaml_scalar(it);
        if (s && strcasecmp(s, "ERROR") == 0) {
            if (t->plain_error)
                fota_yaml_stop(&rc, fota_yaml_fail(y, it, "%s: ERROR is listed twice", what));
            t->plain_error = true;
            continue;
        }
        if (s && it->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && (*s < '0' || *s > '9')) {
            fota_yaml_stop(&rc, fota_yaml_fail(y, it, "%s: expected a +CME ERROR code or "
                                                      "ERROR, found '%.40s'", what, s));
            continue;
        }
        long v;
        int one = fota_yaml_long(y, it, what, 0, 65535, &v);
        if (one) {
            fota_yaml_stop(&rc, one);
            continue;
        }
        bool twice = false;
        for (size_t k = 0; k < t->n_codes; k++)
            twice |= t->codes[k] == (int)v;
        if (twice)
            fota_yaml_stop(&rc, fota_yaml_fail(y, it, "%s: code %ld is listed twice", what, v));
        else if (t->n_codes == FOTA_IDENT_TRANSIENT_MAX)
            fota_yaml_stop(&rc, fota_yaml_fail(y, it, "%s: at most %d codes", what,
                                               FOTA_IDENT_TRANSIENT_MAX));
        else
            t->codes[t->n_codes++] = (int)v;
    }
    return rc;
}

static int read_identify(fota_yaml_t *y, yaml_node_t *n, fota_profile_t *p)
{
    enum { MODEL, IMEI, FALLBACK, REV, TRANSIENT, RETRIES, NF };
    fota_yaml_field_t f[NF] = {
        [MODEL] = {"model", true, 0, 0},
        [IMEI] = {"imei", true, 0, 0},
        [FALLBACK] = {"imei_fallback", false, 0, 0},
        [REV] = {"revision", false, 0, 0},
        [TRANSIENT] = {"transient_errors", false, 0, 0},
        [RETRIES] = {"retries", false, 0, 0},
    };
    char **dst[] = {&p->ident_command, &p->imei_command, &p->imei_fallback_command,
                    &p->revision_command};
    int rc = fota_yaml_map(y, n, f, NF, "identify");
    for (size_t i = 0; i < 4; i++) {
        char what[40];
        snprintf(what, sizeof what, "identify.%s", f[i].key);
        if ((f[i].node || f[i].required) &&
            fota_yaml_stop(&rc, fota_yaml_str(y, f[i].node, what, dst[i])))
            return rc;
    }
    if (f[TRANSIENT].node &&
        fota_yaml_stop(&rc, read_transient_errors(y, f[TRANSIENT].node, &p->ident_retry)))
        return rc;
    long v;
    if (f[RETRIES].node &&
        !fota_yaml_stop(&rc, fota_yaml_long(y, f[RETRIES].node, "identify.retries", 0, 20, &v)))
        p->ident_retry.retries = (int)v;
    return rc;
}

static int read_urc(fota_yaml_t *y, yaml_node_t *n, fota_profile_t *p)
{
    fota_yaml_field_t f[] = {{"prefix", true, 0, 0}, {"tag", true, 0, 0}};
    int rc = fota_yaml_map(y, n, f, 2, "urc");
    if (!fota_yaml_stop(&rc, fota_yaml_str(y, f[0].node, "urc.prefix", &p->urc_prefix)))
        fota_yaml_stop(&rc, fota_yaml_str(y, f[1].node, "urc.tag", &p->urc_tag));
    return rc;
}

/* Keys of a mapping of seconds (timeouts, quiet), each within [lo[i], hi[i]] ms. */
static int read_seconds_map(fota_yaml_t *y, yaml_node_t *n, fota_yaml_field_t *f, size_t nf,
                            const char *what, const unsigned *lo, const unsigned *hi,
                            unsigned *const *dst)
{
    int rc = fota_yaml_map(y, n, f, nf, what);
    for (size_t i = 0; i < nf; i++) {
        if (!f[i].node)
            continue;
        char w[40];
        snprintf(w, sizeof w, "%s.%s", what, f[i].key);
        if (fota_yaml_stop(&rc, fota_yaml_seconds(y, f[i].node, w, lo[i], hi[i], dst[i])))
            break;
    }
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
    unsigned *const dst[] = {&t->command_ms, &t->reboot_ms,       &t->download_ms, &t->stall_ms,
                             &t->total_ms,   &t->ports_settle_ms, &t->probe_ms};
    /* A day is far beyond any FOTA phase; a module's ports settle within a minute. */
    const unsigned lo[] = {1, 1, 1, 1, 1, 0, 1000};
    const unsigned hi[] = {86400000, 86400000, 86400000, 86400000, 86400000, 60000, 600000};
    t->ports_settle_ms = FOTA_PORTS_SETTLE_DEFAULT_MS;
    t->probe_ms = FOTA_PROBE_DEFAULT_MS;
    return read_seconds_map(y, n, f, 7, "timeouts", lo, hi, dst);
}

/* Optional `quiet:` mapping; today's fixed waits are the defaults. */
static int read_quiet(fota_yaml_t *y, yaml_node_t *n, fota_profile_t *p)
{
    fota_yaml_field_t f[] = {{"boot", false, 0, 0},    {"resync", false, 0, 0},
                             {"give_up", false, 0, 0}, {"hop", false, 0, 0},
                             {"ident_retry", false, 0, 0}};
    unsigned *const dst[] = {&p->quiet.boot_ms, &p->quiet.resync_ms, &p->quiet.give_up_ms,
                             &p->quiet.hop_ms, &p->quiet.ident_retry_ms};
    const unsigned lo[] = {0, 0, 0, 0, 0};
    const unsigned hi[] = {60000, 10000, 600000, 60000, 60000};
    return n ? read_seconds_map(y, n, f, 5, "quiet", lo, hi, dst) : 0;
}

/* Optional `power:` {off, retry_on: [error classes]}: how long the family's modules
 * need without power, and which failures before the update a power cycle may cure. */
static int read_power(fota_yaml_t *y, yaml_node_t *n, fota_profile_t *p)
{
    fota_yaml_field_t f[] = {{"off", false, 0, 0}, {"retry_on", false, 0, 0}};
    int rc = fota_yaml_map(y, n, f, 2, "power");
    if (f[0].node)
        fota_yaml_stop(&rc, fota_yaml_seconds(y, f[0].node, "power.off", 500, 60000,
                                              &p->power_off_ms));
    size_t cnt = 0;
    if (!f[1].node || fota_yaml_stop(&rc, fota_yaml_seq(y, f[1].node, "power.retry_on", &cnt)))
        return rc;
    for (size_t i = 0; i < cnt; i++) {
        yaml_node_t *it = fota_yaml_item(y, f[1].node, i);
        char *name = NULL;
        fota_error_class_t c;
        if (fota_yaml_stop(&rc, fota_yaml_str(y, it, "power.retry_on", &name)))
            break;
        if (fota_error_class_from_name(name, &c) != 0 || c == FOTA_ERR_NONE)
            fota_yaml_stop(&rc, fota_yaml_fail(y, it, "power.retry_on: '%s' is not an error "
                                                      "class (timeout, port, protocol, …)",
                                               name));
        else
            p->power_retry_classes |= 1u << c;
        free(name);
    }
    return rc;
}

/* phase_names and text_patterns: how FOTA progress is recognised. Checks that need
 * both are made only when both read cleanly (a wrong section is reported once). */
static int read_progress(fota_yaml_t *y, yaml_node_t *root, fota_yaml_field_t *phases,
                         fota_yaml_field_t *patterns, bool have_urc, fota_profile_t *p)
{
    int rc = 0;
    if (phases->node && !have_urc)
        rc = fota_yaml_fail(y, phases->key_node,
                            "phase_names: needs 'urc' (the prefix and tag they follow)");
    if (phases->node &&
        fota_yaml_stop(&rc, fota_profile_read_phase_names(y, phases->node, p)))
        return rc;
    if (patterns->node &&
        fota_yaml_stop(&rc, fota_profile_read_text_patterns(y, patterns->node, p)))
        return rc;
    if (!rc && !p->n_phase_names && !p->n_text_patterns)
        return fota_yaml_fail(y, root, "profile: needs phase_names or text_patterns, or no "
                                       "FOTA progress can be recognised");
    return rc;
}

static int read_profile(fota_yaml_t *y, fota_profile_t *p)
{
    enum { FAMILY, MODELS, USB, IDENT, URC, RETRIES, PHASES, PATTERNS, METHODS, TIMEOUTS,
           ERRORS, QUIET, REFUSALS, ACTIONS, POWER, NF };
    fota_yaml_field_t f[NF] = {
        [FAMILY] = {"family", true, 0, 0},       [MODELS] = {"models", true, 0, 0},
        [USB] = {"usb", false, 0, 0},            [IDENT] = {"identify", true, 0, 0},
        [URC] = {"urc", false, 0, 0},            [RETRIES] = {"module_retries", true, 0, 0},
        [PHASES] = {"phase_names", false, 0, 0}, [PATTERNS] = {"text_patterns", false, 0, 0},
        [METHODS] = {"methods", true, 0, 0},     [TIMEOUTS] = {"timeouts", true, 0, 0},
        [ERRORS] = {"errors", true, 0, 0},       [QUIET] = {"quiet", false, 0, 0},
        [REFUSALS] = {"boot_refusals", false, 0, 0}, [ACTIONS] = {"actions", false, 0, 0},
        [POWER] = {"power", false, 0, 0},
    };
    yaml_node_t *root = fota_yaml_root(y);
    int rc = fota_yaml_map(y, root, f, NF, "profile");
    if (root->type != YAML_MAPPING_NODE)
        return rc; /* nothing else can be read */
    /* The sections are independent: each is read whatever the others held (an absent
     * required one reads as NULL, already listed by fota_yaml_map). An out-of-memory
     * rc wins in fota_yaml_stop, so going on after one is harmless. */
    fota_yaml_stop(&rc, fota_yaml_str(y, f[FAMILY].node, "family", &p->family));
    fota_yaml_stop(&rc, fota_yaml_str_list(y, f[MODELS].node, "models", &p->models,
                                           &p->n_models));
    if (f[USB].node && !fota_yaml_is_unknown(f[USB].node))
        fota_yaml_stop(&rc, read_usb(y, f[USB].node, p));
    fota_yaml_stop(&rc, read_identify(y, f[IDENT].node, p));
    if (f[URC].node)
        fota_yaml_stop(&rc, read_urc(y, f[URC].node, p));
    long v;
    if (!fota_yaml_stop(&rc, fota_yaml_long(y, f[RETRIES].node, "module_retries", 0, 100, &v)))
        p->module_retries = (int)v;
    if (f[REFUSALS].node &&
        !fota_yaml_stop(&rc, fota_yaml_long(y, f[REFUSALS].node, "boot_refusals", 0, 20, &v)))
        p->boot_refusals = (int)v;
    fota_yaml_stop(&rc, read_progress(y, root, &f[PHASES], &f[PATTERNS], f[URC].node != NULL,
                                      p));
    fota_yaml_stop(&rc, fota_profile_read_methods(y, f[METHODS].node, p));
    fota_yaml_stop(&rc, read_timeouts(y, f[TIMEOUTS].node, p));
    fota_yaml_stop(&rc, read_quiet(y, f[QUIET].node, p));
    fota_yaml_stop(&rc, fota_profile_read_errors(y, f[ERRORS].node, p));
    if (f[ACTIONS].node)
        fota_yaml_stop(&rc, fota_profile_read_actions(y, f[ACTIONS].node, p));
    if (f[POWER].node)
        fota_yaml_stop(&rc, read_power(y, f[POWER].node, p));
    return rc;
}

int fota_profile_load_buffer_all(const char *name, const char *text, size_t len,
                                 fota_profile_t **out, fota_load_errors_t *errs)
{
    *out = NULL;
    fota_yaml_t y;
    int rc = fota_yaml_open(&y, name, text, len, errs);
    if (rc)
        return rc;
    fota_profile_t *p = calloc(1, sizeof *p);
    if (!p) {
        fota_yaml_close(&y);
        return FOTA_E_NOMEM;
    }
    p->at_interface = -1;
    p->boot_refusals = FOTA_BOOT_REFUSALS_DEFAULT;
    p->quiet = (fota_quiet_t){FOTA_QUIET_BOOT_DEFAULT_MS, FOTA_QUIET_RESYNC_DEFAULT_MS,
                              FOTA_QUIET_GIVE_UP_DEFAULT_MS, FOTA_QUIET_HOP_DEFAULT_MS,
                              FOTA_QUIET_IDENT_RETRY_DEFAULT_MS};
    p->ident_retry = (fota_ident_retry_t){.codes = {3, 14}, .n_codes = 2, .plain_error = true,
                                          .retries = FOTA_IDENT_RETRIES_DEFAULT};
    p->source = strdup(name ? name : "<input>");
    rc = fota_yaml_done(&y, p->source ? read_profile(&y, p) : FOTA_E_NOMEM);
    fota_yaml_close(&y);
    if (rc) {
        /* Never half-used: one wrong value refuses the whole profile. */
        fota_profile_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

int fota_profile_load_buffer(const char *name, const char *text, size_t len,
                             fota_profile_t **out, fota_load_error_t *err)
{
    fota_load_errors_t l = {.n = 0};
    return fota_load_errors_first(&l, fota_profile_load_buffer_all(name, text, len, out, &l),
                                  err);
}

int fota_profile_load_file_all(const char *path, fota_profile_t **out, fota_load_errors_t *errs)
{
    *out = NULL;
    char *text;
    size_t len;
    int rc = fota_yaml_read_file(path, &text, &len);
    if (rc) {
        fota_yaml_io_error(errs, path, rc);
        return rc;
    }
    rc = fota_profile_load_buffer_all(path, text, len, out, errs);
    free(text);
    return rc;
}

int fota_profile_load_file(const char *path, fota_profile_t **out, fota_load_error_t *err)
{
    fota_load_errors_t l = {.n = 0};
    return fota_load_errors_first(&l, fota_profile_load_file_all(path, out, &l), err);
}
