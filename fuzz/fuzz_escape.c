/* The report writers' escapers (reports/text_escape.c) on arbitrary bytes:
 * terminal text and HTML never emit a C0/C1 control or invalid UTF-8, HTML never a
 * raw '<', '>', '"', '\'', JSON always a valid string literal (U+0080..U+009F are
 * legal JSON), CSV a cell
 * that reads back as the input. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text_escape.h"

static char *render(void (*fn)(FILE *, const char *), const char *s, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (!f)
        abort();
    fn(f, s);
    fclose(f);
    return buf;
}

static void term(FILE *f, const char *s)
{
    fota_text_term(f, s, 12);
}

/* Valid UTF-8 with no C0 (but \n, \t when allowed), DEL or C1 character. */
static bool clean_utf8(const unsigned char *p, size_t n, bool nl_tab, bool c1_ok)
{
    for (size_t i = 0; i < n;) {
        unsigned c = p[i];
        if (c < 0x80) {
            if ((c < 0x20 && !(nl_tab && (c == '\n' || c == '\t'))) || c == 0x7f)
                return false;
            i++;
            continue;
        }
        size_t k = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
        if (k == 0 || i + k > n || (!c1_ok && c == 0xc2 && p[i + 1] < 0xa0))
            return false;
        for (size_t j = 1; j < k; j++)
            if ((p[i + j] & 0xc0) != 0x80)
                return false;
        i += k;
    }
    return true;
}

/* RFC 4180 read-back of one cell, minus the formula guard's leading quote. */
static void csv_roundtrip(const char *s)
{
    size_t n;
    char *c = render(fota_text_csv_cell, s, &n);
    /* Dashes and commas alone compute nothing and are written as they are. */
    bool formula = strchr("=+-@\t\r", s[0]) && s[0] &&
                   !(s[0] == '-' && s[strspn(s, "-,")] == '\0');
    if (c[0] != '"') {
        if (formula || strcmp(c, s) != 0)
            abort();
    } else {
        if (n < 2 || c[n - 1] != '"')
            abort();
        size_t o = 0, i = 1;
        char *back = malloc(n);
        if (!back)
            abort();
        for (; i < n - 1; i++) {
            if (c[i] == '"') {
                if (c[i + 1] != '"')
                    abort(); /* a lone quote inside */
                i++;
            }
            back[o++] = c[i];
        }
        back[o] = '\0';
        const char *got = back;
        if (formula && *got++ != '\'')
            abort();
        if (strcmp(got, s) != 0)
            abort();
        free(back);
    }
    free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    size_t n;
    char *t = render(term, s, &n);
    if (!clean_utf8((unsigned char *)t, n, false, false) || n < 12)
        abort();
    free(t);
    char *h = render(fota_text_html, s, &n);
    if (!clean_utf8((unsigned char *)h, n, true, false) || strpbrk(h, "<>\"'"))
        abort();
    free(h);
    char *j = render(fota_text_json_str, s, &n);
    if (n < 2 || j[0] != '"' || j[n - 1] != '"' || !clean_utf8((unsigned char *)j, n, false, true))
        abort();
    for (size_t i = 1; i + 1 < n; i++) {
        if (j[i] == '\\')
            i++; /* an escape pair */
        else if (j[i] == '"' || j[i] == '<')
            abort();
    }
    free(j);
    csv_roundtrip(s);
    free(s);
    return 0;
}
