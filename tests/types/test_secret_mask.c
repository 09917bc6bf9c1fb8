/* The URL password masker (core/secret_mask.c) on every form a password takes in
 * a job, a configuration error or an AT transcript. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "secret_mask.h"

static const struct {
    const char *in, *want;
} cases[] = {
    /* space in the password: stored unmasked before */
    {"http://u:Space Pw_Secret3@10.0.0.1/fw.bin", "http://u:***@10.0.0.1/fw.bin"},
    {"url 'http://u:Space Pw_Secret3@h/x': bad", "url 'http://u:***@h/x': bad"},
    /* '@' and ':' in the password: userinfo ends at the LAST '@' */
    {"ftp://u:p@ss@h/x", "ftp://u:***@h/x"},
    {"ftp://u:a:b:c@h:21/x", "ftp://u:***@h:21/x"},
    {"ftp://u:@h/x", "ftp://u:***@h/x"},
    /* no password, no credentials, no scheme */
    {"ftp://anonymous@h/x", "ftp://anonymous@h/x"},
    {"http://h:8080/a.bin", "http://h:8080/a.bin"},
    {"http://h/p:q@r", "http://h/p:q@r"},
    {"u:p@h/x", "u:p@h/x"},
    {"", ""},
    /* AT transcripts: quoted, several per line, ending the line */
    {"AT+QFOTADL=\"http://u:p@h/x\"", "AT+QFOTADL=\"http://u:***@h/x\""},
    {"AT+QFOTADL=\"http://u:p@h\"\r\n", "AT+QFOTADL=\"http://u:***@h\"\r\n"},
    {"\"ftp://a:b@h/1\",\"https://c:d@h/2\"", "\"ftp://a:***@h/1\",\"https://c:***@h/2\""},
    {"a ftp://a:b@h/1 and https://c:d@h/2", "a ftp://a:***@h/1 and https://c:***@h/2"},
    /* percent-encoding stays inside the password */
    {"http://u:p%40ss%2Fw@h/x", "http://u:***@h/x"},
    /* upper-case scheme */
    {"FTP://U:PW@H/X", "FTP://U:***@H/X"},
    /* a '/' written by hand in a password */
    {"FTP://user:p@ss/w0rd@host/x.bin", "FTP://user:***@host/x.bin"},
    /* the text after a URL is not its password */
    {"ftp://u:p@h/x.bin: 530, mail ops@example.com", "ftp://u:***@h/x.bin: 530, mail ops@example.com"},
    /* a word never runs into the next URL (found by fuzz_secret_mask: not idempotent) */
    {"a://u:Pw only http://u:pass word1@h/x tail", "a://u:Pw only http://u:***@h/x tail"},
    /* already masked: unchanged */
    {"ftp://u:***@h/x", "ftp://u:***@h/x"},
};

static void masks_every_form(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char out[256], again[256];
        fota_secret_mask(cases[i].in, out, sizeof out);
        if (strcmp(out, cases[i].want) != 0)
            fail_msg("mask(%s) = %s, want %s", cases[i].in, out, cases[i].want);
        fota_secret_mask(out, again, sizeof again);
        assert_string_equal(again, out); /* idempotent */
    }
}

static void truncates_without_leaking(void **state)
{
    (void)state;
    char small[12];
    size_t n = fota_secret_mask("ftp://user:secret@host", small, sizeof small);
    assert_int_equal(n, strlen(small));
    assert_null(strstr(small, "sec"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(masks_every_form),
        cmocka_unit_test(truncates_without_leaking),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
