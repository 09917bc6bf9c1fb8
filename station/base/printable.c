/* fota_printable(); see util.h. */
#include <stdbool.h>
#include <stdio.h>

#include "util.h"

char *fota_printable(const char *src, char *dst, size_t cap)
{
    if (!cap)
        return dst;
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)src; *p; p++) {
        bool plain = *p >= 0x20 && *p < 0x7f && *p != '\\';
        size_t need = plain ? 1 : 4;
        if (o + need >= cap)
            break;
        if (plain)
            dst[o++] = (char)*p;
        else
            o += (size_t)snprintf(dst + o, cap - o, *p == '\\' ? "\\\\" : "\\x%02x", *p);
    }
    dst[o] = '\0';
    return dst;
}
