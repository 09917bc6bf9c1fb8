#include "luhn.h"

#include <string.h>

bool fota_luhn_valid(const char *s)
{
    size_t n = strlen(s);
    if (n < 2)
        return false;
    unsigned sum = 0;
    /* Double every second digit counting from the check digit (rightmost). */
    for (size_t i = 0; i < n; i++) {
        char c = s[n - 1 - i];
        if (c < '0' || c > '9')
            return false;
        unsigned d = (unsigned)(c - '0');
        if (i % 2 == 1) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    return sum % 10 == 0;
}

int fota_imei_read(const char *line, char *out, size_t outlen)
{
    if (!line || !out || outlen < 16)
        return -1;
    const char *p = line;
    /* "+CGSN: <imei>" / "+GSN: <imei>": skip the echoed command name. */
    const char *colon = strchr(p, ':');
    if (p[0] == '+' && colon)
        p = colon + 1;
    while (*p == ' ' || *p == '\t' || *p == '"')
        p++;
    size_t n = 0;
    while (p[n] >= '0' && p[n] <= '9')
        n++;
    const char *rest = p + n;
    while (*rest == ' ' || *rest == '\t' || *rest == '"')
        rest++;
    if (n != 15 || *rest != '\0')
        return -1;
    memcpy(out, p, 15);
    out[15] = '\0';
    return 0;
}

int fota_imei_parse(const char *line, char *out, size_t outlen)
{
    if (fota_imei_read(line, out, outlen) != 0)
        return -1;
    return fota_luhn_valid(out) ? 0 : -1;
}

const char *fota_imei_problem(const char *imei)
{
    size_t n = strlen(imei);
    if (n != 15 || strspn(imei, "0123456789") != 15)
        return "not 15 digits";
    if (strspn(imei, "0") == 15)
        return "blank (all zeros)";
    if (!fota_luhn_valid(imei))
        return "wrong check digit";
    return NULL;
}
