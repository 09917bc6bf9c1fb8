/* After the package reached the module: the reboot into the updater, the update,
 * END codes of every family's table, module-side retries (Quectel RG50xQ&RM5xxQ Series
 * FOTA Application Note, §4, Quectel EG06xK&Ex120K&EM060K Series DFOTA Application Note,
 * §3), power loss, stalls, reboot timeouts, the final verification, module swaps and
 * chains of several deltas in one visit. */
#include "fake_module.h"

#include <stdio.h>
#include <string.h>

#define A05 "RG500QEAAAR11A05M4G"
#define A06 "RG500QEAAAR11A06M4G"
#define A07 "RG500QEAAAR11A07M4G"
#define A08 "RG500QEAAAR11A08M4G"

typedef struct {
    const char *family, *model, *from, *to;
} fam_t;

static const fam_t fams[] = {
    {"RG50xQ", "RG500Q", A06, A07},
    {"EG06xK", "EG060K-EA", "EG060KEAAAR01A01M4G", "EG060KEAAAR01A02M4G"},
    {"EC200T", "EC200T", "EC200TCNTCNMAR02A01M16", "EC200TCNTCNMAR02A02M16"},
};

static void fota(h_t *h, const char *rest)
{
    char line[256];
    snprintf(line, sizeof line, "+QIND: \"FOTA\",%s", rest);
    h_rx(h, line);
}

static void fota_end(h_t *h, int code)
{
    char rest[64];
    snprintf(rest, sizeof rest, "\"END\",%d", code);
    fota(h, rest);
}

/* A module whose port drops (the updater's or the new firmware's boot). */
static void reboot(h_t *h, uint64_t ms)
{
    h_gone(h);
    h_advance(h, ms);
    h_back(h);
}

static void boot_urcs(h_t *h)
{
    h_rx(h, "RDY");
    h_rx(h, "+CPIN: READY");
    h_rx(h, "+QUSIM: 1");
    h_rx(h, "+CFUN: 1");
    h_rx(h, "+QIND: SMS DONE");
    h_rx(h, "+QIND: PB DONE");
}

/* Sets up a url job on fam and drives it up to the updater's first URC. */
static void to_updater(h_t *h, const fam_t *f)
{
    h_setup(h, f->family, FOTA_METHOD_URL, f->to);
    h_pkg(h, f->from, f->to, "pkg.bin", "http://10.1.2.3/pkg.bin", 0);
    h_start(h);
    h_ident(h, f->model, f->from, H_IMEI);
    h_cmd(h, "AT+QFOTADL=\"http://10.1.2.3/pkg.bin\"", "OK", NULL);
    fota(h, "\"HTTPSTART\"");
    h_advance(h, 5000);
    fota(h, "\"HTTPEND\",0");
    if (h->profile->methods[FOTA_METHOD_URL].reboot_after_download)
        reboot(h, 10000);
}

static void finish_reboot_and_verify(h_t *h, const fam_t *f, const char *rev, const char *imei)
{
    reboot(h, 20000);
    boot_urcs(h);
    h_verify(h, f->model, rev, imei);
}

static void end_zero_then_wrong_revision_fails_verify(void **state)
{
    (void)state;
    h_t h;
    to_updater(&h, &fams[0]);
    fota(&h, "\"START\"");
    h_updating(&h, 10, 100, 30);
    fota_end(&h, 0);
    finish_reboot_and_verify(&h, &fams[0], A06, H_IMEI);
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_VERIFY, 0);
    assert_string_equal(h_attempt(&h)->final_version, A06);
    h_teardown(&h);
}

static void different_imei_after_reboot_fails_swapped(void **state)
{
    (void)state;
    h_t h;
    to_updater(&h, &fams[0]);
    fota(&h, "\"START\"");
    h_updating(&h, 50, 100, 50);
    fota_end(&h, 0);
    finish_reboot_and_verify(&h, &fams[0], A07, H_IMEI2);
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_SWAPPED, 0);
    assert_non_null(strstr(h_attempt(&h)->error_text, H_IMEI2));
    /* the revision read belongs to the other module: this row's module was never
     * read back */
    assert_string_equal(h_attempt(&h)->final_version, "");
    assert_string_equal(h_attempt(&h)->imei, H_IMEI); /* the row stays the first module's */
    h_teardown(&h);
}

/* Every nonzero <err> code of every family: non-transient ones FAIL with their
 * class and meaning at once; transient ones are retried by the module. */
static void every_end_code_of_every_family(void **state)
{
    (void)state;
    int fatal = 0, transient = 0;
    for (size_t f = 0; f < sizeof fams / sizeof *fams; f++) {
        h_t probe;
        h_setup(&probe, fams[f].family, FOTA_METHOD_URL, fams[f].to);
        const fota_error_table_t *tab = &probe.profile->tables[FOTA_TABLE_ERR];
        for (size_t e = 0; e < tab->n; e++) {
            for (int code = tab->v[e].lo; code <= tab->v[e].hi; code++) {
                if (code == 0)
                    continue;
                h_t h;
                to_updater(&h, &fams[f]);
                fota(&h, "\"START\"");
                h_updating(&h, 20, 20, 1);
                fota_end(&h, code);
                if (tab->v[e].cls == FOTA_ERR_TRANSIENT) {
                    /* not over: the module reboots and tries again */
                    assert_false(fota_machine_finished(h.m));
                    reboot(&h, 10000);
                    fota(&h, "\"START\"");
                    h_updating(&h, 50, 100, 50);
                    fota_end(&h, 0);
                    finish_reboot_and_verify(&h, &fams[f], fams[f].to, H_IMEI);
                    h_expect_result(&h, FOTA_RESULT_PASS, FOTA_ERR_NONE, 0);
                    assert_int_equal(h_attempt(&h)->module_retries, 1);
                    transient++;
                } else {
                    h_expect_result(&h, FOTA_RESULT_FAIL, tab->v[e].cls, code);
                    assert_string_equal(h_attempt(&h)->error_text, tab->v[e].meaning);
                    fatal++;
                }
                h_teardown(&h);
            }
        }
        h_teardown(&probe);
    }
    /* 502, 520–530, 540–546 twice (000, 001); 504/505/510/511/550, 504/506 */
    assert_true(transient >= 2 * 19);
    assert_true(fatal >= 5 + 4 + 2);
}

static void transient_then_success_on_retry_k(void **state)
{
    (void)state;
    for (int k = 1; k <= 5; k++) {
        h_t h;
        to_updater(&h, &fams[0]);
        for (int i = 0; i < k; i++) {
            fota(&h, "\"START\"");
            h_updating(&h, 20, 20, 1);
            fota_end(&h, 520 + i);
            reboot(&h, 15000);
        }
        fota(&h, "\"START\"");
        h_updating(&h, 20, 100, 40);
        fota_end(&h, 0);
        finish_reboot_and_verify(&h, &fams[0], A07, H_IMEI);
        h_expect_result(&h, FOTA_RESULT_PASS, FOTA_ERR_NONE, 0);
        assert_int_equal(h_attempt(&h)->module_retries, k);
        h_teardown(&h);
    }
}

/* Five failed tries: the module deletes its flag and boots the old firmware
 * (Quectel RG50xQ&RM5xxQ Series FOTA Application Note, §4): boot URCs, no START; ATI
 * shows the old revision. */
static void five_failures_then_module_gives_up(void **state)
{
    (void)state;
    h_t h;
    to_updater(&h, &fams[0]);
    for (int i = 0; i < 5; i++) {
        if (i)
            reboot(&h, 15000);
        fota(&h, "\"START\"");
        h_updating(&h, 20, 20, 1);
        fota_end(&h, i < 4 ? 522 : 541);
    }
    reboot(&h, 20000);
    boot_urcs(&h);
    h_verify(&h, "RG500Q", A06, H_IMEI);
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_TRANSIENT, 541);
    const fota_attempt_t *a = h_attempt(&h);
    assert_int_equal(a->module_retries, 4);
    assert_string_equal(a->final_version, A06);
    const fota_error_entry_t *e = fota_profile_lookup_error(h.profile, FOTA_TABLE_ERR, 541);
    assert_non_null(e);
    assert_string_equal(a->error_text, e->meaning);
    h_teardown(&h);
}

/* A module that keeps retrying beyond the profile's count is not going to finish. */
static void retries_beyond_profile_limit_fail(void **state)
{
    (void)state;
    h_t h;
    to_updater(&h, &fams[0]);
    int limit = h.profile->module_retries;
    for (int i = 0; i <= limit + 1 && !fota_machine_finished(h.m); i++) {
        if (i)
            reboot(&h, 5000);
        fota(&h, "\"START\"");
        fota_end(&h, 525);
    }
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_TRANSIENT, 525);
    assert_int_equal(h_attempt(&h)->module_retries, limit + 1);
    h_teardown(&h);
}

/* Power loss at 40 %: the port vanishes mid-update and comes back; the module
 * resumes (Quectel RG50xQ&RM5xxQ Series FOTA Application Note, §4 note). Not a module retry. */
static void power_loss_mid_update_resumes(void **state)
{
    (void)state;
    static const char *const resume_lines[] = {
        "\"Last upgrade was not finished,continue upgrade\"", "\"START\"", NULL};
    for (int variant = 0; variant < 3; variant++) {
        h_t h;
        to_updater(&h, &fams[0]);
        fota(&h, "\"START\"");
        h_updating(&h, 10, 40, 10);
        reboot(&h, 60000);
        if (resume_lines[variant])
            fota(&h, resume_lines[variant]);
        h_updating(&h, 41, 100, 59); /* variant 2: the port came up too late for START */
        fota_end(&h, 0);
        finish_reboot_and_verify(&h, &fams[0], A07, H_IMEI);
        h_expect_result(&h, FOTA_RESULT_PASS, FOTA_ERR_NONE, 0);
        assert_int_equal(h_attempt(&h)->module_retries, 0);
        assert_int_equal(h.max_update_percent, 100);
        h_teardown(&h);
    }
}

static void power_loss_and_port_never_back_fails_port(void **state)
{
    (void)state;
    h_t h;
    to_updater(&h, &fams[0]);
    fota(&h, "\"START\"");
    h_updating(&h, 10, 40, 10);
    h_gone(&h);
    h_advance(&h, h.profile->timeouts.reboot_ms + 1000);
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_PORT, 0);
    h_teardown(&h);
}

static void stall_fails_timeout_with_percent(void **state)
{
    (void)state;
    h_t h;
    to_updater(&h, &fams[0]);
    fota(&h, "\"START\"");
    h_updating(&h, 10, 30, 10);
    /* the same value again is no progress */
    uint64_t stall = h.profile->timeouts.stall_ms;
    for (uint64_t t = 0; t + 20000 < stall; t += 20000) {
        h_advance(&h, 20000);
        fota(&h, "\"UPDATING\",30");
    }
    assert_false(fota_machine_finished(h.m));
    h_advance(&h, 20000);
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_TIMEOUT, 0);
    assert_string_equal(h_attempt(&h)->error_text, "stalled at 30%");
    assert_string_equal(h_attempt(&h)->final_version, ""); /* never read back */
    h_teardown(&h);
}

/* First URC after the reboot must come within the reboot timeout (90 s). */
static void no_urc_after_download_reboot_fails_timeout(void **state)
{
    (void)state;
    h_t h;
    to_updater(&h, &fams[0]); /* RG50xQ: port back after the download reboot, silent */
    h_advance(&h, 89000);
    assert_false(fota_machine_finished(h.m));
    h_advance(&h, 2000);
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_TIMEOUT, 0);
    h_teardown(&h);
}

static void port_never_back_after_download_fails_port(void **state)
{
    (void)state;
    h_t h;
    h_setup(&h, "RG50xQ", FOTA_METHOD_URL, A07);
    h_pkg(&h, A06, A07, "pkg.bin", "http://10.1.2.3/pkg.bin", 0);
    h_start(&h);
    h_ident(&h, "RG500Q", A06, H_IMEI);
    h_cmd(&h, "AT+QFOTADL=\"http://10.1.2.3/pkg.bin\"", "OK", NULL);
    fota(&h, "\"HTTPEND\",0");
    h_gone(&h);
    h_advance(&h, 100000);
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_PORT, 0);
    h_teardown(&h);
}

/* The USB AT port comes up too late to see START, or even anything but END. */
static void late_port_sees_only_updating_or_end(void **state)
{
    (void)state;
    for (int variant = 0; variant < 2; variant++) {
        h_t h;
        to_updater(&h, &fams[0]);
        if (variant == 0)
            h_updating(&h, 37, 100, 63);
        fota_end(&h, 0);
        finish_reboot_and_verify(&h, &fams[0], A07, H_IMEI);
        h_expect_result(&h, FOTA_RESULT_PASS, FOTA_ERR_NONE, 0);
        h_teardown(&h);
    }
}

/* The port drops before FTPEND could be read: the reboot into the updater. */
static void port_drop_without_dl_end_is_the_download_reboot(void **state)
{
    (void)state;
    h_t h;
    h_setup(&h, "RG50xQ", FOTA_METHOD_URL, A07);
    h_pkg(&h, A06, A07, "pkg.bin", "ftp://u:p@10.1.2.3/pkg.bin", 0);
    h_start(&h);
    h_ident(&h, "RG500Q", A06, H_IMEI);
    h_cmd(&h, "AT+QFOTADL=\"ftp://u:p@10.1.2.3/pkg.bin\"", "OK", NULL);
    fota(&h, "\"FTPSTART\"");
    reboot(&h, 30000);
    fota(&h, "\"START\"");
    fota(&h, "\"UPDATING\",100");
    fota_end(&h, 0);
    finish_reboot_and_verify(&h, &fams[0], A07, H_IMEI);
    h_expect_result(&h, FOTA_RESULT_PASS, FOTA_ERR_NONE, 0);
    h_teardown(&h);
}

/* EG06xK checks the package version before it reboots into recovery and reports
 * 505 on the still-open port (Quectel EG06xK&Ex120K&EM060K Series DFOTA Application Note, §3). */
static void eg06xk_version_check_before_reboot_fails_package(void **state)
{
    (void)state;
    h_t h;
    const fam_t *f = &fams[1];
    h_setup(&h, f->family, FOTA_METHOD_URL, f->to);
    h_pkg(&h, f->from, f->to, "pkg.bin", "http://10.1.2.3/pkg.bin", 0);
    h_start(&h);
    h_ident(&h, f->model, f->from, H_IMEI);
    h_cmd(&h, "AT+QFOTADL=\"http://10.1.2.3/pkg.bin\"", "OK", NULL);
    fota(&h, "\"HTTPSTART\"");
    fota(&h, "\"HTTPEND\",0");
    fota_end(&h, 505);
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_PACKAGE, 505);
    const fota_error_entry_t *e = fota_profile_lookup_error(h.profile, FOTA_TABLE_ERR, 505);
    assert_string_equal(h_attempt(&h)->error_text, e->meaning);
    h_teardown(&h);
}

/* After its last failed try the module restores the original firmware (Quectel
 * EG06xK&Ex120K&EM060K Series DFOTA Application Note, §3): RESTORE is no retry, and the
 * verdict is the last END code. */
static void restore_after_last_failure_fails_with_last_code(void **state)
{
    (void)state;
    h_t h;
    to_updater(&h, &fams[1]);
    fota(&h, "\"START\"");
    fota_end(&h, 527);
    reboot(&h, 10000);
    fota(&h, "\"START\"");
    fota_end(&h, 527);
    reboot(&h, 10000);
    fota(&h, "\"RESTORE\",25");
    fota(&h, "\"RESTORE\",50%");
    fota(&h, "\"RESTORE\",100");
    assert_int_equal(h.last_phase, FOTA_PHASE_RESTORE);
    reboot(&h, 10000);
    boot_urcs(&h);
    h_verify(&h, fams[1].model, fams[1].from, H_IMEI);
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_TRANSIENT, 527);
    assert_int_equal(h_attempt(&h)->module_retries, 1);
    h_teardown(&h);
}

/* A05 -> A06 -> A07 -> A08 in one visit, each hop verified (docs/station.md). */
static void three_hop_chain_each_verified(void **state)
{
    (void)state;
    static const char *const revs[] = {A05, A06, A07, A08};
    h_t h;
    h_setup(&h, "RG50xQ", FOTA_METHOD_URL, A08);
    /* listed out of order: the chain comes from from/to, not the list order */
    h_pkg(&h, A07, A08, "a07-a08.zip", "http://10.1.2.3/a07-a08.zip", 0);
    h_pkg(&h, A05, A06, "a05-a06.zip", "http://10.1.2.3/a05-a06.zip", 0);
    h_pkg(&h, A06, A07, "a06-a07.zip", "http://10.1.2.3/a06-a07.zip", 0);
    h_start(&h);
    h_ident(&h, "RG500Q", A05, H_IMEI);
    assert_string_equal(h_attempt(&h)->package_names, "a05-a06.zip,a06-a07.zip,a07-a08.zip");
    for (int hop = 0; hop < 3; hop++) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "AT+QFOTADL=\"http://10.1.2.3/a0%d-a0%d.zip\"", 5 + hop, 6 + hop);
        /* The next hop waits until the verified module's boot lines have been
         * quiet for quiet.hop: a module still booting refuses AT+QFOTADL. */
        uint64_t verified = h.now;
        h_wait_tx(&h, cmd, 5000);
        if (hop > 0)
            assert_int_equal(h.now - verified, h.profile->quiet.hop_ms);
        h_rx(&h, "OK");
        fota(&h, "\"HTTPEND\",0");
        reboot(&h, 10000);
        fota(&h, "\"START\"");
        h_updating(&h, 50, 100, 50);
        fota_end(&h, 0);
        assert_false(fota_machine_finished(h.m));
        finish_reboot_and_verify(&h, &fams[0], revs[hop + 1], H_IMEI);
    }
    h_expect_result(&h, FOTA_RESULT_PASS, FOTA_ERR_NONE, 0);
    const fota_attempt_t *a = h_attempt(&h);
    assert_int_equal(a->hops, 3);
    assert_string_equal(a->from_version, A05);
    assert_string_equal(a->final_version, A08);
    h_teardown(&h);
}

/* final_version is what a read after the upgrade said, never the revision read
 * before: a station stopped during hop 2 leaves it empty (NULL in the row) even
 * though hop 1's verify had read A06, since the module may be anywhere in hop 2. */
static void stop_in_a_later_hop_leaves_final_version_unread(void **state)
{
    (void)state;
    h_t h;
    h_setup(&h, "RG50xQ", FOTA_METHOD_URL, A07);
    h_pkg(&h, A05, A06, "a05-a06.zip", "http://10.1.2.3/a05-a06.zip", 0);
    h_pkg(&h, A06, A07, "a06-a07.zip", "http://10.1.2.3/a06-a07.zip", 0);
    h_start(&h);
    h_ident(&h, "RG500Q", A05, H_IMEI);
    h_cmd(&h, "AT+QFOTADL=\"http://10.1.2.3/a05-a06.zip\"", "OK", NULL);
    fota(&h, "\"HTTPEND\",0");
    reboot(&h, 10000);
    fota(&h, "\"START\"");
    fota_end(&h, 0);
    finish_reboot_and_verify(&h, &fams[0], A06, H_IMEI);
    h_wait_tx(&h, "AT+QFOTADL=\"http://10.1.2.3/a06-a07.zip\"", 5000);
    h_rx(&h, "OK");
    fota(&h, "\"HTTPEND\",0");
    reboot(&h, 10000);
    fota(&h, "\"START\"");
    h_updating(&h, 10, 40, 10);
    fota_machine_abort(h.m, "station shutdown", h.now);
    h_expect_result(&h, FOTA_RESULT_INTERRUPTED, FOTA_ERR_NONE, 0);
    assert_int_equal(h_attempt(&h)->hops, 1);
    assert_string_equal(h_attempt(&h)->final_version, "");
    h_teardown(&h);
}

static void chain_stops_at_a_hop_that_does_not_verify(void **state)
{
    (void)state;
    h_t h;
    h_setup(&h, "RG50xQ", FOTA_METHOD_URL, A07);
    h_pkg(&h, A05, A06, "a05-a06.zip", "http://10.1.2.3/a05-a06.zip", 0);
    h_pkg(&h, A06, A07, "a06-a07.zip", "http://10.1.2.3/a06-a07.zip", 0);
    h_start(&h);
    h_ident(&h, "RG500Q", A05, H_IMEI);
    h_cmd(&h, "AT+QFOTADL=\"http://10.1.2.3/a05-a06.zip\"", "OK", NULL);
    fota(&h, "\"HTTPEND\",0");
    reboot(&h, 10000);
    fota(&h, "\"START\"");
    fota_end(&h, 0);
    finish_reboot_and_verify(&h, &fams[0], A05, H_IMEI);
    h_expect_no_tx(&h);
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_VERIFY, 0);
    assert_int_equal(h_attempt(&h)->hops, 0);
    h_teardown(&h);
}

static void total_timeout_fails_timeout(void **state)
{
    (void)state;
    h_t h;
    h_setup(&h, "RG50xQ", FOTA_METHOD_URL, A07);
    h.job.timeouts.total_ms = 50000;
    h_pkg(&h, A06, A07, "pkg.bin", "http://10.1.2.3/pkg.bin", 0);
    h_start(&h);
    h_ident(&h, "RG500Q", A06, H_IMEI);
    h_cmd(&h, "AT+QFOTADL=\"http://10.1.2.3/pkg.bin\"", "OK", NULL);
    for (int p = 1; p < 20 && !fota_machine_finished(h.m); p++) {
        char rest[64];
        snprintf(rest, sizeof rest, "\"DOWNLOADING\",%d", p);
        h_advance(&h, 5000);
        fota(&h, rest);
    }
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_TIMEOUT, 0);
    assert_non_null(strstr(h_attempt(&h)->error_text, "total"));
    assert_true(h_attempt(&h)->duration_ms <= 51000);
    h_teardown(&h);
}

/* The verification probe: a module slow to answer after its reboot is asked
 * again (plain AT) until the reboot timeout. */
static void slow_module_after_reboot_is_probed_until_it_answers(void **state)
{
    (void)state;
    h_t h;
    to_updater(&h, &fams[0]);
    fota(&h, "\"START\"");
    fota_end(&h, 0);
    reboot(&h, 20000);
    h_wait_tx(&h, "AT", 0); /* asked at once, no fixed wait */
    /* Still booting, silent for 5 s: asked again every half second, not every
     * command timeout (5 s), so it is heard within 0.5 s of coming up. */
    h_advance(&h, 5000);
    int polls = 0;
    while (h.txhead != h.ntx) {
        h_wait_tx(&h, "AT", 0);
        polls++;
    }
    assert_in_range(polls, 9, 11);
    h_rx(&h, "OK");
    h_ident(&h, "RG500Q", A07, H_IMEI);
    h_expect_result(&h, FOTA_RESULT_PASS, FOTA_ERR_NONE, 0);
    h_teardown(&h);
}

/* A healthy module after its final reboot costs no idle time: on the fake clock
 * the first AT is written the moment the port is back, the boot URCs come while
 * it waits, and the commands that verify the revision follow the module's first
 * answer at the same instant, for every family. No silence is waited for. */
static void verification_follows_the_boot_with_no_idle_gap(void **state)
{
    (void)state;
    for (size_t f = 0; f < sizeof fams / sizeof *fams; f++) {
        h_t h;
        to_updater(&h, &fams[f]);
        fota(&h, "\"START\"");
        fota_end(&h, 0);
        h_gone(&h);
        h_advance(&h, 20000);
        h_back(&h);
        uint64_t back = h.now;
        h_advance(&h, 0); /* the deadline it set for now: a zero timer on the loop */
        h_expect_tx(&h, "AT");
        assert_int_equal(h.now, back);
        h_advance(&h, 100); /* the module boots: its URCs, then the answer */
        boot_urcs(&h);
        uint64_t booted = h.now;
        h_rx(&h, "OK");
        h_advance(&h, 0);
        char rev[160];
        snprintf(rev, sizeof rev, "Revision: %s", fams[f].to);
        h_expect_tx(&h, "ATE0");
        assert_int_equal(h.now, booted);
        h_rx(&h, "OK");
        h_cmd(&h, "ATI", "Quectel", fams[f].model, rev, "", "OK", NULL);
        h_cmd(&h, "AT+GSN", H_IMEI, "", "OK", NULL);
        assert_int_equal(h.now, booted);
        h_expect_result(&h, FOTA_RESULT_PASS, FOTA_ERR_NONE, 0);
        h_teardown(&h);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(end_zero_then_wrong_revision_fails_verify),
        cmocka_unit_test(different_imei_after_reboot_fails_swapped),
        cmocka_unit_test(every_end_code_of_every_family),
        cmocka_unit_test(transient_then_success_on_retry_k),
        cmocka_unit_test(five_failures_then_module_gives_up),
        cmocka_unit_test(retries_beyond_profile_limit_fail),
        cmocka_unit_test(power_loss_mid_update_resumes),
        cmocka_unit_test(power_loss_and_port_never_back_fails_port),
        cmocka_unit_test(stall_fails_timeout_with_percent),
        cmocka_unit_test(no_urc_after_download_reboot_fails_timeout),
        cmocka_unit_test(port_never_back_after_download_fails_port),
        cmocka_unit_test(late_port_sees_only_updating_or_end),
        cmocka_unit_test(port_drop_without_dl_end_is_the_download_reboot),
        cmocka_unit_test(eg06xk_version_check_before_reboot_fails_package),
        cmocka_unit_test(restore_after_last_failure_fails_with_last_code),
        cmocka_unit_test(three_hop_chain_each_verified),
        cmocka_unit_test(verification_follows_the_boot_with_no_idle_gap),
        cmocka_unit_test(chain_stops_at_a_hop_that_does_not_verify),
        cmocka_unit_test(stop_in_a_later_hop_leaves_final_version_unread),
        cmocka_unit_test(total_timeout_fails_timeout),
        cmocka_unit_test(slow_module_after_reboot_is_probed_until_it_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
