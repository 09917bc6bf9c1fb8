/* scans: which typed or scanned lines set the operator or the batch at the station
 * (docs/profiles.md). Compiled once at load, so a pattern regcomp refuses stops the
 * job with its position, never a scan on the line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job_load_scans.h"

static const char *const scan_keys[FOTA_SCAN_N] = {
    [FOTA_SCAN_OPERATOR] = "operator",
    [FOTA_SCAN_BATCH] = "batch",
};

const char *fota_scan_kind_name(fota_scan_kind_t k)
{
    return k < FOTA_SCAN_N ? scan_keys[k] : "?";
}

/* Perl's classes (\d, \w, \s) are not POSIX: glibc reads "\d" as the letter d, so
 * '^OP\d+$' would never match OP17. Said at load, with the POSIX spelling. */
static const struct {
    char c;
    const char *posix;
} perl_classes[] = {
    {'d', "[0-9]"}, {'D', "[^0-9]"}, {'w', "[[:alnum:]_]"}, {'W', "[^[:alnum:]_]"},
    {'s', "[[:space:]]"}, {'S', "[^[:space:]]"},
};

static const char *perl_class(const char *pat, char *c)
{
    for (const char *p = pat; *p; p++) {
        if (*p != '\\')
            continue;
        if (!p[1])
            break;
        for (size_t i = 0; i < sizeof perl_classes / sizeof perl_classes[0]; i++)
            if (p[1] == perl_classes[i].c) {
                *c = p[1];
                return perl_classes[i].posix;
            }
        p++;
    }
    return NULL;
}

static int read_scan(fota_yaml_t *y, yaml_node_t *n, const char *what, fota_job_scan_t *s)
{
    char *pat = NULL;
    int rc = fota_yaml_str(y, n, what, &pat);
    if (rc)
        return rc;
    char c = 0;
    const char *posix = perl_class(pat, &c);
    if (posix) {
        rc = fota_yaml_fail(y, n, "%s: '%.80s': \\%c is not POSIX extended regular expression "
                            "syntax (write %s)", what, pat, c, posix);
        free(pat);
        return rc;
    }
    int e = regcomp(&s->re, pat, REG_EXTENDED | REG_NOSUB);
    if (e != 0) {
        char why[160];
        regerror(e, &s->re, why, sizeof why);
        rc = fota_yaml_fail(y, n, "%s: '%.80s' is not a POSIX extended regular expression: %s",
                            what, pat, why);
        free(pat);
        return rc;
    }
    s->pattern = pat;
    return 0;
}

int fota_job_read_scans(fota_yaml_t *y, yaml_node_t *n, fota_job_t *j)
{
    fota_yaml_field_t f[FOTA_SCAN_N];
    for (size_t k = 0; k < FOTA_SCAN_N; k++)
        f[k] = (fota_yaml_field_t){scan_keys[k], false, 0, 0};
    int rc = fota_yaml_map(y, n, f, FOTA_SCAN_N, "scans");
    for (size_t k = 0; k < FOTA_SCAN_N; k++) {
        if (!f[k].node)
            continue;
        char what[32];
        snprintf(what, sizeof what, "scans.%s", scan_keys[k]);
        if (fota_yaml_stop(&rc, read_scan(y, f[k].node, what, &j->scans[k])))
            break;
    }
    return rc;
}

fota_scan_kind_t fota_job_scan_match(const fota_job_t *j, const char *text)
{
    for (size_t k = 0; k < FOTA_SCAN_N; k++)
        if (j->scans[k].pattern && regexec(&j->scans[k].re, text, 0, NULL, 0) == 0)
            return (fota_scan_kind_t)k;
    return FOTA_SCAN_N;
}
