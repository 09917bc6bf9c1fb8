/* bench/peer: one module's upgrade, the dialogue fota-station's transcripts show
 * (identify, the method's commands, the URCs up to END,0, the boot URCs, identify
 * again), written the way a plain factory script would: send, read until the
 * final result, next. No pause the module does not force. */
#define _GNU_SOURCE
#include "peer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LINE_MAX_ 512
#define KEEP_LINES 8

typedef struct {
    char line[KEEP_LINES][LINE_MAX_]; /* information lines before the final result */
    int n;
} resp_t;

typedef struct {
    const peer_job_t *job;
    peer_port_t *p;
    char *reason;
    size_t reason_n;
} dlg_t;

static int fail(dlg_t *d, const char *fmt, const char *what)
{
    snprintf(d->reason, d->reason_n, fmt, what);
    return -1;
}

static unsigned tmo(const dlg_t *d)
{
    return d->job->timeout_s * 1000u;
}

/* Sends one command and reads up to its final result: 0 OK, 2 CONNECT, -1 else. */
static int cmd(dlg_t *d, const char *c, resp_t *r)
{
    char tx[LINE_MAX_ * 2];
    int n = snprintf(tx, sizeof tx, "%s\r", c);
    if (r)
        r->n = 0;
    if (peer_port_write(d->p, tx, (size_t)n) != PEER_OK)
        return fail(d, "%s: port gone", c);
    char line[LINE_MAX_];
    for (;;) {
        int rc = peer_port_line(d->p, line, sizeof line, tmo(d));
        if (rc != PEER_OK)
            return fail(d, rc == PEER_HUP ? "%s: port gone" : "%s: no answer", c);
        if (strcmp(line, c) == 0)
            continue; /* echo */
        if (strcmp(line, "OK") == 0)
            return 0;
        if (strcmp(line, "CONNECT") == 0)
            return 2;
        if (strcmp(line, "ERROR") == 0 || strncmp(line, "+CME ERROR", 10) == 0)
            return fail(d, "%s: ERROR", c);
        if (r && r->n < KEEP_LINES)
            snprintf(r->line[r->n++], LINE_MAX_, "%s", line);
    }
}

static const char *find_prefix(const resp_t *r, const char *prefix)
{
    for (int i = 0; i < r->n; i++)
        if (strncmp(r->line[i], prefix, strlen(prefix)) == 0)
            return r->line[i] + strlen(prefix);
    return NULL;
}

/* ATE0, ATI, AT+GSN: the station's identification. */
static int identify(dlg_t *d, char *rev, size_t rev_n, char *imei, size_t imei_n)
{
    resp_t r;
    if (cmd(d, "ATE0", NULL) != 0 || cmd(d, "ATI", &r) != 0)
        return -1;
    const char *v = find_prefix(&r, "Revision: ");
    if (!v)
        return fail(d, "%s: no revision", "ATI");
    snprintf(rev, rev_n, "%s", v);
    if (cmd(d, "AT+GSN", &r) != 0 || r.n < 1)
        return fail(d, "%s: no IMEI", "AT+GSN");
    snprintf(imei, imei_n, "%s", r.line[r.n - 1]);
    return 0;
}

/* 16-bit XOR of big-endian byte pairs, an odd last byte as the high byte. */
static unsigned qfupl_checksum(const uint8_t *b, size_t n)
{
    unsigned x = 0;
    for (size_t i = 0; i < n; i += 2)
        x ^= (unsigned)b[i] << 8 | (i + 1 < n ? b[i + 1] : 0u);
    return x;
}

static int upload(dlg_t *d)
{
    const peer_job_t *j = d->job;
    char c[LINE_MAX_];
    resp_t r;
    if (cmd(d, "AT+QFLST=\"*\"", &r) != 0)
        return -1;
    for (int i = 0; i < r.n; i++)
        if (strstr(r.line[i], j->upload_name)) { /* a stale upload of the same name */
            snprintf(c, sizeof c, "AT+QFDEL=\"%s\"", j->upload_name);
            if (cmd(d, c, NULL) != 0)
                return -1;
        }
    if (cmd(d, "AT+QFLDS=\"UFS\"", NULL) != 0)
        return -1;
    snprintf(c, sizeof c, "AT+QFUPL=\"%s\",%zu,5,1", j->upload_name, j->pkg_len);
    if (cmd(d, c, NULL) != 2)
        return fail(d, "%s: no CONNECT", "AT+QFUPL");
    for (size_t off = 0; off < j->pkg_len; off += 1024) {
        size_t n = j->pkg_len - off < 1024 ? j->pkg_len - off : 1024;
        if (peer_port_write(d->p, j->pkg + off, n) != PEER_OK)
            return fail(d, "%s: port gone", "upload");
        if (n == 1024 && peer_port_byte(d->p, 'A', tmo(d)) != PEER_OK)
            return fail(d, "%s: no ack", "upload");
    }
    char line[LINE_MAX_], want[64];
    snprintf(want, sizeof want, "+QFUPL: %zu,%x", j->pkg_len, qfupl_checksum(j->pkg, j->pkg_len));
    int got = 0;
    while (peer_port_line(d->p, line, sizeof line, tmo(d)) == PEER_OK) {
        if (strncmp(line, "+QFUPL:", 7) == 0) {
            if (strcmp(line, want) != 0)
                return fail(d, "upload mismatch: %s", line);
            got = 1;
        } else if (strcmp(line, "OK") == 0 && got) {
            snprintf(c, sizeof c, "AT+QFOTADL=\"%s%s\"", j->family->local_dir, j->upload_name);
            return cmd(d, c, NULL);
        }
    }
    return fail(d, "%s: no result", "AT+QFUPL");
}

static int url(dlg_t *d)
{
    char c[LINE_MAX_];
    snprintf(c, sizeof c, "AT+QFOTADL=\"%s\"", d->job->url);
    return cmd(d, c, NULL);
}

static int stream(dlg_t *d)
{
    char c[LINE_MAX_], line[LINE_MAX_];
    if (cmd(d, "AT+QCFG=\"usbifc\",2,2", NULL) != 0)
        return -1;
    snprintf(c, sizeof c, "AT+QFOTADL=\"FILE:%zu\"", d->job->pkg_len);
    if (cmd(d, c, NULL) != 0)
        return -1;
    while (peer_port_line(d->p, line, sizeof line, tmo(d)) == PEER_OK)
        if (strstr(line, "\"FILESTART\""))
            return peer_port_write(d->p, d->job->pkg, d->job->pkg_len) == PEER_OK ? 0 : -1;
    return fail(d, "%s: no FILESTART", "stream");
}

static void sleep_ms(uint64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000u), (long)(ms % 1000u) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* The "+++" escape needs silence on the line before and after it: the time the
 * UART takes to carry the bytes still queued (a pty reports none queued, so it is
 * computed from the line rate), then the guard time. */
static int qfua(dlg_t *d)
{
    const peer_job_t *j = d->job;
    char line[LINE_MAX_];
    if (cmd(d, "AT+IFC=2,2", NULL) != 0)
        return -1;
    int rc = cmd(d, "AT+QFUA", NULL);
    while (rc == 0) { /* OK, then CONNECT */
        if (peer_port_line(d->p, line, sizeof line, tmo(d)) != PEER_OK)
            return fail(d, "%s: no CONNECT", "AT+QFUA");
        if (strcmp(line, "CONNECT") == 0)
            rc = 2;
    }
    if (rc != 2)
        return -1;
    uint64_t t0 = peer_now_ms();
    if (peer_port_write(d->p, j->pkg, j->pkg_len) != PEER_OK)
        return fail(d, "%s: port gone", "AT+QFUA");
    uint64_t on_wire = j->line_rate > 0 ? (uint64_t)(1000.0 * (double)j->pkg_len / j->line_rate) : 0;
    uint64_t spent = peer_now_ms() - t0;
    sleep_ms((on_wire > spent ? on_wire - spent : 0) + j->guard_ms);
    return peer_port_write(d->p, "+++", 3) == PEER_OK ? 0 : -1;
}

static int qfaw(dlg_t *d)
{
    const peer_job_t *j = d->job;
    static const char hex[] = "0123456789ABCDEF";
    char c[16 + 2 * 225];
    if (cmd(d, "AT+QFAI", NULL) != 0)
        return -1;
    for (size_t off = 0; off < j->pkg_len; off += 225) {
        size_t n = j->pkg_len - off < 225 ? j->pkg_len - off : 225;
        char *w = c + sprintf(c, "AT+QFAW=\"");
        for (size_t i = 0; i < n; i++) {
            *w++ = hex[j->pkg[off + i] >> 4];
            *w++ = hex[j->pkg[off + i] & 15];
        }
        *w++ = '"';
        *w = 0;
        if (cmd(d, c, NULL) != 0)
            return -1;
    }
    return cmd(d, "AT+QFAU", NULL);
}

/* A "+QIND: ..." verdict: 1 the update's END,0; 0 nothing final; -1 a failure code. */
static int verdict(const char *line)
{
    if (strstr(line, "update success"))
        return 1; /* legacy */
    if (strstr(line, "update failed"))
        return -1;
    const char *e = strcasestr(line, "END\""); /* EG06xK spells "HTTPEnd" */
    if (!e)
        return 0;
    const char *v = e + 4;
    while (*v == ',' || *v == ' ')
        v++;
    if (atoi(v) != 0)
        return -1;
    return e > line && e[-1] == '"' ? 1 : 0; /* "END" itself, not HTTPEND/FILEEND */
}

/* Follows the module through its reboots: URCs up to the update's END, then the
 * boot URCs of the new firmware, reopening the port whenever it re-enumerates. */
static int follow(dlg_t *d)
{
    char line[LINE_MAX_];
    int updated = 0;
    for (;;) {
        int rc = peer_port_line(d->p, line, sizeof line, tmo(d));
        if (rc == PEER_TIMEOUT)
            return fail(d, "%s", updated ? "no boot URCs" : "no END");
        if (rc == PEER_HUP) {
            if (peer_port_reopen(d->p, tmo(d)) != PEER_OK)
                return fail(d, "%s", "port did not come back");
            continue;
        }
        if (!updated) {
            int v = verdict(line);
            if (v < 0)
                return fail(d, "failed: %s", line);
            updated = v;
        } else if (strcmp(line, d->job->family->boot_done) == 0) {
            return 0;
        }
    }
}

int peer_upgrade(const peer_job_t *job, peer_port_t *p, char *imei, size_t imei_n, char *reason,
                 size_t reason_n)
{
    static const struct {
        const char *name;
        int (*run)(dlg_t *);
    } methods[] = {{"local", upload}, {"url", url}, {"stream", stream}, {"qfua", qfua}, {"qfaw", qfaw}};
    dlg_t d = {job, p, reason, reason_n};
    char rev[128], imei2[64];
    reason[0] = 0;
    if (identify(&d, rev, sizeof rev, imei, imei_n) != 0)
        return -1;
    if (strcmp(rev, job->to) == 0)
        return 0; /* already there */
    int rc = -1;
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (strcmp(methods[i].name, job->method) == 0)
            rc = methods[i].run(&d);
    if (rc != 0)
        return reason[0] ? -1 : fail(&d, "%s: refused", job->method);
    if (follow(&d) != 0 || cmd(&d, "AT", NULL) != 0 ||
        identify(&d, rev, sizeof rev, imei2, sizeof imei2) != 0)
        return -1;
    if (strcmp(rev, job->to) != 0)
        return fail(&d, "revision %s after the update", rev);
    if (strcmp(imei, imei2) != 0)
        return fail(&d, "IMEI %s after the update", imei2);
    return 0;
}
