/* fota-sim's AT dialect per family (as each family's Quectel note describes it), spoken over its ptys
 * by a scripted client: identification, echo, file store, QFUPL checksum and
 * ack mode, URL limits, flow-control settings, links removed on SIGTERM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "simclient.h"

#define SLOT0 "pci-0000:00:14.0-usb-0:1.1.1:1.2"
#define SLOT1 "pci-0000:00:14.0-usb-0:1.1.2:1.2"
#define LSLOT0 "pci-0000:00:14.0-usb-0:1.1.1:1.0"
#define T 3000

static int luhn_ok(const char *s)
{
    int sum = 0;
    for (int i = 0; i < 15; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        int v = s[i] - '0';
        if (i % 2) {
            v *= 2;
            if (v > 9)
                v -= 9;
        }
        sum += v;
    }
    return sum % 10 == 0;
}

static void start_count(simproc_t *p, const char *family, const char *n)
{
    memset(p, 0, sizeof *p);
    const char *args[] = {"--count", n, "--family", family, "--speed", "200", "--verbose", NULL};
    assert_int_equal(sp_start(p, atoi(n), args), 0);
}

static void rg50xq_identity_and_echo(void **state)
{
    (void)state;
    simproc_t p;
    simconn_t c;
    start_count(&p, "RG50xQ", "2");
    assert_int_equal(sc_open(&c, sp_link(&p, SLOT0)), 0);
    assert_int_equal(sc_at(&c, "AT", T), 0);
    assert_string_equal(c.seen, "AT\r\r\nOK\r\n"); /* echo on until ATE0 */
    assert_int_equal(sc_at(&c, "ATE0", T), 0);
    assert_int_equal(sc_at(&c, "AT", T), 0);
    assert_string_equal(c.seen, "\r\nOK\r\n");
    assert_int_equal(sc_at(&c, "ATI", T), 0);
    assert_string_equal(c.seen, "\r\nQuectel\r\n\r\nRG500Q-EA\r\n\r\nRevision: RG500QEAAAR11A06M4G\r\n\r\nOK\r\n");
    assert_int_equal(sc_at(&c, "AT+GSN", T), 0);
    char imei[16] = "";
    assert_int_equal(sscanf(c.seen, "\r\n%15[0-9]", imei), 1);
    assert_true(luhn_ok(imei));
    assert_int_equal(sc_at(&c, "AT+CGSN", T), 0);
    assert_non_null(strstr(c.seen, imei));
    assert_int_equal(sc_at(&c, "AT+QGMR", T), 0);
    assert_string_equal(c.seen, "\r\nRG500QEAAAR11A06M4G_01.001.01.001\r\n\r\nOK\r\n");
    assert_int_equal(sc_at(&c, "AT+QFOTADL=?", T), 0);
    assert_int_equal(sc_at(&c, "AT+QNOSUCH", T), 1);
    assert_string_equal(c.seen, "\r\nERROR\r\n");
    assert_int_equal(sc_at(&c, "AT+CMEE=2", T), 0);
    assert_int_equal(sc_at(&c, "AT+QFDEL=\"nothere\"", T), 1);
    assert_non_null(strstr(c.seen, "+CME ERROR: file not found"));
    /* the second module has its own valid IMEI */
    simconn_t c2;
    assert_int_equal(sc_open(&c2, sp_link(&p, SLOT1)), 0);
    assert_int_equal(sc_at(&c2, "AT+GSN", T), 0);
    char imei2[16] = "";
    assert_int_equal(sscanf(c2.seen, "AT+GSN\r\r\n%15[0-9]", imei2), 1);
    assert_true(luhn_ok(imei2));
    assert_string_not_equal(imei, imei2);
    sc_close(&c2);
    sc_close(&c);
    assert_int_equal(sp_stop(&p), 0); /* links removed on SIGTERM */
}

static uint16_t xor16(const uint8_t *b, size_t n)
{
    uint16_t c = 0;
    for (size_t i = 0; i < n; i += 2)
        c ^= (uint16_t)(b[i] << 8 | (i + 1 < n ? b[i + 1] : 0));
    return c;
}

static void qfupl_ack_checksum_and_file_store(void **state)
{
    (void)state;
    simproc_t p;
    simconn_t c;
    start_count(&p, "EG06xK", "1");
    assert_int_equal(sc_open(&c, sp_link(&p, SLOT0)), 0);
    assert_int_equal(sc_at(&c, "ATE0", T), 0);
    assert_int_equal(sc_at(&c, "AT+QFLDS=\"UFS\"", T), 0);
    unsigned long long free0 = 0, total0 = 0;
    assert_int_equal(sscanf(c.seen, "\r\n+QFLDS: %llu,%llu", &free0, &total0), 2);
    assert_true(free0 > 4096);

    uint8_t data[2049];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 31 + 7);
    assert_int_equal(sc_at(&c, "AT+QFUPL=\"upd.bin\",2049,5,1", T), 2);
    /* ack mode: one 'A' per 1024 bytes, the sender waits for it */
    sc_write(&c, data, 1024);
    assert_int_equal(sc_expect(&c, "A", T), 0);
    sc_write(&c, data + 1024, 1024);
    assert_int_equal(sc_expect(&c, "A", T), 0);
    sc_write(&c, data + 2048, 1);
    char want[64];
    snprintf(want, sizeof want, "\r\n+QFUPL: 2049,%x\r\n\r\nOK\r\n", xor16(data, sizeof data));
    assert_int_equal(sc_expect(&c, want, T), 0);
    assert_string_equal(c.seen, want); /* no third 'A' for the last partial block */

    assert_int_equal(sc_at(&c, "AT+QFLST=\"*\"", T), 0);
    assert_string_equal(c.seen, "\r\n+QFLST: \"UFS:upd.bin\",2049\r\n\r\nOK\r\n");
    char lds[64];
    snprintf(lds, sizeof lds, "+QFLDS: %llu,%llu", free0 - 2049, total0);
    assert_int_equal(sc_at(&c, "AT+QFLDS=\"UFS\"", T), 0);
    assert_non_null(strstr(c.seen, lds));
    /* uploading the same name again is refused; so is a name over 80 bytes */
    assert_int_equal(sc_at(&c, "AT+QFUPL=\"upd.bin\",10", T), 1);
    assert_non_null(strstr(c.seen, "+CME ERROR: 407"));
    char longname[200] = "AT+QFUPL=\"";
    memset(longname + 10, 'n', 81);
    strcpy(longname + 91, "\",10");
    assert_int_equal(sc_at(&c, longname, T), 1);
    /* odd length without ack mode, and the checksum of a known pattern (as real modules print it) */
    assert_int_equal(sc_at(&c, "AT+QFUPL=\"b\",3", T), 2);
    sc_write(&c, "\x12\x34\x56", 3);
    assert_int_equal(sc_expect(&c, "\r\n+QFUPL: 3,4434\r\n\r\nOK\r\n", T), 0);
    assert_int_equal(sc_at(&c, "AT+QFDEL=\"upd.bin\"", T), 0);
    assert_int_equal(sc_at(&c, "AT+QFDEL=\"upd.bin\"", T), 1);
    assert_non_null(strstr(c.seen, "+CME ERROR: 405"));
    assert_int_equal(sc_at(&c, "AT+QFLST=\"*\"", T), 0);
    assert_null(strstr(c.seen, "upd.bin"));
    assert_non_null(strstr(c.seen, "\"UFS:b\",3"));
    /* a QFUPL whose data stops short times out and reports what arrived */
    assert_int_equal(sc_at(&c, "AT+QFUPL=\"short\",100,1", T), 2);
    sc_write(&c, "abcd", 4);
    assert_int_equal(sc_expect(&c, "+QFUPL: 4,", 3000), 0);
    sc_close(&c);
    assert_int_equal(sp_stop(&p), 0);
}

static void url_limits_per_family(void **state)
{
    (void)state;
    simproc_t p;
    simconn_t c;
    char cmd[1200];
    /* EG06xK: 100 bytes (EG06xK DFOTA note §3.3.1.1) */
    start_count(&p, "EG06xK", "1");
    assert_int_equal(sc_open(&c, sp_link(&p, SLOT0)), 0);
    char url[700] = "http://127.0.0.1:1/";
    while (strlen(url) < 101)
        strcat(url, "a");
    snprintf(cmd, sizeof cmd, "AT+QFOTADL=\"%s\"", url);
    assert_int_equal(sc_at(&c, cmd, T), 1);
    url[100] = 0;
    snprintf(cmd, sizeof cmd, "AT+QFOTADL=\"%s\"", url);
    /* 100 bytes: accepted, and the download really fails (nobody on port 1) */
    assert_int_equal(sc_at(&c, cmd, T), 0);
    assert_int_equal(sc_expect(&c, "+QIND: \"FOTA\", \"HTTPSTART\"", T), 0);
    assert_int_equal(sc_expect(&c, "+QIND: \"FOTA\", \"HTTPEnd\", 701", 8000), 0);
    /* wrong local prefix for this family */
    assert_int_equal(sc_at(&c, "AT+QFOTADL=\"/cache/ufs/x.bin\"", T), 1);
    sc_close(&c);
    assert_int_equal(sp_stop(&p), 0);

    /* RG50xQ: 512 bytes */
    start_count(&p, "RG50xQ", "1");
    assert_int_equal(sc_open(&c, sp_link(&p, SLOT0)), 0);
    strcpy(url, "ftp://u:p@127.0.0.1:1/");
    while (strlen(url) < 513)
        strcat(url, "b");
    snprintf(cmd, sizeof cmd, "AT+QFOTADL=\"%s\"", url);
    assert_int_equal(sc_at(&c, cmd, T), 1);
    url[512] = 0;
    snprintf(cmd, sizeof cmd, "AT+QFOTADL=\"%s\"", url);
    assert_int_equal(sc_at(&c, cmd, T), 0);
    assert_int_equal(sc_expect(&c, "+QIND: \"FOTA\",\"FTPSTART\"", T), 0);
    assert_int_equal(sc_expect(&c, "+QIND: \"FOTA\",\"FTPEND\",601", 8000), 0);
    assert_int_equal(sc_at(&c, "AT+QFOTADL=\"FILE:100\"", T), 1); /* no FILE: on RG50xQ */
    sc_close(&c);
    assert_int_equal(sp_stop(&p), 0);

    /* EC200T: 255 bytes, FTP root path only (EC200T FOTA guide §3.1), detailed ftp_err */
    start_count(&p, "EC200T", "1");
    assert_int_equal(sc_open(&c, sp_link(&p, SLOT0)), 0);
    assert_int_equal(sc_at(&c, "AT+QFOTADL=\"ftp://u:p@127.0.0.1:1/dir/EC200T.bin\"", T), 1);
    strcpy(url, "http://127.0.0.1:1/");
    while (strlen(url) < 256)
        strcat(url, "c");
    snprintf(cmd, sizeof cmd, "AT+QFOTADL=\"%s\"", url);
    assert_int_equal(sc_at(&c, cmd, T), 1);
    assert_int_equal(sc_at(&c, "AT+QFOTADL=\"FTP://u:p@127.0.0.1:1/EC200T.bin\"", T), 0);
    assert_int_equal(sc_expect(&c, "+QIND: \"FOTA\", \"FTPSTART\"", T), 0);
    assert_int_equal(sc_expect(&c, "+QIND: \"FOTA\",\"FTPEND\",605", 8000), 0); /* network error */
    assert_int_equal(sc_at(&c, "AT+QCFG=\"USBIFC\"?", T), 0); /* EC200T FOTA guide §3.3's own spelling */
    assert_non_null(strstr(c.seen, "+QCFG: \"usbifc\",0,0"));
    assert_int_equal(sc_at(&c, "AT+QCFG=\"usbifc\",2,2", T), 0);
    assert_int_equal(sc_at(&c, "AT+QCFG=\"usbifc\"", T), 0);
    assert_non_null(strstr(c.seen, "+QCFG: \"usbifc\",2,2"));
    sc_close(&c);
    assert_int_equal(sp_stop(&p), 0);
}

static void legacy_dialect(void **state)
{
    (void)state;
    simproc_t p;
    simconn_t c;
    start_count(&p, "LEGACY-GSM", "1");
    assert_int_equal(sc_open(&c, sp_link(&p, LSLOT0)), 0);
    assert_int_equal(sc_at(&c, "ATI", T), 0);
    assert_non_null(strstr(c.seen, "Revision: M95FAR02A08\r\n\r\nOK"));
    assert_int_equal(sc_at(&c, "AT+QFOTADL=\"http://127.0.0.1/x\"", T), 1); /* not legacy */
    assert_int_equal(sc_at(&c, "AT+QCFG=\"usbifc\",2,2", T), 1); /* a UART: no USB */
    assert_int_equal(sc_at(&c, "AT+IFC?", T), 0);
    assert_non_null(strstr(c.seen, "+IFC: 0,0"));
    assert_int_equal(sc_at(&c, "AT+IFC=2,2", T), 0);
    assert_int_equal(sc_at(&c, "AT+IFC?", T), 0);
    assert_non_null(strstr(c.seen, "+IFC: 2,2"));
    assert_int_equal(sc_at(&c, "AT+QFAW=\"0011\"", T), 1); /* before AT+QFAI */
    assert_int_equal(sc_at(&c, "AT+QFAI", T), 0);
    assert_int_equal(sc_at(&c, "AT+QFAW=\"00G1\"", T), 1); /* not hex */
    char big[1000] = "AT+QFAW=\"";
    for (int i = 0; i < 451; i++)
        strcat(big, "AB"); /* 451 bytes: over the 450 limit (GSM FOTA note §2.3.2) */
    strcat(big, "\"");
    assert_int_equal(sc_at(&c, big, T), 1);
    sc_close(&c);
    assert_int_equal(sp_stop(&p), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rg50xq_identity_and_echo),
        cmocka_unit_test(qfupl_ack_checksum_and_file_store),
        cmocka_unit_test(url_limits_per_family),
        cmocka_unit_test(legacy_dialect),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
