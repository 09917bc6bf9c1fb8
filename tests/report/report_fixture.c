/* Fixture rows (id = row number, batch B1 unless noted):
 *  1 m1  RM500Q A06->A08 PASS  dl 100 s, up 200 s, total 400 s
 *  2 m2  RM500Q A06->A08 FAIL  download 601 "FTP unknown error"
 *  3 m3  RM500Q A06->A08 FAIL  download 601 ""      (meaning from row 2)
 *  4 m4  EC200T V01->V03 FAIL  package 552 "package version mismatch"
 *  5 m5  EC200T V01->V03 PASS  dl 60 s, up 120 s, total 300 s
 *  6 m6  EC200T V01->V03 INTERRUPTED
 *  7 m7  RM500Q A06->A08 SKIP  "already passed"
 *  8 m2  RM500Q A06->A08 PASS  dl 110 s, up 210 s, total 420 s   (rework)
 *  9 m4  EC200T V01->V03 FAIL  timeout 0 "update stalled at 42%"
 * 10 m8  RM500Q A07->A08 PASS  noop, total 5 s
 * 11 --  (no IMEI, slot hub1-9) FAIL protocol 0 "garbage instead of ATI"
 * 12 m9  running (never finished)
 * 13 m10 RM500Q A06->A08 PASS  batch B2, dl 90 s, up 180 s, total 350 s
 * 14 m11 RM500Q A06->A08 FAIL  batch B2, download 601 "FTP unknown error"
 * 15 m1  RM500Q A06->A08 PASS  batch B2, dl 95 s, up 190 s, total 380 s
 */
#include "report_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "report.h"
#include "store.h"

typedef struct {
    const char *batch, *imei, *model, *from, *to;
    int result; /* fota_result_t, or -1 = running */
    int noop;
    fota_error_class_t cls;
    int code;
    const char *text;
    int64_t dl_s, up_s, total_s;
} row_t;

static const row_t rows[] = {
    {"B1", "m1", "RM500Q", "A06", "A08", FOTA_RESULT_PASS, 0, FOTA_ERR_NONE, 0, "", 100, 200, 400},
    {"B1", "m2", "RM500Q", "A06", "A08", FOTA_RESULT_FAIL, 0, FOTA_ERR_DOWNLOAD, 601, "FTP unknown error", 30, 0, 50},
    {"B1", "m3", "RM500Q", "A06", "A08", FOTA_RESULT_FAIL, 0, FOTA_ERR_DOWNLOAD, 601, "", 30, 0, 40},
    {"B1", "m4", "EC200T", "V01", "V03", FOTA_RESULT_FAIL, 0, FOTA_ERR_PACKAGE, 552, "package version mismatch", 60, 0, 90},
    {"B1", "m5", "EC200T", "V01", "V03", FOTA_RESULT_PASS, 0, FOTA_ERR_NONE, 0, "", 60, 120, 300},
    {"B1", "m6", "EC200T", "V01", "V03", FOTA_RESULT_INTERRUPTED, 0, FOTA_ERR_NONE, 0, "", 0, 0, 0},
    {"B1", "m7", "RM500Q", "A06", "A08", FOTA_RESULT_SKIP, 0, FOTA_ERR_NONE, 0, "already passed", 0, 0, 0},
    {"B1", "m2", "RM500Q", "A06", "A08", FOTA_RESULT_PASS, 0, FOTA_ERR_NONE, 0, "", 110, 210, 420},
    {"B1", "m4", "EC200T", "V01", "V03", FOTA_RESULT_FAIL, 0, FOTA_ERR_TIMEOUT, 0, "update stalled at 42%", 60, 100, 500},
    {"B1", "m8", "RM500Q", "A07", "A08", FOTA_RESULT_PASS, 1, FOTA_ERR_NONE, 0, "", 0, 0, 5},
    {"B1", "", "", "", "", FOTA_RESULT_FAIL, 0, FOTA_ERR_PROTOCOL, 0, "garbage instead of ATI", 0, 0, 3},
    {"B1", "m9", "", "", "", -1, 0, FOTA_ERR_NONE, 0, "", 0, 0, 0},
    {"B2", "m10", "RM500Q", "A06", "A08", FOTA_RESULT_PASS, 0, FOTA_ERR_NONE, 0, "", 90, 180, 350},
    {"B2", "m11", "RM500Q", "A06", "A08", FOTA_RESULT_FAIL, 0, FOTA_ERR_DOWNLOAD, 601, "FTP unknown error", 20, 0, 30},
    {"B2", "m1", "RM500Q", "A06", "A08", FOTA_RESULT_PASS, 0, FOTA_ERR_NONE, 0, "", 95, 190, 380},
};

void fx_build(const char *path)
{
    char buf[512];
    unlink(path);
    snprintf(buf, sizeof buf, "%s-wal", path);
    unlink(buf);
    snprintf(buf, sizeof buf, "%s-shm", path);
    unlink(buf);
    fota_store_t *s;
    if (fota_store_open(path, &s, buf, sizeof buf) != 0) {
        fprintf(stderr, "fixture: %s\n", buf);
        abort();
    }
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
        const row_t *r = &rows[k];
        fota_attempt_t a;
        memset(&a, 0, sizeof a);
        snprintf(a.batch, sizeof a.batch, "%s", r->batch);
        snprintf(a.imei, sizeof a.imei, "%s", r->imei);
        snprintf(a.model, sizeof a.model, "%s", r->model);
        snprintf(a.from_version, sizeof a.from_version, "%s", r->from);
        snprintf(a.to_version, sizeof a.to_version, "%s", r->to);
        snprintf(a.slot, sizeof a.slot, "hub1-%zu", k + 1);
        a.started_at_ms = FX_T0 + (int64_t)(k + 1) * 60000;
        int64_t id;
        if (fota_store_attempt_begin(s, &a, &id) != 0 || id != (int64_t)k + 1)
            abort();
        if (r->result < 0)
            continue;
        a.result = (fota_result_t)r->result;
        a.noop = r->noop;
        a.error_class = r->cls;
        a.error_code = r->code;
        snprintf(a.error_text, sizeof a.error_text, "%s", r->text);
        a.download_ms = r->dl_s * 1000;
        a.update_ms = r->up_s * 1000;
        a.duration_ms = r->total_s * 1000;
        a.finished_at_ms = a.started_at_ms + a.duration_ms;
        if (fota_store_attempt_finish(s, id, &a) != 0)
            abort();
    }
    fota_store_close(s);
}

char *fx_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (fread(b, 1, (size_t)n, f) != (size_t)n)
        n = 0;
    b[n] = '\0';
    fclose(f);
    return b;
}

void fx_has(const char *doc, const char *want)
{
    if (!strstr(doc, want))
        fail_msg("missing [%s] in:\n%s", want, doc);
}

void fx_lacks(const char *doc, const char *bad)
{
    if (strstr(doc, bad))
        fail_msg("found [%s] in:\n%s", bad, doc);
}

int fx_report(const char *a0, ...)
{
    char *argv[16];
    int argc = 0;
    va_list ap;
    va_start(ap, a0);
    argv[argc++] = (char *)"report";
    for (const char *a = a0; a && argc < 15; a = va_arg(ap, const char *))
        argv[argc++] = (char *)a;
    va_end(ap);
    argv[argc] = NULL;
    return fota_report_main(argc, argv);
}
