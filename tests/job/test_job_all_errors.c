/* A broken job lists every independent mistake at once, each at its
 * file:line:column and in file order; checks that depend on a value found wrong
 * are skipped (reported once); a syntax error ends the list; every missing package
 * file is named, not only the first. The job is refused as a whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "loader_test.h"
#include "job.h"

#define HEAD "name: n\ntargets:\n  - family: RG50xQ\n    to: B\n"

static int load(const char *text, fota_load_errors_t *l)
{
    fota_job_t *j = (fota_job_t *)1;
    int rc = fota_job_load_buffer_all("j.yaml", ".", text, strlen(text), &j, l);
    if (rc)
        assert_null(j); /* never half-used */
    else
        fota_job_free(j);
    return rc;
}

/* A job and every error it must list, in file order. */
static const struct {
    const char *what, *text;
    const char *want[4];
} cases[] = {
    {"three independent mistakes, three located errors",
     HEAD "    method: url\n"
          "    packages:\n"
          "      - {from: A, url: 'http:///a.zip'}\n"
          "      - {from: C, file: c.bin}\n"
          "limits: {max_parallel: 0}\n",
     {"j.yaml:7:24: packages[].url: 'http:///a.zip' has no valid host",
      "j.yaml:8:19: packages[].file: method 'url' needs 'url'",
      "j.yaml:9:24: limits.max_parallel: 0 is out of range 1..100000", NULL}},
    {"what one module may cost: 0 turns a bound off, except the flood time",
     HEAD "    method: url\n"
          "    url: 'http://h/a.zip'\n"
          "limits: {transcript_kib: 0, transcript_lines: -1, flood_kib_per_s: 0, flood_s: 0}\n",
     {"j.yaml:7:47: limits.transcript_lines: -1 is out of range 0..10000000",
      "j.yaml:7:80: limits.flood_s: 0 is out of range 1..3600", NULL}},
    /* What a package may hold depends on the method: with an unknown one, only the
     * package's own mistakes (an unknown key) are listed besides the method. */
    {"unknown method reported once",
     HEAD "    method: ulr\n"
          "    packages:\n"
          "      - {from: A, file: a.bin, colour: red}\n",
     {"j.yaml:5:13: targets[].method: unknown method 'ulr'",
      "j.yaml:7:32: packages[]: unknown key 'colour'", NULL, NULL}},
    /* scheme://host/file; a password, a port and an [IPv6] host are fine. */
    {"url form",
     HEAD "    method: url\n"
          "    packages:\n"
          "      - {from: A, url: 'h/a.zip'}\n"
          "      - {from: B, url: 'http://:80/b.zip'}\n"
          "      - {from: C, url: 'http://a b/c.zip'}\n"
          "      - {from: D, url: 'ftp://u:p@10.0.0.1:21/d.bin'}\n"
          "      - {from: E, url: 'http://[::1]:8080/e.bin'}\n",
     {"j.yaml:7:24: packages[].url: 'h/a.zip' is not a URL (expected scheme://host/file)",
      "j.yaml:8:24: packages[].url: 'http://:80/b.zip' has no valid host",
      "j.yaml:9:24: packages[].url: 'http://a b/c.zip' has no valid host", NULL}},
};

static void every_independent_mistake_is_listed(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fota_load_errors_t l = {.n = 0};
        size_t n = 0;
        while (n < 4 && cases[i].want[n])
            n++;
        printf("-- %s\n", cases[i].what);
        failures += load(cases[i].text, &l) != FOTA_E_PARSE || expect_errors(&l, cases[i].want, n);
    }
    assert_int_equal(failures, 0);
}

static void syntax_error_is_the_only_error(void **state)
{
    (void)state;
    fota_load_errors_t l = {.n = 0};
    assert_int_equal(load("name: n\ncolour: red\ntargets: [\n  - a: b\n", &l), FOTA_E_PARSE);
    assert_int_equal(l.n, 1);
    assert_non_null(strstr(l.v[0].message, "YAML syntax error"));
    assert_non_null(strstr(l.v[0].message, "nothing after this point was checked"));
}

/* Two missing package files: both named, each at its package. */
static void every_missing_package_is_named(void **state)
{
    (void)state;
    static const char text[] = HEAD
        "    method: stream\n"
        "    packages:\n"
        "      - {from: A, file: no-such-a.bin}\n"
        "      - {from: C, file: no-such-c.bin}\n";
    fota_job_t *j;
    fota_load_errors_t l = {.n = 0};
    assert_int_equal(fota_job_load_buffer_all("j.yaml", "/nonexistent", text, strlen(text), &j,
                                              &l),
                     0);
    assert_int_equal(fota_job_load_packages_all(j, &l), FOTA_E_NOENT);
    static const char *const want[] = {
        "j.yaml:7:9: package file /nonexistent/no-such-a.bin: not found",
        "j.yaml:8:9: package file /nonexistent/no-such-c.bin: not found",
    };
    assert_int_equal(expect_errors(&l, want, 2), 0);
    fota_job_free(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_independent_mistake_is_listed),
        cmocka_unit_test(syntax_error_is_the_only_error),
        cmocka_unit_test(every_missing_package_is_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
