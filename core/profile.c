/* Profile lookups: model, family and USB matching, error-table lookup, freeing. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "profile.h"

static const char *const table_names[FOTA_TABLE__COUNT] = {
    "ftp_err", "http_err", "file_err", "err",
};

const char *fota_table_name(fota_table_id_t t)
{
    return (unsigned)t < FOTA_TABLE__COUNT ? table_names[t] : "";
}

int fota_table_from_name(const char *s, fota_table_id_t *out)
{
    for (int i = 0; i < FOTA_TABLE__COUNT; i++)
        if (strcmp(table_names[i], s) == 0) {
            *out = (fota_table_id_t)i;
            return 0;
        }
    return -1;
}

void fota_load_error_format(const fota_load_error_t *e, char *buf, size_t len)
{
    if (!len)
        return;
    if (e->line > 0)
        snprintf(buf, len, "%s:%d:%d: %s", e->file, e->line, e->column, e->message);
    else
        snprintf(buf, len, "%s: %s", e->file, e->message);
}

static void free_strv(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

void fota_profile_free(fota_profile_t *p)
{
    if (!p)
        return;
    free(p->family);
    free(p->source);
    free_strv(p->models, p->n_models);
    free(p->usb_products);
    free(p->usb_at_interfaces);
    free(p->ident_command);
    free(p->imei_command);
    free(p->imei_fallback_command);
    free(p->revision_command);
    free(p->urc_prefix);
    free(p->urc_tag);
    for (size_t i = 0; i < p->n_phase_names; i++)
        free(p->phase_names[i].name);
    free(p->phase_names);
    for (size_t i = 0; i < p->n_text_patterns; i++)
        free(p->text_patterns[i].pattern);
    free(p->text_patterns);
    for (int m = 0; m < FOTA_METHOD__COUNT; m++) {
        fota_method_profile_t *mp = &p->methods[m];
        free(mp->command);
        free_strv(mp->schemes, mp->n_schemes);
        free(mp->local_prefix);
        free(mp->flow_command);
        free(mp->flow_command_uart);
        free(mp->init_command);
        free(mp->write_command);
        free(mp->commit_command);
    }
    for (int t = 0; t < FOTA_TABLE__COUNT; t++) {
        for (size_t i = 0; i < p->tables[t].n; i++)
            free(p->tables[t].v[i].meaning);
        free(p->tables[t].v);
    }
    for (size_t i = 0; i < p->n_actions; i++)
        free(p->actions[i].words);
    free(p->actions);
    free(p);
}

void fota_profile_set_free(fota_profile_set_t *s)
{
    for (size_t i = 0; i < s->n; i++)
        fota_profile_free(s->v[i]);
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

/* ATI may print the maker into the model ("Quectel_BC660K-GL" on real modules). */
static const char *strip_maker(const char *m)
{
    while (*m == ' ' || *m == '\t')
        m++;
    if (strncasecmp(m, "Quectel_", 8) == 0 || strncasecmp(m, "Quectel ", 8) == 0)
        m += 8;
    return m;
}

/* Length of the profile's model name when it prefixes `model` at a word boundary
 * ("RG500Q" fits "RG500Q-EA" and "RG500Q", not "RG500QX"), else 0. */
size_t fota_profile_model_fit(const char *entry, const char *model)
{
    model = strip_maker(model);
    size_t n = strlen(entry);
    if (n == 0 || strncasecmp(entry, model, n) != 0)
        return 0;
    unsigned char next = (unsigned char)model[n];
    return next == '\0' || !isalnum(next) ? n : 0;
}

const fota_profile_t *fota_profile_set_match_model(const fota_profile_set_t *s, const char *model)
{
    const fota_profile_t *best = NULL;
    size_t best_len = 0;
    if (!model)
        return NULL;
    /* Longest match wins, so a family listing "EC200T" beats one listing "EC200". */
    for (size_t i = 0; i < s->n; i++)
        for (size_t j = 0; j < s->v[i]->n_models; j++) {
            size_t l = fota_profile_model_fit(s->v[i]->models[j], model);
            if (l > best_len) {
                best_len = l;
                best = s->v[i];
            }
        }
    return best;
}

const fota_profile_t *fota_profile_set_find_family(const fota_profile_set_t *s, const char *family)
{
    for (size_t i = 0; family && i < s->n; i++)
        if (strcasecmp(s->v[i]->family, family) == 0)
            return s->v[i];
    return NULL;
}

fota_timeouts_t fota_timeouts_effective(const fota_profile_t *p, const fota_timeouts_t *job)
{
    static const fota_timeouts_t fallback = {5000, 90000, 900000, 120000, 1800000,
                                             FOTA_PORTS_SETTLE_DEFAULT_MS, FOTA_PROBE_DEFAULT_MS};
    fota_timeouts_t t = p ? p->timeouts : fallback;
    unsigned *dst[] = {&t.command_ms, &t.reboot_ms, &t.download_ms, &t.stall_ms, &t.total_ms};
    const unsigned *def[] = {&fallback.command_ms, &fallback.reboot_ms, &fallback.download_ms,
                             &fallback.stall_ms, &fallback.total_ms};
    const unsigned *over[] = {job ? &job->command_ms : NULL, job ? &job->reboot_ms : NULL,
                              job ? &job->download_ms : NULL, job ? &job->stall_ms : NULL,
                              job ? &job->total_ms : NULL};
    for (size_t i = 0; i < 5; i++) {
        if (over[i] && *over[i]) /* 0 in a job: the profile's */
            *dst[i] = *over[i];
        if (!*dst[i])
            *dst[i] = *def[i];
    }
    if (job && job->ports_settle_ms != FOTA_TIMEOUT_UNSET)
        t.ports_settle_ms = job->ports_settle_ms;
    if (job && job->probe_ms != FOTA_TIMEOUT_UNSET && job->probe_ms)
        t.probe_ms = job->probe_ms;
    if (!t.probe_ms)
        t.probe_ms = fallback.probe_ms;
    return t;
}

const fota_profile_t *fota_profile_set_match_usb(const fota_profile_set_t *s, uint16_t vid,
                                                 uint16_t pid, int interface)
{
    for (size_t i = 0; i < s->n; i++) {
        const fota_profile_t *p = s->v[i];
        if (p->usb_vendor == 0 || p->usb_vendor != vid)
            continue;
        for (size_t j = 0; j < p->n_usb_products; j++) {
            if (p->usb_products[j] != pid)
                continue;
            int want = p->usb_at_interfaces[j];
            /* Unknown AT interface (or caller does not know which interface the port
             * is): the product is ours, the station probes the port with AT. A known
             * interface that differs is DIAG/GPS/modem: not an AT port. */
            if (want < 0 || interface < 0 || want == interface)
                return p;
        }
    }
    return NULL;
}

int fota_profile_usb_at_interface(const fota_profile_t *p, uint16_t pid)
{
    for (size_t j = 0; p && j < p->n_usb_products; j++)
        if (p->usb_products[j] == pid)
            return p->usb_at_interfaces[j];
    return -1;
}

const fota_error_entry_t *fota_profile_lookup_error(const fota_profile_t *p, fota_table_id_t t,
                                                   int code)
{
    if (!p || (unsigned)t >= FOTA_TABLE__COUNT)
        return NULL;
    const fota_error_table_t *tb = &p->tables[t];
    for (size_t i = 0; i < tb->n; i++)
        if (code >= tb->v[i].lo && code <= tb->v[i].hi)
            return &tb->v[i];
    return NULL;
}
