/* The DSN's password never shows: fota_central_scrub on libpq-like messages and
 * fota_central_label for both DSN forms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "central_conn.h"

static void scrubbed(const char *dsn, const char *msg, const char *secret, const char *expect)
{
    char out[512];
    fota_central_scrub(dsn, msg, out, sizeof out);
    if (strstr(out, secret))
        fail_msg("'%s' still holds the password: '%s'", msg, out);
    if (expect && strcmp(out, expect) != 0)
        fail_msg("scrub('%s') = '%s', expected '%s'", msg, out, expect);
}

static void password_of_the_dsn_is_masked_anywhere(void **state)
{
    (void)state;
    const char *uri = "postgresql://station:Pa55%20w@db.factory:5433/fota?sslmode=require";
    /* libpq decodes %20: the password is "Pa55 w" */
    scrubbed(uri, "FATAL: password \"Pa55 w\" rejected", "Pa55 w", "FATAL: password \"***\" rejected");
    scrubbed(uri, "bad uri postgresql://station:Pa55 w@db.factory/x", "Pa55", NULL);
    const char *kv = "host=db port=5432 user=station password='s3 cr\\'et' dbname=fota";
    scrubbed(kv, "echo s3 cr'et twice: s3 cr'et", "s3 cr'et", "echo *** twice: ***");
    scrubbed(kv, "conninfo: host=db password = 'x y z' dbname=fota", "x y z",
             "conninfo: host=db password = *** dbname=fota");
    scrubbed(NULL, "options password=hunter22 sslmode=disable", "hunter22",
             "options password=*** sslmode=disable");
}

static void multi_line_errors_become_one_line(void **state)
{
    (void)state;
    scrubbed("host=x", "server closed the connection unexpectedly\n\tThis probably means\n",
             "\n", "server closed the connection unexpectedly This probably means");
}

static void label_names_the_server_never_the_password(void **state)
{
    (void)state;
    char out[256];
    fota_central_label("postgresql://station:S3cret@db.factory:5433/fota", out, sizeof out);
    assert_string_equal(out, "station@db.factory:5433/fota");
    fota_central_label("host=10.0.0.5 user=mes password=S3cret dbname=fota", out, sizeof out);
    assert_string_equal(out, "mes@10.0.0.5/fota");
    fota_central_label("password=S3cret =broken", out, sizeof out);
    assert_null(strstr(out, "S3cret"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(password_of_the_dsn_is_masked_anywhere),
        cmocka_unit_test(multi_line_errors_become_one_line),
        cmocka_unit_test(label_names_the_server_never_the_password),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
