/* The scan line among the dashboard's keys (station/base/scan_line.h): a scanner's
 * line (uppercase, digits, '-') and Enter is one scan, letters in it included; a
 * lowercase key typed alone still acts at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "scan_line.h"

/* Feeds text; returns the kinds as a string: k key, t taken, d done. */
static void feed(fota_scan_line_t *l, const char *text, char *kinds)
{
    for (size_t i = 0; text[i]; i++) {
        fota_scan_feed_t r = fota_scan_line_feed(l, text[i]);
        kinds[i] = r == FOTA_SCAN_KEY ? 'k' : r == FOTA_SCAN_TAKEN ? 't' : 'd';
        kinds[i + 1] = '\0';
    }
}

static void a_scan_takes_its_letters(void **state)
{
    (void)state;
    fota_scan_line_t l = {0};
    char k[64];
    feed(&l, "WO-qa7\r", k);
    assert_string_equal(k, "ttttttd");
    assert_string_equal(l.buf, "WO-qa7");
    fota_scan_line_reset(&l);
    feed(&l, "aq?", k); /* keys, one each, at once */
    assert_string_equal(k, "kkk");
    feed(&l, "OP1\x7f" "2\n", k); /* backspace */
    assert_string_equal(k, "tttttd");
    assert_string_equal(l.buf, "OP2");
    fota_scan_line_reset(&l);
    feed(&l, "OP\x1b" "a", k); /* Escape drops the scan: a is a key again */
    assert_string_equal(k, "tttk");
    feed(&l, "O\x03", k); /* ^C is never part of a scan */
    assert_string_equal(k, "tk");
}

static void an_overlong_scan_is_marked(void **state)
{
    (void)state;
    fota_scan_line_t l = {0};
    for (int i = 0; i < FOTA_SCAN_MAX + 5; i++)
        assert_int_equal(fota_scan_line_feed(&l, 'X'), FOTA_SCAN_TAKEN);
    assert_int_equal(fota_scan_line_feed(&l, '\r'), FOTA_SCAN_DONE);
    assert_true(l.overlong);
    assert_int_equal(l.len, FOTA_SCAN_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_scan_takes_its_letters),
        cmocka_unit_test(an_overlong_scan_is_marked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
