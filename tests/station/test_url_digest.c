/* The URL a message shows and libcurl's error texts never hold a URL package's
 * credentials: the userinfo is written "***@", and the password (as written or
 * %-decoded) and a user name of 3 bytes or more are blanked wherever they appear. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "url_digest.h"

static void shown(const char *u, const char *want)
{
    char out[256];
    fota_url_digest_shown(u, out, sizeof out);
    if (strcmp(out, want) != 0)
        fail_msg("shown('%s') = '%s', expected '%s'", u, out, want);
}

static void shown_url_has_no_userinfo(void **state)
{
    (void)state;
    shown("ftp://fwuser:S3cr%40t@10.0.0.1:21/a.pkg", "ftp://***@10.0.0.1:21/a.pkg");
    shown("ftp://fwuser@10.0.0.1/a.pkg", "ftp://***@10.0.0.1/a.pkg");
    shown("http://10.0.0.1/a@b.pkg", "http://10.0.0.1/a@b.pkg"); /* '@' in the path */
    shown("http://u:p@ss/w0rd@host/x.bin", "http://***@host/x.bin"); /* hand-written '/' */
    shown("https://fw.example/a.pkg", "https://fw.example/a.pkg");
}

static void scrubbed(const char *u, const char *msg, const char *secret, const char *want)
{
    char out[512];
    fota_url_digest_scrub(u, msg, out, sizeof out);
    if (secret && strstr(out, secret))
        fail_msg("scrub('%s') = '%s' still holds '%s'", msg, out, secret);
    if (want && strcmp(out, want) != 0)
        fail_msg("scrub('%s') = '%s', expected '%s'", msg, out, want);
}

static void curl_texts_are_scrubbed(void **state)
{
    (void)state;
    const char *u = "ftp://fwuser:S3cr%40t@10.0.0.1/a.pkg";
    scrubbed(u, "Access denied: 530 Login incorrect for fwuser", "fwuser",
             "Access denied: 530 Login incorrect for ***");
    scrubbed(u, "PASS S3cr@t refused", "S3cr@t", "PASS *** refused"); /* decoded */
    scrubbed(u, "PASS S3cr%40t refused", "S3cr%40t", "PASS *** refused"); /* as written */
    scrubbed(u, "bad URL ftp://fwuser:S3cr%40t@10.0.0.1/a.pkg", "S3cr", NULL);
    /* Short user names stay (they would blank ordinary words); passwords never. */
    scrubbed("ftp://fw:x1@h/a", "Login for fw failed: x1", "x1", "Login for fw failed: ***");
    scrubbed("http://h/a", "Failed to connect to h port 80", NULL,
             "Failed to connect to h port 80");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shown_url_has_no_userinfo),
        cmocka_unit_test(curl_texts_are_scrubbed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
