/* Random visits: a seeded driver throws real module lines (replies, URCs of every
 * family, boot lines), junk bytes, port drops, time jumps, writes finishing and
 * station decisions at the machine in random order and splits, under ASan/UBSan.
 * Whatever happens, the station's contract must hold:
 *   - FINISH exactly once, and no action after it;
 *   - every transfer grant given back with exactly one TRANSFER_END;
 *   - the deadline is never in the past after a tick;
 *   - a finished attempt has a result, and a FAIL has an error class;
 *   - no URL password in any trace. */
#include "fake_module.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const lines[] = {
    "OK", "ERROR", "+CME ERROR: 3", "CONNECT", "Quectel", "Quectel_Ltd", "RG500Q",
    "Quectel_EC200T", "M95", "EG060K-EA", "Revision: RG500QEAAAR11A06M4G",
    "Revision: RG500QEAAAR11A07M4G", "Revision: EC200TCNTCNMAR02A01M16", "Revision: M95FAR02A08",
    H_IMEI, H_IMEI2, "+CGSN: " H_IMEI, "+QFLST: \"UFS:pkg.bin\",100", "+QFLDS: 100000,200000",
    "+QFLDS: 10,200000", "+QFUPL: 3000,1234", "+QFUPL: 3000", "A",
    "+QIND: \"FOTA\",\"FTPSTART\"", "+QIND: \"FOTA\",\"FTPEND\",0", "+QIND: \"FOTA\",\"FTPEND\",601",
    "+QIND: \"FOTA\",\"HTTPEND\",0", "+QIND: \"FOTA\", \"HTTPEnd\", 701",
    "+QIND: \"FOTA\",\"FILESTART\"", "+QIND: \"FOTA\",\"FILEEND\",0", "+QIND: \"FOTA\",\"FILEEND\",500",
    "+QIND: \"FOTA\",\"START\"", "+QIND: \"FOTA\",\"UPDATING\",1", "+QIND: \"FOTA\",\"UPDATING\",57%",
    "+QIND: \"FOTA\",\"UPDATING\",100", "+QIND: \"FOTA\",\"RESTORE\",25",
    "+QIND: \"FOTA\",\"END\",0", "+QIND: \"FOTA\",\"END\",520", "+QIND: \"FOTA\",\"END\",504",
    "+QIND: \"FOTA\",\"END\",99999", "+QIND: \"FOTA\",\"DOWNLOADING\",12",
    "+QIND: \"FOTA\",\"Last upgrade was not finished,continue upgrade\"", "+QIND: \"FOTA\"",
    "+QIND: \"FOTA\",\"END\",", "RDY", "+CPIN: READY", "+QIND: PB DONE", "Call Ready",
    "Finish data downloading, rebooting....", " Update  percent = 42%",
    " Quectel firmware update success. status=0", "Quectel firmware update failed. status=3",
    "Rebooting....", "", "ftp://user:secret@host/x",
};

typedef struct {
    const char *family, *to, *from;
    fota_method_t method;
    const char *url;
    const char *model;
} setup_t;

static const setup_t setups[] = {
    {"RG50xQ", "RG500QEAAAR11A07M4G", "RG500QEAAAR11A06M4G", FOTA_METHOD_URL,
     "ftp://user:secret@10.1.2.3/a.zip", "RG500Q"},
    {"RG50xQ", "RG500QEAAAR11A07M4G", "RG500QEAAAR11A06M4G", FOTA_METHOD_LOCAL, NULL, "RG500Q"},
    {"EC200T", "EC200TCNTCNMAR02A02M16", "EC200TCNTCNMAR02A01M16", FOTA_METHOD_STREAM, NULL,
     "EC200T"},
    {"legacy-GSM", "M95FAR02A09", "M95FAR02A08", FOTA_METHOD_QFUA, NULL, "M95"},
    {"legacy-GSM", "M95FAR02A09", "M95FAR02A08", FOTA_METHOD_QFAW, NULL, "M95"},
};

static uint32_t rnd(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static int tally[4][FOTA_ERR__COUNT];

/* A mostly cooperative module: a plausible reply to the command it was sent,
 * sometimes a wrong one. */
static void answer(h_t *h, const setup_t *su, uint32_t *s)
{
    h_pump(h);
    if (h->txhead == h->ntx)
        return;
    const char *c = h->tx[h->txhead++];
    bool bad = rnd(s) % 10 == 0;
    char rev[128];
    if (bad) {
        h_rx(h, rnd(s) % 2 ? "ERROR" : "+CME ERROR: 3");
    } else if (!strcmp(c, "ATI")) {
        snprintf(rev, sizeof rev, "Revision: %s", rnd(s) % 3 ? su->from : su->to);
        h_rx(h, "Quectel");
        h_rx(h, su->model);
        h_rx(h, rev);
        h_rx(h, "OK");
    } else if (!strcmp(c, "AT+GSN") || !strcmp(c, "AT+CGSN")) {
        h_rx(h, rnd(s) % 8 ? H_IMEI : H_IMEI2);
        h_rx(h, "OK");
    } else if (!strncmp(c, "AT+QFLDS", 8)) {
        h_rx(h, "+QFLDS: 100000,200000");
        h_rx(h, "OK");
    } else if (!strncmp(c, "AT+QFUPL", 8)) {
        h_rx(h, "CONNECT");
    } else if (!strcmp(c, "AT+QFUA")) {
        h_rx(h, "OK");
        h_rx(h, "CONNECT");
    } else {
        h_rx(h, "OK");
    }
}

static void one_visit(uint32_t seed)
{
    uint32_t s = seed * 2654435761u + 1;
    const setup_t *su = &setups[rnd(&s) % (sizeof setups / sizeof *setups)];
    h_t h;
    h_setup(&h, su->family, su->method, su->to);
    h_pkg(&h, su->method == FOTA_METHOD_STREAM ? NULL : su->from, su->to, "pkg.bin", su->url,
          su->url ? 0 : 3000);
    h.auto_sent = rnd(&s) % 2;
    h.ack_block = rnd(&s) % 2 ? 1024 : 0;
    h.echo = rnd(&s) % 2;
    h.bytewise = rnd(&s) % 8 == 0;
    h_start(&h);
    bool present = true;
    for (int step = 0; step < 400 && !fota_machine_finished(h.m); step++) {
        uint32_t r = rnd(&s) % 20;
        if (r < 8) {
            answer(&h, su, &s);
        } else if (r < 13) {
            h_rx(&h, lines[rnd(&s) % (sizeof lines / sizeof *lines)]);
        } else if (r == 13) {
            char junk[16];
            size_t n = 1 + rnd(&s) % sizeof junk;
            for (size_t i = 0; i < n; i++)
                junk[i] = (char)rnd(&s);
            h_raw(&h, junk, n);
        } else if (r < 16) {
            h_advance(&h, rnd(&s) % 20000);
        } else if (r == 16) {
            if (present)
                h_gone(&h);
            else
                h_back(&h);
            present = !present;
        } else if (r == 17) {
            fota_machine_sent(h.m, h.now);
            h_pump(&h);
        } else if (r == 18) {
            fota_machine_proceed(h.m, rnd(&s) % 8 ? FOTA_GO : FOTA_SKIP, "rework", h.now);
            h_pump(&h);
        } else {
            fota_machine_transfer_granted(h.m, h.now);
            h.n_grants++;
            h_pump(&h);
        }
        uint64_t d = fota_machine_deadline(h.m);
        fota_machine_tick(h.m, h.now);
        h_pump(&h);
        (void)d;
        if (!fota_machine_finished(h.m))
            assert_true(fota_machine_deadline(h.m) > h.now ||
                        fota_machine_deadline(h.m) == UINT64_MAX);
    }
    /* a machine left running is ended by the station */
    if (!fota_machine_finished(h.m)) {
        fota_machine_abort(h.m, "test over", h.now);
        h_pump(&h);
    }
    assert_int_equal(h.n_finish, 1);
    const fota_attempt_t *a = h_attempt(&h);
    if (a->result == FOTA_RESULT_FAIL)
        assert_true(a->error_class != FOTA_ERR_NONE);
    if (a->result == FOTA_RESULT_PASS)
        assert_int_equal(a->error_class, FOTA_ERR_NONE);
    assert_true(memchr(a->error_text, '\0', sizeof a->error_text) != NULL);
    tally[a->result][a->error_class]++;
    /* nothing after FINISH, whatever the station still does */
    int before = h.n_progress + h.n_transfer_end + h.n_finish + h.n_identified;
    size_t ntx = h.ntx;
    h_rx(&h, "+QIND: \"FOTA\",\"END\",0");
    h_advance(&h, 100000);
    h_gone(&h);
    h_back(&h);
    fota_machine_sent(h.m, h.now);
    fota_machine_proceed(h.m, FOTA_GO, NULL, h.now);
    h_pump(&h);
    assert_int_equal(h.n_progress + h.n_transfer_end + h.n_finish + h.n_identified, before);
    assert_int_equal(h.ntx, ntx);
    /* every grant the station gave came back exactly once (late grants included) */
    fota_machine_transfer_granted(h.m, h.now);
    h.n_grants++;
    h_pump(&h);
    assert_int_equal(h.n_grants, h.n_transfer_end);
    assert_false(h_trace_has(&h, "secret"));
    h_teardown(&h);
}

static void random_visits_keep_the_contract(void **state)
{
    (void)state;
    for (uint32_t seed = 1; seed <= 1000; seed++)
        one_visit(seed);
    /* what the random visits reached: the test is only as good as this spread */
    int classes = 0;
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < FOTA_ERR__COUNT; c++)
            if (tally[r][c]) {
                printf("  %-11s %-13s %d\n", fota_result_name((fota_result_t)r),
                       fota_error_class_name((fota_error_class_t)c), tally[r][c]);
                classes++;
            }
    assert_true(classes >= 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(random_visits_keep_the_contract),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
