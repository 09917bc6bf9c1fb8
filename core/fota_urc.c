/* Unsolicited FOTA and boot lines -> phases, using only the profile's data
 * (spellings are data, not code): the URC prefix and tag, the phase spelling table and the
 * text patterns. No family name appears here; a new spelling is a YAML edit.
 *
 * Two shapes:
 *   <urc_prefix> "<urc_tag>","<name>"[,<n>[%]]   RG50xQ/EG06xK/EC200T: +QIND: "FOTA",…
 *       the name matched case-insensitively with blanks ignored ("HTTPEnd",
 *       "HTTPPEND", "HTTPEPEND" are all spellings the Quectel notes print for one phase)
 *   a whole text line against the profile's patterns      legacy GSM: "Update  percent = 7%"
 *       and boot URCs (RDY, +CPIN: READY, +QIND: SMS DONE, …) */
#include "fota_urc.h"
#include "at_result.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Case-insensitive, blanks ignored on both sides. */
static bool name_eq(const char *a, const char *b)
{
    for (;;) {
        while (is_blank(*a))
            a++;
        while (is_blank(*b))
            b++;
        if (!*a || !*b)
            return !*a && !*b;
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return false;
        a++;
        b++;
    }
}

/* ---- text patterns ------------------------------------------------------------
 * Literal text, case-insensitive; a run of blanks in the pattern matches any run
 * of blanks in the line, none included ("Update  percent = 7%", GSM FOTA note §2.3.1, prints
 * two blanks); "%d" skips blanks and captures an integer; "*" matches anything.
 * Only "%d" and "*" recurse, so the depth is bounded by the pattern, not the line;
 * a capture is kept only from the path that matched. */
static bool pattern_match(const char *pat, const char *s, const char *e, bool *has, long *val)
{
    for (;;) {
        if (!*pat)
            return s == e;
        if (is_blank(*pat)) {
            while (is_blank(*pat))
                pat++;
            while (s < e && is_blank(*s))
                s++;
            continue;
        }
        if (pat[0] == '%' && pat[1] == 'd') {
            while (s < e && is_blank(*s))
                s++;
            const char *q = s;
            bool neg = false;
            if (q < e && (*q == '-' || *q == '+'))
                neg = (*q++ == '-');
            if (q == e || !isdigit((unsigned char)*q))
                return false;
            long v = 0;
            bool overflow = false;
            while (q < e && isdigit((unsigned char)*q)) {
                if (v >= 100000000L)
                    overflow = true;
                else
                    v = v * 10 + (*q - '0');
                q++;
            }
            if (overflow)
                return false;
            bool h2 = false;
            long v2 = 0;
            if (!pattern_match(pat + 2, q, e, &h2, &v2))
                return false;
            *has = true;
            *val = neg ? -v : v;
            return true;
        }
        if (*pat == '*') {
            while (*pat == '*')
                pat++;
            for (const char *t = s;; t++) {
                bool h2 = false;
                long v2 = 0;
                if (pattern_match(pat, t, e, &h2, &v2)) {
                    *has = h2;
                    *val = v2;
                    return true;
                }
                if (t == e)
                    return false;
            }
        }
        if (s == e || tolower((unsigned char)*pat) != tolower((unsigned char)*s))
            return false;
        pat++;
        s++;
    }
}

static void trim(const char **s, const char **e)
{
    while (*s < *e && is_blank(**s))
        (*s)++;
    while (*e > *s && is_blank((*e)[-1]))
        (*e)--;
}

static bool match_text(const char *pattern, const char *s, const char *e, bool *has, long *val)
{
    const char *ps = pattern, *pe = pattern + strlen(pattern);
    trim(&ps, &pe);
    if (ps == pe)
        return false; /* an empty pattern would match every blank line */
    /* The pattern is trimmed by skipping its leading blanks and relying on
     * pattern_match's blank folding for the tail (the line is trimmed too). */
    *has = false;
    *val = 0;
    return pattern_match(ps, s, e, has, val);
}

static void copy_name(fota_urc_t *out, const char *s, size_t n)
{
    if (n >= sizeof(out->name))
        n = sizeof(out->name) - 1;
    memcpy(out->name, s, n);
    out->name[n] = '\0';
}

/* +QIND: "FOTA",<name>[,<n>]: 0 when the profile knows the name, -1 otherwise,
 * 1 when the line is not a FOTA indication at all (try the text patterns). */
static int parse_indication(const fota_profile_t *p, const char *s, const char *e, fota_urc_t *out)
{
    if (!p->urc_prefix || !*p->urc_prefix || !p->urc_tag)
        return 1;
    size_t plen = strlen(p->urc_prefix);
    if ((size_t)(e - s) < plen || !fota_at_has_prefix(s, p->urc_prefix))
        return 1;
    fota_at_fields_t it;
    fota_at_fields_init(&it, s + plen, (size_t)(e - s) - plen);
    char tag[64], name[128];
    if (fota_at_fields_next_str(&it, tag, sizeof(tag)) < 0 || !name_eq(tag, p->urc_tag))
        return 1;
    if (fota_at_fields_next_str(&it, name, sizeof(name)) < 0)
        return -1;
    for (size_t i = 0; i < p->n_phase_names; i++) {
        const fota_phase_name_t *pn = &p->phase_names[i];
        if (!pn->name || !name_eq(pn->name, name))
            continue;
        out->phase = pn->phase;
        out->table = pn->table;
        copy_name(out, name, strlen(name));
        long v;
        if (fota_at_fields_next_int(&it, &v) == 0) {
            out->has_value = true;
            out->value = v;
        }
        return 0;
    }
    return -1;
}

int fota_urc_parse(const fota_profile_t *p, const char *line, fota_urc_t *out)
{
    fota_urc_t u = { .phase = FOTA_PHASE_NONE, .table = FOTA_TABLE__COUNT };
    if (!p || !line)
        return -1;
    const char *s = line, *e = line + strlen(line);
    trim(&s, &e);
    if (s == e)
        return -1; /* a blank line says nothing, whatever "*" patterns a profile has */
    int r = parse_indication(p, s, e, &u);
    if (r <= 0) {
        if (r == 0 && out)
            *out = u;
        return r;
    }
    for (size_t i = 0; i < p->n_text_patterns; i++) {
        const fota_text_pattern_t *tp = &p->text_patterns[i];
        bool has;
        long v;
        if (!tp->pattern || !match_text(tp->pattern, s, e, &has, &v))
            continue;
        u.phase = tp->phase;
        u.table = tp->table;
        u.has_value = has;
        u.value = v;
        copy_name(&u, s, (size_t)(e - s));
        if (out)
            *out = u;
        return 0;
    }
    return -1;
}

bool fota_urc_is_unsolicited(const fota_profile_t *p, const char *line)
{
    if (!p || !line)
        return false;
    const char *s = line;
    while (is_blank(*s))
        s++;
    /* Every line with the indication prefix is unsolicited, known phase or not:
     * "+QIND: SMS DONE" at boot, or a FOTA phase a newer firmware invents. */
    if (p->urc_prefix && fota_at_has_prefix(s, p->urc_prefix))
        return true;
    return fota_urc_parse(p, line, NULL) == 0;
}
