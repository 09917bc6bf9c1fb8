/* method stream: EC200T's AT+QFOTADL="FILE:<length>" (Quectel EC200T&UC200T FOTA User
 * Guide, §3.3), with hardware flow control (AT+QCFG="usbifc",2,2 + RTS/CTS) or paced at
 * 15 kB/s in writes of at least 32 bytes without it. */
#include "fake_module.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EC_OLD "EC200TCNTCNMAR02A01M16"
#define EC_NEW "EC200TCNTCNMAR02A02M16"
#define NAME "EC200TCNTCNMAR02A02M16.bin"

static void finish(h_t *h)
{
    h_rx(h, "+QIND: \"FOTA\", \"START\"");
    h_rx(h, "+QIND: \"FOTA\", \"UPDATING\", 1");
    h_rx(h, "+QIND: \"FOTA\", \"UPDATING\", 100");
    h_rx(h, "+QIND: \"FOTA\",\"END\",0");
    h_gone(h);
    h_advance(h, 20000);
    h_back(h);
    h_verify(h, "EC200T", EC_NEW, H_IMEI);
}

static fota_package_t *start_stream(h_t *h, size_t size, bool flow)
{
    h_setup(h, "EC200T", FOTA_METHOD_STREAM, EC_NEW);
    fota_package_t *p = h_pkg(h, NULL, EC_NEW, NAME, NULL, size);
    h_start(h);
    h_ident(h, "EC200T", EC_OLD, H_IMEI);
    assert_int_equal(h->n_grants, 1);
    if (flow) {
        h_cmd(h, "AT+QCFG=\"usbifc\",2,2", "OK", NULL);
        assert_int_equal(h->flow, 1); /* RTS/CTS on the host side too */
    }
    char cmd[64];
    snprintf(cmd, sizeof cmd, "AT+QFOTADL=\"FILE:%zu\"", size);
    h_cmd(h, cmd, "OK", NULL);
    assert_int_equal(h->ndata, 0); /* nothing before FILESTART */
    return p;
}

static void stream_with_flow_control_passes(void **state)
{
    (void)state;
    h_t h;
    fota_package_t *p = start_stream(&h, 50000, true);
    h_rx(&h, "+QIND: \"FOTA\",\"FILESTART\"");
    assert_int_equal(h.ndata, p->size); /* flow control paces, not the machine */
    assert_memory_equal(h.data, p->data, p->size);
    assert_int_equal(h.n_transfer_end, 1);
    h_rx(&h, "+QIND: \"FOTA\", \"FILEEND\", 0");
    assert_string_equal(fota_machine_state_name(h.m),
                        "update"); /* START follows on the same port */
    finish(&h);
    h_expect_result(&h, FOTA_RESULT_PASS, FOTA_ERR_NONE, 0);
    assert_string_equal(h_attempt(&h)->method, "stream");
    h_teardown(&h);
}

static void stream_without_flow_control_is_paced(void **state)
{
    (void)state;
    h_t h;
    h_setup(&h, "EC200T", FOTA_METHOD_STREAM, EC_NEW);
    fota_method_profile_t *mp = (fota_method_profile_t *)&h.profile->methods[FOTA_METHOD_STREAM];
    char *saved = mp->flow_command, *saved_uart = mp->flow_command_uart;
    mp->flow_command = mp->flow_command_uart = NULL;
    const size_t size = 45000 + 17;
    fota_package_t *p = h_pkg(&h, NULL, EC_NEW, NAME, NULL, size);
    h_start(&h);
    h_ident(&h, "EC200T", EC_OLD, H_IMEI);
    char cmd[64];
    snprintf(cmd, sizeof cmd, "AT+QFOTADL=\"FILE:%zu\"", size);
    h_cmd(&h, cmd, "OK", NULL);
    h_rx(&h, "+QIND: \"FOTA\",\"FILESTART\"");
    uint64_t t0 = h.now;
    assert_true(h.ndata < size);
    while (h.ndata < size) {
        uint64_t before = h.now;
        h_advance(&h, 100);
        /* never ahead of 15 kB/s (Quectel EC200T&UC200T FOTA User Guide, §3.3) */
        /* one block of a tenth of a second ahead at most (the last one carries the
         * short tail with it) */
        assert_true(h.ndata <= (h.now - t0) * mp->rate_limit_bps / 1000 + mp->rate_limit_bps / 10 +
                                   mp->min_write);
        assert_true(h.now - before == 100);
    }
    uint64_t took = h.now - t0;
    assert_true(took >= size * 1000 / mp->rate_limit_bps - 200);
    assert_memory_equal(h.data, p->data, size);
    assert_true(h.min_write_seen >= mp->min_write); /* 32 bytes at least per write */
    assert_int_equal(h.flow, -1);
    h_rx(&h, "+QIND: \"FOTA\",\"FILEEND\",0");
    finish(&h);
    h_expect_result(&h, FOTA_RESULT_PASS, FOTA_ERR_NONE, 0);
    mp->flow_command = saved;
    mp->flow_command_uart = saved_uart;
    h_teardown(&h);
}

static void fileend_error_fails_download_with_meaning(void **state)
{
    (void)state;
    h_t h;
    start_stream(&h, 3000, true);
    h_rx(&h, "+QIND: \"FOTA\",\"FILESTART\"");
    h_rx(&h, "+QIND: \"FOTA\",\"FILEEND\",500");
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_DOWNLOAD, 500);
    const fota_error_entry_t *e = fota_profile_lookup_error(h.profile, FOTA_TABLE_FILE, 500);
    assert_non_null(e);
    assert_string_equal(h_attempt(&h)->error_text, e->meaning);
    h_teardown(&h);
}

static void error_to_file_command_fails_rejected(void **state)
{
    (void)state;
    h_t h;
    h_setup(&h, "EC200T", FOTA_METHOD_STREAM, EC_NEW);
    h_pkg(&h, NULL, EC_NEW, NAME, NULL, 3000);
    h_start(&h);
    h_ident(&h, "EC200T", EC_OLD, H_IMEI);
    h_cmd(&h, "AT+QCFG=\"usbifc\",2,2", "OK", NULL);
    h_cmd(&h, "AT+QFOTADL=\"FILE:3000\"", "ERROR", NULL);
    h_advance(&h, h.profile->quiet.give_up_ms); /* no boot line follows: it stands */
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_REJECTED, 0);
    assert_int_equal(h.ndata, 0);
    h_teardown(&h);
}

/* Every END code of EC200T's table after a stream (504, 506: Quectel EC200T&UC200T FOTA
 * User Guide, §4.4). */
static void stream_end_codes_fail_with_meaning(void **state)
{
    (void)state;
    static const int codes[] = {504, 506};
    for (size_t i = 0; i < sizeof codes / sizeof *codes; i++) {
        h_t h;
        start_stream(&h, 2000, true);
        h_rx(&h, "+QIND: \"FOTA\",\"FILESTART\"");
        h_rx(&h, "+QIND: \"FOTA\",\"FILEEND\",0");
        h_rx(&h, "+QIND: \"FOTA\",\"START\"");
        char line[64];
        snprintf(line, sizeof line, "+QIND: \"FOTA\",\"END\",%d", codes[i]);
        h_rx(&h, line);
        const fota_error_entry_t *e =
            fota_profile_lookup_error(h.profile, FOTA_TABLE_ERR, codes[i]);
        assert_non_null(e);
        h_expect_result(&h, FOTA_RESULT_FAIL, e->cls, codes[i]);
        assert_string_equal(h_attempt(&h)->error_text, e->meaning);
        h_teardown(&h);
    }
}

static void no_filestart_times_out(void **state)
{
    (void)state;
    h_t h;
    start_stream(&h, 2000, true);
    h_advance(&h, h.profile->timeouts.download_ms + 1000);
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_TIMEOUT, 0);
    assert_int_equal(h.ndata, 0);
    h_teardown(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stream_with_flow_control_passes),
        cmocka_unit_test(stream_without_flow_control_is_paced),
        cmocka_unit_test(fileend_error_fails_download_with_meaning),
        cmocka_unit_test(error_to_file_command_fails_rejected),
        cmocka_unit_test(stream_end_codes_fail_with_meaning),
        cmocka_unit_test(no_filestart_times_out),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
