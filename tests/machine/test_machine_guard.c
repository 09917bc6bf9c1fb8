/* What one module may cost the station: its transcript is bounded by the job's
 * limits (one "transcript cut" line says what was dropped, the verdict is never
 * cut), and a module that prints faster than the flood rate for the flood time
 * fails its own attempt in class port, while a burst or a slower chatter does not. */
#include "fake_module.h"

#include <stdio.h>
#include <string.h>

#define A06 "RG500QEAAAR11A06M4G"
#define A07 "RG500QEAAAR11A07M4G"

/* A url job on RG50xQ up to the module's download: it then only prints. */
static void downloading(h_t *h, unsigned kib, unsigned lines, unsigned flood_kib, unsigned flood_s)
{
    h_setup(h, "RG50xQ", FOTA_METHOD_URL, A07);
    h->job.limits.transcript_kib = kib;
    h->job.limits.transcript_lines = lines;
    h->job.limits.flood_kib_per_s = flood_kib;
    h->job.limits.flood_s = flood_s;
    h_pkg(h, A06, A07, "pkg.bin", "http://10.1.2.3/pkg.bin", 0);
    h_start(h);
    h_ident(h, "RG500Q", A06, H_IMEI);
    h_cmd(h, "AT+QFOTADL=\"http://10.1.2.3/pkg.bin\"", "OK", NULL);
    h_rx(h, "+QIND: \"FOTA\",\"HTTPSTART\"");
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static void transcript_is_cut_at_its_line_bound(void **state)
{
    (void)state;
    h_t h;
    downloading(&h, 0, 40, 0, 30);
    for (int i = 0; i < 500; i++)
        h_rx(&h, "+QIND: \"CSQ\",99,99");
    h_advance(&h, 1000);
    h_rx(&h, "+QIND: \"FOTA\",\"HTTPEND\",701");
    h_pump(&h);
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_DOWNLOAD, 701);
    size_t lines = count(h.trace, "\n");
    /* 40 kept, then the cut line and the verdict's own line */
    assert_int_equal(lines, 42);
    assert_non_null(strstr(h.trace, "transcript cut: "));
    assert_non_null(strstr(h.trace, "lines dropped"));
    assert_non_null(strstr(h.trace, "result FAIL download"));
    h_teardown(&h);
}

static void transcript_is_cut_at_its_byte_bound(void **state)
{
    (void)state;
    h_t h;
    downloading(&h, 1, 0, 0, 30);
    for (int i = 0; i < 200; i++)
        h_rx(&h, "+QIND: \"CSQ\",99,99"); /* 18 bytes each: 3600 in all */
    h_advance(&h, 100000);
    h_pump(&h);
    assert_true(h.tracelen < 1024 + 400); /* kept lines, cut line, "dir: " prefixes */
    h_teardown(&h);
}

static void unbounded_when_the_job_says_zero(void **state)
{
    (void)state;
    h_t h;
    downloading(&h, 0, 0, 0, 30);
    for (int i = 0; i < 500; i++)
        h_rx(&h, "+QIND: \"CSQ\",99,99");
    h_pump(&h);
    assert_true(count(h.trace, "CSQ") == 500);
    assert_null(strstr(h.trace, "transcript cut"));
    h_teardown(&h);
}

/* secs seconds of output at kib_per_s, fed in 100 ms slices. */
static void chatter(h_t *h, unsigned kib_per_s, unsigned secs)
{
    static const char line[] = "\r\n+QIND: \"CSQ\",99,99,0000000000000000000000000000000000\r\n";
    size_t per_slice = (size_t)kib_per_s * 1024 / 10, len = sizeof line - 1;
    for (unsigned t = 0; t < secs * 10; t++) {
        for (size_t sent = 0; sent < per_slice; sent += len)
            h_raw(h, line, len);
        h_advance(h, 100);
    }
}

static void flood_fails_port_after_its_time(void **state)
{
    (void)state;
    h_t h;
    downloading(&h, 64, 1000, 8, 5);
    chatter(&h, 16, 4);
    assert_int_equal(h.n_finish, 0); /* 4 s over the rate: not yet */
    chatter(&h, 16, 3);
    h_pump(&h);
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_PORT, 0);
    assert_non_null(strstr(fota_machine_attempt(h.m)->error_text, "floods its port"));
    h_teardown(&h);
}

static void burst_or_slow_chatter_is_no_flood(void **state)
{
    (void)state;
    h_t h;
    downloading(&h, 64, 1000, 8, 5);
    /* bursts over the rate, each followed by a quiet second: never 5 s in a row */
    for (int i = 0; i < 6; i++) {
        chatter(&h, 32, 2);
        h_advance(&h, 1500);
    }
    chatter(&h, 4, 10); /* under the rate for 10 s */
    h_pump(&h);
    assert_int_equal(h.n_finish, 0);
    h_rx(&h, "+QIND: \"FOTA\",\"HTTPEND\",701");
    h_pump(&h);
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_DOWNLOAD, 701);
    h_teardown(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(transcript_is_cut_at_its_line_bound),
        cmocka_unit_test(transcript_is_cut_at_its_byte_bound),
        cmocka_unit_test(unbounded_when_the_job_says_zero),
        cmocka_unit_test(flood_fails_port_after_its_time),
        cmocka_unit_test(burst_or_slow_chatter_is_no_flood),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
