#include "secret_mask.h"

#include <string.h>

/* A URL token ends at a quote, a blank or the end of the line (the command is
 * AT+QFOTADL="<url>"). */
static size_t token_len(const char *p)
{
    size_t n = 0;
    while (p[n] && p[n] != '"' && p[n] != ' ' && p[n] != '\t' && p[n] != '\r' && p[n] != '\n')
        n++;
    return n;
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
        const char *auth = sep + 3;
        size_t tl = token_len(auth);
        /* Password = between the first ':' of the user part and the LAST '@' of the
         * token: passwords written by hand contain '@' and '/' unescaped, and
         * masking a little too much is harmless where leaking is not. */
        const char *colon = NULL, *at = NULL;
        for (size_t i = 0; i < tl; i++) {
            if (auth[i] == '@')
                at = auth + i;
        }
        for (size_t i = 0; at && auth + i < at; i++) {
            if (auth[i] == '/')
                break; /* the user part never holds '/': no credentials */
            if (auth[i] == ':') {
                colon = auth + i;
                break;
            }
        }
        if (colon && at && colon < at) {
            put(out, outlen, &o, p, (size_t)(colon + 1 - p));
            put(out, outlen, &o, "***", 3);
            p = at;
        } else {
            put(out, outlen, &o, p, (size_t)(auth - p));
            p = auth;
        }
    }
    if (outlen)
        out[o < outlen ? o : outlen - 1] = '\0';
    return o < outlen ? o : (outlen ? outlen - 1 : 0);
}
