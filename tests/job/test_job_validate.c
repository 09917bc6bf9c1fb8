/* fota_job_validate against the shipped profiles: every issue is reported, each
 * at the place in the job file where it is written (what `fota-station check` promises). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "job.h"

typedef struct {
    char lines[32][600];
    int n;
} issues_t;

static void collect(void *ctx, const fota_load_error_t *e)
{
    issues_t *is = ctx;
    if (is->n < 32)
        fota_load_error_format(e, is->lines[is->n++], sizeof is->lines[0]);
}

static fota_profile_set_t profiles;

static int setup(void **state)
{
    (void)state;
    fota_load_error_t e;
    return fota_profile_set_load_dir(FOTA_SOURCE_DIR "/profiles", &profiles, &e) ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    fota_profile_set_free(&profiles);
    return 0;
}

static int validate(const char *text, issues_t *is)
{
    fota_job_t *j;
    fota_load_error_t e;
    memset(is, 0, sizeof *is);
    assert_int_equal(fota_job_load_buffer("v.yaml", ".", text, strlen(text), &j, &e), 0);
    int n = fota_job_validate(j, &profiles, collect, is);
    for (int i = 0; i < is->n; i++)
        print_message("  %s\n", is->lines[i]);
    fota_job_free(j);
    assert_int_equal(n, is->n);
    return n;
}

static bool has(const issues_t *is, const char *where, const char *what)
{
    for (int i = 0; i < is->n; i++)
        if (strncmp(is->lines[i], where, strlen(where)) == 0 && strstr(is->lines[i], what))
            return true;
    return false;
}

/* 101 bytes: one over EG06xK's 100 (EG06xK DFOTA note §3.3.1.2), well under RG50xQ's 512. */
#define URL101 "http://10.1.2.3:8080/" \
               "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.zip"

static void clean_job_has_no_issue(void **state)
{
    (void)state;
    issues_t is;
    assert_int_equal(validate("name: ok\ntargets:\n"
                              "  - {family: EC200T, to: B, method: url, url: 'ftp://u:p@h/B.bin'}\n"
                              "  - {models: [EG060K], to: B, method: url, url: 'FTP://h/x/B.zip'}\n"
                              "  - {family: EC200T, to: B, method: stream, packages: [{file: B.bin}]}\n"
                              "  - {family: legacy-GSM, to: B, method: qfaw, packages: [{from: A, file: d.bin}]}\n"
                              "  - models: [RG500Q]\n    to: B\n    method: url\n"
                              "    url: '" URL101 "'\n",
                              &is),
                     0);
}

static void url_too_long_for_eg06xk(void **state)
{
    (void)state;
    issues_t is;
    assert_int_equal(strlen(URL101), 101);
    assert_int_equal(validate("name: n\ntargets:\n  - family: EG06xK\n    to: B\n    method: url\n"
                              "    packages:\n      - from: A\n        url: '" URL101 "'\n",
                              &is),
                     1);
    assert_true(has(&is, "v.yaml:7:9:", "url is 101 bytes; EG06xK accepts at most 100"));
}

static void ftp_subdirectory_on_ec200t(void **state)
{
    (void)state;
    issues_t is;
    assert_int_equal(validate("name: n\ntargets:\n  - family: EC200T\n    to: B\n    method: url\n"
                              "    url: 'ftp://test:test@124.74.41.170:21/Jun/B.bin'\n",
                              &is),
                     1);
    /* The message says what to do, not which document says so. */
    assert_true(has(&is, "v.yaml:6:10:", "only from the server's root folder; put the package "
                                         "in the root folder (ftp://host/FILE) or serve it "
                                         "over HTTP"));
    /* Over HTTP a subdirectory is fine (EC200T FOTA guide §3.2 has no such rule). */
    assert_int_equal(validate("name: n\ntargets:\n  - family: EC200T\n    to: B\n    method: url\n"
                              "    url: 'http://h/Jun/B.bin'\n",
                              &is),
                     0);
}

static void stream_on_a_family_without_it(void **state)
{
    (void)state;
    issues_t is;
    assert_int_equal(validate("name: n\ntargets:\n  - models: [RM510Q-GL]\n    to: B\n"
                              "    method: stream\n    packages: [{file: b.bin}]\n",
                              &is),
                     1);
    assert_true(has(&is, "v.yaml:3:5:",
                    "method 'stream' is not supported by RG50xQ (supported: url, local)"));
}

static void every_issue_is_reported(void **state)
{
    (void)state;
    issues_t is;
    static const char long_name[] = "n123456789n123456789n123456789n123456789"
                                    "n123456789n123456789n123456789n123456789x.zip";
    char text[2048];
    snprintf(text, sizeof text,
             "name: n\ntargets:\n"
             "  - family: BG96\n    to: B\n    method: url\n    url: 'http://h/b'\n"          /* 3 */
             "  - models: [RG500Q, XYZ1]\n    to: B\n    method: url\n"                      /* 7 */
             "    packages:\n      - {from: A, to: Z, url: 'gopher://h/b'}\n"                /* 11 */
             "  - models: [EG065K]\n    to: B\n    method: local\n"                         /* 12 */
             "    packages:\n      - {from: A, file: '%s', sha256: 3f1c}\n",                 /* 16 */
             long_name);
    int n = validate(text, &is);
    assert_true(has(&is, "v.yaml:3:5:", "family 'BG96' has no profile"));
    assert_true(has(&is, "v.yaml:7:5:", "model 'XYZ1' matches no profile"));
    assert_true(has(&is, "v.yaml:11:9:", "accepts only ftp, http, https URLs"));
    assert_true(has(&is, "v.yaml:7:5:", "no package leads to the target revision B"));
    assert_true(has(&is, "v.yaml:16:9:", "is 85 bytes; AT+QFUPL on EG06xK accepts at most 80"));
    assert_true(has(&is, "v.yaml:16:9:", "path /usrdata/cache/ufs/"));
    assert_true(has(&is, "v.yaml:16:9:", "sha256 '3f1c' is not 64 hex digits"));
    assert_int_equal(n, 7);
}

/* The URL's password never reaches a configuration error (check and run print them). */
static void url_password_is_masked_in_issues(void **state)
{
    (void)state;
    issues_t is;
    int n = validate("name: n\ntargets:\n  - models: [RG500Q]\n    to: B\n    method: url\n"
                     "    packages:\n      - {from: A, url: 'gopher://u:Sup3rS3cretPW@10.0.0.1/x.bin'}\n",
                     &is);
    assert_true(n >= 1);
    assert_true(has(&is, "v.yaml:7:9:", "url 'gopher://u:***@10.0.0.1/x.bin': RG50xQ accepts only"));
    for (int i = 0; i < is.n; i++)
        assert_null(strstr(is.lines[i], "Sup3rS3cretPW"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clean_job_has_no_issue),
        cmocka_unit_test(url_too_long_for_eg06xk),
        cmocka_unit_test(ftp_subdirectory_on_ec200t),
        cmocka_unit_test(stream_on_a_family_without_it),
        cmocka_unit_test(every_issue_is_reported),
        cmocka_unit_test(url_password_is_masked_in_issues),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
