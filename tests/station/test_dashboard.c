/* What the operator sees: counts and yield in the header, one line per slot with
 * its progress and the failure's meaning, redrawn in place without a full clear,
 * and a frame that fits the terminal whatever the line's size. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>
#include <string.h>

#include "dash.h"
#include "slot_hub.h"

static const fota_dash_row_t rows[] = {
    {.slot = "pci-0000:00:14.0-usb-0:1.1.2", .model = "RG500Q-EA", .imei = "864000000000001",
     .phase = "updating", .percent = 45, .elapsed_ms = 65000, .state = FOTA_DASH_RUNNING},
    {.slot = "slot02", .model = "EC200T", .imei = "864000000000002", .percent = -1,
     .elapsed_ms = 3000, .state = FOTA_DASH_FAIL, .result = "download/601 HTTP 404 not found"},
    {.slot = "slot03", .model = "EG065K", .imei = "864000000000003", .percent = -1,
     .elapsed_ms = -1, .state = FOTA_DASH_QUEUED, .result = "max_per_hub"},
};

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* The frame as the terminal shows it: escape sequences and CR dropped; returns the
 * number of lines, the widest one in characters (UTF-8 sequences count once). */
static int visible(const char *frame, char *out, size_t cap, int *widest)
{
    size_t o = 0;
    int w = 0, lines = 0;
    *widest = 0;
    for (const unsigned char *p = (const unsigned char *)frame; *p && o + 1 < cap; p++) {
        if (*p == 0x1b) {
            p++;
            while (*p && !(*p >= '@' && *p <= '~' && *p != '['))
                p++;
            continue;
        }
        if (*p == '\r')
            continue;
        out[o++] = (char)*p;
        if (*p == '\n') {
            lines++;
            w = 0;
        } else if ((*p & 0xc0) != 0x80 && ++w > *widest) {
            *widest = w;
        }
    }
    out[o] = '\0';
    return lines;
}

static void plain_frame_has_counts_progress_and_meaning(void **state)
{
    (void)state;
    fota_dash_header_t h = {.batch = "b1", .station = "st7", .pass = 3, .fail = 1,
                            .running = 1, .queued = 1, .modules = 4, .first_pass = 3,
                            .final_pass = 3};
    fota_dash_frame_t f = {.h = &h, .rows = rows, .n = 3, .width = 160};
    char buf[8192];
    fota_dash_render(buf, sizeof buf, &f);
    assert_non_null(strstr(
        buf, "pass 3  fail 1  first-pass yield 75.0% (3/4)  final 75.0%  running 1  queued 1"));
    assert_non_null(strstr(buf, "[#########...........]  45%"));
    assert_non_null(strstr(buf, "1:05"));
    assert_non_null(strstr(buf, "FAIL"));
    assert_non_null(strstr(buf, "download/601 HTTP 404 not found"));
    assert_non_null(strstr(buf, "max_per_hub"));
    assert_null(strchr(buf, '\x1b')); /* no escape codes off a terminal */
    assert_non_null(strstr(buf, "\n1.1.2 "));   /* hub-relative label */
    assert_null(strstr(buf, "usb-0:"));         /* not the by-path tail */
    assert_int_equal(count_lines(buf), 5);      /* header + column titles + 3 slots */
}

/* run --central: the header says how the link to the central database stands. */
static void header_shows_the_central_link(void **state)
{
    (void)state;
    fota_dash_header_t h = {.batch = "b1", .station = "st7", .pass = 3,
                            .central = "central: offline since 08:01:02"};
    fota_dash_frame_t f = {.h = &h, .rows = rows, .n = 3, .width = 160};
    char buf[8192];
    fota_dash_render(buf, sizeof buf, &f);
    assert_non_null(strstr(buf, "skip 0  |  central: offline since 08:01:02  |  batch b1"));
    h.central = NULL;
    fota_dash_render(buf, sizeof buf, &f);
    assert_null(strstr(buf, "central"));
}

static void terminal_frame_redraws_in_place(void **state)
{
    (void)state;
    fota_dash_header_t h = {.batch = "b1", .banner = "PAUSED: 5 consecutive failures"};
    fota_dash_frame_t f = {.h = &h, .rows = rows, .n = 3, .width = 80, .height = 24,
                           .color = true};
    char buf[8192];
    fota_dash_render(buf, sizeof buf, &f);
    assert_memory_equal(buf, "\x1b[H", 3);          /* cursor home */
    assert_null(strstr(buf, "\x1b[2J"));             /* never a full clear */
    assert_non_null(strstr(buf, "\x1b[K"));          /* each line erased */
    assert_non_null(strstr(buf, "PAUSED: 5 consecutive failures"));
    assert_non_null(strstr(buf, "\x1b[31m"));        /* FAIL in red */
    size_t n = strlen(buf);
    assert_memory_equal(buf + n - 3, "\x1b[J", 3);   /* erase below the last line */
}

/* 64 slots on 16 hubs, three failed with a long (and non-ASCII) module text, six
 * log lines: at every size from 80x24 up, the header is the first line, no line is
 * wider than the terminal, there is no line in the last row (no scroll), and the
 * failed slots are on screen, by name, first. */
static void frame_fits_every_terminal(void **state)
{
    (void)state;
    static fota_dash_row_t many[64];
    static char names[64][64], imeis[64][20];
    const char *why = "update/504 the module reports that the upgrade failed: \xc3\xa9" "chec "
                      "\xe2\x80\x94 firmware package does not match the module revision, "
                      "contact Quectel support with the log of this attempt";
    for (int i = 0; i < 64; i++) {
        snprintf(names[i], sizeof names[i], "pci-0000:00:14.0-usb-0:1.%d.%d", i / 4 + 1, i % 4 + 1);
        snprintf(imeis[i], sizeof imeis[i], "8640000000%05d", i);
        bool fail = i == 9 || i == 40 || i == 63;
        many[i] = (fota_dash_row_t){.slot = names[i], .model = "RG500Q-EA", .imei = imeis[i],
                                    .phase = "uploading 3/7 MiB", .percent = i,
                                    .elapsed_ms = 1000 * i,
                                    .state = fail ? FOTA_DASH_FAIL : i % 3 ? FOTA_DASH_RUNNING
                                                                           : FOTA_DASH_PASS,
                                    .result = fail ? why : NULL};
    }
    fota_dash_sort(many, 64);
    const char *log[6] = {"08:00:01 a", "08:00:02 b", "08:00:03 c", "08:00:04 d",
                          "08:00:05 e", why};
    fota_dash_header_t h = {.batch = "batch-2026-11-28-line-7-night-shift", .station = "st01",
                            .pass = 21, .fail = 3, .running = 40, .modules = 24,
                            .first_pass = 21, .final_pass = 22,
                            .banner = "PAUSED: 3 consecutive failures update/504 (press a)"};
    static const int sizes[][2] = {{80, 24}, {120, 40}, {160, 50}, {160, 60}, {200, 80}};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        fota_dash_frame_t f = {.h = &h, .rows = many, .n = 64, .log = log, .n_log = 6,
                               .width = sizes[k][0], .height = sizes[k][1], .color = true};
        static char buf[200000], vis[200000];
        fota_dash_render(buf, sizeof buf, &f);
        int widest;
        int lines = visible(buf, vis, sizeof vis, &widest);
        assert_true(lines <= sizes[k][1] - 1);
        assert_true(widest <= sizes[k][0]);
        assert_memory_equal(vis, "FOTA  pass 21  fail 3  first-pass yield 87.5% (21/24)  final 91.7%",
                            66);
        assert_non_null(strstr(vis, "\nPAUSED: 3 consecutive"));
        /* the three failed slots, by name, right under the column titles */
        const char *t = strstr(vis, "\nSLOT");
        assert_non_null(t);
        t = strchr(t + 1, '\n') + 1;
        assert_memory_equal(t, "1.3.2 ", 6);
        t = strchr(t, '\n') + 1;
        assert_memory_equal(t, "1.11.1 ", 7);
        t = strchr(t, '\n') + 1;
        assert_memory_equal(t, "1.16.4 ", 7);
        if (sizes[k][1] < 64 + 4) /* more slots than lines: one line per hub */
            assert_non_null(strstr(vis, "\nhub 1.2 "));
        else
            assert_null(strstr(vis, "\nhub "));
    }
}

/* 24 slots on 6 hubs at 80x24 (18 table lines): only as many hubs fold as needed,
 * quiet ones (all PASS) first, so the running modules keep their own lines. */
static void quiet_hubs_fold_first(void **state)
{
    (void)state;
    static fota_dash_row_t r[24];
    static char names[24][64];
    for (int i = 0; i < 24; i++) {
        snprintf(names[i], sizeof names[i], "pci-0000:00:14.0-usb-0:1.%d.%d", i / 4 + 1, i % 4 + 1);
        r[i] = (fota_dash_row_t){.slot = names[i], .imei = "864000000000001", .percent = 50,
                                 .elapsed_ms = 1000,
                                 .state = i == 5 ? FOTA_DASH_FAIL : i < 12 ? FOTA_DASH_PASS
                                                                           : FOTA_DASH_RUNNING};
    }
    fota_dash_sort(r, 24);
    const char *log[3] = {"a", "b", "c"};
    fota_dash_header_t h = {.pass = 11, .fail = 1, .running = 12};
    fota_dash_frame_t f = {.h = &h, .rows = r, .n = 24, .log = log, .n_log = 3, .width = 80,
                           .height = 24, .color = true};
    static char buf[100000], vis[100000];
    fota_dash_render(buf, sizeof buf, &f);
    int widest;
    assert_true(visible(buf, vis, sizeof vis, &widest) <= 23);
    /* hubs 1.1 and 1.3 are all PASS: folded; hub 1.2 holds the FAIL: not folded
     * while quiet hubs remain; every running slot (hubs 1.4 to 1.6) by name */
    assert_non_null(strstr(vis, "\nhub 1.1 "));
    assert_non_null(strstr(vis, "\nhub 1.3 "));
    assert_null(strstr(vis, "\nhub 1.4 "));
    assert_non_null(strstr(vis, "\n1.2.2 "));
    for (int i = 12; i < 24; i++) {
        char want[16];
        snprintf(want, sizeof want, "\n1.%d.%d ", i / 4 + 1, i % 4 + 1);
        assert_non_null(strstr(vis, want));
    }
    assert_null(strstr(vis, "more lines"));
}

/* The dashboard's hub lines use the one slot -> hub rule: slots from before grouping
 * ("…:5.1:1.2") and UART slots are no hub's, so they fold together as "other",
 * never as one-port hubs "5.1:1", "5.2:1", … of their own. */
static void hub_lines_follow_the_one_rule(void **state)
{
    (void)state;
    static fota_dash_row_t r[24];
    static char names[24][64];
    for (int i = 0; i < 24; i++) {
        if (i < 16)
            snprintf(names[i], sizeof names[i], "pci-0000:00:14.0-usb-0:1.%d.%d", i / 4 + 1,
                     i % 4 + 1);
        else if (i < 22)
            snprintf(names[i], sizeof names[i], "pci-0000:00:14.0-usb-0:5.%d:1.2", i - 15);
        else
            snprintf(names[i], sizeof names[i], "ttyS%d", i - 22);
        r[i] = (fota_dash_row_t){.slot = names[i], .imei = "864000000000001", .percent = -1,
                                 .elapsed_ms = 1000, .state = FOTA_DASH_PASS};
    }
    fota_dash_sort(r, 24);
    fota_dash_header_t h = {.pass = 24};
    fota_dash_frame_t f = {.h = &h, .rows = r, .n = 24, .width = 80, .height = 12};
    static char buf[100000], vis[100000];
    fota_dash_render(buf, sizeof buf, &f);
    int widest;
    visible(buf, vis, sizeof vis, &widest);
    const char *other = strstr(vis, "\nhub other ");
    if (!other || strstr(vis, "\nhub 5.") || strstr(vis, "1.2 ") == NULL)
        fail_msg("hub lines:\n%s", vis);
    const char *eol = strchr(other + 1, '\n');
    const char *n = strstr(other, "8 slots");
    assert_true(n && (!eol || n < eol));
}

static void natural_order_failures_first(void **state)
{
    (void)state;
    fota_dash_row_t r[] = {
        {.slot = "pci-0000:00:14.0-usb-0:1.10", .state = FOTA_DASH_PASS},
        {.slot = "pci-0000:00:14.0-usb-0:1.2", .state = FOTA_DASH_PASS},
        {.slot = "pci-0000:00:14.0-usb-0:1.11", .state = FOTA_DASH_RUNNING},
        {.slot = "pci-0000:00:14.0-usb-0:1.9", .state = FOTA_DASH_FAIL},
        {.slot = "pci-0000:00:14.0-usb-0:1.1", .state = FOTA_DASH_RUNNING},
    };
    fota_dash_sort(r, 5);
    const char *want[] = {"1.9", "1.1", "1.11", "1.2", "1.10"};
    for (int i = 0; i < 5; i++)
        assert_string_equal(fota_dash_short_label(r[i].slot), want[i]);
    assert_true(fota_slot_natcmp("1.2", "1.10") < 0);
    assert_true(fota_slot_natcmp("1.02", "1.2") == 0);
    assert_true(fota_slot_natcmp("a10", "a9") > 0);
    assert_string_equal(fota_dash_short_label("slot02"), "slot02");
    assert_string_equal(fota_dash_short_label("pci-0000:00:14.0-usb-0:1.3.2"), "1.3.2");
}

static void yield_counts_interrupted(void **state)
{
    (void)state;
    char y[48];
    fota_dash_yield(y, sizeof y, 3, 4);
    assert_string_equal(y, "75.0% (3/4)");
    fota_dash_yield(y, sizeof y, 1, 2);
    assert_string_equal(y, "50.0% (1/2)");
    fota_dash_yield(y, sizeof y, 0, 0);
    assert_string_equal(y, "-");
}

static void small_buffer_is_truncated_not_overflowed(void **state)
{
    (void)state;
    fota_dash_header_t h = {0};
    fota_dash_frame_t f = {.h = &h, .rows = rows, .n = 3, .color = true};
    char buf[64];
    memset(buf, 'x', sizeof buf);
    size_t n = fota_dash_render(buf, 40, &f);
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
        cmocka_unit_test(header_shows_the_central_link),
        cmocka_unit_test(terminal_frame_redraws_in_place),
        cmocka_unit_test(frame_fits_every_terminal),
        cmocka_unit_test(quiet_hubs_fold_first),
        cmocka_unit_test(hub_lines_follow_the_one_rule),
        cmocka_unit_test(natural_order_failures_first),
        cmocka_unit_test(yield_counts_interrupted),
        cmocka_unit_test(small_buffer_is_truncated_not_overflowed),
        cmocka_unit_test(bar_and_elapsed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
