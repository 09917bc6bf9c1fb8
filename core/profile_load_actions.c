/* Profile section `actions:`: what the operator does with a module that FAILs,
 * per error class and optionally per code (docs/profiles.md, *Actions*).
 *
 *   actions:
 *     - {class: package, action: "stop the line: package"}
 *     - {class: package, code: 510, action: rework bin}
 *
 * The words go on the dashboard's slot line and the log line before the module's
 * own wording, so they are short (FOTA_ACTION_MAX_CHARS) and one line of text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yaml_profile.h"

/* Every class a FAIL can carry: the profile's tables' five and the station's own. */
static int read_action_class(fota_yaml_t *y, yaml_node_t *n, fota_error_class_t *out)
{
    const char *s = fota_yaml_scalar(n);
    if (s && fota_error_class_from_name(s, out) == 0 && *out != FOTA_ERR_NONE)
        return 0;
    char names[400] = "";
    size_t len = 0;
    for (int c = FOTA_ERR_NONE + 1; c < FOTA_ERR__COUNT && len < sizeof names; c++)
        len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", len ? ", " : "",
                                fota_error_class_name((fota_error_class_t)c));
    return fota_yaml_fail(y, n, "actions[].class: unknown class '%.40s' (expected one of: %s)",
                          s ? s : "", names);
}

/* Short, one line: the operator reads it at a glance, at 80 columns. */
static int check_words(fota_yaml_t *y, yaml_node_t *n, const char *w)
{
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)w; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            return fota_yaml_fail(y, n, "actions[].action: control character 0x%02x; the "
                                        "action is one line of text", *p);
        chars += (*p & 0xc0) != 0x80;
    }
    if (chars > FOTA_ACTION_MAX_CHARS)
        return fota_yaml_fail(y, n, "actions[].action: %zu characters, at most %d (it leads "
                                    "the result column of an 80-column dashboard)",
                              chars, FOTA_ACTION_MAX_CHARS);
    return 0;
}

/* Rules before it (v[0..i-1]) are checked for the same class and overlapping codes. */
static int read_action(fota_yaml_t *y, yaml_node_t *n, fota_profile_t *p, size_t i)
{
    fota_yaml_field_t f[] = {{"class", true, 0, 0}, {"code", false, 0, 0},
                             {"action", true, 0, 0}};
    fota_action_rule_t *r = &p->actions[i];
    r->lo = 1, r->hi = 0; /* every code of the class, unless `code` says otherwise */
    int rc = fota_yaml_map(y, n, f, 3, "actions[]");
    int cls_rc = read_action_class(y, f[0].node, &r->cls);
    fota_yaml_stop(&rc, cls_rc);
    int code_rc = 0;
    if (f[1].node)
        fota_yaml_stop(&rc, code_rc = fota_yaml_code_range(y, f[1].node, "actions[].code",
                                                           &r->lo, &r->hi));
    if (!cls_rc && !code_rc && f[0].node) {
        bool all = r->lo > r->hi;
        for (size_t j = 0; j < i; j++) {
            const fota_action_rule_t *o = &p->actions[j];
            if (o->cls != r->cls || !o->words || (o->lo > o->hi) != all)
                continue;
            if (all) {
                rc = fota_yaml_fail(y, f[0].node, "actions[]: class %s without a code is "
                                                  "listed twice", fota_error_class_name(r->cls));
                break;
            }
            if (r->lo <= o->hi && o->lo <= r->hi) {
                rc = fota_yaml_fail(y, f[1].node, "actions[]: class %s code %d is listed twice",
                                    fota_error_class_name(r->cls), r->lo > o->lo ? r->lo : o->lo);
                break;
            }
        }
    }
    char *w = NULL;
    if (!fota_yaml_stop(&rc, fota_yaml_str(y, f[2].node, "actions[].action", &w)) && w) {
        int words_rc = check_words(y, f[2].node, w);
        fota_yaml_stop(&rc, words_rc);
        if (words_rc)
            free(w), w = NULL;
    }
    /* A rule with a wrong class or code keeps no words: never matched, never
     * "listed twice" with a later one. */
    if (cls_rc || code_rc) {
        free(w);
        w = NULL;
    }
    r->words = w;
    return rc;
}

int fota_profile_read_actions(fota_yaml_t *y, yaml_node_t *n, fota_profile_t *p)
{
    size_t cnt;
    int rc = fota_yaml_seq(y, n, "actions", &cnt);
    if (rc || !cnt)
        return rc;
    if (!(p->actions = calloc(cnt, sizeof *p->actions)))
        return FOTA_E_NOMEM;
    p->n_actions = cnt;
    for (size_t i = 0; i < cnt; i++)
        if (fota_yaml_stop(&rc, read_action(y, fota_yaml_item(y, n, i), p, i)))
            break;
    return rc;
}

const char *fota_profile_action(const fota_profile_t *p, fota_error_class_t cls, int code)
{
    const char *any = NULL;
    for (size_t i = 0; p && i < p->n_actions; i++) {
        const fota_action_rule_t *r = &p->actions[i];
        if (r->cls != cls || !r->words)
            continue;
        if (r->lo > r->hi)
            any = r->words;
        else if (code >= r->lo && code <= r->hi)
            return r->words;
    }
    return any;
}
