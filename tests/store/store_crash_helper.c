/* Test helper for test_store_crash: holds a store open mid-run, with attempts
 * running and events both committed and still buffered, says "ready" on
 * stdout, then waits to be SIGKILLed. Clock values are fixed so the test can
 * check recovered times exactly. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "store.h"

#define T0 1763900000000LL

static int64_t now = T0;
static int64_t clock_cb(void *ctx)
{
    (void)ctx;
    return now;
}

static int64_t begin(fota_store_t *s, const char *imei)
{
    fota_attempt_t a;
    memset(&a, 0, sizeof a);
    strcpy(a.batch, "CRASH");
    strcpy(a.slot, "usb-0:1.1");
    strcpy(a.imei, imei);
    a.started_at_ms = T0;
    int64_t id = -1;
    if (fota_store_attempt_begin(s, &a, &id) != 0)
        _exit(10);
    return id;
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    fota_store_t *s;
    char err[256];
    if (fota_store_open(argv[1], &s, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 3;
    }
    fota_store_set_clock(s, clock_cb, NULL);
    int64_t a = begin(s, "860000000000001"), b = begin(s, "860000000000002"),
            c = begin(s, "860000000000003");

    /* A finishes normally. */
    now = T0 + 10000;
    for (int i = 0; i < 5; i++)
        fota_store_event(s, a, now + i, FOTA_TRACE_RX, "a-line");
    fota_attempt_t fa;
    memset(&fa, 0, sizeof fa);
    fa.result = FOTA_RESULT_PASS;
    fa.finished_at_ms = now;
    if (fota_store_attempt_finish(s, a, &fa) != 0)
        return 11;

    /* B and C are heard from and flushed (the station's periodic flush). */
    now = T0 + 20000;
    for (int i = 0; i < 3; i++)
        fota_store_event(s, b, now, FOTA_TRACE_RX, "+QIND: \"FOTA\",\"UPDATING\",50");
    fota_store_flush(s);
    now = T0 + 30000;
    fota_store_event(s, c, now, FOTA_TRACE_TX, "AT+QFOTADL=\"http://h/c.zip\"");
    fota_store_event(s, c, now, FOTA_TRACE_RX, "OK");
    fota_store_flush(s);

    /* B says more, but the station dies before the next flush. */
    now = T0 + 40000;
    for (int i = 0; i < 4; i++)
        fota_store_event(s, b, now, FOTA_TRACE_RX, "never committed");

    printf("ready\n");
    fflush(stdout);
    for (;;)
        pause();
}
