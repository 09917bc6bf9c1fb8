/* The operator's keys without a terminal: q and ^C ask while modules are in flight,
 * the question stands 5 s and then goes away without stopping anything, ? and h
 * show every key until any key, and every frame ends with the footer of keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>
#include <string.h>

#include "dash_keys.h"

static void quit_asks_then_expires(void **state)
{
    (void)state;
    fota_keys_t k = {0};
    int64_t t = 1000000;
    assert_int_equal(fota_keys_press(&k, 'q', 16, t), FOTA_KEY_QUIT_ASK);
    assert_false(fota_keys_expire(&k, t + 4999));
    /* the same key within the window stops */
    assert_int_equal(fota_keys_press(&k, 'q', 16, t + 4999), FOTA_KEY_QUIT);
    /* a second q 20 s later asks again: the question had gone */
    k = (fota_keys_t){0};
    assert_int_equal(fota_keys_press(&k, 'q', 16, t), FOTA_KEY_QUIT_ASK);
    assert_true(fota_keys_expire(&k, t + 5000));
    assert_false(fota_keys_expire(&k, t + 5001)); /* said once */
    assert_int_equal(fota_keys_press(&k, 'q', 16, t + 20000), FOTA_KEY_QUIT_ASK);
    /* even when nobody looked at the clock in between (no tick ran) */
    assert_int_equal(fota_keys_press(&k, 'Q', 16, t + 40000), FOTA_KEY_QUIT_ASK);
    /* ^C is the same question; ^C, ^C stops */
    k = (fota_keys_t){0};
    assert_int_equal(fota_keys_press(&k, 3, 2, t), FOTA_KEY_QUIT_ASK);
    assert_int_equal(fota_keys_press(&k, 3, 2, t + 100), FOTA_KEY_QUIT);
    assert_int_equal(k.quit_until_ms, 0);
    /* nothing in flight: nothing to lose, it stops at once */
    assert_int_equal(fota_keys_press(&k, 'q', 0, t), FOTA_KEY_QUIT);
    assert_int_equal(fota_keys_press(&k, 3, 0, t), FOTA_KEY_QUIT);
}

static void legend_until_any_key_and_unknown_keys(void **state)
{
    (void)state;
    fota_keys_t k = {0};
    assert_int_equal(fota_keys_press(&k, '?', 1, 0), FOTA_KEY_LEGEND);
    assert_true(k.legend);
    assert_int_equal(fota_keys_press(&k, 'q', 1, 0), FOTA_KEY_NONE); /* closes, no question */
    assert_false(k.legend);
    assert_int_equal(k.quit_until_ms, 0);
    assert_int_equal(fota_keys_press(&k, 'h', 1, 0), FOTA_KEY_LEGEND);
    assert_int_equal(fota_keys_press(&k, 'z', 1, 0), FOTA_KEY_NONE);
    assert_int_equal(fota_keys_press(&k, 'a', 1, 0), FOTA_KEY_ACK);
    assert_int_equal(fota_keys_press(&k, 'z', 1, 0), FOTA_KEY_UNKNOWN);
    /* the selected slot's keys */
    assert_int_equal(fota_keys_press(&k, 'r', 1, 0), FOTA_KEY_RETRY);
    assert_int_equal(fota_keys_press(&k, 'x', 1, 0), FOTA_KEY_SERVICE);
    assert_int_equal(fota_keys_press(&k, 'p', 1, 0), FOTA_KEY_POWER);
    assert_int_equal(fota_keys_press(&k, 0x1b, 1, 0), FOTA_KEY_NONE); /* arrow keys' ESC [ A */
    assert_int_equal(fota_keys_press(&k, 0, 1, 0), FOTA_KEY_NONE);
}

/* The frame as the terminal shows it: lines without escapes, each checked to fit. */
static int frame_lines(const fota_dash_frame_t *f, char lines[][200], int max)
{
    char buf[16384];
    fota_dash_render(buf, sizeof buf, f);
    int n = 0;
    for (char *p = buf, *nl; n < max && (nl = strchr(p, '\n')); p = nl + 1) {
        int len = (int)(nl - p);
        assert_true(len <= f->width);
        snprintf(lines[n++], 200, "%.*s", len, p);
    }
    assert_true(n <= f->height - 1);
    return n;
}

static void frames_at_80x24(void **state)
{
    (void)state;
    fota_dash_row_t rows[24];
    char names[24][48];
    for (int i = 0; i < 24; i++) {
        snprintf(names[i], sizeof names[i], "pci-0000:00:14.0-usb-0:1.%d.%d", i / 4 + 1, i % 4 + 1);
        rows[i] = (fota_dash_row_t){.slot = names[i], .imei = "864032000000057", .percent = 40,
                                    .elapsed_ms = 5000, .state = FOTA_DASH_RUNNING,
                                    .phase = "updating"};
    }
    const char *log[] = {"08:16:38 1.1.1: upgrading (1 in flight)"};
    fota_dash_header_t h = {.running = 24};
    fota_dash_frame_t f = {.h = &h, .rows = rows, .n = 24, .log = log, .n_log = 1,
                           .width = 80, .height = 24};
    fota_keys_t k = {0};
    char ask[FOTA_KEYS_PROMPT_LINES][FOTA_KEYS_LINE];
    const char *prompt[FOTA_KEYS_PROMPT_LINES];
    char l[40][200];
    int64_t t = 5000000;

    fota_keys_frame(&k, 24, t, ask, prompt, &f);
    int n = frame_lines(&f, l, 40);
    print_message("%s\n", l[n - 1]);
    assert_non_null(strstr(l[n - 1], "? all keys"));
    assert_non_null(strstr(l[n - 1], "q quit"));

    fota_keys_press(&k, 'q', 24, t);
    fota_keys_frame(&k, 24, t + 1200, ask, prompt, &f);
    n = frame_lines(&f, l, 40);
    for (int i = 0; i < n; i++)
        print_message("%s\n", l[i]);
    assert_non_null(strstr(l[n - 1], "? all keys"));
    assert_non_null(strstr(l[n - 6], "QUIT? 24 modules in flight. Press q (or ^C) again "
                                     "within 4 s to stop."));
    assert_non_null(strstr(l[n - 5], "keep flashing: keep them powered and plugged in"));
    assert_non_null(strstr(l[n - 2], "goes away and nothing stops"));
    /* gone once the window is over, even before the tick expired it */
    fota_keys_frame(&k, 24, t + 5000, ask, prompt, &f);
    n = frame_lines(&f, l, 40);
    for (int i = 0; i < n; i++)
        assert_null(strstr(l[i], "QUIT?"));

    fota_keys_press(&k, '?', 24, t);
    fota_keys_frame(&k, 24, t, ask, prompt, &f);
    n = frame_lines(&f, l, 40);
    assert_non_null(strstr(l[1], "KEYS (any key closes this list)"));
    int keys = 0;
    for (int i = 0; i < n; i++)
        keys += strncmp(l[i], "  a ", 4) == 0 || strncmp(l[i], "  q, ^C ", 8) == 0 ||
                strncmp(l[i], "  ?, h ", 7) == 0;
    assert_int_equal(keys, 3);
    for (int i = 0; i < n; i++)
        assert_null(strstr(l[i], "1.1.1 ")); /* the table is behind the legend */
}

static void abort_note_says_what_happens_next(void **state)
{
    (void)state;
    char b[768];
    fota_keys_abort_note(b, sizeof b, 0);
    assert_string_equal(b, "");
    fota_keys_abort_note(b, sizeof b, 3);
    print_message("%s\n", b);
    assert_non_null(strstr(b, "3 modules in flight are recorded INTERRUPTED"));
    assert_non_null(strstr(b, "keep flashing"));
    assert_non_null(strstr(b, "powered and plugged in"));
    assert_non_null(strstr(b, "recorded PASS (already at target)"));
    assert_non_null(strstr(b, "upgraded again"));
    assert_true(strlen(b) < sizeof b - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(quit_asks_then_expires),
        cmocka_unit_test(legend_until_any_key_and_unknown_keys),
        cmocka_unit_test(frames_at_80x24),
        cmocka_unit_test(abort_note_says_what_happens_next),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
