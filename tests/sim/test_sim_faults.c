/* The remaining faults and variants, and the command line: forced codes at the
 * command and download phases, a download that stalls, a port that vanishes in
 * the reboot, EG06xK giving up with RESTORE, --count options, usage errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "simclient.h"

#define T 5000
#define EG_R1 "EG065KNAAAR01A01M4G"
#define EG_R2 "EG065KNAAAR01A02M4G"

static void start_scenario(simproc_t *p, const char *yaml, int n)
{
    assert_int_equal(sp_start_scenario(p, yaml, n), 0);
}

static void forced_codes_and_download_stall(void **state)
{
    (void)state;
    simproc_t p;
    simconn_t c;
    start_scenario(&p,
                   "modules:\n"
                   "  - {slot: dl, family: EC200T, faults: {error: {phase: download, code: 611}}}\n"
                   "  - {slot: cmd, family: EC200T, faults: {error: {phase: command}}}\n"
                   "  - {slot: stall, family: RG50xQ, faults: {stall: {phase: download}}}\n"
                   "  - {slot: ltd, family: RG50xQ, maker: Quectel_Ltd, model: Quectel_RM510Q-GL}\n",
                   4);
    assert_int_equal(sc_open(&c, sp_link(&p, "dl")), 0);
    assert_int_equal(sc_at(&c, "AT+QFOTADL=\"FILE:999999999999\"", T), 1); /* larger than UFS */
    assert_int_equal(sc_at(&c, "AT+QFOTADL=\"ftp://u:p@127.0.0.1:1/fw.bin\"", T), 0);
    assert_int_equal(sc_expect(&c, "+QIND: \"FOTA\",\"FTPEND\",611\r\n", T), 0);
    sc_close(&c);

    assert_int_equal(sc_open(&c, sp_link(&p, "cmd")), 0);
    assert_int_equal(sc_at(&c, "AT+QFOTADL=\"http://127.0.0.1:1/fw.bin\"", T), 1);
    assert_int_equal(sc_at(&c, "AT+QFOTADL=?", T), 0); /* the command itself exists */
    sc_close(&c);

    assert_int_equal(sc_open(&c, sp_link(&p, "stall")), 0);
    assert_int_equal(sc_at(&c, "AT+QFOTADL=\"http://127.0.0.1:1/fw.bin\"", T), 0);
    assert_int_equal(sc_expect(&c, "+QIND: \"FOTA\",\"HTTPSTART\"\r\n", T), 0);
    sc_drain(&c, 600);
    assert_null(strstr(c.buf, "HTTPPEND"));
    assert_int_equal(sc_at(&c, "AT", T), 0); /* still answers AT: only the download is stuck */
    sc_close(&c);

    assert_int_equal(sc_open(&c, sp_link(&p, "ltd")), 0); /* ATI's "Quectel_Ltd" variant */
    assert_int_equal(sc_at(&c, "ATI", T), 0);
    assert_non_null(strstr(c.seen, "\r\nQuectel_Ltd\r\n\r\nQuectel_RM510Q-GL\r\n"));
    sc_close(&c);
    assert_int_equal(sp_stop(&p), 0);
}

static int upload(simconn_t *c, const char *name, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    static uint8_t b[1 << 16];
    size_t n = fread(b, 1, sizeof b, f);
    fclose(f);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "AT+QFUPL=\"%s\",%zu", name, n);
    if (sc_at(c, cmd, T) != 2 || sc_write(c, b, n) != 0)
        return -1;
    return sc_expect(c, "OK\r\n", T);
}

/* EG06xK DFOTA note §3: after five failed retries EG06xK restores the original version. */
static void eg06xk_gives_up_and_restores(void **state)
{
    (void)state;
    simproc_t p;
    simconn_t c;
    start_scenario(&p,
                   "modules:\n"
                   "  - slot: eg\n"
                   "    family: EG06xK\n"
                   "    revision: " EG_R1 "\n"
                   "    variants: {restore: true}\n"
                   "    faults: {transient: {code: 526, at: 5, succeed_on_retry: 6}}\n",
                   1);
    const char *pkg = sp_mkpkg(&p, "u.bin", "--family EG06xK --from " EG_R1 " --to " EG_R2 " --size 3000");
    assert_int_equal(sc_open(&c, sp_link(&p, "eg")), 0);
    assert_int_equal(upload(&c, "u.bin", pkg), 0);
    assert_int_equal(sc_at(&c, "AT+QFOTADL=\"/usrdata/cache/ufs/u.bin\"", T), 0);
    for (int attempt = 0; attempt < 6; attempt++) {
        assert_int_equal(sc_wait_gone(&c, T), 0);
        assert_int_equal(sc_reopen(&c, T), 0);
        assert_int_equal(sc_expect(&c, "+QIND: \"FOTA\", \"END\",526\r\n", T), 0);
    }
    assert_int_equal(sc_wait_gone(&c, T), 0);
    assert_int_equal(sc_reopen(&c, T), 0);
    assert_int_equal(sc_expect(&c, "+QIND: \"FOTA\", \"RESTORE\",25\r\n", T), 0);
    assert_int_equal(sc_expect(&c, "+QIND: \"FOTA\", \"RESTORE\",100\r\n", T), 0);
    assert_int_equal(sc_wait_gone(&c, T), 0);
    assert_int_equal(sc_reopen(&c, T), 0);
    assert_int_equal(sc_expect(&c, "\r\n+QIND: PB DONE\r\n", T), 0);
    assert_int_equal(sc_at(&c, "ATI", T), 0);
    assert_non_null(strstr(c.seen, "Revision: " EG_R1 "\r\n"));
    assert_int_equal(sc_at(&c, "AT+QFLST=\"*\"", T), 0);
    assert_null(strstr(c.seen, "u.bin")); /* the package is gone */
    sc_close(&c);
    assert_int_equal(sp_stop(&p), 0);
}

static void vanish_during_reboot(void **state)
{
    (void)state;
    simproc_t p;
    simconn_t c;
    start_scenario(&p,
                   "modules:\n"
                   "  - {slot: gone, family: RG50xQ, faults: {vanish: {phase: reboot}}}\n"
                   "  - {slot: other, family: RG50xQ}\n",
                   2);
    const char *pkg = sp_mkpkg(&p, "u.bin", "--family RG50xQ --to X --size 1000");
    assert_int_equal(sc_open(&c, sp_link(&p, "gone")), 0);
    assert_int_equal(upload(&c, "u.bin", pkg), 0);
    assert_int_equal(sc_at(&c, "AT+QFOTADL=\"/cache/ufs/u.bin\"", T), 0);
    assert_int_equal(sc_wait_gone(&c, T), 0);
    assert_int_equal(sp_wait_no_link(sp_link(&p, "gone"), T), 0);
    assert_int_equal(sp_wait_link(sp_link(&p, "gone"), NULL, 700, NULL, 0), -1);
    assert_int_equal(sp_wait_link(sp_link(&p, "other"), NULL, 10, NULL, 0), 0);
    sc_close(&c);
    assert_int_equal(sp_stop(&p), 0);
}

/* hang: a module whose AT interpreter hangs reads everything and answers nothing,
 * not even the echo; until_power_cycle answers again once unplugged and plugged
 * back (a hub port's power cycle, through --control), forever never does. */
static void hang_until_power_cycle_or_forever(void **state)
{
    (void)state;
    simproc_t p;
    simconn_t c;
    memset(&p, 0, sizeof p);
    assert_int_equal(sp_prepare(&p), 0);
    const char *scen = sp_write_file(&p, "scenario.yaml",
                                     "modules:\n"
                                     "  - {slot: hung, family: RG50xQ, faults: {hang: until_power_cycle}}\n"
                                     "  - {slot: dead, family: RG50xQ, faults: {hang: forever}}\n");
    char scen_path[1024], fifo[1024];
    snprintf(scen_path, sizeof scen_path, "%s", scen);
    snprintf(fifo, sizeof fifo, "%s/sim.ctl", p.dir);
    const char *args[] = {"--scenario", scen_path, "--control", fifo, "--speed", "1000", NULL};
    assert_int_equal(sp_start(&p, 2, args), 0);
    const char *names[] = {"hung", "dead"};
    for (int k = 0; k < 2; k++) {
        char link[1200], target[256];
        snprintf(link, sizeof link, "%s", sp_link(&p, names[k]));
        assert_int_equal(sc_open(&c, link), 0);
        assert_int_equal(sc_at(&c, "AT", 1500), -1); /* silent: no OK */
        sc_close(&c);
        assert_int_equal(sp_wait_link(link, NULL, T, target, sizeof target), 0);
        FILE *f = fopen(fifo, "w");
        assert_non_null(f);
        fprintf(f, "unplug %s\n", names[k]);
        fclose(f);
        assert_int_equal(sp_wait_no_link(link, T), 0);
        f = fopen(fifo, "w");
        assert_non_null(f);
        fprintf(f, "plug %s\n", names[k]);
        fclose(f);
        assert_int_equal(sp_wait_link(link, NULL, T, NULL, 0), 0);
        assert_int_equal(sc_open(&c, link), 0);
        if (k == 0)
            assert_int_equal(sc_at(&c, "AT", T), 0); /* power-cycled: answers */
        else
            assert_int_equal(sc_at(&c, "AT", 1500), -1); /* hung for ever */
        sc_close(&c);
    }
    assert_int_equal(sp_stop(&p), 0);
}

static void count_mode_options(void **state)
{
    (void)state;
    simproc_t p;
    simconn_t c;
    memset(&p, 0, sizeof p);
    const char *args[] = {"--count", "9", "--family", "EG06xK", "--revision", "EG065KNAAAR01A09M4G",
                          "--model", "EM060K-GL", NULL};
    assert_int_equal(sp_start(&p, 9, args), 0);
    /* module 9 sits on the third hub, port 1 */
    assert_int_equal(sc_open(&c, sp_link(&p, "pci-0000:00:14.0-usb-0:1.3.1:1.2")), 0);
    assert_int_equal(sc_at(&c, "ATI", T), 0);
    assert_non_null(strstr(c.seen, "\r\nEM060K-GL\r\n\r\nRevision: EG065KNAAAR01A09M4G\r\n"));
    sc_close(&c);
    assert_int_equal(sp_stop(&p), 0);
}

static int run(const char *args)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' %s >/dev/null 2>&1", FOTA_SIM_BIN, args);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void usage_errors(void **state)
{
    (void)state;
    assert_int_equal(run("--help"), 0);
    assert_int_equal(run("mkpkg --help"), 0);
    assert_int_equal(run("--count 2 --family RG50xQ"), 2);              /* no --ports */
    assert_int_equal(run("--ports usage-ports --count 0 --family RG50xQ"), 2);
    assert_int_equal(run("--ports usage-ports --count 2 --family NOPE"), 2);
    assert_int_equal(run("--ports usage-ports --count 2 --family RG50xQ --speed -1"), 2);
    assert_int_equal(run("--ports usage-ports --scenario /nonexistent.yaml"), 2);
    assert_int_equal(run("mkpkg --family RG50xQ -o usage-pkg.bin"), 2);    /* no --to */
    assert_int_equal(system("rm -rf usage-ports usage-pkg.bin"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(forced_codes_and_download_stall),
        cmocka_unit_test(eg06xk_gives_up_and_restores),
        cmocka_unit_test(vanish_during_reboot),
        cmocka_unit_test(hang_until_power_cycle_or_forever),
        cmocka_unit_test(count_mode_options),
        cmocka_unit_test(usage_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
