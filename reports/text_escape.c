#include "text_escape.h"
#include "utf8.h"

#include "secret_mask.h"

#include <stdlib.h>
#include <string.h>

/* The masking rule itself is core's (fota_secret_mask, shared with the
 * machine's transcript); here it is applied to whole strings of any length. */
char *fota_text_mask_secrets(const char *in)
{
    if (!in)
        return NULL;
    /* Each password (>= 0 bytes) becomes 3 bytes and needs at least "x://:@"
     * around it, so the output is at most 2x + 4 long. */
    size_t cap = 2 * strlen(in) + 4;
    char *out = malloc(cap);
    if (out)
        fota_secret_mask(in, out, cap);
    return out;
}

bool fota_text_has_secret(const char *in)
{
    if (!in || !strstr(in, "://"))
        return false;
    char *m = fota_text_mask_secrets(in);
    bool differs = !m || strcmp(m, in) != 0;
    free(m);
    return differs;
}

void fota_text_csv_cell(FILE *f, const char *s)
{
    if (!s)
        return;
    bool formula = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' ||
                   s[0] == '\r';
    /* Dashes and commas alone ("-", "-,-": a digest list of URL packages in an
     * older file) cannot compute anything: shown as they are, not as "'-". */
    if (s[0] == '-' && s[strspn(s, "-,")] == '\0')
        formula = false;
    size_t n = strlen(s);
    if (!formula && !strpbrk(s, ",\"\r\n")) {
        fwrite(s, 1, n, f); /* the common case: a plain value, written whole */
        return;
    }
    putc_unlocked('"', f);
    if (formula)
        putc_unlocked('\'', f);
    /* Runs between quotes are written whole; each quote is doubled. */
    for (const char *p = s, *q; *p; p = q + 1) {
        q = strchr(p, '"');
        if (!q) {
            fwrite(p, 1, (size_t)(s + n - p), f);
            break;
        }
        fwrite(p, 1, (size_t)(q - p + 1), f);
        putc_unlocked('"', f);
    }
    putc_unlocked('"', f);
}

void fota_text_html(FILE *f, const char *s)
{
    if (!s)
        return;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        int n = (int)fota_utf8_len(p);
        if (n == 0 || (n == 2 && p[0] == 0xC2 && p[1] < 0xA0)) { /* invalid, or C1 */
            fputs("&#xFFFD;", f);
            p += n ? n : 1;
            continue;
        }
        if (n > 1) {
            fwrite(p, 1, (size_t)n, f);
            p += n;
            continue;
        }
        switch (*p) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        case '\n': case '\t': putc_unlocked(*p, f); break;
        default:
            if (*p < 0x20 || *p == 0x7F)
                fputs("&#xFFFD;", f);
            else
                putc_unlocked(*p, f);
        }
        p++;
    }
}

void fota_text_json_str(FILE *f, const char *s)
{
    if (!s) {
        fputs("null", f);
        return;
    }
    putc_unlocked('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        int n = (int)fota_utf8_len(p);
        if (n == 0) {
            fputs("\\ufffd", f);
            p++;
            continue;
        }
        if (n > 1) {
            fwrite(p, 1, (size_t)n, f);
            p += n;
            continue;
        }
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            /* '<' escaped too, so JSON pasted into a <script> block stays inert. */
            if (*p < 0x20 || *p == 0x7F || *p == '<')
                fprintf(f, "\\u%04x", *p);
            else
                putc_unlocked(*p, f);
        }
        p++;
    }
    putc_unlocked('"', f);
}

void fota_text_term(FILE *f, const char *s, int width)
{
    int cols = 0;
    for (const unsigned char *p = (const unsigned char *)s; p && *p; cols++) {
        int n = (int)fota_utf8_len(p);
        /* U+0080..U+009F (C2 80..C2 9F) are the C1 controls in UTF-8: CSI too. */
        bool c1 = n == 2 && p[0] == 0xC2 && p[1] < 0xA0;
        if (n > 1 && !c1) {
            fwrite(p, 1, (size_t)n, f);
            p += n;
            continue;
        }
        /* Invalid UTF-8 (a raw 0x9b is a CSI on 8-bit terminals), C0, DEL, C1. */
        bool ctl = n == 0 || c1 || *p < 0x20 || *p == 0x7F;
        putc_unlocked(ctl ? '?' : *p, f);
        p += n > 1 ? n : 1;
    }
    for (; cols < width; cols++)
        putc_unlocked(' ', f);
}
