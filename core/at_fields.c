/* Field iterator for AT arguments: `"FOTA","UPDATING",42`.
 * Tolerant by design, because the Quectel notes print the same URC several ways:
 *   +QIND: "FOTA", "HTTPEnd", 0     blanks after commas (EG06xK DFOTA note §3.3.1.2)
 *   +QIND: "FOTA","UPDATING", 1     blank before a number (EC200T FOTA guide §3.1)
 *   "DOWNLOADING",57% / "RESTORE",1%  a '%' after numbers (real modules)
 *   "Last upgrade was not finished,continue upgrade"  a comma inside quotes
 * `p == NULL` marks the iterator as exhausted. */
#include "at_chat.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

void fota_at_fields_init(fota_at_fields_t *it, const char *args, size_t len)
{
    it->p = args;
    it->end = args + len;
    while (it->p < it->end && is_blank(*it->p))
        it->p++;
    if (it->p == it->end)
        it->p = NULL; /* no field at all */
}

/* The next field's text as [*start, *stop), quotes and surrounding blanks removed. */
static int next_span(fota_at_fields_t *it, const char **start, const char **stop)
{
    if (!it->p)
        return -1;
    const char *s = it->p, *e = it->end;
    while (s < e && is_blank(*s))
        s++;
    if (s < e && *s == '"') {
        *start = ++s;
        while (s < e && *s != '"')
            s++;
        *stop = s;
        if (s < e)
            s++; /* closing quote; an unterminated string runs to the end */
        while (s < e && *s != ',') /* junk after the quotes is ignored */
            s++;
    } else {
        *start = s;
        while (s < e && *s != ',')
            s++;
        *stop = s;
        while (*stop > *start && is_blank((*stop)[-1]))
            (*stop)--;
    }
    it->p = s < e ? s + 1 : NULL; /* on a comma: another (possibly empty) field follows */
    return 0;
}

int fota_at_fields_next_str(fota_at_fields_t *it, char *out, size_t outlen)
{
    const char *start, *stop;
    if (next_span(it, &start, &stop) < 0)
        return -1;
    if (out && outlen > 0) {
        size_t n = (size_t)(stop - start);
        if (n >= outlen)
            n = outlen - 1;
        memcpy(out, start, n);
        out[n] = '\0';
    }
    return 0;
}

int fota_at_fields_next_int(fota_at_fields_t *it, long *out)
{
    const char *start, *stop;
    if (next_span(it, &start, &stop) < 0)
        return -1;
    char buf[32];
    size_t n = (size_t)(stop - start);
    if (n == 0 || n >= sizeof(buf))
        return -1; /* empty, or longer than any number we accept */
    memcpy(buf, start, n);
    buf[n] = '\0';
    const char *s = buf;
    if (!((*s >= '0' && *s <= '9') || *s == '-' || *s == '+'))
        return -1; /* strtol would skip other blanks (\v, \f); we do not */
    char *endp;
    errno = 0;
    long v = strtol(s, &endp, 10);
    if (endp == s || errno == ERANGE)
        return -1;
    while (is_blank(*endp))
        endp++;
    if (*endp == '%')
        endp++;
    while (is_blank(*endp))
        endp++;
    if (*endp)
        return -1;
    if (out)
        *out = v;
    return 0;
}
