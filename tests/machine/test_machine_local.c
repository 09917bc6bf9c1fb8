/* method local (Quectel RG50xQ&RM5xxQ Series FOTA Application Note, §3.3.3, Quectel
 * EG06xK&Ex120K&EM060K Series DFOTA Application Note, §3.3.1.3) in fwupd's order:
 * AT+QFLST, AT+QFDEL of a stale file, AT+QFLDS free space, AT+QFUPL in ack mode with the
 * XOR checksum, then AT+QFOTADL="<prefix><name>" and the port drop right after OK. */
#include "fake_module.h"
#include "qfupl_checksum.h"

#include <stdio.h>
#include <string.h>

#define A06 "RG500QEAAAR11A06M4G"
#define A07 "RG500QEAAAR11A07M4G"
#define EG_V01 "EG060KEAAAR01A01M4G"
#define EG_V02 "EG060KEAAAR01A02M4G"
#define NAME "a06-a07.zip"

static bool g_bytewise; /* feed the module's output one byte at a time */

static void qfupl_reply(h_t *h, const fota_package_t *p, int delta_sum, int delta_size)
{
    char line[64];
    snprintf(line, sizeof line, "+QFUPL: %zu,%x", p->size + (size_t)delta_size,
             (unsigned)(fota_qfupl_checksum(p->data, p->size) ^ (unsigned)delta_sum));
    h_rx(h, line);
    h_rx(h, "OK");
}

/* Identification, listing, space: up to the CONNECT of AT+QFUPL. */
static fota_package_t *to_upload(h_t *h, const char *family, const char *model,
                                 const char *from, const char *to, size_t size,
                                 const char *listing)
{
    h_setup(h, family, FOTA_METHOD_LOCAL, to);
    h->ack_block = 1024;
    h->bytewise = g_bytewise;
    fota_package_t *p = h_pkg(h, from, to, NAME, NULL, size);
    h_start(h);
    h_ident(h, model, from, H_IMEI);
    assert_int_equal(h->n_grants, 1); /* the upload streams over the AT port */
    if (listing) {
        h_cmd(h, "AT+QFLST=\"*\"", listing, "OK", NULL);
        h_cmd(h, "AT+QFDEL=\"" NAME "\"", "OK", NULL);
    } else {
        h_cmd(h, "AT+QFLST=\"*\"", "+QFLST: \"UFS:other.bin\",1234", "OK", NULL);
    }
    h_cmd(h, "AT+QFLDS=\"UFS\"", "+QFLDS: 52428800,104857600", "OK", NULL);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "AT+QFUPL=\"%s\",%zu,%d,1", NAME, size,
             h->profile->methods[FOTA_METHOD_LOCAL].upload_timeout_s);
    h_cmd(h, cmd, "CONNECT", NULL);
    return p;
}

static void finish_update(h_t *h, const char *model, const char *to)
{
    h_gone(h);
    h_advance(h, 10000);
    h_back(h);
    h_rx(h, "+QIND: \"FOTA\",\"START\"");
    h_rx(h, "+QIND: \"FOTA\",\"UPDATING\",50");
    h_rx(h, "+QIND: \"FOTA\",\"UPDATING\",100");
    h_rx(h, "+QIND: \"FOTA\",\"END\",0");
    h_gone(h);
    h_advance(h, 30000);
    h_back(h);
    h_rx(h, "RDY");
    h_verify(h, model, to, H_IMEI);
}

static void local_upload_pass(bool bytewise)
{
    g_bytewise = bytewise;
    /* 2 full blocks and a short one; an odd size exercises the odd-byte rule */
    h_t h;
    fota_package_t *p = to_upload(&h, "RG50xQ", "RG500Q", A06, A07, 2 * 1024 + 451, NULL);
    /* ack mode: each full block waited for its 'A'; all bytes, in order, once */
    assert_int_equal(h.ndata, p->size);
    assert_memory_equal(h.data, p->data, p->size);
    assert_int_equal(h.nwrites, 3);
    assert_int_equal(h.acks_fed, 2);
    assert_int_equal(h.n_transfer_end, 0);
    qfupl_reply(&h, p, 0, 0);
    assert_int_equal(h.n_transfer_end, 1); /* the token is free before the update */
    h_cmd(&h, "AT+QFOTADL=\"/cache/ufs/" NAME "\"", "OK", NULL);
    /* the port drops right after OK (Quectel RG50xQ&RM5xxQ Series FOTA Application Note,
     * §3.3.3) */
    assert_string_equal(fota_machine_state_name(h.m), "reboot-after-download");
    finish_update(&h, "RG500Q", A07);
    h_expect_result(&h, FOTA_RESULT_PASS, FOTA_ERR_NONE, 0);
    const fota_attempt_t *a = h_attempt(&h);
    assert_string_equal(a->method, "local");
    assert_string_equal(a->package_names, NAME);
    h_teardown(&h);
    g_bytewise = false;
}

static void rg50xq_local_upload_passes(void **state)
{
    (void)state;
    local_upload_pass(false);
    local_upload_pass(true); /* acks and replies split at every byte */
}

/* EG06xK keeps its UFS under /usrdata/cache/ufs/ (Quectel EG06xK&Ex120K&EM060K Series
 * DFOTA Application Note, §3.3.1.3); a size that is a multiple of the block size ends
 * with a full block. */
static void eg06xk_local_uses_its_prefix(void **state)
{
    (void)state;
    h_t h;
    fota_package_t *p = to_upload(&h, "EG06xK", "EG060K-EA", EG_V01, EG_V02, 4 * 1024, NULL);
    assert_int_equal(h.ndata, p->size);
    assert_memory_equal(h.data, p->data, p->size);
    qfupl_reply(&h, p, 0, 0);
    h_cmd(&h, "AT+QFOTADL=\"/usrdata/cache/ufs/" NAME "\"", "OK", NULL);
    finish_update(&h, "EG060K-EA", EG_V02);
    h_expect_result(&h, FOTA_RESULT_PASS, FOTA_ERR_NONE, 0);
    h_teardown(&h);
}

static void stale_file_of_same_name_is_deleted_first(void **state)
{
    (void)state;
    h_t h;
    fota_package_t *p = to_upload(&h, "RG50xQ", "RG500Q", A06, A07, 1500,
                                  "+QFLST: \"UFS:" NAME "\",999");
    qfupl_reply(&h, p, 0, 0);
    h_cmd(&h, "AT+QFOTADL=\"/cache/ufs/" NAME "\"", "OK", NULL);
    finish_update(&h, "RG500Q", A07);
    h_expect_result(&h, FOTA_RESULT_PASS, FOTA_ERR_NONE, 0);
    assert_true(h_trace_has(&h, "AT+QFDEL"));
    h_teardown(&h);
}

static void too_little_space_fails_space(void **state)
{
    (void)state;
    h_t h;
    h_setup(&h, "RG50xQ", FOTA_METHOD_LOCAL, A07);
    h_pkg(&h, A06, A07, NAME, NULL, 5000);
    h_start(&h);
    h_ident(&h, "RG500Q", A06, H_IMEI);
    h_cmd(&h, "AT+QFLST=\"*\"", "OK", NULL);
    h_cmd(&h, "AT+QFLDS=\"UFS\"", "+QFLDS: 4999,104857600", "OK", NULL);
    h_expect_no_tx(&h);
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_SPACE, 0);
    assert_int_equal(h.ndata, 0);
    h_teardown(&h);
}

static void checksum_or_size_mismatch_fails_upload(void **state)
{
    (void)state;
    static const struct {
        int dsum, dsize;
    } cases[] = {{0x0100, 0}, {0x0001, 0}, {0, -1}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        h_t h;
        fota_package_t *p = to_upload(&h, "RG50xQ", "RG500Q", A06, A07, 3000, NULL);
        qfupl_reply(&h, p, cases[i].dsum, cases[i].dsize);
        h_expect_no_tx(&h); /* never AT+QFOTADL a corrupt file */
        h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_UPLOAD, 0);
        assert_non_null(strstr(h_attempt(&h)->error_text, "mismatch"));
        h_teardown(&h);
    }
}

static void qfupl_refused_fails_upload_with_cme_code(void **state)
{
    (void)state;
    h_t h;
    h_setup(&h, "RG50xQ", FOTA_METHOD_LOCAL, A07);
    h_pkg(&h, A06, A07, NAME, NULL, 100);
    h_start(&h);
    h_ident(&h, "RG500Q", A06, H_IMEI);
    h_cmd(&h, "AT+QFLST=\"*\"", "OK", NULL);
    h_cmd(&h, "AT+QFLDS=\"UFS\"", "+QFLDS: 1000000,2000000", "OK", NULL);
    h_cmd(&h, "AT+QFUPL=\"" NAME "\",100,5,1", "+CME ERROR: 407", NULL);
    h_advance(&h, h.profile->quiet.give_up_ms); /* no boot line follows: it stands */
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_UPLOAD, 407);
    h_teardown(&h);
}

static void missing_ack_fails_upload(void **state)
{
    (void)state;
    h_t h;
    h_setup(&h, "RG50xQ", FOTA_METHOD_LOCAL, A07);
    h_pkg(&h, A06, A07, NAME, NULL, 4096); /* ack_block stays 0: the module never acks */
    h_start(&h);
    h_ident(&h, "RG500Q", A06, H_IMEI);
    h_cmd(&h, "AT+QFLST=\"*\"", "OK", NULL);
    h_cmd(&h, "AT+QFLDS=\"UFS\"", "+QFLDS: 1000000,2000000", "OK", NULL);
    h_cmd(&h, "AT+QFUPL=\"" NAME "\",4096,5,1", "CONNECT", NULL);
    assert_int_equal(h.ndata, 1024); /* one block, then it waits for the 'A' */
    h_advance(&h, 60000);
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_UPLOAD, 0);
    assert_int_equal(h.ndata, 1024);
    h_teardown(&h);
}

static void error_to_local_qfotadl_fails_rejected(void **state)
{
    (void)state;
    h_t h;
    fota_package_t *p = to_upload(&h, "RG50xQ", "RG500Q", A06, A07, 1024, NULL);
    qfupl_reply(&h, p, 0, 0);
    h_cmd(&h, "AT+QFOTADL=\"/cache/ufs/" NAME "\"", "ERROR", NULL);
    h_advance(&h, h.profile->quiet.give_up_ms); /* no boot line follows: it stands */
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_REJECTED, 0);
    h_teardown(&h);
}

/* The OK and the port drop race: a drop before OK was read is the same reboot. */
static void port_drop_before_ok_is_accepted(void **state)
{
    (void)state;
    h_t h;
    fota_package_t *p = to_upload(&h, "RG50xQ", "RG500Q", A06, A07, 2000, NULL);
    qfupl_reply(&h, p, 0, 0);
    h_expect_tx(&h, "AT+QFOTADL=\"/cache/ufs/" NAME "\"");
    h_gone(&h);
    h_advance(&h, 10000);
    h_back(&h);
    h_rx(&h, "+QIND: \"FOTA\",\"START\"");
    h_rx(&h, "+QIND: \"FOTA\",\"END\",0");
    h_gone(&h);
    h_advance(&h, 10000);
    h_back(&h);
    h_verify(&h, "RG500Q", A07, H_IMEI);
    h_expect_result(&h, FOTA_RESULT_PASS, FOTA_ERR_NONE, 0);
    h_teardown(&h);
}

/* Port lost mid-upload: the token goes back; when the module returns, the hop
 * starts again from the listing (its partial file is stale now). */
static void port_lost_mid_upload_restarts_the_hop(void **state)
{
    (void)state;
    h_t h;
    h_setup(&h, "RG50xQ", FOTA_METHOD_LOCAL, A07);
    fota_package_t *p = h_pkg(&h, A06, A07, NAME, NULL, 3000);
    h_start(&h);
    h_ident(&h, "RG500Q", A06, H_IMEI);
    h_cmd(&h, "AT+QFLST=\"*\"", "OK", NULL);
    h_cmd(&h, "AT+QFLDS=\"UFS\"", "+QFLDS: 1000000,2000000", "OK", NULL);
    h_cmd(&h, "AT+QFUPL=\"" NAME "\",3000,5,1", "CONNECT", NULL);
    h_gone(&h);
    assert_int_equal(h.n_transfer_end, 1);
    h_advance(&h, 5000);
    h_back(&h);
    h_verify(&h, "RG500Q", A06, H_IMEI);
    assert_int_equal(h.n_grants, 2);
    h.ack_block = 1024;
    h.ndata = 0;
    h.acks_fed = 0;
    h_cmd(&h, "AT+QFLST=\"*\"", "+QFLST: \"UFS:" NAME "\",1024", "OK", NULL);
    h_cmd(&h, "AT+QFDEL=\"" NAME "\"", "OK", NULL);
    h_cmd(&h, "AT+QFLDS=\"UFS\"", "+QFLDS: 1000000,2000000", "OK", NULL);
    h_cmd(&h, "AT+QFUPL=\"" NAME "\",3000,5,1", "CONNECT", NULL);
    assert_int_equal(h.ndata, 3000);
    qfupl_reply(&h, p, 0, 0);
    h_expect_tx(&h, "AT+QFOTADL=\"/cache/ufs/" NAME "\"");
    h_teardown(&h);
}

static void name_too_long_fails_config(void **state)
{
    (void)state;
    h_t h;
    h_setup(&h, "RG50xQ", FOTA_METHOD_LOCAL, A07);
    char name[200];
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    h_pkg(&h, A06, A07, name, NULL, 100);
    h_start(&h);
    h_ident(&h, "RG500Q", A06, H_IMEI);
    h_expect_no_tx(&h);
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_CONFIG, 0);
    h_teardown(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rg50xq_local_upload_passes),
        cmocka_unit_test(eg06xk_local_uses_its_prefix),
        cmocka_unit_test(stale_file_of_same_name_is_deleted_first),
        cmocka_unit_test(too_little_space_fails_space),
        cmocka_unit_test(checksum_or_size_mismatch_fails_upload),
        cmocka_unit_test(qfupl_refused_fails_upload_with_cme_code),
        cmocka_unit_test(missing_ack_fails_upload),
        cmocka_unit_test(error_to_local_qfotadl_fails_rejected),
        cmocka_unit_test(port_drop_before_ok_is_accepted),
        cmocka_unit_test(port_lost_mid_upload_restarts_the_hop),
        cmocka_unit_test(name_too_long_fails_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
