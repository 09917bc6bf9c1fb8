/* The chat as its consumer (the FOTA machine) drives it: bytes written, traces,
 * deadlines, bounded memory, and callbacks that send, reset or free re-entrantly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "at_chat.h"

typedef struct {
    fota_at_chat_t *chat;
    char written[4096];
    size_t n_written;
    int responses;
    fota_at_final_t last_final;
    int last_code;
    size_t last_n_lines;
    char last_lines[4][FOTA_AT_MAX_LINE + 1];
    size_t last_line_len0;
    int urcs;
    char last_urc[256];
    int acks;
    char traces[64][160];
    fota_trace_dir_t trace_dirs[64];
    int n_traces;
    /* re-entrancy knobs */
    const char *send_on_response;
    bool wait_on_response;
    bool free_on_response;
    bool reset_on_urc;
} rec_t;

static void on_write(void *ctx, const uint8_t *d, size_t n)
{
    rec_t *r = ctx;
    if (r->n_written + n < sizeof(r->written)) {
        memcpy(r->written + r->n_written, d, n);
        r->n_written += n;
        r->written[r->n_written] = '\0';
    }
}

static void on_response(void *ctx, const fota_at_response_t *resp)
{
    rec_t *r = ctx;
    r->responses++;
    r->last_final = resp->final;
    r->last_code = resp->code;
    r->last_n_lines = resp->n_lines;
    for (size_t i = 0; i < resp->n_lines && i < 4; i++)
        snprintf(r->last_lines[i], sizeof(r->last_lines[i]), "%s", resp->lines[i]);
    r->last_line_len0 = resp->n_lines ? strlen(resp->lines[0]) : 0;
    if (r->send_on_response) {
        const char *cmd = r->send_on_response;
        r->send_on_response = NULL;
        assert_int_equal(fota_at_chat_send(r->chat, cmd, 1000, 0), 0);
    }
    if (r->wait_on_response) {
        r->wait_on_response = false;
        assert_int_equal(fota_at_chat_wait(r->chat, 1000, 0), 0);
    }
    if (r->free_on_response) {
        fota_at_chat_free(r->chat);
        r->chat = NULL;
    }
}

static void on_urc(void *ctx, const char *line)
{
    rec_t *r = ctx;
    r->urcs++;
    snprintf(r->last_urc, sizeof(r->last_urc), "%s", line);
    if (r->reset_on_urc)
        fota_at_chat_reset(r->chat);
}

static void on_ack(void *ctx)
{
    ((rec_t *)ctx)->acks++;
}

static void on_trace(void *ctx, fota_trace_dir_t dir, const char *text)
{
    rec_t *r = ctx;
    if (r->n_traces < 64) {
        r->trace_dirs[r->n_traces] = dir;
        snprintf(r->traces[r->n_traces++], sizeof(r->traces[0]), "%s", text);
    }
}

static const char *const urc_prefixes[] = { "+QIND:", "RDY", NULL };

static fota_at_chat_t *make(rec_t *r)
{
    memset(r, 0, sizeof(*r));
    fota_at_chat_cbs_t cbs = {
        .ctx = r, .write = on_write, .response = on_response, .urc = on_urc,
        .ack = on_ack, .trace = on_trace,
    };
    r->chat = fota_at_chat_new(&cbs, urc_prefixes, NULL);
    assert_non_null(r->chat);
    return r->chat;
}

static void feed(fota_at_chat_t *c, const char *s, uint64_t now)
{
    fota_at_chat_feed(c, (const uint8_t *)s, strlen(s), now);
}

static void writes_command_with_cr_and_traces_both_ways(void **state)
{
    (void)state;
    rec_t r;
    fota_at_chat_t *c = make(&r);
    assert_false(fota_at_chat_busy(c));
    assert_true(fota_at_chat_deadline(c) == UINT64_MAX);
    assert_int_equal(fota_at_chat_send(c, "AT+GSN", 300, 1000), 0);
    assert_string_equal(r.written, "AT+GSN\r");
    assert_true(fota_at_chat_busy(c));
    assert_true(fota_at_chat_deadline(c) == 1300);
    feed(c, "AT+GSN\r\r\n864636040000019\r\n\r\nOK\r\n", 1010);
    assert_int_equal(r.responses, 1);
    assert_int_equal(r.last_final, FOTA_AT_FINAL_OK);
    assert_int_equal(r.last_n_lines, 1);
    assert_string_equal(r.last_lines[0], "864636040000019");
    assert_false(fota_at_chat_busy(c));
    /* transcript: tx command, rx echo, rx info, rx OK */
    assert_int_equal(r.n_traces, 4);
    assert_int_equal(r.trace_dirs[0], FOTA_TRACE_TX);
    assert_string_equal(r.traces[0], "AT+GSN");
    assert_int_equal(r.trace_dirs[1], FOTA_TRACE_RX);
    assert_string_equal(r.traces[1], "AT+GSN");
    assert_string_equal(r.traces[3], "OK");
    fota_at_chat_free(c);
}

static void rejects_bad_commands_and_a_second_in_flight(void **state)
{
    (void)state;
    rec_t r;
    fota_at_chat_t *c = make(&r);
    assert_int_equal(fota_at_chat_send(c, "AT\r", 300, 0), FOTA_E_INVAL);
    assert_int_equal(fota_at_chat_send(c, "", 300, 0), FOTA_E_INVAL);
    assert_int_equal(r.n_written, 0);
    assert_int_equal(fota_at_chat_send(c, "AT", 300, 0), 0);
    assert_int_equal(fota_at_chat_send(c, "ATI", 300, 0), FOTA_E_STATE);
    assert_int_equal(fota_at_chat_wait(c, 300, 0), FOTA_E_STATE);
    assert_string_equal(r.written, "AT\r");
    fota_at_chat_free(c);
}

static void timeout_fires_at_tick_after_the_deadline_only(void **state)
{
    (void)state;
    rec_t r;
    fota_at_chat_t *c = make(&r);
    assert_int_equal(fota_at_chat_send(c, "AT+QFLST=\"*\"", 300, 5000), 0);
    feed(c, "\r\n+QFLST: \"UFS:a.zip\",1939\r\n", 5100);
    fota_at_chat_tick(c, 5299);
    assert_int_equal(r.responses, 0);
    fota_at_chat_tick(c, 5300);
    assert_int_equal(r.responses, 1);
    assert_int_equal(r.last_final, FOTA_AT_FINAL_TIMEOUT);
    assert_int_equal(r.last_n_lines, 1); /* what had arrived is still handed over */
    assert_true(fota_at_chat_deadline(c) == UINT64_MAX);
    fota_at_chat_tick(c, 99999);
    assert_int_equal(r.responses, 1);
    fota_at_chat_free(c);
}

static void ten_kib_line_is_truncated_not_overflowed(void **state)
{
    (void)state;
    rec_t r;
    fota_at_chat_t *c = make(&r);
    assert_int_equal(fota_at_chat_send(c, "AT+QFAW=?", 300, 0), 0);
    size_t n = 10 * 1024;
    char *big = malloc(n + 16);
    assert_non_null(big);
    memcpy(big, "\r\n", 2);
    for (size_t i = 0; i < n; i++)
        big[2 + i] = (char)('a' + i % 26);
    memcpy(big + 2 + n, "\r\nOK\r\n", 7);
    /* half at once, the rest byte by byte */
    fota_at_chat_feed(c, (const uint8_t *)big, (n + 8) / 2, 0);
    for (size_t i = (n + 8) / 2; i < n + 8; i++)
        fota_at_chat_feed(c, (const uint8_t *)big + i, 1, 0);
    assert_int_equal(r.responses, 1);
    assert_int_equal(r.last_final, FOTA_AT_FINAL_OK);
    assert_int_equal(r.last_n_lines, 1);
    assert_int_equal(r.last_line_len0, FOTA_AT_MAX_LINE);
    assert_memory_equal(r.last_lines[0], big + 2, FOTA_AT_MAX_LINE);
    bool flagged = false;
    for (int i = 0; i < r.n_traces; i++)
        flagged |= strstr(r.traces[i], "truncated") != NULL;
    assert_true(flagged);
    free(big);
    fota_at_chat_free(c);
}

static void echo_of_a_command_longer_than_a_line_is_still_the_echo(void **state)
{
    (void)state;
    rec_t r;
    fota_at_chat_t *c = make(&r);
    size_t n = FOTA_AT_MAX_LINE + 100;
    char *cmd = malloc(n + 2);
    assert_non_null(cmd);
    memcpy(cmd, "AT+QFAW=\"", 9);
    memset(cmd + 9, '5', n - 10);
    cmd[n - 1] = '"';
    cmd[n] = '\0';
    /* learn that the module echoes */
    assert_int_equal(fota_at_chat_send(c, "AT", 300, 0), 0);
    feed(c, "AT\r\r\nOK\r\n", 0);
    assert_int_equal(fota_at_chat_send(c, cmd, 300, 0), 0);
    cmd[n] = '\r';
    fota_at_chat_feed(c, (const uint8_t *)cmd, n + 1, 0);
    feed(c, "\r\nOK\r\n", 0);
    assert_int_equal(r.responses, 2);
    assert_int_equal(r.last_final, FOTA_AT_FINAL_OK);
    assert_int_equal(r.last_n_lines, 0); /* the echo is not an info line */
    free(cmd);
    fota_at_chat_free(c);
}

static void info_lines_are_bounded(void **state)
{
    (void)state;
    rec_t r;
    fota_at_chat_t *c = make(&r);
    assert_int_equal(fota_at_chat_send(c, "AT+QFLST=\"*\"", 300, 0), 0);
    for (int i = 0; i < FOTA_AT_MAX_INFO_LINES + 10; i++) {
        char line[64];
        snprintf(line, sizeof(line), "\r\n+QFLST: \"UFS:f%d\",1\r\n", i);
        feed(c, line, 0);
    }
    feed(c, "\r\nOK\r\n", 0);
    assert_int_equal(r.responses, 1);
    assert_int_equal(r.last_n_lines, FOTA_AT_MAX_INFO_LINES);
    assert_string_equal(r.last_lines[0], "+QFLST: \"UFS:f0\",1");
    fota_at_chat_free(c);
}

static void urc_prefix_list_beats_info_lines(void **state)
{
    (void)state;
    rec_t r;
    fota_at_chat_t *c = make(&r);
    assert_int_equal(fota_at_chat_send(c, "ATI", 300, 0), 0);
    feed(c, "\r\nQuectel\r\n\r\nrdy\r\n\r\n+QIND: \"FOTA\",\"END\",0\r\n\r\nOK\r\n", 0);
    assert_int_equal(r.urcs, 2);
    assert_string_equal(r.last_urc, "+QIND: \"FOTA\",\"END\",0");
    assert_int_equal(r.last_n_lines, 1);
    assert_string_equal(r.last_lines[0], "Quectel");
    fota_at_chat_free(c);
}

static void response_callback_may_send_the_next_command(void **state)
{
    (void)state;
    rec_t r;
    fota_at_chat_t *c = make(&r);
    r.send_on_response = "AT+QGMR";
    assert_int_equal(fota_at_chat_send(c, "ATE0", 300, 0), 0);
    /* the rest of the chunk that completed ATE0 was read before AT+QGMR was
     * written: it cannot be AT+QGMR's reply */
    feed(c, "ATE0\r\r\nOK\r\nAT+QGMR\r\r\nstray\r\n\r\nOK\r\n", 0);
    assert_string_equal(r.written, "ATE0\rAT+QGMR\r");
    assert_int_equal(r.responses, 1);
    assert_true(fota_at_chat_busy(c));
    feed(c, "\r\nRG500QEAAAR11A06M4G_01.001.01.001\r\n\r\nOK\r\n", 0);
    assert_int_equal(r.responses, 2);
    assert_int_equal(r.last_n_lines, 1);
    assert_string_equal(r.last_lines[0], "RG500QEAAAR11A06M4G_01.001.01.001");
    fota_at_chat_free(c);
}

static void wait_from_a_callback_takes_the_rest_of_the_chunk(void **state)
{
    (void)state;
    rec_t r;
    fota_at_chat_t *c = make(&r);
    r.wait_on_response = true;
    /* GSM FOTA note §2.3.1: AT+QFUA answers OK, then CONNECT, here in one read; wait()
     * sends nothing, so the CONNECT in the same chunk is its final result */
    assert_int_equal(fota_at_chat_send(c, "AT+QFUA", 300, 0), 0);
    feed(c, "AT+QFUA\r\r\nOK\r\n\r\nCONNECT\r\n", 0);
    assert_int_equal(r.responses, 2);
    assert_int_equal(r.last_final, FOTA_AT_FINAL_CONNECT);
    assert_false(fota_at_chat_busy(c));
    fota_at_chat_free(c);
}

static void response_callback_may_free_the_chat(void **state)
{
    (void)state;
    rec_t r;
    fota_at_chat_t *c = make(&r);
    r.free_on_response = true;
    assert_int_equal(fota_at_chat_send(c, "AT", 300, 0), 0);
    /* the rest of the chunk must not touch the freed chat (ASan would tell) */
    feed(c, "\r\nOK\r\n\r\n+QIND: \"FOTA\",\"START\"\r\n", 0);
    assert_null(r.chat);
    assert_int_equal(r.responses, 1);
    assert_int_equal(r.urcs, 0);
}

static void timeout_callback_may_free_the_chat(void **state)
{
    (void)state;
    rec_t r;
    fota_at_chat_t *c = make(&r);
    r.free_on_response = true;
    assert_int_equal(fota_at_chat_send(c, "AT", 300, 0), 0);
    fota_at_chat_tick(c, 300);
    assert_null(r.chat);
    assert_int_equal(r.last_final, FOTA_AT_FINAL_TIMEOUT);
}

static void reset_from_a_callback_drops_the_rest_of_the_chunk(void **state)
{
    (void)state;
    rec_t r;
    fota_at_chat_t *c = make(&r);
    r.reset_on_urc = true;
    /* port vanished while these bytes were read: the module rebooted */
    feed(c, "\r\n+QIND: \"FOTA\",\"FTPEND\",0\r\n\r\n+QIND: \"FOTA\",\"START\"\r\n\r\nPART", 0);
    assert_int_equal(r.urcs, 1);
    r.reset_on_urc = false;
    feed(c, "IAL\r\nRDY\r\n", 0);
    assert_int_equal(r.urcs, 2);
    assert_string_equal(r.last_urc, "RDY"); /* "PARTIAL" was never assembled */
    fota_at_chat_free(c);
}

static void ack_mode_counts_acks_and_survives_reset(void **state)
{
    (void)state;
    rec_t r;
    fota_at_chat_t *c = make(&r);
    fota_at_chat_set_ack_mode(c, true);
    feed(c, "AAA", 0);
    assert_int_equal(r.acks, 3);
    fota_at_chat_reset(c); /* a reopened port starts without ack mode */
    assert_int_equal(fota_at_chat_wait(c, 300, 0), 0);
    feed(c, "A\r\nOK\r\n", 0);
    assert_int_equal(r.acks, 3);
    assert_int_equal(r.responses, 1);
    assert_int_equal(r.last_n_lines, 1);
    assert_string_equal(r.last_lines[0], "A");
    fota_at_chat_free(c);
}

static void raw_bytes_are_written_unframed(void **state)
{
    (void)state;
    rec_t r;
    fota_at_chat_t *c = make(&r);
    const uint8_t data[] = { 0x00, 'A', '\r', 0xff };
    fota_at_chat_send_raw(c, data, sizeof(data));
    assert_int_equal(r.n_written, 4);
    assert_memory_equal(r.written, data, 4);
    assert_int_equal(r.n_traces, 0); /* package bytes are not transcript text */
    fota_at_chat_free(c);
}

typedef struct {
    int lines, acks;
    char last[32];
    bool truncated;
} framer_got_t;

static void framer_cb(void *ctx, const fota_frame_t *fr)
{
    framer_got_t *got = ctx;
    if (fr->kind == FOTA_FRAME_ACK) {
        got->acks++;
        return;
    }
    assert_int_equal(strlen(fr->text), fr->len);
    got->lines++;
    got->truncated = fr->truncated;
    snprintf(got->last, sizeof(got->last), "%s", fr->text);
}

static void framer_alone_reports_lines_and_truncation(void **state)
{
    (void)state;
    fota_at_framer_t f;
    fota_at_framer_init(&f);
    framer_got_t got = { 0 };
    fota_at_framer_feed(&f, (const uint8_t *)"\r\nOK\r", 5, framer_cb, &got);
    assert_int_equal(got.lines, 1);
    assert_string_equal(got.last, "OK");
    fota_at_framer_feed(&f, (const uint8_t *)"\n\n\r\r", 4, framer_cb, &got);
    assert_int_equal(got.lines, 1); /* empty lines are nothing */
    /* exactly FOTA_AT_MAX_LINE bytes is not truncated; one more is */
    static uint8_t line[FOTA_AT_MAX_LINE + 2];
    memset(line, 'x', sizeof(line));
    line[FOTA_AT_MAX_LINE] = '\n';
    fota_at_framer_feed(&f, line, FOTA_AT_MAX_LINE + 1, framer_cb, &got);
    assert_int_equal(got.lines, 2);
    assert_false(got.truncated);
    line[FOTA_AT_MAX_LINE] = 'x';
    line[FOTA_AT_MAX_LINE + 1] = '\n';
    fota_at_framer_feed(&f, line, FOTA_AT_MAX_LINE + 2, framer_cb, &got);
    assert_int_equal(got.lines, 3);
    assert_true(got.truncated);
    /* after a truncated line the next one is whole again */
    fota_at_framer_feed(&f, (const uint8_t *)"OK\n", 3, framer_cb, &got);
    assert_int_equal(got.lines, 4);
    assert_false(got.truncated);
    assert_string_equal(got.last, "OK");
    /* ack mode: a lone 'A' only when nothing is buffered */
    fota_at_framer_set_ack_mode(&f, true);
    fota_at_framer_feed(&f, (const uint8_t *)"AxA\nA", 5, framer_cb, &got);
    assert_int_equal(got.acks, 2);
    assert_string_equal(got.last, "xA");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(writes_command_with_cr_and_traces_both_ways),
        cmocka_unit_test(rejects_bad_commands_and_a_second_in_flight),
        cmocka_unit_test(timeout_fires_at_tick_after_the_deadline_only),
        cmocka_unit_test(ten_kib_line_is_truncated_not_overflowed),
        cmocka_unit_test(echo_of_a_command_longer_than_a_line_is_still_the_echo),
        cmocka_unit_test(info_lines_are_bounded),
        cmocka_unit_test(urc_prefix_list_beats_info_lines),
        cmocka_unit_test(response_callback_may_send_the_next_command),
        cmocka_unit_test(wait_from_a_callback_takes_the_rest_of_the_chunk),
        cmocka_unit_test(response_callback_may_free_the_chat),
        cmocka_unit_test(timeout_callback_may_free_the_chat),
        cmocka_unit_test(reset_from_a_callback_drops_the_rest_of_the_chunk),
        cmocka_unit_test(ack_mode_counts_acks_and_survives_reset),
        cmocka_unit_test(raw_bytes_are_written_unframed),
        cmocka_unit_test(framer_alone_reports_lines_and_truncation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
