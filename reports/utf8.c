/* See utf8.h. */
#include "utf8.h"

#include <stdlib.h>
#include <string.h>

size_t fota_utf8_len(const unsigned char *p)
{
    if (p[0] < 0x80)
        return 1;
    size_t n;
    unsigned min, cp;
    if ((p[0] & 0xE0) == 0xC0) {
        n = 2, min = 0x80, cp = p[0] & 0x1F;
    } else if ((p[0] & 0xF0) == 0xE0) {
        n = 3, min = 0x800, cp = p[0] & 0x0F;
    } else if ((p[0] & 0xF8) == 0xF0) {
        n = 4, min = 0x10000, cp = p[0] & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) /* also stops at the terminating NUL */
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

int fota_utf8_repair(const char *s, char **out)
{
    *out = NULL;
    const unsigned char *p = (const unsigned char *)s;
    size_t bad = 0, len = 0;
    while (p[len]) {
        size_t k = fota_utf8_len(p + len);
        bad += k == 0;
        len += k ? k : 1;
    }
    if (bad == 0)
        return 0;
    char *o = malloc(len + 2 * bad + 1); /* each bad byte: 1 -> 3 bytes */
    if (!o)
        return -1;
    size_t j = 0;
    for (size_t i = 0; i < len;) {
        size_t k = fota_utf8_len(p + i);
        if (k == 0) {
            memcpy(o + j, "\xef\xbf\xbd", 3);
            j += 3;
            i++;
        } else {
            memcpy(o + j, p + i, k);
            j += k;
            i += k;
        }
    }
    o[j] = '\0';
    *out = o;
    return 0;
}
