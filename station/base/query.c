/* Plain AT queries; see query.h. */
#include "query.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "luhn.h"

void fota_query_init(fota_query_t *q, const char *const *cmds, size_t n)
{
    memset(q, 0, sizeof *q);
    if (n > FOTA_QUERY_MAX_CMDS)
        n = FOTA_QUERY_MAX_CMDS;
    for (size_t i = 0; i < n; i++)
        q->cmds[i] = cmds[i];
    q->n = n;
}

const char *fota_query_command(const fota_query_t *q)
{
    return q->cur < q->n ? q->cmds[q->cur] : NULL;
}

bool fota_query_done(const fota_query_t *q)
{
    return q->cur >= q->n;
}

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    size_t i = 0;
    while (s[i] && isspace((unsigned char)s[i]))
        i++;
    if (i)
        memmove(s, s + i, n - i + 1);
}

/* An information line for the command in flight. */
static void query_info(fota_query_t *q, const char *cmd, char *l)
{
    if (l[0] == '+' && strncasecmp(l, "+GSN:", 5) && strncasecmp(l, "+CGSN:", 6))
        return; /* a URC (+QIND, +CPIN…) arriving meanwhile */
    if (strcasecmp(l, "RDY") == 0)
        return;
    if (strcasecmp(cmd, "ATI") == 0) {
        if (strncasecmp(l, "Revision:", 9) == 0) {
            char *v = l + 9;
            while (*v == ' ')
                v++;
            snprintf(q->revision, sizeof q->revision, "%s", v);
        } else if (q->ati_lines == 0) {
            snprintf(q->manufacturer, sizeof q->manufacturer, "%s", l);
            /* "Quectel_BC660K-GL" on one line: maker and model together (some firmwares). */
            if (strncasecmp(l, "Quectel_", 8) == 0 && strncasecmp(l, "Quectel_Ltd", 11) != 0)
                snprintf(q->model, sizeof q->model, "%s", l);
            q->ati_lines++;
        } else if (q->ati_lines == 1) {
            snprintf(q->model, sizeof q->model, "%s", l);
            q->ati_lines++;
        }
        return;
    }
    if (strncasecmp(cmd, "AT+GSN", 6) == 0 || strncasecmp(cmd, "AT+CGSN", 7) == 0) {
        char imei[32];
        /* Any 15 digits, blank or check-digit-invalid too: what the module says it
         * is (the station judges it, slot_rules.c). */
        if (!q->imei[0] && fota_imei_read(l, imei, sizeof imei) == 0)
            memcpy(q->imei, imei, sizeof q->imei);
    }
}

/* true when the line ended the command */
static bool query_line(fota_query_t *q, char *l)
{
    trim(l);
    const char *cmd = fota_query_command(q);
    if (!cmd || !*l)
        return false;
    if (strcasecmp(l, cmd) == 0)
        return false; /* echo: modules power up with it on */
    if (strcmp(l, "OK") == 0) {
        q->cur++;
        return true;
    }
    if (strcmp(l, "ERROR") == 0 || strncmp(l, "+CME ERROR", 10) == 0) {
        q->failed = true;
        q->cur++;
        return true;
    }
    query_info(q, cmd, l);
    return false;
}

bool fota_query_feed(fota_query_t *q, const uint8_t *data, size_t n)
{
    bool completed = false;
    for (size_t i = 0; i < n; i++) {
        char c = (char)data[i];
        if (c == '\r' || c == '\n') {
            q->line[q->len] = '\0';
            q->len = 0;
            if (query_line(q, q->line))
                completed = true;
            continue;
        }
        if (q->len + 1 < sizeof q->line)
            q->line[q->len++] = c;
    }
    return completed;
}
