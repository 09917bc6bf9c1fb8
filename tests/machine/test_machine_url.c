/* method url on every +QIND family: the module downloads the package itself.
 * Transcripts follow the Quectel notes' examples (Quectel RG50xQ&RM5xxQ Series FOTA
 * Application Note, §3.3.1/§3.3.2, Quectel EG06xK&Ex120K&EM060K Series DFOTA Application
 * Note, §3.3.1.1/2, Quectel EC200T&UC200T FOTA User Guide, §3.1/§3.2), including their
 * spellings (HTTPPEND, "HTTPEnd", blanks). */
#include "fake_module.h"

#include <stdio.h>
#include <string.h>

#define RG_A06 "RG500QEAAAR11A06M4G"
#define RG_A07 "RG500QEAAAR11A07M4G"
#define EG_V01 "EG060KEAAAR01A01M4G"
#define EG_V02 "EG060KEAAAR01A02M4G"
#define EC_OLD "EC200TCNTCNMAR02A01M16"
#define EC_NEW "EC200TCNTCNMAR02A02M16"

#define FTP_URL "ftp://test:test@124.74.41.170:21/Jun/update-v12-to-v13.zip"

static void rx_fota(h_t *h, const char *rest)
{
    char line[256];
    snprintf(line, sizeof line, "+QIND: \"FOTA\",%s", rest);
    h_rx(h, line);
}

/* From AT+QFOTADL's OK to a verified PASS on a family that reboots between
 * download and update (Quectel RG50xQ&RM5xxQ Series FOTA Application Note, §3.3.1). */
static void rg_url_run(h_t *h, const char *url, const char *start, const char *end)
{
    char cmd[700];
    snprintf(cmd, sizeof cmd, "AT+QFOTADL=\"%s\"", url);
    h_start(h);
    h_ident(h, "RG500Q", RG_A06, H_IMEI);
    assert_int_equal(h->n_identified, 1);
    h_cmd(h, cmd, "OK", NULL);
    h_advance(h, 2000);
    rx_fota(h, start);
    h_advance(h, 60000);
    assert_false(fota_machine_finished(h->m)); /* OK only meant accepted */
    rx_fota(h, end);
    /* the module reboots into the updater: the machine waits for the drop */
    assert_string_equal(fota_machine_state_name(h->m), "reboot-after-download");
    h_gone(h);
    h_advance(h, 20000);
    h_back(h);
    h_advance(h, 5000);
    rx_fota(h, "\"START\"");
    h_updating(h, 1, 100, 33);
    rx_fota(h, "\"UPDATING\",100");
    h_advance(h, 1000);
    rx_fota(h, "\"END\",0");
    /* it restarts into the new firmware: nothing is asked before the port came back */
    assert_string_equal(fota_machine_state_name(h->m), "reboot-after-update");
    h_advance(h, 10000);
    h_expect_no_tx(h);
    h_gone(h);
    h_advance(h, 30000);
    h_back(h);
    h_rx(h, "RDY");
    h_rx(h, "+CPIN: READY");
    h_rx(h, "+QUSIM: 1");
    h_rx(h, "+CFUN: 1");
    h_rx(h, "+QIND: SMS DONE");
    h_rx(h, "+QIND: PB DONE");
    h_verify(h, "RG500Q", RG_A07, H_IMEI);
}

static void rg50xq_ftp_url_passes_and_masks_password(void **state)
{
    (void)state;
    h_t h;
    h_setup(&h, "RG50xQ", FOTA_METHOD_URL, RG_A07);
    h_pkg(&h, RG_A06, RG_A07, "update-v12-to-v13.zip", FTP_URL, 0);
    rg_url_run(&h, FTP_URL, "\"FTPSTART\"", "\"FTPEND\",0");
    h_expect_result(&h, FOTA_RESULT_PASS, FOTA_ERR_NONE, 0);
    const fota_attempt_t *a = h_attempt(&h);
    assert_string_equal(a->imei, H_IMEI);
    assert_string_equal(a->model, "RG500Q");
    assert_string_equal(a->family, "RG50xQ");
    assert_string_equal(a->from_version, RG_A06);
    assert_string_equal(a->to_version, RG_A07);
    assert_string_equal(a->final_version, RG_A07);
    assert_string_equal(a->method, "url");
    assert_string_equal(a->package_names, "update-v12-to-v13.zip");
    assert_int_equal(a->hops, 1);
    assert_false(a->noop);
    assert_int_equal(a->module_retries, 0);
    assert_true(a->download_ms >= 60000 && a->download_ms < 70000);
    assert_true(a->update_ms >= 4000);
    assert_true(a->duration_ms > a->download_ms + a->update_ms);
    /* a URL's password is never stored (docs/database.md) */
    assert_false(h_trace_has(&h, "test:test@"));
    assert_true(h_trace_has(&h, "ftp://test:***@124.74.41.170"));
    assert_int_equal(h.flow, -1);
    assert_int_equal(h.n_grants, 0); /* url does not stream over the AT port */
    h_teardown(&h);
}

/* The same visit with the module's output fed one byte at a time. */
static void byte_by_byte_input_gives_the_same_pass(void **state)
{
    (void)state;
    h_t h;
    h_setup(&h, "RG50xQ", FOTA_METHOD_URL, RG_A07);
    h.bytewise = true;
    h_pkg(&h, RG_A06, RG_A07, "update-v12-to-v13.zip", FTP_URL, 0);
    rg_url_run(&h, FTP_URL, "\"FTPSTART\"", "\"FTPEND\",0");
    h_expect_result(&h, FOTA_RESULT_PASS, FOTA_ERR_NONE, 0);
    assert_int_equal(h_attempt(&h)->hops, 1);
    assert_int_equal(h.max_update_percent, 100);
    h_teardown(&h);
}

static void rg50xq_http_url_tolerates_httppend_spelling(void **state)
{
    (void)state;
    h_t h;
    h_setup(&h, "RG50xQ", FOTA_METHOD_URL, RG_A07);
    h_pkg(&h, RG_A06, RG_A07, "update.zip", "http://www.quectel.com:100/update.zip", 0);
    /* Quectel RG50xQ&RM5xxQ Series FOTA Application Note, §3.3.2 prints "HTTPPEND" */
    rg_url_run(&h, "http://www.quectel.com:100/update.zip", "\"HTTPSTART\"", "\"HTTPPEND\",0");
    h_expect_result(&h, FOTA_RESULT_PASS, FOTA_ERR_NONE, 0);
    h_teardown(&h);
}

static void rg50xq_https_url_with_downloading_percent(void **state)
{
    (void)state;
    h_t h;
    h_setup(&h, "RG50xQ", FOTA_METHOD_URL, RG_A07);
    const char *url = "https://fw.example.com/a06-a07.zip";
    h_pkg(&h, RG_A06, RG_A07, "a06-a07.zip", url, 0);
    h_start(&h);
    h_ident(&h, "RG500Q", RG_A06, H_IMEI);
    h_cmd(&h, "AT+QFOTADL=\"https://fw.example.com/a06-a07.zip\"", "OK", NULL);
    rx_fota(&h, "\"HTTPSSTART\"");
    rx_fota(&h, "\"DOWNLOADING\",57%");
    assert_int_equal(h.last_percent, 57);
    assert_int_equal(h.last_phase, FOTA_PHASE_DL_PROGRESS);
    rx_fota(&h, "\"HTTPSEND\",0");
    h_gone(&h);
    h_advance(&h, 10000);
    h_back(&h);
    rx_fota(&h, "\"START\"");
    rx_fota(&h, "\"RESTORE\",1%");
    assert_int_equal(h.last_phase, FOTA_PHASE_RESTORE);
    h_updating(&h, 10, 100, 45);
    rx_fota(&h, "\"END\",0");
    h_gone(&h);
    h_advance(&h, 10000);
    h_back(&h);
    h_verify(&h, "RG500Q", RG_A07, H_IMEI);
    h_expect_result(&h, FOTA_RESULT_PASS, FOTA_ERR_NONE, 0);
    h_teardown(&h);
}

/* Quectel EG06xK&Ex120K&EM060K Series DFOTA Application Note, §3.3.1.2's example: blanks
 * after commas and "HTTPEnd". */
static void eg06xk_http_url_tolerates_blanks_and_case(void **state)
{
    (void)state;
    h_t h;
    h_setup(&h, "EG06xK", FOTA_METHOD_URL, EG_V02);
    const char *url = "http://www.quectel.com:100/update-v01-to-v02.zip";
    h_pkg(&h, EG_V01, EG_V02, "update-v01-to-v02.zip", url, 0);
    h_start(&h);
    h_ident(&h, "EG060K-EA", EG_V01, H_IMEI);
    h_cmd(&h, "AT+QFOTADL=\"http://www.quectel.com:100/update-v01-to-v02.zip\"", "OK", NULL);
    h_rx(&h, "+QIND: \"FOTA\", \"HTTPSTART\"");
    h_advance(&h, 30000);
    h_rx(&h, "+QIND: \"FOTA\", \"HTTPEnd\", 0");
    h_gone(&h);
    h_advance(&h, 15000);
    h_back(&h);
    h_rx(&h, "+QIND: \"FOTA\", \"START\"");
    h_rx(&h, "+QIND: \"FOTA\", \"UPDATING\", 1");
    h_rx(&h, "+QIND: \"FOTA\", \"UPDATING\", 2");
    h_rx(&h, "+QIND: \"FOTA\",\"UPDATING\",100");
    h_rx(&h, "+QIND: \"FOTA\",\"END\",0");
    h_gone(&h);
    h_advance(&h, 15000);
    h_back(&h);
    h_verify(&h, "EG060K-EA", EG_V02, H_IMEI);
    h_expect_result(&h, FOTA_RESULT_PASS, FOTA_ERR_NONE, 0);
    assert_string_equal(h_attempt(&h)->family, "EG06xK");
    h_teardown(&h);
}

/* EC200T: START follows FTPEND on the same port, no reboot in between (Quectel
 * EC200T&UC200T FOTA User Guide, §3.1). */
static void ec200t_ftp_root_url_passes_without_reboot_after_download(void **state)
{
    (void)state;
    h_t h;
    h_setup(&h, "EC200T", FOTA_METHOD_URL, EC_NEW);
    const char *url = "ftp://test:test@124.74.41.170:21/EC200TCNTCNMAR02A02M16.bin";
    h_pkg(&h, NULL, EC_NEW, "EC200TCNTCNMAR02A02M16.bin", url, 0);
    h_start(&h);
    h_ident(&h, "EC200T", EC_OLD, H_IMEI);
    h_cmd(&h, "AT+QFOTADL=\"ftp://test:test@124.74.41.170:21/EC200TCNTCNMAR02A02M16.bin\"", "OK",
          NULL);
    h_rx(&h, "+QIND: \"FOTA\", \"FTPSTART\"");
    h_rx(&h, "+QIND: \"FOTA\",\"FTPEND\",0");
    assert_string_equal(fota_machine_state_name(h.m), "update"); /* no reboot */
    h_rx(&h, "+QIND: \"FOTA\", \"START\"");
    h_rx(&h, "+QIND: \"FOTA\",\"UPDATING\", 1");
    h_rx(&h, "+QIND: \"FOTA\", \"UPDATING\", 100");
    h_rx(&h, "+QIND: \"FOTA\",\"END\",0");
    assert_string_equal(fota_machine_state_name(h.m), "reboot-after-update");
    h_gone(&h);
    h_advance(&h, 20000);
    h_back(&h);
    h_verify(&h, "EC200T", EC_NEW, H_IMEI);
    h_expect_result(&h, FOTA_RESULT_PASS, FOTA_ERR_NONE, 0);
    assert_false(h_trace_has(&h, "test:test"));
    h_teardown(&h);
}

/* Rules checked BEFORE anything is sent: FAIL config, no AT+QFOTADL. */
static void run_config_failure(const char *family, const char *model, const char *from,
                               const char *to, const char *url, const char *why)
{
    h_t h;
    h_setup(&h, family, FOTA_METHOD_URL, to);
    h_pkg(&h, from, to, "pkg.zip", url, 0);
    h_start(&h);
    h_ident(&h, model, from, H_IMEI);
    h_expect_no_tx(&h);
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_CONFIG, 0);
    if (!strstr(h_attempt(&h)->error_text, why))
        fail_msg("error text \"%s\" does not say \"%s\"", h_attempt(&h)->error_text, why);
    h_teardown(&h);
}

static void url_too_long_for_each_family_fails_config(void **state)
{
    (void)state;
    static const struct {
        const char *family, *model, *from, *to;
    } fams[] = {
        {"RG50xQ", "RG500Q", RG_A06, RG_A07},
        {"EG06xK", "EG060K-EA", EG_V01, EG_V02},
        {"EC200T", "EC200T", EC_OLD, EC_NEW},
    };
    for (size_t i = 0; i < sizeof fams / sizeof *fams; i++) {
        h_t probe;
        h_setup(&probe, fams[i].family, FOTA_METHOD_URL, fams[i].to);
        size_t limit = probe.profile->methods[FOTA_METHOD_URL].max_url_len;
        h_teardown(&probe);
        assert_true(limit > 20 && limit < 1000);
        /* exactly one byte over the family's limit (512 / 100 / 255, docs/profiles.md) */
        char url[1100];
        int n = snprintf(url, sizeof url, "http://10.1.2.3/");
        while ((size_t)n < limit + 1)
            url[n++] = 'a';
        url[n] = '\0';
        run_config_failure(fams[i].family, fams[i].model, fams[i].from, fams[i].to, url,
                           "too long");
        /* and at the limit it is accepted */
        url[limit] = '\0';
        h_t ok;
        h_setup(&ok, fams[i].family, FOTA_METHOD_URL, fams[i].to);
        h_pkg(&ok, fams[i].from, fams[i].to, "pkg.zip", url, 0);
        h_start(&ok);
        h_ident(&ok, fams[i].model, fams[i].from, H_IMEI);
        char cmd[1200];
        snprintf(cmd, sizeof cmd, "AT+QFOTADL=\"%s\"", url);
        h_expect_tx(&ok, cmd);
        h_teardown(&ok);
    }
}

static void ec200t_ftp_subdirectory_fails_config(void **state)
{
    (void)state;
    run_config_failure("EC200T", "EC200T", EC_OLD, EC_NEW,
                       "ftp://test:test@124.74.41.170:21/Jun/EC200TCNTCNMAR02A02M16.bin", "root");
    run_config_failure("EC200T", "EC200T", EC_OLD, EC_NEW,
                       "FTP://test:test@124.74.41.170:21/Jun/EC200TCNTCNMAR02A02M16.bin", "root");
}

static void unsupported_scheme_fails_config(void **state)
{
    (void)state;
    run_config_failure("RG50xQ", "RG500Q", RG_A06, RG_A07, "tftp://10.1.2.3/a.zip", "scheme");
}

static void error_to_qfotadl_fails_rejected(void **state)
{
    (void)state;
    static const struct {
        const char *reply;
        int code;
    } cases[] = {{"ERROR", 0}, {"+CME ERROR: 3", 3}, {"+CME ERROR: 701", 701}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        h_t h;
        h_setup(&h, "RG50xQ", FOTA_METHOD_URL, RG_A07);
        h_pkg(&h, RG_A06, RG_A07, "a.zip", "http://10.1.2.3/a.zip", 0);
        h_start(&h);
        h_ident(&h, "RG500Q", RG_A06, H_IMEI);
        h_cmd(&h, "AT+QFOTADL=\"http://10.1.2.3/a.zip\"", cases[i].reply, NULL);
        h_advance(&h, h.profile->quiet.give_up_ms); /* no boot line follows: it stands */
        h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_REJECTED, cases[i].code);
        assert_non_null(strstr(h_attempt(&h)->error_text, cases[i].reply));
        h_teardown(&h);
    }
}

/* Every nonzero code of every download table of every family: FAIL with the
 * table's class and meaning (docs/profiles.md). */
static void every_download_error_code_fails_with_its_meaning(void **state)
{
    (void)state;
    static const struct {
        const char *family, *model, *from, *to;
    } fams[] = {
        {"RG50xQ", "RG500Q", RG_A06, RG_A07},
        {"EG06xK", "EG060K-EA", EG_V01, EG_V02},
        {"EC200T", "EC200T", EC_OLD, EC_NEW},
    };
    static const struct {
        fota_table_id_t table;
        const char *word, *url;
    } tables[] = {
        {FOTA_TABLE_FTP, "FTPEND", "ftp://u:p@10.1.2.3/a.bin"},
        {FOTA_TABLE_HTTP, "HTTPEND", "http://10.1.2.3/a.bin"},
    };
    int checked = 0;
    for (size_t f = 0; f < sizeof fams / sizeof *fams; f++) {
        for (size_t t = 0; t < sizeof tables / sizeof *tables; t++) {
            h_t probe;
            h_setup(&probe, fams[f].family, FOTA_METHOD_URL, fams[f].to);
            const fota_error_table_t *tab = &probe.profile->tables[tables[t].table];
            for (size_t e = 0; e < tab->n; e++) {
                for (int code = tab->v[e].lo; code <= tab->v[e].hi; code++) {
                    if (code == 0)
                        continue;
                    h_t h;
                    h_setup(&h, fams[f].family, FOTA_METHOD_URL, fams[f].to);
                    h_pkg(&h, fams[f].from, fams[f].to, "a.bin", tables[t].url, 0);
                    h_start(&h);
                    h_ident(&h, fams[f].model, fams[f].from, H_IMEI);
                    char cmd[128], line[128];
                    snprintf(cmd, sizeof cmd, "AT+QFOTADL=\"%s\"", tables[t].url);
                    h_cmd(&h, cmd, "OK", NULL);
                    snprintf(line, sizeof line, "+QIND: \"FOTA\",\"%s\",%d", tables[t].word, code);
                    h_rx(&h, line);
                    fota_error_class_t cls =
                        tab->v[e].cls == FOTA_ERR_NONE ? FOTA_ERR_DOWNLOAD : tab->v[e].cls;
                    h_expect_result(&h, FOTA_RESULT_FAIL, cls, code);
                    assert_string_equal(h_attempt(&h)->error_text, tab->v[e].meaning);
                    h_teardown(&h);
                    checked++;
                }
            }
            h_teardown(&probe);
        }
    }
    assert_true(checked >= 4 + 60); /* 601/701 twice, EC200T's 30 + 30 */
}

static void download_that_never_ends_times_out(void **state)
{
    (void)state;
    h_t h;
    h_setup(&h, "RG50xQ", FOTA_METHOD_URL, RG_A07);
    h_pkg(&h, RG_A06, RG_A07, "a.zip", "http://10.1.2.3/a.zip", 0);
    h_start(&h);
    h_ident(&h, "RG500Q", RG_A06, H_IMEI);
    h_cmd(&h, "AT+QFOTADL=\"http://10.1.2.3/a.zip\"", "OK", NULL);
    rx_fota(&h, "\"HTTPSTART\"");
    h_advance(&h, h.profile->timeouts.download_ms - 1000);
    assert_false(fota_machine_finished(h.m));
    h_advance(&h, 2000);
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_TIMEOUT, 0);
    assert_non_null(strstr(h_attempt(&h)->error_text, "download"));
    h_teardown(&h);
}

/* The job's timeouts override the profile's (docs/profiles.md). */
static void job_timeouts_override_profile(void **state)
{
    (void)state;
    h_t h;
    h_setup(&h, "RG50xQ", FOTA_METHOD_URL, RG_A07);
    h.job.timeouts.download_ms = 10000;
    h_pkg(&h, RG_A06, RG_A07, "a.zip", "http://10.1.2.3/a.zip", 0);
    h_start(&h);
    h_ident(&h, "RG500Q", RG_A06, H_IMEI);
    h_cmd(&h, "AT+QFOTADL=\"http://10.1.2.3/a.zip\"", "OK", NULL);
    h_advance(&h, 11000);
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_TIMEOUT, 0);
    h_teardown(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rg50xq_ftp_url_passes_and_masks_password),
        cmocka_unit_test(byte_by_byte_input_gives_the_same_pass),
        cmocka_unit_test(rg50xq_http_url_tolerates_httppend_spelling),
        cmocka_unit_test(rg50xq_https_url_with_downloading_percent),
        cmocka_unit_test(eg06xk_http_url_tolerates_blanks_and_case),
        cmocka_unit_test(ec200t_ftp_root_url_passes_without_reboot_after_download),
        cmocka_unit_test(url_too_long_for_each_family_fails_config),
        cmocka_unit_test(ec200t_ftp_subdirectory_fails_config),
        cmocka_unit_test(unsupported_scheme_fails_config),
        cmocka_unit_test(error_to_qfotadl_fails_rejected),
        cmocka_unit_test(every_download_error_code_fails_with_its_meaning),
        cmocka_unit_test(download_that_never_ends_times_out),
        cmocka_unit_test(job_timeouts_override_profile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
