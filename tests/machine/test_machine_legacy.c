/* Legacy GSM delta FOTA, transcripts from Quectel's FOTA application note for
 * its GSM/GPRS modules, §2.3.1 and §2.3.2:
 * AT+QFUA with flow control, OK, CONNECT, raw bytes, guard, "+++", guard, text
 * lines; AT+QFAI, AT+QFAW="<HEX>" chunks, AT+QFAU; "Update  percent = n%". */
#include "fake_module.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OLD "M95FAR02A07"
#define NEW "M95FAR02A08"
#define NAME "M95FAR02A07-A08.bin"

/* Quectel's FOTA application note for its GSM/GPRS modules, §2.3.1's text, with its odd
 * blanks and dots. */
static void progress_lines(h_t *h)
{
    h_rx(h, "Finish data downloading, rebooting....                                          ");
    h_rx(h, " Quectel firmware update is processing....                                      ");
    h_rx(h, ".......RunFirmwareUpdate......                                                  ");
    h_rx(h, " Update  percent = 1%                                                            ");
    h_rx(h, " Update  percent = 2%                                                           ");
    h_rx(h, " Update  percent = 99%                                                          ");
    h_rx(h, " Update  percent = 100%                                                         ");
}

static void success_and_verify(h_t *h)
{
    h_rx(h, " Quectel firmware update success. status=0                                      ");
    /* a UART module reboots behind its port (Quectel's FOTA application note for its
     * GSM/GPRS modules, §2.3.1): no drop to wait for */
    h_rx(h, "Rebooting....   ");
    h_advance(h, 1000);
    h_expect_no_tx(h); /* not while it is still printing */
    h_rx(h, "RDY");
    h_rx(h, "+CFUN: 1");
    h_rx(h, "+CPIN: READY");
    h_rx(h, "Call Ready");
    h_rx(h, "SMS Ready");
    h_verify(h, "M95", NEW, H_IMEI);
}

static fota_package_t *qfua_to_connect(h_t *h, size_t size)
{
    h_setup(h, "legacy-GSM", FOTA_METHOD_QFUA, NEW);
    fota_package_t *p = h_pkg(h, OLD, NEW, NAME, NULL, size);
    h_start(h);
    h_ident(h, "M95", OLD, H_IMEI);
    assert_int_equal(h->n_grants, 1);
    const char *flow = h->profile->methods[FOTA_METHOD_QFUA].flow_command_uart;
    assert_non_null(flow);
    h_cmd(h, flow, "OK", NULL);
    assert_int_equal(h->flow, 1);
    h_cmd(h, "AT+QFUA", "OK", NULL);
    assert_int_equal(h->ndata, 0); /* OK is not CONNECT: no data yet */
    return p;
}

static void qfua_passes(void **state)
{
    (void)state;
    h_t h;
    fota_package_t *p = qfua_to_connect(&h, 10000);
    h_rx(&h, "CONNECT");
    assert_int_equal(h.ndata, p->size);
    assert_memory_equal(h.data, p->data, p->size);
    /* guard time, "+++", guard time (Quectel's FOTA application note for its GSM/GPRS
     * modules, §2.3.1) */
    unsigned guard = h.profile->methods[FOTA_METHOD_QFUA].guard_ms;
    h_advance(&h, guard - 1);
    assert_int_equal(h.ndata, p->size);
    h_advance(&h, 1);
    assert_int_equal(h.ndata, p->size + 3);
    assert_memory_equal(h.data + p->size, "+++", 3);
    assert_int_equal(h.n_transfer_end, 0);
    h_advance(&h, guard);
    assert_int_equal(h.n_transfer_end, 1);
    progress_lines(&h);
    assert_int_equal(h.max_update_percent, 100);
    success_and_verify(&h);
    h_expect_result(&h, FOTA_RESULT_PASS, FOTA_ERR_NONE, 0);
    const fota_attempt_t *a = h_attempt(&h);
    assert_string_equal(a->method, "qfua");
    assert_string_equal(a->family, "legacy-GSM");
    assert_string_equal(a->final_version, NEW);
    assert_int_equal(a->hops, 1);
    h_teardown(&h);
}

/* Progress text arriving during the second guard time is not lost. */
static void qfua_text_during_guard_time(void **state)
{
    (void)state;
    h_t h;
    qfua_to_connect(&h, 5000);
    h_rx(&h, "CONNECT");
    unsigned guard = h.profile->methods[FOTA_METHOD_QFUA].guard_ms;
    h_advance(&h, guard);
    assert_memory_equal(h.data + h.ndata - 3, "+++", 3);
    progress_lines(&h);
    assert_int_equal(h.n_transfer_end, 1);
    success_and_verify(&h);
    h_expect_result(&h, FOTA_RESULT_PASS, FOTA_ERR_NONE, 0);
    h_teardown(&h);
}

static void qfua_without_connect_fails_rejected(void **state)
{
    (void)state;
    h_t h;
    qfua_to_connect(&h, 5000);
    h_advance(&h, 30000);
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_REJECTED, 0);
    assert_int_equal(h.ndata, 0);
    h_teardown(&h);
}

static void qfua_flow_control_refused_fails_rejected(void **state)
{
    (void)state;
    h_t h;
    h_setup(&h, "legacy-GSM", FOTA_METHOD_QFUA, NEW);
    h_pkg(&h, OLD, NEW, NAME, NULL, 1000);
    h_start(&h);
    h_ident(&h, "M95", OLD, H_IMEI);
    h_cmd(&h, h.profile->methods[FOTA_METHOD_QFUA].flow_command_uart, "ERROR", NULL);
    h_advance(&h, h.profile->quiet.give_up_ms); /* no boot line follows: it stands */
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_REJECTED, 0);
    /* "Otherwise, some data may be lost" (Quectel's FOTA application note for its
     * GSM/GPRS modules, §2.3.1) */
    assert_int_equal(h.ndata, 0);
    h_teardown(&h);
}

static int hexval(char c)
{
    return isdigit((unsigned char)c) ? c - '0' : c - 'A' + 10;
}

static void qfaw_passes_with_uppercase_hex_chunks(void **state)
{
    (void)state;
    h_t h;
    h_setup(&h, "legacy-GSM", FOTA_METHOD_QFAW, NEW);
    const size_t size = 1000;
    fota_package_t *p = h_pkg(&h, OLD, NEW, NAME, NULL, size);
    size_t max = h.profile->methods[FOTA_METHOD_QFAW].max_chunk_bytes;
    h_start(&h);
    h_ident(&h, "M95", OLD, H_IMEI);
    h_cmd(&h, "AT+QFAI", "OK", NULL);
    uint8_t *got = malloc(size);
    size_t n = 0, chunks = 0;
    while (n < size) {
        h_pump(&h);
        assert_true(h.txhead < h.ntx);
        const char *c = h.tx[h.txhead];
        assert_true(strncmp(c, "AT+QFAW=\"", 9) == 0);
        const char *hex = c + 9;
        size_t hl = strlen(hex) - 1;
        assert_int_equal(hex[hl], '"');
        assert_true(hl % 2 == 0 && hl / 2 <= max && hl > 0);
        for (size_t i = 0; i < hl; i += 2) {
            assert_true(isxdigit((unsigned char)hex[i]) && !islower((unsigned char)hex[i]));
            got[n++] = (uint8_t)(hexval(hex[i]) << 4 | hexval(hex[i + 1]));
        }
        char cmd[1024];
        snprintf(cmd, sizeof cmd, "%s", c);
        h_cmd(&h, cmd, "OK", NULL);
        chunks++;
    }
    assert_int_equal(n, size);
    assert_memory_equal(got, p->data, size);
    free(got);
    assert_int_equal(chunks, (size + max - 1) / max);
    h_cmd(&h, "AT+QFAU", "OK", NULL);
    assert_int_equal(h.n_transfer_end, 1);
    progress_lines(&h);
    success_and_verify(&h);
    h_expect_result(&h, FOTA_RESULT_PASS, FOTA_ERR_NONE, 0);
    assert_string_equal(h_attempt(&h)->method, "qfaw");
    h_teardown(&h);
}

static void qfaw_write_error_fails_upload(void **state)
{
    (void)state;
    h_t h;
    h_setup(&h, "legacy-GSM", FOTA_METHOD_QFAW, NEW);
    h_pkg(&h, OLD, NEW, NAME, NULL, 600);
    h_start(&h);
    h_ident(&h, "M95", OLD, H_IMEI);
    h_cmd(&h, "AT+QFAI", "OK", NULL);
    h_pump(&h);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s", h.tx[h.txhead]);
    h_cmd(&h, cmd, "OK", NULL);
    h_pump(&h);
    snprintf(cmd, sizeof cmd, "%s", h.tx[h.txhead]);
    h_cmd(&h, cmd, "ERROR", NULL);
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_UPLOAD, 0);
    h_teardown(&h);
}

/* "If the delta package is invalid ... the error message will be reported" and
 * the firmware is kept (Quectel's FOTA application note for its GSM/GPRS modules, §2.3.1). */
static void invalid_package_message_fails_package(void **state)
{
    (void)state;
    h_t h;
    h_setup(&h, "legacy-GSM", FOTA_METHOD_QFAW, NEW);
    h_pkg(&h, OLD, NEW, NAME, NULL, 100);
    h_start(&h);
    h_ident(&h, "M95", OLD, H_IMEI);
    h_cmd(&h, "AT+QFAI", "OK", NULL);
    h_pump(&h);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s", h.tx[h.txhead]);
    h_cmd(&h, cmd, "OK", NULL);
    h_cmd(&h, "AT+QFAU", "OK", NULL);
    h_rx(&h, "Finish data downloading, rebooting....");
    h_rx(&h, "Quectel firmware update failed. status=3");
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_PACKAGE, 3);
    h_teardown(&h);
}

static void legacy_stall_fails_timeout(void **state)
{
    (void)state;
    h_t h;
    h_setup(&h, "legacy-GSM", FOTA_METHOD_QFAW, NEW);
    h_pkg(&h, OLD, NEW, NAME, NULL, 100);
    h_start(&h);
    h_ident(&h, "M95", OLD, H_IMEI);
    h_cmd(&h, "AT+QFAI", "OK", NULL);
    h_pump(&h);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s", h.tx[h.txhead]);
    h_cmd(&h, cmd, "OK", NULL);
    h_cmd(&h, "AT+QFAU", "OK", NULL);
    h_rx(&h, " Quectel firmware update is processing....");
    h_rx(&h, " Update  percent = 42%");
    h_advance(&h, h.profile->timeouts.stall_ms + 1000);
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_TIMEOUT, 0);
    assert_string_equal(h_attempt(&h)->error_text, "stalled at 42%");
    h_teardown(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(qfua_passes),
        cmocka_unit_test(qfua_text_during_guard_time),
        cmocka_unit_test(qfua_without_connect_fails_rejected),
        cmocka_unit_test(qfua_flow_control_refused_fails_rejected),
        cmocka_unit_test(qfaw_passes_with_uppercase_hex_chunks),
        cmocka_unit_test(qfaw_write_error_fails_upload),
        cmocka_unit_test(invalid_package_message_fails_package),
        cmocka_unit_test(legacy_stall_fails_timeout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
