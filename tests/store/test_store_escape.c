/* Secrets masking and the escaping every report writer relies on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fota_types.h"
#include "iso_time.h"
#include "text_escape.h"
#include "utf8.h"

static void check_mask(const char *in, const char *want)
{
    char *got = fota_text_mask_secrets(in);
    assert_non_null(got);
    if (strcmp(got, want) != 0)
        fail_msg("mask(%s) = %s, want %s", in, got, want);
    assert_int_equal(fota_text_has_secret(in), strcmp(in, want) != 0);
    assert_false(fota_text_has_secret(got));
    free(got);
}

static void masks_url_passwords(void **state)
{
    (void)state;
    check_mask("AT+QFOTADL=\"ftp://user:secret@192.168.1.1:21/a.zip\"",
               "AT+QFOTADL=\"ftp://user:***@192.168.1.1:21/a.zip\"");
    check_mask("FTP://u:p@h/x https://a:b@c/d", "FTP://u:***@h/x https://a:***@c/d");
    check_mask("http://user:p@ss@host/x", "http://user:***@host/x");   /* '@' in password */
    check_mask("ftp://user:@host/x", "ftp://user:***@host/x");         /* empty password */
    check_mask("ftp://user@host/x", "ftp://user@host/x");              /* no password */
    check_mask("ftp://u:p/w@h/x", "ftp://u:***@h/x");                  /* '/' in password */
    check_mask("ftp://u:***@h/x", "ftp://u:***@h/x");                  /* already masked */
    check_mask("no url: a:b@c", "no url: a:b@c");
    check_mask("", "");
}

static char *capture(void (*fn)(FILE *, const char *), const char *in)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    fn(f, in);
    fclose(f);
    return buf;
}

static void check(void (*fn)(FILE *, const char *), const char *in, const char *want)
{
    char *got = capture(fn, in);
    if (strcmp(got, want) != 0)
        fail_msg("escape(%s) = [%s], want [%s]", in, got, want);
    free(got);
}

static void csv_cells_are_inert(void **state)
{
    (void)state;
    check(fota_text_csv_cell, "=cmd|' /C calc'!A0", "\"'=cmd|' /C calc'!A0\"");
    check(fota_text_csv_cell, "+1", "\"'+1\"");
    check(fota_text_csv_cell, "-2+3", "\"'-2+3\"");
    /* An older file's digest placeholder computes nothing: never shown as "'-". */
    check(fota_text_csv_cell, "-", "-");
    check(fota_text_csv_cell, "-,-", "\"-,-\"");
    check(fota_text_csv_cell, "-,-1", "\"'-,-1\"");
    check(fota_text_csv_cell, "--1", "\"'--1\"");
    check(fota_text_csv_cell, "@SUM(A1)", "\"'@SUM(A1)\"");
    check(fota_text_csv_cell, "\tx", "\"'\tx\"");
    check(fota_text_csv_cell, "\rx", "\"'\rx\"");
    check(fota_text_csv_cell, "a,b", "\"a,b\"");
    check(fota_text_csv_cell, "say \"hi\"", "\"say \"\"hi\"\"\"");
    check(fota_text_csv_cell, "two\nlines", "\"two\nlines\"");
    check(fota_text_csv_cell, "RM500Q", "RM500Q");
    check(fota_text_csv_cell, "a=b", "a=b");
}

static void html_and_json_escape_everything(void **state)
{
    (void)state;
    check(fota_text_html, "<script>alert('x')</script>&\"",
          "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;");
    check(fota_text_html, "bad\xff byte\x01", "bad&#xFFFD; byte&#xFFFD;");
    check(fota_text_html, "caf\xc3\xa9", "caf\xc3\xa9");
    check(fota_text_json_str, "a\"b\\c\nd\x01</script>", "\"a\\\"b\\\\c\\nd\\u0001\\u003c/script>\"");
    check(fota_text_json_str, "\xc0\xaf", "\"\\ufffd\\ufffd\""); /* overlong '/' */
    check(fota_text_json_str, NULL, "null");
}

static void iso_times_round_trip(void **state)
{
    (void)state;
    char buf[FOTA_ISO_LEN];
    assert_string_equal(fota_iso_format(0, buf), "1970-01-01T00:00:00.000Z");
    assert_string_equal(fota_iso_format(1763900000123LL, buf), "2025-11-23T12:13:20.123Z");
    int64_t ms;
    assert_int_equal(fota_iso_parse("2025-11-23T12:13:20.123Z", &ms), 0);
    assert_int_equal(ms, 1763900000123LL);
    assert_int_equal(fota_iso_parse("2025-11-23", &ms), 0);
    assert_int_equal(ms, 1763856000000LL);
    assert_int_equal(fota_iso_parse("2025-11-23 13:13:20+01:00", &ms), 0);
    assert_int_equal(ms, 1763900000000LL);
    assert_int_equal(fota_iso_parse("2024-02-29T00:00", &ms), 0);
    assert_string_equal(fota_iso_format(ms, buf), "2024-02-29T00:00:00.000Z");
    assert_int_equal(fota_iso_parse("yesterday", &ms), FOTA_E_PARSE);
    assert_int_equal(fota_iso_parse("2025-13-01", &ms), FOTA_E_PARSE);
    assert_int_equal(fota_iso_parse("2025-11-23T12", &ms), FOTA_E_PARSE);
}

/* The other forms users see, from the same formatter: a lock holder's start in the
 * "held by" message, and the transcript files' names. */
static void iso_forms_for_messages_and_file_names(void **state)
{
    (void)state;
    char buf[40];
    assert_string_equal(fota_iso_format_as(1763900000123LL, FOTA_ISO_SECONDS, buf, sizeof buf),
                        "2025-11-23T12:13:20Z");
    assert_string_equal(fota_iso_format_as(1763900000123LL, FOTA_ISO_FILE, buf, sizeof buf),
                        "20251123-121320");
    assert_string_equal(fota_iso_format_as(1763900000123LL, FOTA_ISO_MS, buf, sizeof buf),
                        "2025-11-23T12:13:20.123Z");
    /* before the epoch the milliseconds still count forward within their second */
    assert_string_equal(fota_iso_format_as(-1, FOTA_ISO_MS, buf, sizeof buf),
                        "1969-12-31T23:59:59.999Z");
    /* a short buffer is cut, never overrun */
    assert_string_equal(fota_iso_format_as(1763900000123LL, FOTA_ISO_FILE, buf, 9), "20251123");
}

static void check_repair(const char *in, const char *want)
{
    char *got;
    assert_int_equal(fota_utf8_repair(in, &got), 0);
    if (!want) {
        assert_null(got); /* valid: nothing copied */
        return;
    }
    assert_non_null(got);
    if (strcmp(got, want) != 0)
        fail_msg("repair(%s) = %s, want %s", in, got, want);
    char *again;
    assert_int_equal(fota_utf8_repair(got, &again), 0);
    assert_null(again); /* the repaired text is valid */
    free(got);
}

static void invalid_utf8_becomes_replacement(void **state)
{
    (void)state;
    check_repair("", NULL);
    check_repair("RG500Q \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", NULL);
    check_repair("\xff", "\xef\xbf\xbd");
    check_repair("[\xfe~\x80#", "[\xef\xbf\xbd~\xef\xbf\xbd#");
    check_repair("\xe0\x11#", "\xef\xbf\xbd\x11#");          /* cut sequence */
    check_repair("\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd");   /* overlong '/' */
    check_repair("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* surrogate */
    check_repair("\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    check_repair("ok\xc3", "ok\xef\xbf\xbd");                   /* cut at the end */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(masks_url_passwords),
        cmocka_unit_test(csv_cells_are_inert),
        cmocka_unit_test(html_and_json_escape_everything),
        cmocka_unit_test(iso_times_round_trip),
        cmocka_unit_test(iso_forms_for_messages_and_file_names),
        cmocka_unit_test(invalid_utf8_becomes_replacement),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
