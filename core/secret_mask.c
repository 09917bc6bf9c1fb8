#include "secret_mask.h"

#include <string.h>

/* End of the authority that starts at auth: RFC 3986's '/', '?', '#', plus what
 * cannot be inside a URL we send or store: a quote (AT+QFOTADL="<url>"), CR, LF. */
static size_t authority_len(const char *auth)
{
    return strcspn(auth, "/?#\"\r\n");
}

static const char *last_at(const char *s, size_t n)
{
    const char *at = NULL;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '@')
            at = s + i;
    return at;
}

/* RFC 3986 takes the userinfo up to the last '@' of the authority. A password
 * written by hand may also hold an unescaped '/' ("user:p@ss/w0rd@host/x"), which
 * RFC 3986 would end at the '/': so the '@' may also lie in the rest of the word
 * (up to a blank after the authority, a quote, CR, LF or "//"), provided the host after
 * it holds no blank. Masking a path's "@" too much is harmless; leaking is not.
 * The condition on the host keeps the rule idempotent (the masked text re-parses
 * to the same '@'). */
int fota_secret_find(const char *sep, const char **pw, size_t *pw_len)
{
    const char *auth = sep + 3;
    size_t al = authority_len(auth);
    size_t wl = al;
    /* The word never runs into the next URL ("//"): masking that one could
     * otherwise remove the blank that ended this word, and a second pass differ. */
    while (auth[wl] && !strchr(" \t\"\r\n", auth[wl]) && !(auth[wl] == '/' && auth[wl + 1] == '/'))
        wl++;
    const char *at = last_at(auth, wl);
    if (at && at >= auth + al) {
        const char *host = at + 1;
        size_t hl = strcspn(host, "/?#\"\r\n");
        if (memchr(host, ' ', hl) || memchr(host, '\t', hl))
            at = NULL;
    }
    if (!at || at < auth + al)
        at = last_at(auth, al);
    if (!at)
        return 0;
    size_t ul = (size_t)(at - auth) < al ? (size_t)(at - auth) : al;
    const char *colon = memchr(auth, ':', ul);
    if (!colon)
        return 0; /* "user@host": no password */
    *pw = colon + 1;
    *pw_len = (size_t)(at - *pw);
    return 1;
}

static void put(char *out, size_t outlen, size_t *o, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (*o + 1 < outlen)
            out[*o] = s[i];
        (*o)++;
    }
}

size_t fota_secret_mask(const char *in, char *out, size_t outlen)
{
    size_t o = 0;
    const char *p = in;
    for (;;) {
        const char *sep = strstr(p, "://");
        if (!sep) {
            put(out, outlen, &o, p, strlen(p));
            break;
        }
        const char *pw;
        size_t pl;
        if (fota_secret_find(sep, &pw, &pl)) {
            put(out, outlen, &o, p, (size_t)(pw - p));
            put(out, outlen, &o, "***", 3);
            p = pw + pl; /* the '@' and the host follow */
        } else {
            put(out, outlen, &o, p, (size_t)(sep + 3 - p));
            p = sep + 3;
        }
    }
    if (outlen)
        out[o < outlen ? o : outlen - 1] = '\0';
    return o < outlen ? o : (outlen ? outlen - 1 : 0);
}
