/* A target's bare `url:` takes a `sha256:` (the pin the station checks at start by
 * fetching the file): read lowercase onto that package; refused, at its place, on a
 * target with no bare url; a wrong digest format named like a package's. Every
 * prefix of such a job loads or fails cleanly (a small fuzz over truncations). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "loader_test.h"
#include "job.h"

#define SHA_UP "E24C0187C1DD418A398A2672018376DEEE113EBE4A50CBE7AB87BDBE3CB01634"
#define SHA_LO "e24c0187c1dd418a398a2672018376deee113ebe4a50cbe7ab87bdbe3cb01634"
#define SHA_B "0101010101010101010101010101010101010101010101010101010101010101"

static const char pinned[] =
    "name: n\n"
    "targets:\n"
    "  - family: RG50xQ\n"
    "    to: B\n"
    "    method: url\n"
    "    url: 'ftp://fw:pw@10.0.0.1/full.bin'\n"
    "    sha256: " SHA_UP "\n"
    "    packages:\n"
    "      - {from: A, url: 'http://10.0.0.1/a.bin', sha256: " SHA_B "}\n"
    "      - {from: C, url: 'http://10.0.0.1/c.bin'}\n";

static fota_job_t *load_ok(const char *text)
{
    fota_job_t *j = NULL;
    fota_load_errors_t l = {.n = 0};
    int rc = fota_job_load_buffer_all("j.yaml", ".", text, strlen(text), &j, &l);
    expect_errors(&l, NULL, 0);
    assert_int_equal(rc, 0);
    assert_non_null(j);
    return j;
}

static void bare_url_takes_its_sha256(void **state)
{
    (void)state;
    fota_job_t *j = load_ok(pinned);
    const fota_target_t *t = &j->targets[0];
    assert_int_equal(t->n_packages, 3);
    /* The list first, then the bare url (a full image for any revision). */
    assert_string_equal(t->packages[0].sha256, SHA_B);
    assert_null(t->packages[1].sha256); /* its own: none */
    assert_string_equal(t->packages[2].url, "ftp://fw:pw@10.0.0.1/full.bin");
    assert_null(t->packages[2].from);
    assert_string_equal(t->packages[2].sha256, SHA_LO); /* lowercase, as a package's */
    fota_load_errors_t l = {.n = 0};
    assert_int_equal(fota_job_load_packages_all(j, &l), 0); /* URLs: nothing read */
    assert_int_equal(l.n, 0);
    fota_job_free(j);
}

static void sha256_without_bare_url_is_refused(void **state)
{
    (void)state;
    static const char text[] = "name: n\n"
                               "targets:\n"
                               "  - family: RG50xQ\n"
                               "    to: B\n"
                               "    method: url\n"
                               "    sha256: " SHA_LO "\n"
                               "    packages:\n"
                               "      - {from: A, url: 'http://10.0.0.1/a.bin'}\n"
                               "limits: {max_parallel: 0}\n";
    fota_job_t *j = (fota_job_t *)1;
    fota_load_errors_t l = {.n = 0};
    assert_int_not_equal(fota_job_load_buffer_all("j.yaml", ".", text, strlen(text), &j, &l), 0);
    assert_null(j);
    /* Listed with the other mistakes of the file, at the key. */
    static const char *const want[] = {
        "j.yaml:6:5: targets[].sha256: pins the target's bare 'url', and this target has none",
        "j.yaml:9:24: limits.max_parallel: 0 is out of range",
    };
    assert_int_equal(expect_errors(&l, want, 2), 0);
}

static void bad_digest_format_is_named(void **state)
{
    (void)state;
    static const char text[] = "name: n\n"
                               "targets:\n"
                               "  - family: EC200T\n"
                               "    to: B\n"
                               "    method: url\n"
                               "    url: 'http://10.0.0.1/full.bin'\n"
                               "    sha256: 3f1c\n";
    fota_job_t *j = load_ok(text); /* a placeholder parses (as a package's does) … */
    fota_load_errors_t l = {.n = 0};
    assert_int_not_equal(fota_job_load_packages_all(j, &l), 0); /* … and is refused here */
    static const char *const want[] = {
        "j.yaml:6:10: sha256 of full.bin: '3f1c' is not 64 hex digits",
    };
    assert_int_equal(expect_errors(&l, want, 1), 0);
    fota_job_free(j);
}

/* Every truncation and every one-byte change of the pinned job: loads or fails
 * with a located error, never crashes or leaks (ASan in the test build). */
static void truncations_and_flips_load_cleanly(void **state)
{
    (void)state;
    size_t n = sizeof pinned - 1;
    char *buf = malloc(n + 1);
    assert_non_null(buf);
    static const char flips[] = {':', '\n', '\'', ' ', '-', '[', '{', '\0', 'x'};
    for (size_t len = 0; len <= n; len++)
        for (size_t f = 0; f <= sizeof flips; f++) {
            memcpy(buf, pinned, n);
            if (f < sizeof flips && len < n)
                buf[len] = flips[f];
            size_t use = f < sizeof flips ? n : len;
            fota_job_t *j = NULL;
            fota_load_errors_t l = {.n = 0};
            int rc = fota_job_load_buffer_all("j.yaml", ".", buf, use, &j, &l);
            if (rc) {
                assert_null(j);
                assert_true(l.n > 0);
                continue;
            }
            fota_load_errors_t p = {.n = 0};
            (void)fota_job_load_packages_all(j, &p);
            fota_job_free(j);
        }
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bare_url_takes_its_sha256),
        cmocka_unit_test(sha256_without_bare_url_is_refused),
        cmocka_unit_test(bad_digest_format_is_named),
        cmocka_unit_test(truncations_and_flips_load_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
