/* Final result codes and echo recognition: the small, stateless half of the AT
 * classifier (gatchat's terminator table as code, since these are V.250 words
 * every family shares; family-specific lines live in the profiles). */
#include "at_result.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* [*s, *e) with the blanks around it removed. */
static void trim(const char **s, const char **e)
{
    while (*s < *e && is_blank(**s))
        (*s)++;
    while (*e > *s && is_blank((*e)[-1]))
        (*e)--;
}

static bool word_eq(const char *s, const char *e, const char *word)
{
    size_t n = strlen(word);
    return (size_t)(e - s) == n && strncasecmp(s, word, n) == 0;
}

static bool has_prefix(const char *s, const char *e, const char *prefix)
{
    size_t n = strlen(prefix);
    return (size_t)(e - s) >= n && strncasecmp(s, prefix, n) == 0;
}

/* "+CME ERROR: 3" -> 3; "+CME ERROR: SIM not inserted" -> -1. */
static int error_code(const char *s, const char *e)
{
    trim(&s, &e);
    if (s == e || (size_t)(e - s) > 9)
        return -1;
    int v = 0;
    for (const char *q = s; q < e; q++) {
        if (!isdigit((unsigned char)*q))
            return -1;
        v = v * 10 + (*q - '0');
    }
    return v;
}

bool fota_at_result_parse(const char *line, fota_at_final_t *final, int *code)
{
    const char *s = line, *e = line + strlen(line);
    trim(&s, &e);
    *code = -1;
    if (word_eq(s, e, "OK")) {
        *final = FOTA_AT_FINAL_OK;
    } else if (word_eq(s, e, "ERROR")) {
        *final = FOTA_AT_FINAL_ERROR;
    } else if (has_prefix(s, e, "+CME ERROR:")) {
        *final = FOTA_AT_FINAL_CME_ERROR;
        *code = error_code(s + 11, e);
    } else if (has_prefix(s, e, "+CMS ERROR:")) {
        *final = FOTA_AT_FINAL_CMS_ERROR;
        *code = error_code(s + 11, e);
    } else if (word_eq(s, e, "NO CARRIER")) {
        *final = FOTA_AT_FINAL_NO_CARRIER;
    } else if (word_eq(s, e, "CONNECT") || (has_prefix(s, e, "CONNECT") && is_blank(s[7]))) {
        /* "CONNECT" or "CONNECT <rate>" (V.250 §5.7.1) */
        *final = FOTA_AT_FINAL_CONNECT;
    } else {
        return false;
    }
    return true;
}

bool fota_at_is_echo(const char *line, const char *cmd)
{
    /* Echo is the command line as the module received it: same characters, any
     * case (a module may upper-case it), trailing blanks tolerated. */
    const char *ls = line, *le = line + strlen(line);
    const char *cs = cmd, *ce = cmd + strlen(cmd);
    while (le > ls && is_blank(le[-1]))
        le--;
    while (ce > cs && is_blank(ce[-1]))
        ce--;
    return le - ls == ce - cs && le > ls && strncasecmp(ls, cs, (size_t)(le - ls)) == 0;
}

bool fota_at_has_prefix(const char *line, const char *prefix)
{
    size_t n = strlen(prefix);
    return n > 0 && strncasecmp(line, prefix, n) == 0;
}

fota_at_echo_effect_t fota_at_echo_effect(const char *cmd)
{
    const char *s = cmd, *e = cmd + strlen(cmd);
    trim(&s, &e);
    if (word_eq(s, e, "ATE0"))
        return FOTA_AT_ECHO_EFFECT_OFF;
    /* ATE1, ATE, ATZ, AT&F: echo comes back on, or we cannot be sure. */
    if (has_prefix(s, e, "ATE") || has_prefix(s, e, "ATZ") || has_prefix(s, e, "AT&F"))
        return FOTA_AT_ECHO_EFFECT_UNKNOWN;
    return FOTA_AT_ECHO_EFFECT_NONE;
}

const char *fota_at_line_class_name(fota_at_line_class_t k)
{
    static const char *const names[] = { "echo", "info", "final", "urc", "noise", "ack" };
    return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

const char *fota_at_final_name(fota_at_final_t f)
{
    static const char *const names[] = {
        "OK", "ERROR", "CME_ERROR", "CMS_ERROR", "CONNECT", "NO_CARRIER", "TIMEOUT",
    };
    return (unsigned)f < sizeof(names) / sizeof(names[0]) ? names[f] : "?";
}
