#include "text_escape.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Finds the password span of the URL whose "://" is at p[0]: sets *pw (first
 * password byte) and *at (the '@'). The authority ends at '/', '?', '#',
 * whitespace or a quote (URLs sit inside AT+QFOTADL="…"); the last '@' in it
 * ends the userinfo, so a password holding '@' is still masked whole. */
static bool find_password(const char *p, const char **pw, const char **at)
{
    const char *auth = p + 3, *e = auth;
    while (*e && *e != '/' && *e != '?' && *e != '#' && *e != '"' && *e != '\'' &&
           !isspace((unsigned char)*e))
        e++;
    const char *last_at = NULL;
    for (const char *q = auth; q < e; q++)
        if (*q == '@')
            last_at = q;
    if (!last_at)
        return false;
    const char *colon = memchr(auth, ':', (size_t)(last_at - auth));
    if (!colon)
        return false;
    *pw = colon + 1;
    *at = last_at;
    return true;
}

/* "://" preceded by at least one scheme character. */
static bool is_url_start(const char *base, const char *p)
{
    return p > base && isalnum((unsigned char)p[-1]);
}

bool fota_has_secret(const char *in)
{
    if (!in)
        return false;
    for (const char *p = strstr(in, "://"); p; p = strstr(p + 3, "://")) {
        const char *pw, *at;
        if (is_url_start(in, p) && find_password(p, &pw, &at) && !(at - pw == 3 && memcmp(pw, "***", 3) == 0))
            return true;
    }
    return false;
}

char *fota_mask_secrets(const char *in)
{
    if (!in)
        return NULL;
    size_t n = strlen(in);
    /* Masking replaces each password (>= 0 bytes) with 3 bytes; a password
     * needs ":@" and "://" around it, so the output is at most 2x + 4 long. */
    char *out = malloc(2 * n + 4);
    if (!out)
        return NULL;
    char *o = out;
    const char *p = in;
    for (;;) {
        const char *u = strstr(p, "://");
        const char *pw = NULL, *at = NULL;
        while (u && !(is_url_start(in, u) && find_password(u, &pw, &at)))
            u = strstr(u + 3, "://");
        if (!u) {
            memcpy(o, p, strlen(p) + 1);
            return out;
        }
        memcpy(o, p, (size_t)(pw - p));
        o += pw - p;
        memcpy(o, "***", 3);
        o += 3;
        p = at; /* copies the '@' and the rest next round */
    }
}

void fota_csv_cell(FILE *f, const char *s)
{
    if (!s)
        return;
    bool formula = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' ||
                   s[0] == '\r';
    bool quote = formula || strpbrk(s, ",\"\r\n") != NULL;
    if (quote)
        fputc('"', f);
    if (formula)
        fputc('\'', f);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            fputc('"', f);
        fputc(*p, f);
    }
    if (quote)
        fputc('"', f);
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when invalid. */
static int utf8_len(const unsigned char *p)
{
    if (p[0] < 0x80)
        return 1;
    int n;
    unsigned min;
    unsigned cp;
    if ((p[0] & 0xE0) == 0xC0) {
        n = 2, min = 0x80, cp = p[0] & 0x1F;
    } else if ((p[0] & 0xF0) == 0xE0) {
        n = 3, min = 0x800, cp = p[0] & 0x0F;
    } else if ((p[0] & 0xF8) == 0xF0) {
        n = 4, min = 0x10000, cp = p[0] & 0x07;
    } else {
        return 0;
    }
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

void fota_html_text(FILE *f, const char *s)
{
    if (!s)
        return;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        int n = utf8_len(p);
        if (n == 0) {
            fputs("&#xFFFD;", f);
            p++;
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
        case '\n': case '\t': fputc(*p, f); break;
        default:
            if (*p < 0x20 || *p == 0x7F)
                fputs("&#xFFFD;", f);
            else
                fputc(*p, f);
        }
        p++;
    }
}

void fota_json_str(FILE *f, const char *s)
{
    if (!s) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        int n = utf8_len(p);
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
                fputc(*p, f);
        }
        p++;
    }
    fputc('"', f);
}
