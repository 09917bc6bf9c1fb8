/* The station's own little AT queries against real module transcripts: echo on,
 * URCs interleaved, "Quectel_" prefixes, bytes split anywhere. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "query.h"

static const char *const cmds[] = {"ATI", "AT+GSN"};

static void feed_split(fota_query_t *q, const char *s, size_t step)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i += step)
        fota_query_feed(q, (const uint8_t *)s + i, i + step <= n ? step : n - i);
}

static void ati_and_gsn_with_echo_any_split(void **state)
{
    (void)state;
    const char *ati = "ATI\r\r\nQuectel\r\nRG500Q-EA\r\nRevision: RG500QEAAAR11A06M4G\r\n\r\nOK\r\n";
    const char *gsn = "AT+GSN\r\r\n+QIND: SMS DONE\r\n490154203237518\r\n\r\nOK\r\n";
    for (size_t step = 1; step <= 9; step++) {
        fota_query_t q;
        fota_query_init(&q, cmds, 2);
        assert_string_equal(fota_query_command(&q), "ATI");
        feed_split(&q, ati, step);
        assert_string_equal(fota_query_command(&q), "AT+GSN");
        feed_split(&q, gsn, step);
        assert_true(fota_query_done(&q));
        assert_false(q.failed);
        assert_string_equal(q.manufacturer, "Quectel");
        assert_string_equal(q.model, "RG500Q-EA");
        assert_string_equal(q.revision, "RG500QEAAAR11A06M4G");
        assert_string_equal(q.imei, "490154203237518");
    }
}

static void prefixed_model_and_error(void **state)
{
    (void)state;
    fota_query_t q;
    fota_query_init(&q, cmds, 2);
    const char *s = "\r\nQuectel_BC660K-GL\r\nRevision: BC660KGLAAR01A03\r\n\r\nOK\r\n"
                    "\r\n+CME ERROR: 58\r\n";
    assert_true(fota_query_feed(&q, (const uint8_t *)s, strlen(s)));
    assert_true(fota_query_done(&q));
    assert_true(q.failed);
    assert_string_equal(q.model, "Quectel_BC660K-GL");
    assert_string_equal(q.imei, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ati_and_gsn_with_echo_any_split),
        cmocka_unit_test(prefixed_model_and_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
