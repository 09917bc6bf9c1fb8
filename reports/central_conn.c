#include "central_conn.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "secret_mask.h"

/* libpq's value for one keyword of the DSN (NULL when absent or unparsable). */
static const char *opt_val(PQconninfoOption *opts, const char *key)
{
    for (PQconninfoOption *o = opts; o && o->keyword; o++)
        if (strcmp(o->keyword, key) == 0)
            return o->val && o->val[0] ? o->val : NULL;
    return NULL;
}

void fota_central_label(const char *dsn, char *out, size_t outlen)
{
    PQconninfoOption *opts = PQconninfoParse(dsn ? dsn : "", NULL);
    if (!opts) {
        snprintf(out, outlen, "(unparsable connection string)");
        return;
    }
    const char *user = opt_val(opts, "user"), *host = opt_val(opts, "host"),
               *addr = opt_val(opts, "hostaddr"), *port = opt_val(opts, "port"),
               *db = opt_val(opts, "dbname");
    snprintf(out, outlen, "%s%s%s%s%s/%s", user ? user : "", user ? "@" : "",
             host ? host : addr ? addr : "(default host)", port ? ":" : "", port ? port : "",
             db ? db : "(default database)");
    PQconninfoFree(opts);
}

/* "password=secret" / "password = 'se cret'" -> "password=***", in place. */
static void mask_keyword(char *s)
{
    for (char *p = s; (p = strstr(p, "password")) != NULL;) {
        char *q = p + 8;
        while (*q == ' ')
            q++;
        if (*q != '=') {
            p = q;
            continue;
        }
        q++;
        while (*q == ' ')
            q++;
        char *end = q;
        if (*q == '\'') {
            for (end = q + 1; *end && *end != '\''; end++)
                if (*end == '\\' && end[1])
                    end++;
            if (*end)
                end++;
        } else {
            while (*end && !isspace((unsigned char)*end) && *end != '&')
                end++;
        }
        if (end - q >= 3) {
            memcpy(q, "***", 3);
            memmove(q + 3, end, strlen(end) + 1);
        }
        p = q;
    }
}

void fota_central_scrub(const char *dsn, const char *msg, char *out, size_t outlen)
{
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", msg ? msg : "");
    PQconninfoOption *opts = dsn ? PQconninfoParse(dsn, NULL) : NULL;
    const char *pw = opt_val(opts, "password");
    size_t n = pw ? strlen(pw) : 0;
    for (char *p = tmp; n && (p = strstr(p, pw)) != NULL;) {
        memmove(p + 3, p + n, strlen(p + n) + 1);
        memcpy(p, "***", 3);
        p += 3;
    }
    if (opts)
        PQconninfoFree(opts);
    mask_keyword(tmp);
    /* libpq's messages run over several lines ("…\n\tThis probably means…"):
     * one line each in a log, blanks collapsed. */
    size_t w = 0;
    for (size_t r = 0; tmp[r]; r++) {
        char ch = tmp[r] == '\n' || tmp[r] == '\r' || tmp[r] == '\t' ? ' ' : tmp[r];
        if (ch != ' ' || (w > 0 && tmp[w - 1] != ' '))
            tmp[w++] = ch;
    }
    while (w > 0 && tmp[w - 1] == ' ')
        w--;
    tmp[w] = '\0';
    fota_secret_mask(tmp, out, outlen);
}

PGconn *fota_central_connect(const char *dsn, char *errbuf, size_t errlen)
{
    char *perr = NULL;
    PQconninfoOption *opts = PQconninfoParse(dsn, &perr);
    if (!opts) {
        fota_central_scrub(dsn, perr ? perr : "invalid connection string", errbuf, errlen);
        PQfreemem(perr);
        return NULL;
    }
    PQconninfoFree(opts);
    PGconn *c = PQconnectdb(dsn);
    if (!c || PQstatus(c) != CONNECTION_OK) {
        fota_central_scrub(dsn, c ? PQerrorMessage(c) : "out of memory", errbuf, errlen);
        PQfinish(c);
        return NULL;
    }
    /* Quiet: NOTICEs ("relation exists, skipping") are not the operator's business. */
    PQclear(PQexec(c, "SET client_min_messages = warning"));
    return c;
}
