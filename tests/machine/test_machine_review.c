/* What review found silent: an allocation that fails inside the machine ends the
 * visit as FAIL `internal` (not `protocol`, never a slot left hanging), and the
 * profile's quiet windows are read instead of fixed constants.
 * malloc/realloc are wrapped at link time (-Wl,--wrap): `fail_allocs` makes every
 * allocation fail while it is set; only machine calls run meanwhile. */
#include "fake_module.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RG_A06 "RG500QEAAAR11A06M4G"
#define RG_A07 "RG500QEAAAR11A07M4G"
#define EC_OLD "EC200TCNTCNMAR02A01M16"
#define EC_NEW "EC200TCNTCNMAR02A02M16"
#define URL "https://example.com/rg-a06-a07.zip"

static int fail_allocs;

void *__real_malloc(size_t n);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_realloc(void *p, size_t n);

void *__wrap_malloc(size_t n)
{
    return fail_allocs ? NULL : __real_malloc(n);
}

void *__wrap_realloc(void *p, size_t n)
{
    return fail_allocs ? NULL : __real_realloc(p, n);
}

static void feed_line_without_memory(h_t *h, const char *line)
{
    char buf[256];
    int n = snprintf(buf, sizeof buf, "\r\n%s\r\n", line);
    fail_allocs = 1;
    fota_machine_feed(h->m, (const uint8_t *)buf, (size_t)n, h->now);
    fail_allocs = 0;
}

/* AT+QFOTADL's OK arrives while memory is short: its trace and progress words are
 * lost, so the attempt ends at once as FAIL internal with a FINISH. */
static void oom_in_url_download_fails_internal(void **state)
{
    (void)state;
    h_t h;
    h_setup(&h, "RG50xQ", FOTA_METHOD_URL, RG_A07);
    h_pkg(&h, RG_A06, RG_A07, "rg.zip", URL, 0);
    h_start(&h);
    h_ident(&h, "RG500Q", RG_A06, H_IMEI);
    h_expect_tx(&h, "AT+QFOTADL=\"" URL "\"");
    feed_line_without_memory(&h, "OK");
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_INTERNAL, 0);
    assert_int_equal(h.n_finish, 1);
    assert_string_equal(h_attempt(&h)->error_text, "out of memory");
    assert_string_equal(fota_error_class_name(FOTA_ERR_INTERNAL), "internal");
    h_teardown(&h);
}

/* Streaming holds the station's transfer token: out of memory at FILESTART, the
 * token still comes back (TRANSFER_END) before the FINISH. */
static void oom_while_streaming_returns_the_token(void **state)
{
    (void)state;
    h_t h;
    h_setup(&h, "EC200T", FOTA_METHOD_STREAM, EC_NEW);
    h_pkg(&h, EC_OLD, EC_NEW, "ec.bin", NULL, 20000);
    h_start(&h);
    h_ident(&h, "EC200T", EC_OLD, H_IMEI);
    h_cmd(&h, "AT+QCFG=\"usbifc\",2,2", "OK", NULL);
    h_expect_tx(&h, "AT+QFOTADL=\"FILE:20000\"");
    h_rx(&h, "OK");
    assert_int_equal(h.n_grants, 1);
    feed_line_without_memory(&h, "+QIND: \"FOTA\",\"FILESTART\"");
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_INTERNAL, 0);
    assert_int_equal(h.n_transfer_end, h.n_grants);
    assert_int_equal(h.n_finish, 1);
    h_teardown(&h);
}

/* The next command cannot even be built (ATI answered, AT+GSN needs a copy):
 * FAIL internal at once, not a protocol error and not a wait for a reply. */
static void oom_building_a_command_fails_internal(void **state)
{
    (void)state;
    h_t h;
    h_setup(&h, "RG50xQ", FOTA_METHOD_URL, RG_A07);
    h_pkg(&h, RG_A06, RG_A07, "rg.zip", URL, 0);
    h_start(&h);
    h_cmd(&h, "ATE0", "OK", NULL);
    h_expect_tx(&h, "ATI");
    h_rx(&h, "Quectel");
    h_rx(&h, "RG500Q");
    h_rx(&h, "Revision: " RG_A06);
    feed_line_without_memory(&h, "OK");
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_INTERNAL, 0);
    assert_int_equal(h.n_finish, 1);
    h_teardown(&h);
}

/* A plan that fails (config) carries no module code: error_code is 0. */
static void plan_failure_has_no_code(void **state)
{
    (void)state;
    h_t h;
    h_setup(&h, "EC200T", FOTA_METHOD_URL, EC_NEW);
    h_pkg(&h, EC_OLD, EC_NEW, "a.bin", "ftp://u:p@host:21/dir/a.bin", 0);
    h_start(&h);
    h_ident(&h, "EC200T", EC_OLD, H_IMEI);
    h_expect_result(&h, FOTA_RESULT_FAIL, FOTA_ERR_CONFIG, 0);
    h_teardown(&h);
}

/* profiles/<file> with each "<from>" replaced by "<to>" (pairs, NULL-ended). */
static char *profile_edited(const char *file, const char *const *pairs)
{
    char path[512];
    snprintf(path, sizeof path, "%s/profiles/%s", FOTA_SOURCE_DIR, file);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 256, f);
    fclose(f);
    buf[n] = '\0';
    for (; pairs[0]; pairs += 2) {
        char *at = strstr(buf, pairs[0]);
        assert_non_null(at);
        size_t from = strlen(pairs[0]), to = strlen(pairs[1]);
        memmove(at + to, at + from, strlen(at + from) + 1);
        memcpy(at, pairs[1], to);
    }
    return buf;
}

/* From END,0 to the AT probe: returns how long after the last boot URC it came. */
static uint64_t boot_quiet_seen(h_t *h)
{
    h_pkg(h, RG_A06, RG_A07, "rg.zip", URL, 0);
    h_start(h);
    h_ident(h, "RG500Q", RG_A06, H_IMEI);
    h_cmd(h, "AT+QFOTADL=\"" URL "\"", "OK", NULL);
    h_rx(h, "+QIND: \"FOTA\",\"HTTPEND\",0");
    h_gone(h);
    h_advance(h, 1000);
    h_back(h);
    h_rx(h, "+QIND: \"FOTA\",\"START\"");
    h_rx(h, "+QIND: \"FOTA\",\"END\",0");
    h_gone(h);
    h_advance(h, 1000);
    h_back(h);
    h_rx(h, "RDY");
    uint64_t t0 = h->now;
    h_wait_tx(h, "AT", 200000);
    return h->now - t0;
}

/* The shipped profile forces no silence after a reboot: the first AT goes out as
 * soon as the module is back. A profile's own quiet.boot (a module known to need
 * one) is what the machine then waits after the boot lines. */
static void boot_quiet_is_the_profiles(void **state)
{
    (void)state;
    h_t h;
    h_setup(&h, "RG50xQ", FOTA_METHOD_URL, RG_A07);
    assert_int_equal(h.profile->quiet.boot_ms, 0);
    assert_int_equal(h.profile->quiet.resync_ms, 300);
    assert_int_equal(h.profile->quiet.give_up_ms, 5000);
    assert_int_equal(boot_quiet_seen(&h), 0);
    h_teardown(&h);

    static const char *const faster[] = {"boot: 0 ", "boot: 0.25 ", "resync: 0.3", "resync: 0.1",
                                         "give_up: 5", "give_up: 2", NULL};
    h_setup_yaml(&h, profile_edited("rg50xq.yaml", faster), FOTA_METHOD_URL, RG_A07);
    assert_int_equal(h.profile->quiet.resync_ms, 100);
    assert_int_equal(h.profile->quiet.give_up_ms, 2000);
    assert_int_equal(boot_quiet_seen(&h), 250);
    h_teardown(&h);
}

/* A configured guard_ms: 0 is no guard time (it used to become 1000 ms): "+++"
 * follows the data at once, and the text lines are the update's right after. */
static void qfua_guard_zero_means_no_guard(void **state)
{
    (void)state;
    static const char *const no_guard[] = {"guard_ms: 1000", "guard_ms: 0", NULL};
    h_t h;
    h_setup_yaml(&h, profile_edited("legacy-gsm.yaml", no_guard), FOTA_METHOD_QFUA,
                 "M95FAR02A08");
    assert_int_equal(h.profile->methods[FOTA_METHOD_QFUA].guard_ms, 0);
    fota_package_t *p = h_pkg(&h, "M95FAR02A07", "M95FAR02A08", "m95.bin", NULL, 5000);
    h_start(&h);
    h_ident(&h, "M95", "M95FAR02A07", H_IMEI);
    h_cmd(&h, h.profile->methods[FOTA_METHOD_QFUA].flow_command_uart, "OK", NULL);
    h_cmd(&h, "AT+QFUA", "OK", NULL);
    h_rx(&h, "CONNECT");
    assert_int_equal(h.ndata, p->size);
    h_advance(&h, 0);
    assert_int_equal(h.ndata, p->size + 3);
    assert_memory_equal(h.data + p->size, "+++", 3);
    assert_int_equal(h.n_transfer_end, 1);
    h_teardown(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(oom_in_url_download_fails_internal),
        cmocka_unit_test(oom_while_streaming_returns_the_token),
        cmocka_unit_test(oom_building_a_command_fails_internal),
        cmocka_unit_test(plan_failure_has_no_code),
        cmocka_unit_test(boot_quiet_is_the_profiles),
        cmocka_unit_test(qfua_guard_zero_means_no_guard),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
