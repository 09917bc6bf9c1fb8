/* The machine against the real simulator (fota-sim, a separate program that
 * shares no code with core/): a minimal blocking "station" in this file opens the
 * module's pty, writes the machine's SENDs, feeds what it reads, ticks on the
 * deadline, and reopens the link when a reboot re-creates it. Real time, with the
 * simulator sped up. One visit per family and streaming method. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fota_machine.h"
#include "simclient.h"

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

typedef struct {
    simproc_t sim;
    fota_profile_set_t profiles;
    fota_job_t job;
    fota_target_t target;
    fota_package_t pkg;
    char slot_path[1200];
} world_t;

static void load_file(const char *path, fota_package_t *p)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    p->data = malloc((size_t)n);
    assert_non_null(p->data);
    assert_int_equal(fread(p->data, 1, (size_t)n, f), (size_t)n);
    p->size = (size_t)n;
    fclose(f);
}

static void first_link(world_t *w)
{
    DIR *d = opendir(w->sim.ports);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            break;
    assert_non_null(e);
    snprintf(w->slot_path, sizeof w->slot_path, "%s/%s", w->sim.ports, e->d_name);
    closedir(d);
}

/* faults: NULL for a plain module, else a scenario "faults:" flow mapping. */
static void world_start_faults(world_t *w, const char *family, fota_method_t method,
                               const char *from, const char *to, size_t size, const char *faults)
{
    memset(w, 0, sizeof *w);
    fota_load_error_t err;
    assert_int_equal(fota_profile_set_load_dir(FOTA_SOURCE_DIR "/profiles", &w->profiles, &err), 0);
    char args[512];
    snprintf(args, sizeof args, "--family %s %s%s --to %s --size %zu", family,
             from ? "--from " : "", from ? from : "", to, size);
    const char *pkg = sp_mkpkg(&w->sim, "pkg.bin", args);
    assert_non_null(pkg);
    load_file(pkg, &w->pkg);
    w->pkg.from = from ? strdup(from) : NULL;
    w->pkg.to = strdup(to);
    w->pkg.name = strdup("pkg.bin");
    w->target.family = strdup(family);
    w->target.to = strdup(to);
    w->target.method = method;
    w->target.packages = &w->pkg;
    w->target.n_packages = 1;
    w->job.targets = &w->target;
    w->job.n_targets = 1;
    if (!faults) {
        const char *sargs[] = {"--count", "1", "--family", family, "--speed", "1000", NULL};
        assert_int_equal(sp_start(&w->sim, 1, sargs), 0);
    } else {
        char yaml[1024];
        snprintf(yaml, sizeof yaml,
                 "modules:\n  - {slot: m1, family: %s, revision: %s, faults: %s}\n", family,
                 from, faults);
        const char *path = sp_write_file(&w->sim, "scenario.yaml", yaml);
        const char *sargs[] = {"--scenario", path, "--speed", "1000", NULL};
        assert_int_equal(sp_start(&w->sim, 1, sargs), 0);
    }
    first_link(w);
}

static void world_start(world_t *w, const char *family, fota_method_t method, const char *from,
                        const char *to, size_t size)
{
    world_start_faults(w, family, method, from, to, size, NULL);
}

static void world_stop(world_t *w)
{
    assert_int_equal(sp_stop(&w->sim), 0);
    free(w->pkg.data);
    free(w->pkg.from);
    free(w->pkg.to);
    free(w->pkg.name);
    free(w->target.family);
    free(w->target.to);
    fota_profile_set_free(&w->profiles);
}

/* The station's part, blocking and minimal. */
static fota_attempt_t run(world_t *w, unsigned limit_s, char *transcript, size_t tcap)
{
    fota_machine_config_t cfg = {.profiles = &w->profiles, .job = &w->job};
    fota_machine_t *m = fota_machine_new(&cfg);
    assert_non_null(m);
    simconn_t c;
    assert_int_equal(sc_open(&c, w->slot_path), 0);
    char target[256];
    snprintf(target, sizeof target, "%s", c.target);
    bool present = true;
    size_t tlen = 0;
    transcript[0] = '\0';
    uint64_t end = mono_ms() + limit_s * 1000u;
    fota_machine_start(m, mono_ms());
    while (!fota_machine_finished(m)) {
        assert_true(mono_ms() < end);
        fota_action_t a;
        bool wrote = false;
        while (fota_machine_next_action(m, &a)) {
            switch (a.kind) {
            case FOTA_ACT_SEND:
                if (present) {
                    assert_int_equal(sc_write(&c, a.data, a.len), 0);
                    wrote = true;
                }
                break;
            case FOTA_ACT_IDENTIFIED: fota_machine_proceed(m, FOTA_GO, NULL, mono_ms()); break;
            case FOTA_ACT_TRANSFER_BEGIN: fota_machine_transfer_granted(m, mono_ms()); break;
            case FOTA_ACT_TRACE:
                if (tlen + strlen(a.text) + 2 < tcap)
                    tlen += (size_t)sprintf(transcript + tlen, "%s\n", a.text);
                break;
            default: break;
            }
        }
        if (wrote) {
            fota_machine_sent(m, mono_ms());
            continue;
        }
        uint64_t now = mono_ms();
        uint64_t d = fota_machine_deadline(m);
        int wait = d <= now ? 0 : (d - now > 20 ? 20 : (int)(d - now));
        if (present) {
            struct pollfd pfd = {.fd = c.fd, .events = POLLIN};
            int r = poll(&pfd, 1, wait);
            if (r > 0) {
                uint8_t buf[4096];
                ssize_t n = read(c.fd, buf, sizeof buf);
                if (n > 0) {
                    fota_machine_feed(m, buf, (size_t)n, mono_ms());
                } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                    present = false; /* the module rebooted: its pty is gone */
                    sc_close(&c);
                    fota_machine_port_gone(m, mono_ms());
                }
            }
        } else {
            usleep((useconds_t)wait * 1000u);
            char t[256];
            if (sp_wait_link(w->slot_path, target, 0, t, sizeof t) == 0 &&
                sc_open(&c, w->slot_path) == 0) {
                snprintf(target, sizeof target, "%s", c.target);
                present = true;
                fota_machine_port_back(m, mono_ms());
            }
        }
        if (mono_ms() >= fota_machine_deadline(m))
            fota_machine_tick(m, mono_ms());
    }
    fota_action_t a;
    while (fota_machine_next_action(m, &a))
        ;
    fota_attempt_t att = *fota_machine_attempt(m);
    fota_machine_free(m);
    if (present)
        sc_close(&c);
    return att;
}

static void expect_pass(world_t *w, const char *to, const char *method)
{
    static char transcript[1 << 20];
    fota_attempt_t a = run(w, 60, transcript, sizeof transcript);
    if (a.result != FOTA_RESULT_PASS)
        fail_msg("%s %s: %s %s %d %s\n%s", w->target.family, method, fota_result_name(a.result),
                 fota_error_class_name(a.error_class), a.error_code, a.error_text, transcript);
    assert_string_equal(a.final_version, to);
    assert_string_equal(a.method, method);
    assert_int_equal(a.hops, 1);
    if (getenv("H_TRACE"))
        fprintf(stderr, "%s %s: %lld ms (download %lld, update %lld)\n%s", w->target.family,
                method, (long long)a.duration_ms, (long long)a.download_ms,
                (long long)a.update_ms, transcript);
}

static void rg50xq_local_against_the_simulator(void **state)
{
    (void)state;
    world_t w;
    world_start(&w, "RG50xQ", FOTA_METHOD_LOCAL, "RG500QEAAAR11A06M4G", "RG500QEAAAR11A07M4G",
                20000);
    expect_pass(&w, "RG500QEAAAR11A07M4G", "local");
    world_stop(&w);
}

static void eg06xk_local_against_the_simulator(void **state)
{
    (void)state;
    world_t w;
    world_start(&w, "EG06xK", FOTA_METHOD_LOCAL, "EG065KNAAAR01A01M4G", "EG065KNAAAR01A02M4G",
                5000);
    expect_pass(&w, "EG065KNAAAR01A02M4G", "local");
    world_stop(&w);
}

static void ec200t_stream_against_the_simulator(void **state)
{
    (void)state;
    world_t w;
    world_start(&w, "EC200T", FOTA_METHOD_STREAM, NULL, "EC200TCNTCNMAR02A02M16", 30000);
    expect_pass(&w, "EC200TCNTCNMAR02A02M16", "stream");
    world_stop(&w);
}

static void legacy_qfua_against_the_simulator(void **state)
{
    (void)state;
    world_t w;
    world_start(&w, "legacy-GSM", FOTA_METHOD_QFUA, "M95FAR02A08", "M95FAR02A09", 8000);
    expect_pass(&w, "M95FAR02A09", "qfua");
    world_stop(&w);
}

static void legacy_qfaw_against_the_simulator(void **state)
{
    (void)state;
    world_t w;
    world_start(&w, "legacy-GSM", FOTA_METHOD_QFAW, "M95FAR02A08", "M95FAR02A09", 3000);
    expect_pass(&w, "M95FAR02A09", "qfaw");
    world_stop(&w);
}

#define RG_A06 "RG500QEAAAR11A06M4G"
#define RG_A07 "RG500QEAAAR11A07M4G"

static fota_attempt_t run_faults(const char *faults, char *transcript, size_t cap)
{
    world_t w;
    world_start_faults(&w, "RG50xQ", FOTA_METHOD_LOCAL, RG_A06, RG_A07, 4000, faults);
    fota_attempt_t a = run(&w, 90, transcript, cap);
    world_stop(&w);
    return a;
}

static void expect(const fota_attempt_t *a, fota_result_t r, fota_error_class_t cls, int code,
                   const char *transcript)
{
    if (a->result != r || a->error_class != cls || a->error_code != code)
        fail_msg("%s %s %d (%s), expected %s %s %d\n%s", fota_result_name(a->result),
                 fota_error_class_name(a->error_class), a->error_code, a->error_text,
                 fota_result_name(r), fota_error_class_name(cls), code, transcript);
}

/* The simulator's own reading of Quectel RG50xQ&RM5xxQ Series FOTA Application Note, §4 /
 * Quectel EG06xK&Ex120K&EM060K Series DFOTA Application Note, §3, met by the machine's.
 */
static void sim_faults_give_the_expected_verdicts(void **state)
{
    (void)state;
    static char t[1 << 20];
    fota_attempt_t a;

    a = run_faults("{transient: {code: 522, at: 30, succeed_on_retry: 2}}", t, sizeof t);
    expect(&a, FOTA_RESULT_PASS, FOTA_ERR_NONE, 0, t);
    assert_int_equal(a.module_retries, 2);

    a = run_faults("{power_loss: {at: 40, off_s: 2}}", t, sizeof t);
    expect(&a, FOTA_RESULT_PASS, FOTA_ERR_NONE, 0, t);
    assert_int_equal(a.module_retries, 0);

    a = run_faults("{error: {code: 504, at: 30}}", t, sizeof t);
    expect(&a, FOTA_RESULT_FAIL, FOTA_ERR_PACKAGE, 504, t);

    a = run_faults("{swap_imei: \"352099001761481\"}", t, sizeof t);
    expect(&a, FOTA_RESULT_FAIL, FOTA_ERR_SWAPPED, 0, t);

    a = run_faults("{garbage: true, inject_urcs: true, split_writes: true}", t, sizeof t);
    expect(&a, FOTA_RESULT_PASS, FOTA_ERR_NONE, 0, t);
}

/* Never succeeding: five retries, then the module boots its old firmware. */
static void sim_module_giving_up_fails_with_its_last_code(void **state)
{
    (void)state;
    static char t[1 << 20];
    fota_attempt_t a = run_faults("{transient: {code: 524, at: 20, succeed_on_retry: 99}}", t,
                                  sizeof t);
    expect(&a, FOTA_RESULT_FAIL, FOTA_ERR_TRANSIENT, 524, t);
    assert_int_equal(a.module_retries, 5);
    assert_string_equal(a.final_version, RG_A06);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rg50xq_local_against_the_simulator),
        cmocka_unit_test(eg06xk_local_against_the_simulator),
        cmocka_unit_test(ec200t_stream_against_the_simulator),
        cmocka_unit_test(legacy_qfua_against_the_simulator),
        cmocka_unit_test(legacy_qfaw_against_the_simulator),
        cmocka_unit_test(sim_faults_give_the_expected_verdicts),
        cmocka_unit_test(sim_module_giving_up_fails_with_its_last_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
