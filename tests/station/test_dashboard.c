/* What the operator sees: counts and yield in the header, one line per slot with
 * its progress and the failure's meaning, redrawn in place without a full clear. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "dashboard.h"

static const fota_dash_row_t rows[] = {
    {.slot = "pci-0000:00:14.0-usb-0:1.1:1.2", .model = "RG500Q-EA", .imei = "864000000000001",
     .phase = "updating", .percent = 45, .elapsed_ms = 65000, .state = FOTA_DASH_RUNNING},
    {.slot = "slot02", .model = "EC200T", .imei = "864000000000002", .percent = -1,
     .elapsed_ms = 3000, .state = FOTA_DASH_FAIL, .result = "download/601 HTTP 404 not found"},
    {.slot = "slot03", .model = "EG065K", .imei = "864000000000003", .percent = -1,
     .elapsed_ms = -1, .state = FOTA_DASH_QUEUED, .result = "max_per_hub"},
};

static void plain_frame_has_counts_progress_and_meaning(void **state)
{
    (void)state;
    fota_dash_header_t h = {.batch = "b1", .station = "st7", .pass = 3, .fail = 1,
                            .running = 1, .queued = 1};
    char buf[8192];
    fota_dash_render(buf, sizeof buf, &h, rows, 3, false, 0);
    assert_non_null(strstr(buf, "pass 3  fail 1  skip 0  running 1  queued 1  yield 75.0%"));
    assert_non_null(strstr(buf, "[#########...........]  45%"));
    assert_non_null(strstr(buf, "1:05"));
    assert_non_null(strstr(buf, "FAIL download/601 HTTP 404 not found"));
    assert_non_null(strstr(buf, "queued"));
    assert_null(strchr(buf, '\x1b')); /* no escape codes off a terminal */
    /* header + column titles + 3 slots */
    int lines = 0;
    for (const char *p = buf; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 5);
}

static void terminal_frame_redraws_in_place(void **state)
{
    (void)state;
    fota_dash_header_t h = {.batch = "b1", .banner = "PAUSED: 5 consecutive failures"};
    char buf[8192];
    fota_dash_render(buf, sizeof buf, &h, rows, 3, true, 80);
    assert_memory_equal(buf, "\x1b[H", 3);          /* cursor home */
    assert_null(strstr(buf, "\x1b[2J"));             /* never a full clear */
    assert_non_null(strstr(buf, "\x1b[K"));          /* each line erases its tail */
    assert_non_null(strstr(buf, "PAUSED: 5 consecutive failures"));
    assert_non_null(strstr(buf, "\x1b[31m"));        /* FAIL in red */
    size_t n = strlen(buf);
    assert_memory_equal(buf + n - 3, "\x1b[J", 3);   /* erase below the last line */
    /* lines are cut to the terminal width (text between escapes) */
    const char *l = strstr(buf, "0:1.1:1.2");
    assert_non_null(l);
}

static void small_buffer_is_truncated_not_overflowed(void **state)
{
    (void)state;
    fota_dash_header_t h = {0};
    char buf[64];
    memset(buf, 'x', sizeof buf);
    size_t n = fota_dash_render(buf, 40, &h, rows, 3, true, 0);
    assert_true(n < 40);
    assert_int_equal(buf[n], '\0');
    assert_int_equal(buf[41], 'x');
}

static void bar_and_elapsed(void **state)
{
    (void)state;
    char b[64];
    fota_dash_bar(b, sizeof b, 100, 10);
    assert_string_equal(b, "[##########] 100%");
    fota_dash_bar(b, sizeof b, 0, 4);
    assert_string_equal(b, "[....]   0%");
    fota_dash_elapsed(b, sizeof b, 3723000);
    assert_string_equal(b, "1:02:03");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_frame_has_counts_progress_and_meaning),
        cmocka_unit_test(terminal_frame_redraws_in_place),
        cmocka_unit_test(small_buffer_is_truncated_not_overflowed),
        cmocka_unit_test(bar_and_elapsed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
