/* FOTA as the simulated modules run it (RG50xQ, EG06xK and EC200T notes, and real-module behaviour): local
 * packages over QFUPL, reboots as re-enumerations (the link comes back to a new
 * pty), boot URCs, the module's package checks with each family's codes, its
 * own retries, power loss and resume, and the scenario's faults. */
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

#define T 4000

static const char *const boot_urcs[] = {"RDY", "+CPIN: READY", "+QUSIM: 1", "+CFUN: 1",
                                        "+QIND: SMS DONE", "+QIND: PB DONE"};

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

/* AT+QFUPL a package file into the module's UFS as `name`. */
static void upload(simconn_t *c, const char *name, const char *path)
{
    size_t n;
    uint8_t *b = slurp(path, &n);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "AT+QFUPL=\"%s\",%zu,5", name, n);
    assert_int_equal(sc_at(c, cmd, T), 2);
    assert_int_equal(sc_write(c, b, n), 0);
    char want[64];
    snprintf(want, sizeof want, "+QFUPL: %zu,", n);
    assert_int_equal(sc_expect(c, want, T), 0);
    assert_int_equal(sc_expect(c, "OK\r\n", T), 0);
    free(b);
}

/* Port drops, comes back as a different pty; returns with the new one open. */
static void expect_reenumeration(simconn_t *c)
{
    char old[256];
    snprintf(old, sizeof old, "%s", c->target);
    assert_int_equal(sc_wait_gone(c, T), 0);
    assert_int_equal(sc_reopen(c, T), 0);
    assert_string_not_equal(c->target, old);
}

static void expect_boot(simconn_t *c)
{
    for (size_t i = 0; i < sizeof boot_urcs / sizeof boot_urcs[0]; i++) {
        char l[64];
        snprintf(l, sizeof l, "\r\n%s\r\n", boot_urcs[i]);
        assert_int_equal(sc_expect(c, l, T), 0);
    }
}

static void expect_revision(simconn_t *c, const char *rev)
{
    char want[128];
    snprintf(want, sizeof want, "Revision: %s\r\n", rev);
    assert_int_equal(sc_at(c, "ATI", T), 0);
    assert_non_null(strstr(c->seen, want));
}

#define RG_A06 "RG500QEAAAR11A06M4G"
#define RG_A07 "RG500QEAAAR11A07M4G"

static void rg50xq_local_update_reenumerates_twice(void **state)
{
    (void)state;
    simproc_t p;
    simconn_t c;
    start_scenario(&p,
                   "modules:\n"
                   "  - {slot: rg-1, family: RG50xQ, model: RM500Q-GL, revision: " RG_A06 "}\n",
                   1);
    const char *pkg = sp_mkpkg(&p, "a06-a07.bin", "--family RG50xQ --from " RG_A06 " --to " RG_A07 " --size 5000");
    assert_non_null(pkg);
    assert_int_equal(sc_open(&c, sp_link(&p, "rg-1")), 0);
    assert_int_equal(sc_at(&c, "ATE0", T), 0);
    upload(&c, "a06-a07.bin", pkg);
    assert_int_equal(sc_at(&c, "AT+QFOTADL=\"/cache/ufs/a06-a07.bin\"", T), 0);
    /* as on real modules: with a local package the port drops right after the OK */
    expect_reenumeration(&c);
    assert_int_equal(sc_expect(&c, "\r\n+QIND: \"FOTA\",\"START\"\r\n", T), 0);
    assert_int_equal(sc_expect(&c, "\r\n+QIND: \"FOTA\",\"UPDATING\",1\r\n", T), 0);
    assert_int_equal(sc_expect(&c, "\r\n+QIND: \"FOTA\",\"UPDATING\",50\r\n", T), 0);
    assert_int_equal(sc_expect(&c, "\r\n+QIND: \"FOTA\",\"UPDATING\",100\r\n", T), 0);
    assert_int_equal(sc_expect(&c, "\r\n+QIND: \"FOTA\",\"END\",0\r\n", T), 0);
    expect_reenumeration(&c); /* and again after END,0 */
    expect_boot(&c);
    expect_revision(&c, RG_A07);
    sc_at(&c, "AT+QGMR", T);
    assert_non_null(strstr(c.seen, RG_A07 "_01.001.01.001"));
    sc_close(&c);
    assert_int_equal(sp_stop(&p), 0);
}

/* One module per package problem; each family answers from its own table. */
static void package_checks_use_family_codes(void **state)
{
    (void)state;
    simproc_t p;
    simconn_t c;
    start_scenario(&p,
                   "defaults: {family: RG50xQ, revision: " RG_A06 "}\n"
                   "modules:\n"
                   "  - {slot: fam}\n"
                   "  - {slot: hash}\n"
                   "  - {slot: src}\n"
                   "  - {slot: space, free_space: 9000}\n"
                   "  - {slot: big, max_package: 3000}\n"
                   "  - {slot: fmt}\n",
                   6);
    struct { const char *slot, *args; int code; } cases[] = {
        {"fam", "--family EG06xK --from " RG_A06 " --to " RG_A07 " --size 4000", 505},
        {"hash", "--family RG50xQ --from " RG_A06 " --to " RG_A07 " --size 4000 --corrupt", 504},
        {"src", "--family RG50xQ --from RG500QEAAAR11A05M4G --to " RG_A07 " --size 4000", 510},
        {"space", "--family RG50xQ --from " RG_A06 " --to " RG_A07 " --size 6000", 511},
        {"big", "--family RG50xQ --from " RG_A06 " --to " RG_A07 " --size 4000", 550},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char name[32], want[64];
        snprintf(name, sizeof name, "p%zu.bin", i);
        const char *pkg = sp_mkpkg(&p, name, cases[i].args);
        assert_non_null(pkg);
        assert_int_equal(sc_open(&c, sp_link(&p, cases[i].slot)), 0);
        upload(&c, name, pkg);
        char cmd[128];
        snprintf(cmd, sizeof cmd, "AT+QFOTADL=\"/cache/ufs/%s\"", name);
        assert_int_equal(sc_at(&c, cmd, T), 0);
        expect_reenumeration(&c);
        assert_int_equal(sc_expect(&c, "+QIND: \"FOTA\",\"START\"", T), 0);
        snprintf(want, sizeof want, "\r\n+QIND: \"FOTA\",\"END\",%d\r\n", cases[i].code);
        assert_int_equal(sc_expect_not(&c, want, "UPDATING\",100", T), 0);
        expect_reenumeration(&c); /* not retried: boots on the old firmware */
        expect_boot(&c);
        expect_revision(&c, RG_A06);
        sc_close(&c);
    }
    /* not a package at all */
    assert_int_equal(sc_open(&c, sp_link(&p, "fmt")), 0);
    assert_int_equal(sc_at(&c, "AT+QFUPL=\"junk.zip\",10", T), 2);
    sc_write(&c, "PK\x03\x04junkjk", 10);
    assert_int_equal(sc_expect(&c, "OK\r\n", T), 0);
    assert_int_equal(sc_at(&c, "AT+QFOTADL=\"/cache/ufs/junk.zip\"", T), 0);
    expect_reenumeration(&c);
    assert_int_equal(sc_expect(&c, "\r\n+QIND: \"FOTA\",\"END\",504\r\n", T), 0);
    sc_close(&c);
    assert_int_equal(sp_stop(&p), 0);
}

#define EG_R1 "EG065KNAAAR01A01M4G"
#define EG_R2 "EG065KNAAAR01A02M4G"

/* EG06xK DFOTA note §3: the version is checked before recovery; a mismatch is reported with
 * 505 and the package deleted, no reboot. */
static void eg06xk_mismatch_deleted_before_reboot(void **state)
{
    (void)state;
    simproc_t p;
    simconn_t c;
    start_scenario(&p, "modules:\n  - {slot: eg, family: EG06xK, revision: " EG_R1 "}\n", 1);
    const char *pkg = sp_mkpkg(&p, "rg.bin", "--family RG50xQ --to X --size 1000");
    assert_int_equal(sc_open(&c, sp_link(&p, "eg")), 0);
    upload(&c, "rg.bin", pkg);
    assert_int_equal(sc_at(&c, "AT+QFOTADL=\"/usrdata/cache/ufs/rg.bin\"", T), 0);
    assert_int_equal(sc_expect_not(&c, "+QIND: \"FOTA\", \"END\",505", "START", T), 0);
    assert_int_equal(sc_at(&c, "AT+QFLST=\"*\"", T), 0); /* still the same port */
    assert_null(strstr(c.seen, "rg.bin"));
    expect_revision(&c, EG_R1);
    /* a good package goes through, with a reboot in between */
    pkg = sp_mkpkg(&p, "ok.bin", "--family EG06xK --from " EG_R1 " --to " EG_R2 " --size 3000");
    upload(&c, "ok.bin", pkg);
    assert_int_equal(sc_at(&c, "AT+QFOTADL=\"/usrdata/cache/ufs/ok.bin\"", T), 0);
    expect_reenumeration(&c);
    assert_int_equal(sc_expect(&c, "+QIND: \"FOTA\", \"END\",0", T), 0);
    expect_reenumeration(&c);
    expect_boot(&c);
    expect_revision(&c, EG_R2);
    sc_close(&c);
    assert_int_equal(sp_stop(&p), 0);
}

static void count_in(const char *hay, const char *needle, int *n)
{
    *n = 0;
    for (const char *s = hay; (s = strstr(s, needle)); s += strlen(needle))
        (*n)++;
}

/* RG50xQ FOTA note §4: END,520 reboots and retries; success on retry 2. Another module never
 * succeeds: five retries, then it gives up and boots the old revision. */
static void transient_failures_retry_then_give_up(void **state)
{
    (void)state;
    simproc_t p;
    simconn_t c;
    start_scenario(&p,
                   "defaults: {family: RG50xQ, revision: " RG_A06 "}\n"
                   "modules:\n"
                   "  - slot: ok-on-2\n"
                   "    faults: {transient: {code: 520, at: 20, succeed_on_retry: 2}}\n"
                   "  - slot: never\n"
                   "    timing: {update_s: 4000}\n"
                   "    faults: {transient: {code: 525, at: 10, succeed_on_retry: 99}}\n",
                   2);
    const char *pkg = sp_mkpkg(&p, "u.bin", "--family RG50xQ --from " RG_A06 " --to " RG_A07 " --size 2000");
    assert_int_equal(sc_open(&c, sp_link(&p, "ok-on-2")), 0);
    upload(&c, "u.bin", pkg);
    assert_int_equal(sc_at(&c, "AT+QFOTADL=\"/cache/ufs/u.bin\"", T), 0);
    for (int attempt = 0; attempt < 2; attempt++) {
        expect_reenumeration(&c);
        assert_int_equal(sc_expect(&c, "\"START\"", T), 0);
        assert_int_equal(sc_expect_not(&c, "\"END\",520\r\n", "\"UPDATING\",21", T), 0);
    }
    expect_reenumeration(&c);
    assert_int_equal(sc_expect(&c, "\"START\"", T), 0);
    assert_int_equal(sc_expect(&c, "\"UPDATING\",100", T), 0);
    assert_int_equal(sc_expect(&c, "\"END\",0\r\n", T), 0);
    expect_reenumeration(&c);
    expect_boot(&c);
    expect_revision(&c, RG_A07);
    sc_close(&c);

    assert_int_equal(sc_open(&c, sp_link(&p, "never")), 0);
    upload(&c, "u.bin", pkg);
    assert_int_equal(sc_at(&c, "AT+QFOTADL=\"/cache/ufs/u.bin\"", T), 0);
    for (int attempt = 0; attempt < 6; attempt++) { /* first try + five retries */
        expect_reenumeration(&c);
        assert_int_equal(sc_expect_not(&c, "\"END\",525\r\n", "RDY", T), 0);
    }
    expect_reenumeration(&c);
    expect_boot(&c);
    sc_drain(&c, 200);
    int starts;
    count_in(c.buf, "START", &starts);
    assert_int_equal(starts, 0); /* gave up: no seventh attempt */
    expect_revision(&c, RG_A06);
    sc_close(&c);
    assert_int_equal(sp_stop(&p), 0);
}

/* Power lost at 40 %: the port disappears for a while, the update resumes
 * (RG50xQ FOTA note §4 note; real modules print "Last upgrade was not finished,continue upgrade"). */
static void power_loss_resumes(void **state)
{
    (void)state;
    simproc_t p;
    simconn_t c;
    start_scenario(&p,
                   "modules:\n"
                   "  - slot: pl\n"
                   "    family: RG50xQ\n"
                   "    revision: " RG_A06 "\n"
                   "    variants: {continue_msg: true, percent_sign: true}\n"
                   "    faults: {power_loss: {at: 40, off_s: 60}}\n",
                   1);
    const char *pkg = sp_mkpkg(&p, "u.bin", "--family RG50xQ --from " RG_A06 " --to " RG_A07 " --size 2000");
    assert_int_equal(sc_open(&c, sp_link(&p, "pl")), 0);
    upload(&c, "u.bin", pkg);
    assert_int_equal(sc_at(&c, "AT+QFOTADL=\"/cache/ufs/u.bin\"", T), 0);
    expect_reenumeration(&c);
    assert_int_equal(sc_expect(&c, "\"UPDATING\",39%\r\n", T), 0);
    expect_reenumeration(&c);
    assert_int_equal(sc_expect(&c, "\"Last upgrade was not finished,continue upgrade\"", T), 0);
    assert_int_equal(sc_expect(&c, "\"START\"", T), 0);
    assert_int_equal(sc_expect_not(&c, "\"UPDATING\",40%\r\n", "\"UPDATING\",1%\r\n", T), 0);
    assert_int_equal(sc_expect(&c, "\"END\",0\r\n", T), 0);
    expect_reenumeration(&c);
    expect_boot(&c);
    expect_revision(&c, RG_A07);
    sc_close(&c);
    assert_int_equal(sp_stop(&p), 0);
}

/* power_loss with old_firmware: the cut came before the update took; the module
 * boots its old firmware normally (boot URCs through PB DONE, no FOTA URC), and
 * the next update runs through (the cut happens once per run). */
static void power_loss_old_firmware_boots_normally(void **state)
{
    (void)state;
    simproc_t p;
    simconn_t c;
    start_scenario(&p,
                   "modules:\n"
                   "  - slot: pl\n"
                   "    family: RG50xQ\n"
                   "    revision: " RG_A06 "\n"
                   "    faults: {power_loss: {at: 40, off_s: 60, old_firmware: true}}\n",
                   1);
    const char *pkg = sp_mkpkg(&p, "u.bin", "--family RG50xQ --from " RG_A06 " --to " RG_A07 " --size 2000");
    assert_int_equal(sc_open(&c, sp_link(&p, "pl")), 0);
    upload(&c, "u.bin", pkg);
    assert_int_equal(sc_at(&c, "AT+QFOTADL=\"/cache/ufs/u.bin\"", T), 0);
    expect_reenumeration(&c);
    assert_int_equal(sc_expect(&c, "\"UPDATING\",39\r\n", T), 0);
    expect_reenumeration(&c);
    assert_int_equal(sc_expect_not(&c, "\r\n+QIND: PB DONE\r\n", "\"FOTA\"", T), 0);
    expect_revision(&c, RG_A06);
    assert_int_equal(sc_at(&c, "AT+QFOTADL=\"/cache/ufs/u.bin\"", T), 0); /* still stored */
    expect_reenumeration(&c);
    assert_int_equal(sc_expect(&c, "\"END\",0\r\n", T), 0);
    expect_reenumeration(&c);
    expect_boot(&c);
    expect_revision(&c, RG_A07);
    sc_close(&c);
    assert_int_equal(sp_stop(&p), 0);
}

/* boot_busy_s: at power-up the module boots for that long (5 s here, --speed
 * 1000): AT and ATI are answered, FOTA commands refused with ERROR, until its
 * last boot URC; then an upload goes through. */
static void boot_busy_refuses_fota_commands_until_booted(void **state)
{
    (void)state;
    simproc_t p;
    simconn_t c;
    start_scenario(&p,
                   "modules:\n"
                   "  - slot: bb\n"
                   "    family: RG50xQ\n"
                   "    revision: " RG_A06 "\n"
                   "    faults: {boot_busy_s: 5000}\n",
                   1);
    const char *pkg = sp_mkpkg(&p, "u.bin", "--family RG50xQ --from " RG_A06 " --to " RG_A07 " --size 2000");
    assert_int_equal(sc_open(&c, sp_link(&p, "bb")), 0);
    assert_int_equal(sc_at(&c, "AT", T), 0);
    expect_revision(&c, RG_A06);
    assert_int_equal(sc_at(&c, "AT+QFUPL=\"u.bin\",2000,5", T), 1);
    assert_int_equal(sc_at(&c, "AT+QFOTADL=\"/cache/ufs/u.bin\"", T), 1);
    assert_int_equal(sc_expect(&c, "\r\n+QIND: PB DONE\r\n", 2 * T), 0);
    upload(&c, "u.bin", pkg);
    sc_close(&c);
    assert_int_equal(sp_stop(&p), 0);
}

/* Stall, vanish, a late port, a swapped module, an error code at a phase. */
static void update_faults(void **state)
{
    (void)state;
    simproc_t p;
    start_scenario(&p,
                   "defaults: {family: RG50xQ, revision: " RG_A06 "}\n"
                   "modules:\n"
                   "  - {slot: stall, faults: {stall: {phase: update, at: 30}}}\n"
                   "  - {slot: vanish, faults: {vanish: {phase: update, at: 20}}}\n"
                   "  - {slot: late, variants: {late_port: 10}}\n"
                   "  - {slot: swap, imei: '864032051234563', faults: {swap_imei: '864032059876548'}}\n"
                   "  - {slot: err, faults: {error: {phase: update, code: 511, at: 60}}}\n",
                   5);
    const char *pkg = sp_mkpkg(&p, "u.bin", "--family RG50xQ --from " RG_A06 " --to " RG_A07 " --size 2000");
    const char *slots[] = {"stall", "vanish", "late", "swap", "err"};
    simconn_t cs[5];
    for (int i = 0; i < 5; i++) {
        assert_int_equal(sc_open(&cs[i], sp_link(&p, slots[i])), 0);
        upload(&cs[i], "u.bin", pkg);
    }
#define GO(i) assert_int_equal(sc_at(&cs[i], "AT+QFOTADL=\"/cache/ufs/u.bin\"", T), 0)
    /* stall: progress stops at 29 % and nothing more comes */
    GO(0);
    expect_reenumeration(&cs[0]);
    assert_int_equal(sc_expect(&cs[0], "\"UPDATING\",29\r\n", T), 0);
    sc_drain(&cs[0], 800);
    assert_null(strstr(cs[0].buf, "UPDATING"));
    assert_null(strstr(cs[0].buf, "END"));
    /* vanish: the link goes and never returns */
    GO(1);
    expect_reenumeration(&cs[1]);
    assert_int_equal(sc_expect(&cs[1], "\"UPDATING\",19\r\n", T), 0);
    assert_int_equal(sc_wait_gone(&cs[1], T), 0);
    assert_int_equal(sp_wait_no_link(sp_link(&p, "vanish"), T), 0);
    assert_int_equal(sp_wait_link(sp_link(&p, "vanish"), NULL, 800, NULL, 0), -1);
    /* late port: START and the first percents are never seen */
    GO(2);
    assert_int_equal(sc_wait_gone(&cs[2], T), 0);
    assert_int_equal(sc_reopen(&cs[2], T), 0);
    assert_int_equal(sc_expect(&cs[2], "\"END\",0", T), 0);
    assert_null(strstr(cs[2].seen, "START"));
    assert_null(strstr(cs[2].seen, "\"UPDATING\",9\r\n"));
    assert_non_null(strstr(cs[2].seen, "\"UPDATING\",10\r\n"));
    /* swap: a different IMEI after the reboot */
    GO(3);
    expect_reenumeration(&cs[3]);
    assert_int_equal(sc_expect(&cs[3], "\"END\",0", T), 0);
    expect_reenumeration(&cs[3]);
    expect_boot(&cs[3]);
    assert_int_equal(sc_at(&cs[3], "AT+GSN", T), 0);
    assert_non_null(strstr(cs[3].seen, "864032059876548"));
    /* err: the scenario's code at its percentage, no retry for 511 */
    GO(4);
    expect_reenumeration(&cs[4]);
    assert_int_equal(sc_expect_not(&cs[4], "\"END\",511\r\n", "\"UPDATING\",60", T), 0);
    expect_reenumeration(&cs[4]);
    expect_boot(&cs[4]);
    expect_revision(&cs[4], RG_A06);
    for (int i = 0; i < 5; i++)
        sc_close(&cs[i]);
    assert_int_equal(sp_stop(&p), 0);
}

/* Line-level faults: garbage between lines, URCs between a command and its OK,
 * one byte per write, ATE0 that does not stick, an unknown model. */
static void line_faults(void **state)
{
    (void)state;
    simproc_t p;
    simconn_t c;
    start_scenario(&p,
                   "defaults: {family: EC200T}\n"
                   "modules:\n"
                   "  - {slot: garbage, faults: {garbage: true}}\n"
                   "  - {slot: inject, faults: {inject_urcs: true}}\n"
                   "  - {slot: split, faults: {split_writes: true}}\n"
                   "  - {slot: echo, faults: {echo_stuck: true}}\n"
                   "  - {slot: odd, model: QX999Z-ZZ}\n",
                   5);
    assert_int_equal(sc_open(&c, sp_link(&p, "garbage")), 0);
    assert_int_equal(sc_at(&c, "ATI", T), 0);
    int junk = 0;
    for (const char *s = c.seen; *s; s++)
        junk += (unsigned char)*s >= 0x80 || *s == 0x1b || *s == '~';
    assert_true(junk > 0);
    assert_non_null(strstr(c.seen, "\r\nEC200T-CN\r\n"));
    sc_close(&c);

    assert_int_equal(sc_open(&c, sp_link(&p, "inject")), 0);
    assert_int_equal(sc_at(&c, "AT+GSN", T), 0);
    char *urc = strstr(c.seen, "\r\n+C");
    char *imei = strstr(c.seen, "\r\n86");
    assert_non_null(urc);
    assert_non_null(imei);
    assert_true(urc > imei); /* between the information line and OK */
    sc_close(&c);

    assert_int_equal(sc_open(&c, sp_link(&p, "split")), 0);
    assert_int_equal(sc_cmd(&c, "ATE0"), 0);
    assert_int_equal(sc_expect(&c, "OK\r\n", T), 0);
    assert_int_equal(sc_cmd(&c, "ATI"), 0);
    /* the reply trickles in: several reads, each small */
    int reads = 0;
    for (int i = 0; i < 200 && !strstr(c.buf, "OK\r\n"); i++) {
        size_t before = c.len;
        sc_drain(&c, 3);
        if (c.len > before)
            reads++;
    }
    assert_non_null(strstr(c.buf, "Revision: EC200TCNTCNMAR02A01M16"));
    assert_true(reads >= 5);
    sc_close(&c);

    assert_int_equal(sc_open(&c, sp_link(&p, "echo")), 0);
    assert_int_equal(sc_at(&c, "ATE0", T), 0);
    assert_int_equal(sc_at(&c, "AT+CGSN", T), 0);
    assert_non_null(strstr(c.seen, "AT+CGSN\r")); /* still echoed */
    sc_close(&c);

    assert_int_equal(sc_open(&c, sp_link(&p, "odd")), 0);
    assert_int_equal(sc_at(&c, "ATI", T), 0);
    assert_non_null(strstr(c.seen, "\r\nQX999Z-ZZ\r\n"));
    sc_close(&c);
    assert_int_equal(sp_stop(&p), 0);
}

static void scenario_errors_name_line_and_column(void **state)
{
    (void)state;
    simproc_t p;
    memset(&p, 0, sizeof p);
    const char *path = sp_write_file(&p, "bad.yaml",
                                     "modules:\n"
                                     "  - family: RG50xQ\n"
                                     "    imei: '123456789012345'\n"
                                     "  - family: NOPE\n"
                                     "  - family: EC200T\n"
                                     "    faults: {stall: {phase: sometime}}\n");
    char cmd[2048], log[1200];
    snprintf(log, sizeof log, "%s/err.txt", p.dir);
    snprintf(cmd, sizeof cmd, "'%s' --ports '%s/ports' --scenario '%s' 2>'%s'", FOTA_SIM_BIN, p.dir, path, log);
    int rc = system(cmd);
    assert_int_equal(WEXITSTATUS(rc), 2);
    size_t n;
    uint8_t *text = slurp(log, &n);
    text[n] = 0;
    assert_non_null(strstr((char *)text, "bad.yaml:3:11: imei '123456789012345' has a wrong Luhn"));
    assert_non_null(strstr((char *)text, "bad.yaml:4:13: unknown family 'NOPE'"));
    assert_non_null(strstr((char *)text, "bad.yaml:6:29: unknown phase 'sometime'"));
    free(text);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", p.dir);
    assert_int_equal(system(cmd), 0);
}

/* imei_as_written: a blank IMEI, a wrong check digit, and a count of clones sharing
 * one IMEI, as refurbished lines see them; without it a count gets unique IMEIs. */
static void imei_as_written_blank_invalid_and_clones(void **state)
{
    (void)state;
    simproc_t p;
    start_scenario(&p,
                   "defaults: {family: RG50xQ}\n"
                   "modules:\n"
                   "  - {slot: blank, imei: '000000000000000'}\n"
                   "  - {slot: bad, imei: '490154203237519', imei_as_written: true}\n"
                   "  - {slot: clone, count: 2, imei: '864032051234563', imei_as_written: true}\n"
                   "  - {slot: uniq, count: 2, imei: '864032051234563'}\n",
                   6);
    static const struct { const char *slot, *imei; } want[] = {
        {"blank", "000000000000000"},   {"bad", "490154203237519"},
        {"clone-1", "864032051234563"}, {"clone-2", "864032051234563"},
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        simconn_t c;
        assert_int_equal(sc_open(&c, sp_link(&p, want[i].slot)), 0);
        assert_int_equal(sc_at(&c, "AT+GSN", T), 0);
        assert_non_null(strstr(c.seen, want[i].imei));
        sc_close(&c);
    }
    char got[2][16];
    for (int i = 0; i < 2; i++) {
        simconn_t c;
        assert_int_equal(sc_open(&c, sp_link(&p, i ? "uniq-2" : "uniq-1")), 0);
        assert_int_equal(sc_at(&c, "AT+GSN", T), 0);
        assert_int_equal(sscanf(c.seen, "AT+GSN\r\r\n%15[0-9]", got[i]), 1);
        sc_close(&c);
    }
    assert_string_not_equal(got[0], got[1]);
    assert_int_equal(sp_stop(&p), 0);
}

/* The shipped demo line loads, publishes every module, and a reset reboots one. */
static void example_line_and_cfun_reset(void **state)
{
    (void)state;
    simproc_t p;
    simconn_t c;
    memset(&p, 0, sizeof p);
    const char *args[] = {"--scenario", FOTA_SOURCE_DIR "/examples/sim-line.yaml", "--speed", "1000", NULL};
    assert_int_equal(sp_start(&p, 31, args), 0);
    assert_int_equal(sc_open(&c, sp_link(&p, "pci-0000:00:14.0-usb-0:1.1.1:1.2")), 0);
    assert_int_equal(sc_at(&c, "AT+CFUN=1,1", T), 0);
    expect_reenumeration(&c);
    expect_boot(&c);
    expect_revision(&c, RG_A06);
    sc_close(&c);
    assert_int_equal(sp_stop(&p), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rg50xq_local_update_reenumerates_twice),
        cmocka_unit_test(package_checks_use_family_codes),
        cmocka_unit_test(eg06xk_mismatch_deleted_before_reboot),
        cmocka_unit_test(transient_failures_retry_then_give_up),
        cmocka_unit_test(power_loss_resumes),
        cmocka_unit_test(power_loss_old_firmware_boots_normally),
        cmocka_unit_test(boot_busy_refuses_fota_commands_until_booted),
        cmocka_unit_test(update_faults),
        cmocka_unit_test(line_faults),
        cmocka_unit_test(scenario_errors_name_line_and_column),
        cmocka_unit_test(imei_as_written_blank_invalid_and_clones),
        cmocka_unit_test(example_line_and_cfun_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
