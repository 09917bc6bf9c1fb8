/* The URL password masker (core/secret_mask.c) on arbitrary text. Invariants:
 * - a password planted in a URL inside the text never comes out;
 * - no URL in the output has a password other than "***";
 * - masking twice changes nothing;
 * - the output is never longer than the input plus 3 bytes per "://". */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "secret_mask.h"

static size_t count(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

static char *mask(const char *in)
{
    size_t cap = 2 * strlen(in) + 8;
    char *out = malloc(cap);
    if (!out)
        abort();
    size_t n = fota_secret_mask(in, out, cap);
    if (n != strlen(out) || n + 1 >= cap)
        abort(); /* never truncated at this size */
    return out;
}

static void check_output(const char *in, const char *out)
{
    if (strlen(out) > strlen(in) + 3 * count(in, "://"))
        abort();
    for (const char *p = out; (p = strstr(p, "://")) != NULL; p++) {
        const char *pw;
        size_t pl;
        if (fota_secret_find(p, &pw, &pl) && (pl != 3 || memcmp(pw, "***", 3) != 0))
            abort();
    }
    char *again = mask(out);
    if (strcmp(again, out) != 0)
        abort();
    free(again);
}

/* data = prefix \0 password \0 suffix: the password (letters, digits, blanks) is
 * planted as "http://u:<pw>@h/x" between the two texts. */
static void check_planted(const char *data, size_t size)
{
    const char *z1 = memchr(data, 0, size);
    if (!z1)
        return;
    const char *pwraw = z1 + 1;
    const char *z2 = memchr(pwraw, 0, size - (size_t)(pwraw - data));
    if (!z2)
        return;
    const char *suffix = z2 + 1;
    size_t sl = size - (size_t)(suffix - data);
    char pw[64];
    size_t pl = 0;
    for (const char *c = pwraw; c < z2 && pl < sizeof pw - 1; c++)
        if ((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == ' ')
            pw[pl++] = *c;
    pw[pl] = '\0';
    if (pl < 3)
        return;
    size_t cap = (size_t)(z1 - data) + sl + pl + 32;
    char *text = malloc(cap), *ideal = malloc(cap);
    if (!text || !ideal)
        abort();
    int n = snprintf(text, cap, "%s http://u:%s@h/x %.*s", data, pw, (int)sl, suffix);
    snprintf(ideal, cap, "%s http://u:***@h/x %.*s", data, (int)sl, suffix);
    if (n > 0 && strlen(text) == (size_t)n && !strstr(ideal, pw)) {
        char *out = mask(text);
        if (strstr(out, pw))
            abort(); /* the planted password leaked */
        check_output(text, out);
        free(out);
    }
    free(text);
    free(ideal);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = malloc(size + 1);
    if (!in)
        return 0;
    memcpy(in, data, size);
    in[size] = '\0';
    char *out = mask(in);
    check_output(in, out);
    free(out);
    /* A small buffer truncates but stays terminated. */
    char small[16];
    size_t n = fota_secret_mask(in, small, sizeof small);
    if (n != strlen(small))
        abort();
    free(in);
    check_planted((const char *)data, size);
    return 0;
}
