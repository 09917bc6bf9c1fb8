/* Profile section `methods:`: one mapping per supported method (url, local, stream,
 * qfua, qfaw). A method that is absent is not supported by the family. The keys a
 * method accepts, and which it requires, are one table below (docs/profiles.md). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yaml_profile.h"

enum kind { K_STR, K_SIZE, K_UINT, K_INT, K_BOOL, K_SCHEMES };

#define M(x) (1u << FOTA_METHOD_##x)
#define ALL (M(URL) | M(LOCAL) | M(STREAM) | M(QFUA) | M(QFAW))
#define OFF(f) offsetof(fota_method_profile_t, f)

/* at: the string goes into an AT command line, so CR, LF and other control bytes
 * (and, for values placed inside quotes, '"') would cut or inject a command.
 * ph/ph_in: the placeholder the station fills in, required for those methods. */
enum at_use { AT_NO, AT_LINE, AT_QUOTED };

static const struct key {
    const char *key;
    enum kind kind;
    size_t off;
    unsigned allowed, required;
    long lo, hi;
    enum at_use at;
    const char *ph;
    unsigned ph_in;
} keys[] = {
    {"command", K_STR, OFF(command), ALL, ALL & ~M(QFAW), 0, 0, AT_LINE, "{arg}",
     M(URL) | M(LOCAL) | M(STREAM)},
    {"reboot_after_download", K_BOOL, OFF(reboot_after_download), ALL, ALL, 0, 0, AT_NO, 0, 0},
    {"reboot_after_end", K_BOOL, OFF(reboot_after_end), ALL, ALL, 0, 0, AT_NO, 0, 0},
    /* url */
    {"max_url_len", K_SIZE, OFF(max_url_len), M(URL), M(URL), 8, 65535, AT_NO, 0, 0},
    {"schemes", K_SCHEMES, OFF(schemes), M(URL), M(URL), 0, 0, AT_NO, 0, 0},
    {"ftp_root_only", K_BOOL, OFF(ftp_root_only), M(URL), 0, 0, 0, AT_NO, 0, 0},
    /* local */
    {"local_prefix", K_STR, OFF(local_prefix), M(LOCAL), M(LOCAL), 0, 0, AT_QUOTED, 0, 0},
    {"max_name_len", K_SIZE, OFF(max_name_len), M(LOCAL), M(LOCAL), 1, 4096, AT_NO, 0, 0},
    {"max_path_len", K_SIZE, OFF(max_path_len), M(LOCAL), M(LOCAL), 1, 4096, AT_NO, 0, 0},
    {"upload_timeout", K_INT, OFF(upload_timeout_s), M(LOCAL), M(LOCAL), 1, 3600, AT_NO, 0, 0},
    {"ack_block", K_SIZE, OFF(ack_block), M(LOCAL), 0, 1, 1 << 20, AT_NO, 0, 0},
    /* stream / qfua */
    {"flow_command", K_STR, OFF(flow_command), M(STREAM) | M(QFUA), 0, 0, 0, AT_LINE, 0, 0},
    {"flow_command_uart", K_STR, OFF(flow_command_uart), M(STREAM) | M(QFUA), 0, 0, 0, AT_LINE,
     0, 0},
    {"require_flow", K_BOOL, OFF(require_flow), M(STREAM) | M(QFUA), 0, 0, 0, AT_NO, 0, 0},
    {"rate_limit", K_UINT, OFF(rate_limit_bps), M(STREAM), 0, 1, 100000000, AT_NO, 0, 0},
    {"min_write", K_SIZE, OFF(min_write), M(STREAM), 0, 1, 65536, AT_NO, 0, 0},
    {"guard_ms", K_UINT, OFF(guard_ms), M(QFUA), M(QFUA), 0, 60000, AT_NO, 0, 0},
    /* qfaw */
    {"init_command", K_STR, OFF(init_command), M(QFAW), M(QFAW), 0, 0, AT_LINE, 0, 0},
    {"write_command", K_STR, OFF(write_command), M(QFAW), M(QFAW), 0, 0, AT_LINE, "{hex}",
     M(QFAW)},
    {"commit_command", K_STR, OFF(commit_command), M(QFAW), M(QFAW), 0, 0, AT_LINE, 0, 0},
    {"max_chunk_bytes", K_SIZE, OFF(max_chunk_bytes), M(QFAW), M(QFAW), 1, 65536, AT_NO, 0, 0},
};
#define NKEYS (sizeof keys / sizeof keys[0])

/* A command template or a value placed in one: one AT line, placeholder present. */
static int check_at_string(fota_yaml_t *y, yaml_node_t *n, const char *what,
                           const struct key *k, fota_method_t mt, const char *v)
{
    int rc = fota_yaml_at_safe(y, n, what, v, k->at == AT_QUOTED);
    if (rc)
        return rc;
    if (k->ph && (k->ph_in >> mt & 1u) && !strstr(v, k->ph))
        return fota_yaml_fail(y, n, "%s: '%.60s' has no %s placeholder for the station to fill in",
                              what, v, k->ph);
    return 0;
}

static int read_schemes(fota_yaml_t *y, yaml_node_t *n, fota_method_profile_t *m)
{
    int rc = fota_yaml_str_list(y, n, "methods.url.schemes", &m->schemes, &m->n_schemes);
    for (size_t i = 0; i < m->n_schemes; i++) {
        const char *s = m->schemes[i];
        /* Stored lowercase: the Quectel notes print both FTP:// and ftp:// (EG06xK DFOTA note §3.3.1.1). */
        for (char *c = m->schemes[i]; *c; c++)
            if (*c >= 'A' && *c <= 'Z')
                *c = (char)(*c - 'A' + 'a');
        if (strcmp(s, "ftp") && strcmp(s, "http") && strcmp(s, "https"))
            fota_yaml_stop(&rc, fota_yaml_fail(y, fota_yaml_item(y, n, i),
                                               "methods.url.schemes: unknown scheme '%.20s' "
                                               "(expected ftp, http or https)",
                                               s));
    }
    return rc;
}

/* One key of a method's mapping into m, by its table entry. */
static int read_key(fota_yaml_t *y, yaml_node_t *n, const struct key *k, fota_method_t mt,
                    const char *what, fota_method_profile_t *m)
{
    char fw[96];
    snprintf(fw, sizeof fw, "%s.%s", what, k->key);
    void *dst = (char *)m + k->off;
    long v = 0;
    int rc = 0;
    switch (k->kind) {
    case K_STR:
        rc = fota_yaml_str(y, n, fw, (char **)dst);
        if (!rc && k->at != AT_NO)
            rc = check_at_string(y, n, fw, k, mt, *(char **)dst);
        break;
    case K_BOOL:
        rc = fota_yaml_bool(y, n, fw, (bool *)dst);
        break;
    case K_SCHEMES:
        rc = read_schemes(y, n, m);
        break;
    case K_SIZE:
    case K_UINT:
    case K_INT:
        rc = fota_yaml_long(y, n, fw, k->lo, k->hi, &v);
        if (k->kind == K_SIZE)
            *(size_t *)dst = (size_t)v;
        else if (k->kind == K_UINT)
            *(unsigned *)dst = (unsigned)v;
        else
            *(int *)dst = (int)v;
        break;
    }
    return rc;
}

/* Rules across a method's keys, checked only on values that read cleanly. */
static int check_method(fota_yaml_t *y, yaml_node_t *n, fota_method_t mt, const char *what,
                        const fota_method_profile_t *m, bool flow_ok)
{
    if (mt == FOTA_METHOD_LOCAL && m->local_prefix && m->local_prefix[0] != '/')
        return fota_yaml_fail(y, n,
                              "%s.local_prefix: must be an absolute path like /cache/ufs/",
                              what);
    if (mt == FOTA_METHOD_QFUA && flow_ok && !m->require_flow)
        /* AT+QFUA is the flow-controlled interface (GSM FOTA note §2.3.1): data is
         * lost otherwise. */
        return fota_yaml_fail(y, n,
                              "%s: AT+QFUA streams the package without pauses and loses data "
                              "without hardware flow control; set require_flow: true, or "
                              "use method qfaw on a line without flow control",
                              what);
    return 0;
}

static int read_method(fota_yaml_t *y, yaml_node_t *n, fota_method_t mt,
                       fota_method_profile_t *m)
{
    fota_yaml_field_t f[NKEYS];
    const struct key *k[NKEYS];
    size_t nf = 0;
    for (size_t i = 0; i < NKEYS; i++) {
        if (!(keys[i].allowed & (1u << mt)))
            continue;
        k[nf] = &keys[i];
        f[nf++] = (fota_yaml_field_t){keys[i].key, (keys[i].required >> mt) & 1u, 0, 0};
    }
    char what[64];
    snprintf(what, sizeof what, "methods.%s", fota_method_name(mt));
    int rc = fota_yaml_map(y, n, f, nf, what);
    if (!n || n->type != YAML_MAPPING_NODE)
        return rc;
    m->supported = true;
    bool flow_ok = true; /* require_flow absent (false) or read cleanly */
    for (size_t i = 0; i < nf; i++) {
        if (!f[i].node)
            continue;
        int r = read_key(y, f[i].node, k[i], mt, what, m);
        if (r && strcmp(k[i]->key, "require_flow") == 0)
            flow_ok = false;
        if (fota_yaml_stop(&rc, r))
            return rc;
    }
    fota_yaml_stop(&rc, check_method(y, n, mt, what, m, flow_ok));
    return rc;
}

int fota_profile_read_methods(fota_yaml_t *y, yaml_node_t *n, fota_profile_t *p)
{
    fota_yaml_field_t f[FOTA_METHOD__COUNT];
    for (int i = 0; i < FOTA_METHOD__COUNT; i++)
        f[i] = (fota_yaml_field_t){fota_method_name((fota_method_t)i), false, 0, 0};
    int rc = fota_yaml_map(y, n, f, FOTA_METHOD__COUNT, "methods");
    if (!n || n->type != YAML_MAPPING_NODE)
        return rc;
    bool any = false;
    for (int i = 0; i < FOTA_METHOD__COUNT; i++) {
        if (!f[i].node)
            continue;
        any = true;
        if (fota_yaml_stop(&rc, read_method(y, f[i].node, (fota_method_t)i, &p->methods[i])))
            return rc;
    }
    if (!any && !rc)
        return fota_yaml_fail(y, n, "methods: at least one method must be listed");
    return rc;
}
