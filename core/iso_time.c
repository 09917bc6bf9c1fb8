#include "iso_time.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fota_types.h"

/* Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil), so we need neither timegm() nor the TZ environment. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* One row per fota_iso_form_t: the separators, whether milliseconds follow the
 * seconds, and the zone letter. */
static const struct {
    const char *date_sep, *t_sep, *time_sep, *zone;
    bool ms;
} forms[] = {
    [FOTA_ISO_MS] = {"-", "T", ":", "Z", true},
    [FOTA_ISO_SECONDS] = {"-", "T", ":", "Z", false},
    [FOTA_ISO_FILE] = {"", "-", "", "", false},
};

char *fota_iso_format_as(int64_t ms, fota_iso_form_t form, char *out, size_t len)
{
    if (!len)
        return out;
    if ((unsigned)form >= sizeof forms / sizeof forms[0])
        form = FOTA_ISO_MS;
    int64_t secs = ms / 1000, rem = ms % 1000;
    if (rem < 0) {
        rem += 1000;
        secs -= 1;
    }
    time_t t = (time_t)secs;
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        t = 0;
        rem = 0;
        gmtime_r(&t, &tm);
    }
    char frac[8] = "";
    if (forms[form].ms)
        snprintf(frac, sizeof frac, ".%03d", (int)rem);
    char tmp[96]; /* wide enough for any int fields, so no truncation warnings */
    snprintf(tmp, sizeof tmp, "%04d%s%02d%s%02d%s%02d%s%02d%s%02d%s%s", tm.tm_year + 1900,
             forms[form].date_sep, tm.tm_mon + 1, forms[form].date_sep, tm.tm_mday,
             forms[form].t_sep, tm.tm_hour, forms[form].time_sep, tm.tm_min,
             forms[form].time_sep, tm.tm_sec, frac, forms[form].zone);
    snprintf(out, len, "%s", tmp);
    return out;
}

char *fota_iso_format(int64_t ms, char out[FOTA_ISO_LEN])
{
    return fota_iso_format_as(ms, FOTA_ISO_MS, out, FOTA_ISO_LEN);
}

static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

int fota_iso_parse(const char *s, int64_t *ms)
{
    int y, mo, d, h = 0, mi = 0, sec = 0, frac = 0;
    const char *p = s;
    if (!s || digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
        digits(&p, 2, &d))
        return FOTA_E_PARSE;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
            return FOTA_E_PARSE;
        if (*p == ':') {
            p++;
            if (digits(&p, 2, &sec))
                return FOTA_E_PARSE;
            if (*p == '.' || *p == ',') {
                p++;
                int scale = 100, n = 0;
                while (isdigit((unsigned char)*p)) {
                    frac += (*p - '0') * scale;
                    scale /= 10;
                    p++;
                    n++;
                }
                if (n == 0)
                    return FOTA_E_PARSE;
            }
        }
    }
    int64_t offset_min = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1, oh, om = 0;
        if (digits(&p, 2, &oh))
            return FOTA_E_PARSE;
        if (*p == ':')
            p++;
        if (isdigit((unsigned char)*p) && digits(&p, 2, &om))
            return FOTA_E_PARSE;
        offset_min = sign * (oh * 60 + om);
    }
    if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return FOTA_E_PARSE;
    int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
    *ms = ((days * 86400 + h * 3600 + mi * 60 + sec) - offset_min * 60) * 1000 + frac;
    return 0;
}
