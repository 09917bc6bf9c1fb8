/* The metrics page as Prometheus reads it: label escaping, HELP escaping, number
 * spelling, cumulative histogram buckets with +Inf, _sum and _count, the
 * station's families from a hand-made snapshot, and the --metrics address rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics_http.h"
#include "metrics_render.h"
#include "metrics_text.h"

static void label_values_are_escaped(void **state)
{
    (void)state;
    fota_prom_t p;
    fota_prom_init(&p);
    /* a link name may hold anything a file name may: quotes, backslashes, newlines */
    fota_prom_label_t l[] = {{"hub", "a\"b\\c\nd"}, {"class", "none"}};
    fota_prom_sample(&p, "x_total", l, 2, 3);
    assert_string_equal(p.buf, "x_total{hub=\"a\\\"b\\\\c\\nd\",class=\"none\"} 3\n");
    fota_prom_free(&p);
}

static void help_is_escaped_but_quotes_are_not(void **state)
{
    (void)state;
    fota_prom_t p;
    fota_prom_init(&p);
    fota_prom_family(&p, "x", "say \"hi\" \\ then\nmore", "gauge");
    assert_string_equal(p.buf, "# HELP x say \"hi\" \\\\ then\\nmore\n# TYPE x gauge\n");
    fota_prom_free(&p);
}

static void no_labels_no_braces(void **state)
{
    (void)state;
    fota_prom_t p;
    fota_prom_init(&p);
    fota_prom_sample(&p, "up", NULL, 0, 1);
    assert_string_equal(p.buf, "up 1\n");
    fota_prom_free(&p);
}

static void numbers_read_back_exactly(void **state)
{
    (void)state;
    char b[40];
    assert_string_equal(fota_prom_number(0, b, sizeof b), "0");
    assert_string_equal(fota_prom_number(12345678901234.0, b, sizeof b), "12345678901234");
    assert_string_equal(fota_prom_number(0.005, b, sizeof b), "0.005");
    assert_string_equal(fota_prom_number(2.0 / 3.0, b, sizeof b), "0.6666666666666666");
    assert_true(strtod(fota_prom_number(0.1 + 0.2, b, sizeof b), NULL) == 0.1 + 0.2);
    assert_string_equal(fota_prom_number(INFINITY, b, sizeof b), "+Inf");
    assert_string_equal(fota_prom_number(-INFINITY, b, sizeof b), "-Inf");
    assert_string_equal(fota_prom_number(NAN, b, sizeof b), "NaN");
}

static void histogram_buckets_are_cumulative(void **state)
{
    (void)state;
    static const double bounds[] = {0.5, 1, 2.5};
    static const uint64_t counts[] = {2, 0, 3, 1}; /* last: above 2.5 */
    fota_prom_hist_t h = {bounds, 3, counts, 12.25};
    fota_prom_t p;
    fota_prom_init(&p);
    fota_prom_label_t l = {"hub", "h1"};
    fota_prom_histogram(&p, "d_seconds", &l, 1, &h);
    assert_string_equal(p.buf, "d_seconds_bucket{hub=\"h1\",le=\"0.5\"} 2\n"
                               "d_seconds_bucket{hub=\"h1\",le=\"1\"} 2\n"
                               "d_seconds_bucket{hub=\"h1\",le=\"2.5\"} 5\n"
                               "d_seconds_bucket{hub=\"h1\",le=\"+Inf\"} 6\n"
                               "d_seconds_sum{hub=\"h1\"} 12.25\n"
                               "d_seconds_count{hub=\"h1\"} 6\n");
    fota_prom_free(&p);
}

static void long_lines_grow_the_buffer(void **state)
{
    (void)state;
    char big[3000];
    memset(big, 'h', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    fota_prom_t p;
    fota_prom_init(&p);
    for (int i = 0; i < 10; i++) {
        fota_prom_label_t l = {"hub", big};
        fota_prom_sample(&p, "m", &l, 1, i);
    }
    assert_false(p.oom);
    assert_int_equal(p.len, strlen(p.buf));
    assert_int_equal(p.len, 10 * (strlen("m{hub=\"\"} 0\n") + strlen(big)));
    fota_prom_free(&p);
}

static void version_splits_into_version_and_revision(void **state)
{
    (void)state;
    char v[64], r[64];
    fota_prom_split_version("0.1.0 (git 1554418-dirty)", v, sizeof v, r, sizeof r);
    assert_string_equal(v, "0.1.0");
    assert_string_equal(r, "1554418-dirty");
    fota_prom_split_version("0.2.0", v, sizeof v, r, sizeof r);
    assert_string_equal(v, "0.2.0");
    assert_string_equal(r, "unknown");
}

/* Every sample line of the page whose text starts with `prefix`, joined. */
static char *lines_of(const char *page, const char *prefix)
{
    static char out[4096];
    out[0] = '\0';
    for (const char *l = page; *l;) {
        const char *e = strchr(l, '\n');
        size_t n = e ? (size_t)(e - l + 1) : strlen(l);
        if (strncmp(l, prefix, strlen(prefix)) == 0)
            strncat(out, l, n < sizeof out - strlen(out) - 1 ? n : sizeof out - strlen(out) - 1);
        l += n;
    }
    return out;
}

static void station_page_has_every_family(void **state)
{
    (void)state;
    fota_tally_t t;
    fota_tally_init(&t);
    fota_attempt_t a = {.result = FOTA_RESULT_PASS, .duration_ms = 95000};
    strcpy(a.slot, "hub\"1-usb-0:1.3"); /* a quote in the hub name: escaped in the label */
    strcpy(a.imei, "864032052000018");
    fota_tally_verdict(&t, &a, true);
    a.result = FOTA_RESULT_FAIL;
    a.error_class = FOTA_ERR_DOWNLOAD;
    strcpy(a.imei, "864032052000026");
    fota_tally_verdict(&t, &a, true);
    fota_metrics_snap_t s = {.version = "0.1.0 (git abc)", .tally = &t, .batch = "B1",
                             .batch_modules = 4, .batch_first_pass = 1, .batch_final_pass = 3};
    s.gauge[FOTA_MG_RUNNING] = 2;
    s.gauge[FOTA_MG_PAUSED] = 1;
    fota_prom_t p;
    fota_prom_init(&p);
    assert_true(fota_metrics_render(&p, &s));
    const char *page = p.buf;
    /* every family has HELP and TYPE, once */
    static const char *const fams[] = {
        "fota_station_build_info gauge", "fota_station_modules gauge",
        "fota_station_line_paused gauge", "fota_station_attempts_total counter",
        "fota_station_upgrade_duration_seconds histogram", "fota_station_hub_final_yield gauge",
        "fota_station_results_queue_verdicts gauge", "fota_station_batch_final_yield gauge"};
    for (size_t i = 0; i < sizeof fams / sizeof fams[0]; i++) {
        char type[128];
        snprintf(type, sizeof type, "# TYPE %s\n", fams[i]);
        const char *at = strstr(page, type);
        assert_non_null(at);
        assert_null(strstr(at + 1, type));
    }
    assert_string_equal(lines_of(page, "fota_station_build_info"),
                        "fota_station_build_info{version=\"0.1.0\",revision=\"abc\"} 1\n");
    assert_string_equal(lines_of(page, "fota_station_modules"),
                        "fota_station_modules{state=\"running\"} 2\n"
                        "fota_station_modules{state=\"queued\"} 0\n");
    assert_string_equal(lines_of(page, "fota_station_attempts_total"),
                        "fota_station_attempts_total{result=\"PASS\",class=\"none\"} 1\n"
                        "fota_station_attempts_total{result=\"FAIL\",class=\"download\"} 1\n");
    assert_string_equal(lines_of(page, "fota_station_hub_"),
                        "fota_station_hub_modules{hub=\"hub\\\"1-usb-0:1\"} 2\n"
                        "fota_station_hub_first_pass_yield{hub=\"hub\\\"1-usb-0:1\"} 0.5\n"
                        "fota_station_hub_final_yield{hub=\"hub\\\"1-usb-0:1\"} 0.5\n");
    assert_string_equal(lines_of(page, "fota_station_batch_final_yield"),
                        "fota_station_batch_final_yield{batch=\"B1\"} 0.75\n");
    /* 95 s lands in the 120 s bucket: 0 up to 90, 1 from 120 on */
    assert_string_equal(lines_of(page, "fota_station_upgrade_duration_seconds_bucket{le=\"90\"}"),
                        "fota_station_upgrade_duration_seconds_bucket{le=\"90\"} 0\n");
    assert_string_equal(lines_of(page, "fota_station_upgrade_duration_seconds_bucket{le=\"120\"}"),
                        "fota_station_upgrade_duration_seconds_bucket{le=\"120\"} 1\n");
    /* without --central its gauges are not on the page; no lateness measured, none */
    assert_null(strstr(page, "fota_station_central_"));
    assert_null(strstr(page, "fota_station_loop_lateness"));
    fota_prom_free(&p);
    s.central = true;
    s.gauge[FOTA_MG_CENTRAL_BEHIND] = 7;
    fota_prom_init(&p);
    assert_true(fota_metrics_render(&p, &s));
    assert_string_equal(lines_of(p.buf, "fota_station_central_behind_attempts"),
                        "fota_station_central_behind_attempts 7\n");
    fota_prom_free(&p);
    fota_tally_free(&t);
}

static void metrics_addresses(void **state)
{
    (void)state;
    char host[64], err[200];
    unsigned port;
    assert_int_equal(fota_metrics_addr_parse("127.0.0.1:9477", host, sizeof host, &port, err,
                                             sizeof err), 0);
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(port, 9477);
    assert_int_equal(fota_metrics_addr_parse("[::1]:0", host, sizeof host, &port, err, sizeof err),
                     0);
    assert_string_equal(host, "::1");
    assert_int_equal(port, 0);
    assert_int_equal(fota_metrics_addr_parse("line-pc.local:80", host, sizeof host, &port, err,
                                             sizeof err), 0);
    assert_string_equal(host, "line-pc.local");
    static const char *const bad[] = {"127.0.0.1", ":9477", "127.0.0.1:", "127.0.0.1:65536",
                                      "127.0.0.1:-1", "127.0.0.1:94x", "::1:9477", "[]:9477",
                                      "[::1]", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_int_equal(fota_metrics_addr_parse(bad[i], host, sizeof host, &port, err,
                                                 sizeof err), -1);
        assert_non_null(strstr(err, "wants HOST:PORT"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(label_values_are_escaped),
        cmocka_unit_test(help_is_escaped_but_quotes_are_not),
        cmocka_unit_test(no_labels_no_braces),
        cmocka_unit_test(numbers_read_back_exactly),
        cmocka_unit_test(histogram_buckets_are_cumulative),
        cmocka_unit_test(long_lines_grow_the_buffer),
        cmocka_unit_test(version_splits_into_version_and_revision),
        cmocka_unit_test(station_page_has_every_family),
        cmocka_unit_test(metrics_addresses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
