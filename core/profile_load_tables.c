/* Profile sections that are tables: phase_names, text_patterns and the error
 * tables (ftp_err, http_err, file_err, err). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yaml_profile.h"

int fota_yaml_phase(fota_yaml_t *y, yaml_node_t *n, const char *what, fota_phase_t *out)
{
    const char *s = fota_yaml_scalar(n);
    if (s && fota_phase_from_name(s, out) == 0 && *out != FOTA_PHASE_NONE)
        return 0;
    return fota_yaml_fail(y, n,
                          "%s: unknown phase '%.40s' (expected one of: dl_start, dl_progress, "
                          "dl_end, start, updating, restore, end, resume, rebooting, failed, boot)",
                          what, s ? s : "");
}

int fota_yaml_table(fota_yaml_t *y, yaml_node_t *n, const char *what, fota_table_id_t *out)
{
    const char *s = fota_yaml_scalar(n);
    if (s && fota_table_from_name(s, out) == 0)
        return 0;
    return fota_yaml_fail(y, n,
                          "%s: unknown table '%.40s' (expected one of: ftp_err, http_err, "
                          "file_err, err)",
                          what, s ? s : "");
}

static int read_phase_name(fota_yaml_t *y, yaml_node_t *n, fota_phase_name_t *pn)
{
    fota_yaml_field_t f[] = {{"name", true, 0, 0}, {"phase", true, 0, 0}, {"table", false, 0, 0}};
    int rc = fota_yaml_map(y, n, f, 3, "phase_names[]");
    fota_yaml_stop(&rc, fota_yaml_str(y, f[0].node, "phase_names[].name", &pn->name));
    int phase_rc = fota_yaml_phase(y, f[1].node, "phase_names[].phase", &pn->phase);
    fota_yaml_stop(&rc, phase_rc);
    pn->table = FOTA_TABLE__COUNT;
    if (f[2].node)
        fota_yaml_stop(&rc, fota_yaml_table(y, f[2].node, "phase_names[].table", &pn->table));
    /* DL_END and END carry a result code: without its table the code means nothing. */
    if (!f[2].node && !phase_rc && (pn->phase == FOTA_PHASE_DL_END || pn->phase == FOTA_PHASE_END))
        fota_yaml_stop(&rc, fota_yaml_fail(y, f[1].node,
                                           "phase_names[]: phase '%s' carries a code and "
                                           "needs 'table'",
                                           fota_phase_name(pn->phase)));
    return rc;
}

/* phase_names:
 *   - {name: HTTPPEND, phase: dl_end, table: http_err}            */
int fota_profile_read_phase_names(fota_yaml_t *y, yaml_node_t *n, fota_profile_t *p)
{
    size_t cnt;
    int rc = fota_yaml_seq(y, n, "phase_names", &cnt);
    if (rc || !cnt)
        return rc;
    if (!(p->phase_names = calloc(cnt, sizeof *p->phase_names)))
        return FOTA_E_NOMEM;
    p->n_phase_names = cnt;
    for (size_t i = 0; i < cnt; i++)
        if (fota_yaml_stop(&rc, read_phase_name(y, fota_yaml_item(y, n, i), &p->phase_names[i])))
            break;
    return rc;
}

static int read_text_pattern(fota_yaml_t *y, yaml_node_t *n, fota_text_pattern_t *tp)
{
    fota_yaml_field_t f[] = {
        {"pattern", true, 0, 0}, {"phase", true, 0, 0}, {"table", false, 0, 0}};
    int rc = fota_yaml_map(y, n, f, 3, "text_patterns[]");
    if (!fota_yaml_stop(&rc, fota_yaml_str(y, f[0].node, "text_patterns[].pattern",
                                           &tp->pattern))) {
        const char *d = tp->pattern ? strstr(tp->pattern, "%d") : NULL;
        if (d && strstr(d + 2, "%d"))
            fota_yaml_stop(&rc, fota_yaml_fail(y, f[0].node, "text_patterns[].pattern: at "
                                                             "most one %%d per pattern"));
    }
    fota_yaml_stop(&rc, fota_yaml_phase(y, f[1].node, "text_patterns[].phase", &tp->phase));
    tp->table = FOTA_TABLE__COUNT;
    if (f[2].node)
        fota_yaml_stop(&rc, fota_yaml_table(y, f[2].node, "text_patterns[].table", &tp->table));
    return rc;
}

/* text_patterns:
 *   - {pattern: "Update percent = %d%", phase: updating}
 *   - {pattern: "Quectel firmware update success. status=%d", phase: end, table: err} */
int fota_profile_read_text_patterns(fota_yaml_t *y, yaml_node_t *n, fota_profile_t *p)
{
    size_t cnt;
    int rc = fota_yaml_seq(y, n, "text_patterns", &cnt);
    if (rc || !cnt)
        return rc;
    if (!(p->text_patterns = calloc(cnt, sizeof *p->text_patterns)))
        return FOTA_E_NOMEM;
    p->n_text_patterns = cnt;
    for (size_t i = 0; i < cnt; i++)
        if (fota_yaml_stop(&rc, read_text_pattern(y, fota_yaml_item(y, n, i),
                                                  &p->text_patterns[i])))
            break;
    return rc;
}

/* "520" or "520-530" (inclusive range, as the Quectel notes print 520–530). */
int fota_yaml_code_range(fota_yaml_t *y, yaml_node_t *n, const char *what, int *lo, int *hi)
{
    const char *s = fota_yaml_scalar(n);
    if (!s || fota_yaml_is_null(n) || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return fota_yaml_fail(y, n, "%s: expected a code or a range like 520-530", what);
    char *end;
    errno = 0;
    long a = strtol(s, &end, 10), b = a;
    if (end != s && *end == '-' && end[1] >= '0' && end[1] <= '9') {
        const char *t = end + 1;
        b = strtol(t, &end, 10);
    }
    if (end == s || *end != '\0' || errno == ERANGE || a < 0 || b > 99999)
        return fota_yaml_fail(y, n, "%s: expected a code or a range like 520-530, "
                                    "found '%.40s'",
                              what, s);
    if (b < a)
        return fota_yaml_fail(y, n, "%s: range %ld-%ld ends before it starts", what, a, b);
    *lo = (int)a;
    *hi = (int)b;
    return 0;
}

static int read_class(fota_yaml_t *y, yaml_node_t *n, fota_error_class_t *out)
{
    const char *s = fota_yaml_scalar(n);
    if (s && strcmp(s, "none") == 0) {
        *out = FOTA_ERR_NONE; /* code 0: success */
        return 0;
    }
    if (s && fota_error_class_from_name(s, out) == 0 && *out >= FOTA_ERR_DOWNLOAD &&
        *out <= FOTA_ERR_FATAL)
        return 0;
    return fota_yaml_fail(y, n,
                          "errors.class: unknown class '%.40s' (expected one of: none, download, "
                          "package, space, transient, fatal)",
                          s ? s : "");
}

/* One row of an error table; rows before it (v[0..i-1]) are checked for overlap. */
static int read_row(fota_yaml_t *y, yaml_node_t *n, const char *name, fota_error_table_t *t,
                    size_t i)
{
    fota_yaml_field_t f[] = {{"code", true, 0, 0}, {"meaning", true, 0, 0}, {"class", true, 0, 0}};
    fota_error_entry_t *e = &t->v[i];
    int rc = fota_yaml_map(y, n, f, 3, name);
    int code_rc = fota_yaml_code_range(y, f[0].node, "errors.code", &e->lo, &e->hi);
    fota_yaml_stop(&rc, code_rc);
    if (code_rc) {
        e->lo = 1, e->hi = 0; /* an empty range: never "listed twice" with a later row */
    } else {
        for (size_t j = 0; j < i; j++)
            if (e->lo <= t->v[j].hi && t->v[j].lo <= e->hi) {
                rc = fota_yaml_fail(y, f[0].node, "%s: code %d is listed twice", name,
                                    e->lo > t->v[j].lo ? e->lo : t->v[j].lo);
                break;
            }
    }
    fota_yaml_stop(&rc, fota_yaml_str(y, f[1].node, "errors.meaning", &e->meaning));
    fota_yaml_stop(&rc, read_class(y, f[2].node, &e->cls));
    return rc;
}

static int read_table(fota_yaml_t *y, yaml_node_t *n, const char *name, fota_error_table_t *t)
{
    size_t cnt;
    int rc = fota_yaml_seq(y, n, name, &cnt);
    if (rc)
        return rc;
    if (!(t->v = calloc(cnt ? cnt : 1, sizeof *t->v)))
        return FOTA_E_NOMEM;
    t->n = cnt;
    for (size_t i = 0; i < cnt; i++)
        if (fota_yaml_stop(&rc, read_row(y, fota_yaml_item(y, n, i), name, t, i)))
            break;
    return rc;
}

/* errors: {ftp_err: [...], http_err: [...], file_err: [...], err: [...]} */
int fota_profile_read_errors(fota_yaml_t *y, yaml_node_t *n, fota_profile_t *p)
{
    fota_yaml_field_t f[FOTA_TABLE__COUNT];
    for (int t = 0; t < FOTA_TABLE__COUNT; t++)
        f[t] = (fota_yaml_field_t){fota_table_name((fota_table_id_t)t), t == FOTA_TABLE_ERR,
                                   0, 0};
    int rc = fota_yaml_map(y, n, f, FOTA_TABLE__COUNT, "errors");
    for (int t = 0; t < FOTA_TABLE__COUNT; t++)
        if (f[t].node && fota_yaml_stop(&rc, read_table(y, f[t].node, f[t].key, &p->tables[t])))
            break;
    return rc;
}
