/* Packages streamed over the AT port: EC200T's FILE:<len> (EC200T FOTA guide §3.3) and the
 * legacy AT+QFUA / AT+QFAI+QFAW+QFAU (GSM FOTA note §2.3), with and without flow control. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "simclient.h"

#define T 5000
#define EC_R1 "EC200TCNTCNMAR02A01M16"
#define EC_R2 "EC200TCNTCNMAR02A02M16"
#define GSM_R1 "M95FAR02A08"
#define GSM_R2 "M95FAR02A09"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void start_scenario(simproc_t *p, const char *yaml, int n)
{
    assert_int_equal(sp_start_scenario(p, yaml, n), 0);
}

static uint8_t *slurp(const char *path, size_t *n)
{
    uint8_t *b = sp_slurp(path, n);
    assert_non_null(b);
    return b;
}

static void expect_boot_and_revision(simconn_t *c, const char *rev)
{
    assert_int_equal(sc_expect(c, "\r\nRDY\r\n", T), 0);
    assert_int_equal(sc_expect(c, "\r\n+QIND: PB DONE\r\n", T), 0);
    char want[96];
    snprintf(want, sizeof want, "Revision: %s\r\n", rev);
    assert_int_equal(sc_at(c, "ATI", T), 0);
    assert_non_null(strstr(c->seen, want));
}

/* With usbifc flow control the module reads at its own rate (20 kB/s here):
 * the sender is throttled, nothing is lost; FILEEND then START without a reboot. */
static void ec200t_file_stream_with_flow_control(void **state)
{
    (void)state;
    simproc_t p;
    simconn_t c;
    start_scenario(&p,
                   "modules:\n"
                   "  - {slot: ec, family: EC200T, revision: " EC_R1 ", timing: {data_rate: 20}}\n",
                   1);
    const char *pkg = sp_mkpkg(&p, "fw.bin", "--family EC200T --to " EC_R2 " --size 20000");
    size_t n;
    uint8_t *b = slurp(pkg, &n);
    assert_int_equal(sc_open(&c, sp_link(&p, "ec")), 0);
    assert_int_equal(sc_at(&c, "AT+QCFG=\"usbifc\",2,2", T), 0);
    char cmd[64];
    snprintf(cmd, sizeof cmd, "AT+QFOTADL=\"FILE:%zu\"", n);
    assert_int_equal(sc_at(&c, cmd, T), 0);
    assert_int_equal(sc_expect(&c, "+QIND: \"FOTA\",\"FILESTART\"\r\n", T), 0);
    double t0 = now_s();
    assert_int_equal(sc_write(&c, b, n), 0);
    assert_int_equal(sc_expect(&c, "+QIND: \"FOTA\", \"FILEEND\", 0\r\n", T), 0);
    double took = now_s() - t0;
    assert_true(took > 0.5); /* ~20 kB at 20 kB/s: the pty filled, the writer waited */
    assert_int_equal(sc_expect(&c, "+QIND: \"FOTA\", \"START\"\r\n", T), 0);
    assert_int_equal(sc_expect(&c, "+QIND: \"FOTA\",\"UPDATING\", 100\r\n", T), 0);
    assert_int_equal(sc_expect(&c, "+QIND: \"FOTA\",\"END\",0\r\n", T), 0);
    assert_int_equal(sc_wait_gone(&c, T), 0); /* reboot after END */
    assert_int_equal(sc_reopen(&c, T), 0);
    expect_boot_and_revision(&c, EC_R2);
    free(b);
    sc_close(&c);
    assert_int_equal(sp_stop(&p), 0);
}

/* Without flow control a sender faster than the module loses bytes: FILEEND,500.
 * A corrupt image that arrives whole fails the MD5 check: END,506 (EC200T FOTA guide §4.4). */
static void ec200t_file_stream_loss_and_md5(void **state)
{
    (void)state;
    simproc_t p;
    simconn_t c;
    start_scenario(&p,
                   "defaults: {family: EC200T, revision: " EC_R1 "}\n"
                   "modules:\n"
                   "  - {slot: lossy, timing: {data_rate: 5, data_timeout_s: 1}}\n"
                   "  - {slot: md5}\n",
                   2);
    const char *pkg = sp_mkpkg(&p, "fw.bin", "--family EC200T --to " EC_R2 " --size 30000");
    size_t n;
    uint8_t *b = slurp(pkg, &n);
    char cmd[64];
    snprintf(cmd, sizeof cmd, "AT+QFOTADL=\"FILE:%zu\"", n);
    assert_int_equal(sc_open(&c, sp_link(&p, "lossy")), 0);
    assert_int_equal(sc_at(&c, cmd, T), 0);
    assert_int_equal(sc_expect(&c, "FILESTART\"\r\n", T), 0);
    assert_int_equal(sc_write(&c, b, n), 0);
    assert_int_equal(sc_expect(&c, "+QIND: \"FOTA\", \"FILEEND\", 500\r\n", T), 0);
    assert_int_equal(sc_at(&c, "AT", T), 0); /* back in command mode, nothing started */
    assert_null(strstr(c.seen, "START"));
    sc_close(&c);
    free(b);

    pkg = sp_mkpkg(&p, "bad.bin", "--family EC200T --to " EC_R2 " --size 3000 --corrupt");
    b = slurp(pkg, &n);
    snprintf(cmd, sizeof cmd, "AT+QFOTADL=\"FILE:%zu\"", n);
    assert_int_equal(sc_open(&c, sp_link(&p, "md5")), 0);
    assert_int_equal(sc_at(&c, "AT+IFC=2,2", T), 0);
    assert_int_equal(sc_at(&c, cmd, T), 0);
    assert_int_equal(sc_expect(&c, "FILESTART\"\r\n", T), 0);
    assert_int_equal(sc_write(&c, b, n), 0);
    assert_int_equal(sc_expect(&c, "\"FILEEND\", 0\r\n", T), 0);
    assert_int_equal(sc_expect(&c, "+QIND: \"FOTA\",\"END\",506\r\n", T), 0);
    assert_int_equal(sc_wait_gone(&c, T), 0);
    assert_int_equal(sc_reopen(&c, T), 0);
    expect_boot_and_revision(&c, EC_R1);
    free(b);
    sc_close(&c);
    assert_int_equal(sp_stop(&p), 0);
}

static void expect_legacy_success(simconn_t *c, const char *rev)
{
    static const char *const lines[] = {
        "\r\nFinish data downloading, rebooting....\r\n",
        "\r\nQuectel firmware update is processing....\r\n",
        "\r\n.......RunFirmwareUpdate......\r\n",
        "\r\n Update  percent = 1%\r\n",
        "\r\n Update  percent = 100%\r\n",
        "\r\n Quectel firmware update success. status=0\r\n",
        "\r\nRebooting....\r\n",
        "\r\nRDY\r\n",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        assert_int_equal(sc_expect(c, lines[i], T), 0);
    assert_int_equal(sc_expect(c, "\r\nSMS Ready\r\n", T), 0);
    char want[96];
    snprintf(want, sizeof want, "Revision: %s\r\n", rev);
    assert_int_equal(sc_at(c, "ATI", T), 0);
    assert_non_null(strstr(c->seen, want));
}

/* GSM FOTA note §2.3.1: AT+QFUA, OK, CONNECT, raw data, +++ after a guard time. A UART
 * does not re-enumerate: the same port carries the update and the boot lines. */
static void legacy_qfua_with_guard_time(void **state)
{
    (void)state;
    simproc_t p;
    simconn_t c;
    start_scenario(&p,
                   "defaults: {family: legacy-GSM, revision: " GSM_R1 "}\n"
                   "modules:\n"
                   "  - {slot: gsm}\n"
                   "  - {slot: lossy, timing: {data_rate: 2}}\n"
                   "  - {slot: glued}\n",
                   3);
    const char *pkg = sp_mkpkg(&p, "d.bin", "--family legacy-GSM --from " GSM_R1 " --to " GSM_R2 " --size 6000");
    size_t n;
    uint8_t *b = slurp(pkg, &n);
    assert_int_equal(sc_open(&c, sp_link(&p, "gsm")), 0);
    char target[256];
    snprintf(target, sizeof target, "%s", c.target);
    assert_int_equal(sc_at(&c, "AT+IFC=2,2", T), 0);
    assert_int_equal(sc_at(&c, "AT+QFUA", T), 0);
    assert_int_equal(sc_expect(&c, "\r\nCONNECT\r\n", T), 0);
    assert_int_equal(sc_write(&c, b, n), 0);
    usleep(100000); /* guard time, then +++ alone */
    assert_int_equal(sc_write(&c, "+++", 3), 0);
    expect_legacy_success(&c, GSM_R2);
    char now[256];
    assert_int_equal(sp_wait_link(sp_link(&p, "gsm"), NULL, 100, now, sizeof now), 0);
    assert_string_equal(now, target);
    sc_close(&c);

    /* no flow control and a sender far faster than the UART: the package is damaged */
    assert_int_equal(sc_open(&c, sp_link(&p, "lossy")), 0);
    assert_int_equal(sc_at(&c, "AT+QFUA", T), 0);
    assert_int_equal(sc_expect(&c, "\r\nCONNECT\r\n", T), 0);
    assert_int_equal(sc_write(&c, b, n), 0);
    usleep(150000);
    assert_int_equal(sc_write(&c, "+++", 3), 0);
    assert_int_equal(sc_expect(&c, "\r\nQuectel firmware update failed. status=", T), 0);
    assert_int_equal(sc_expect(&c, "\r\nRebooting....\r\n", T), 0);
    assert_int_equal(sc_expect(&c, "\r\nRDY\r\n", T), 0);
    assert_int_equal(sc_at(&c, "ATI", T), 0);
    assert_non_null(strstr(c.seen, GSM_R1));
    sc_close(&c);

    /* "+++" glued to the data is data: the module stays in data mode, so the
     * following AT is data too, and the package (now longer) fails its check */
    assert_int_equal(sc_open(&c, sp_link(&p, "glued")), 0);
    assert_int_equal(sc_at(&c, "AT+IFC=2,2", T), 0);
    assert_int_equal(sc_at(&c, "AT+QFUA", T), 0);
    assert_int_equal(sc_expect(&c, "\r\nCONNECT\r\n", T), 0);
    uint8_t *glued = malloc(n + 3);
    memcpy(glued, b, n);
    memcpy(glued + n, "+++", 3);
    assert_int_equal(sc_write(&c, glued, n + 3), 0);
    free(glued);
    usleep(150000);
    assert_int_equal(sc_at(&c, "AT", 300), -1);
    usleep(150000);
    assert_int_equal(sc_write(&c, "+++", 3), 0);
    assert_int_equal(sc_expect(&c, "\r\nQuectel firmware update failed. status=3\r\n", T), 0);
    sc_close(&c);
    free(b);
    assert_int_equal(sp_stop(&p), 0);
}

static void qfaw_send(simconn_t *c, const uint8_t *b, size_t n)
{
    assert_int_equal(sc_at(c, "AT+QFAI", T), 0);
    for (size_t off = 0; off < n; off += 225) {
        char cmd[600] = "AT+QFAW=\"";
        size_t k = n - off < 225 ? n - off : 225;
        for (size_t i = 0; i < k; i++)
            sprintf(cmd + strlen(cmd), "%02X", b[off + i]); /* GSM FOTA note §2.3.2 conversion */
        strcat(cmd, "\"");
        assert_int_equal(sc_at(c, cmd, T), 0);
    }
    assert_int_equal(sc_at(c, "AT+QFAU", T), 0);
}

/* GSM FOTA note §2.3.2: AT+QFAI, AT+QFAW="<hex>" chunks, AT+QFAU; a package for another
 * family is refused with the failed status line and the firmware is unchanged. */
static void legacy_qfaw(void **state)
{
    (void)state;
    simproc_t p;
    simconn_t c;
    start_scenario(&p,
                   "defaults: {family: legacy-GSM, revision: " GSM_R1 "}\n"
                   "modules:\n"
                   "  - {slot: ok}\n"
                   "  - {slot: wrong}\n",
                   2);
    const char *pkg = sp_mkpkg(&p, "d.bin", "--family legacy-GSM --from " GSM_R1 " --to " GSM_R2 " --size 2000");
    size_t n;
    uint8_t *b = slurp(pkg, &n);
    assert_int_equal(sc_open(&c, sp_link(&p, "ok")), 0);
    assert_int_equal(sc_at(&c, "ATE0", T), 0);
    qfaw_send(&c, b, n);
    expect_legacy_success(&c, GSM_R2);
    sc_close(&c);
    free(b);

    pkg = sp_mkpkg(&p, "x.bin", "--family EC200T --to " EC_R2 " --size 1000");
    b = slurp(pkg, &n);
    assert_int_equal(sc_open(&c, sp_link(&p, "wrong")), 0);
    assert_int_equal(sc_at(&c, "ATE0", T), 0);
    qfaw_send(&c, b, n);
    assert_int_equal(sc_expect(&c, "\r\nQuectel firmware update failed. status=2\r\n", T), 0);
    assert_int_equal(sc_expect(&c, "\r\nRebooting....\r\n", T), 0);
    assert_int_equal(sc_expect(&c, "\r\nRDY\r\n", T), 0);
    assert_int_equal(sc_at(&c, "ATI", T), 0);
    assert_non_null(strstr(c.seen, GSM_R1));
    free(b);
    sc_close(&c);
    assert_int_equal(sp_stop(&p), 0);
}

/* --data-rate max (bench/stream.py): a module whose own rate would lose most of a
 * stream sent without flow control (5 B/s x speed 1000) takes a whole 1 MB package
 * at the pty's pace: FILEEND,0, the update runs, and it takes well under the 200 s
 * the module's own rate would need. */
static void data_rate_max_lifts_the_module_rate(void **state)
{
    (void)state;
    simproc_t p;
    simconn_t c;
    memset(&p, 0, sizeof p);
    assert_int_equal(sp_prepare(&p), 0);
    const char *yaml = sp_write_file(&p, "scenario.yaml",
                                     "modules:\n"
                                     "  - {slot: ec, family: EC200T, revision: " EC_R1
                                     ", timing: {data_rate: 5, data_timeout_s: 1}}\n");
    assert_non_null(yaml);
    char path[1024];
    snprintf(path, sizeof path, "%s", yaml);
    const char *args[] = {"--scenario", path, "--speed", "1000", "--data-rate", "max", NULL};
    assert_int_equal(sp_start(&p, 1, args), 0);
    const char *pkg = sp_mkpkg(&p, "fw.bin", "--family EC200T --to " EC_R2 " --size 1000000");
    size_t n;
    uint8_t *b = slurp(pkg, &n);
    char cmd[64];
    snprintf(cmd, sizeof cmd, "AT+QFOTADL=\"FILE:%zu\"", n);
    assert_int_equal(sc_open(&c, sp_link(&p, "ec")), 0);
    assert_int_equal(sc_at(&c, cmd, T), 0); /* no flow control asked for */
    assert_int_equal(sc_expect(&c, "FILESTART\"\r\n", T), 0);
    double t0 = now_s();
    assert_int_equal(sc_write(&c, b, n), 0);
    assert_int_equal(sc_expect(&c, "+QIND: \"FOTA\", \"FILEEND\", 0\r\n", T), 0);
    assert_true(now_s() - t0 < 5);
    assert_int_equal(sc_expect(&c, "+QIND: \"FOTA\",\"END\",0\r\n", T), 0);
    free(b);
    sc_close(&c);
    assert_int_equal(sp_stop(&p), 0);
}

/* A rate that is neither a number nor max is refused before any pty is made. */
static void data_rate_rejects_junk(void **state)
{
    (void)state;
    simproc_t p;
    memset(&p, 0, sizeof p);
    assert_int_equal(sp_prepare(&p), 0);
    const char *args[] = {"--count", "1", "--family", "EC200T", "--data-rate", "fast", NULL};
    assert_int_not_equal(sp_start(&p, 1, args), 0);
    sp_stop(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ec200t_file_stream_with_flow_control),
        cmocka_unit_test(ec200t_file_stream_loss_and_md5),
        cmocka_unit_test(legacy_qfua_with_guard_time),
        cmocka_unit_test(legacy_qfaw),
        cmocka_unit_test(data_rate_max_lifts_the_module_rate),
        cmocka_unit_test(data_rate_rejects_junk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
