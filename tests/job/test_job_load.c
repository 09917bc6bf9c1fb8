/* Job files (docs/profiles.md): the example parses, defaults apply, mistakes are named by
 * file:line:column, package files are read once and their sha256 checked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <cmocka.h>

#include "job.h"
#include "loader_test.h"
#include "sha256.h"

/* A typical first job, with the "3f1c…" sha256 placeholder people copy from examples. */
static const char spec_example[] =
    "name: line3-2026-11-rg500q-a07        # batch name (default for --batch)\n"
    "station: line3-st07                   # station id recorded on every row\n"
    "targets:\n"
    "  - models: [RG500Q, RM500Q]          # or: family: RG50xQ\n"
    "    to: RG500QEAAAR11A07M4G           # target revision as ATI reports it\n"
    "    method: local                     # url | local | stream | qfua | qfaw\n"
    "    packages:                         # delta packages: from -> to; chains allowed\n"
    "      - from: RG500QEAAAR11A06M4G\n"
    "        to:   RG500QEAAAR11A07M4G\n"
    "        file: packages/a06-to-a07.zip # path relative to the job file\n"
    "        sha256: 3f1c…                 # optional; checked when present\n"
    "  - family: EC200T\n"
    "    to: EC200TCNTCNMAR02A02M16\n"
    "    method: url\n"
    "    url: http://10.1.2.3:8080/EC200TCNTCNMAR02A02M16.bin\n"
    "limits:\n"
    "  max_parallel: 64          # modules in flight at once\n"
    "  max_transfers: 16         # modules streaming a package over their AT port at once\n"
    "  max_per_hub: 4            # in flight per USB hub (power budget)\n"
    "  stop_after_same_failures: 5   # pause new starts after N consecutive identical failures\n"
    "timeouts:                   # seconds; defaults come from the profile (the Quectel notes' values)\n"
    "  command: 5\n"
    "  reboot: 90                # first URC after a module reboot\n"
    "  download: 900\n"
    "  stall: 120                # no progress change while updating\n"
    "  total: 1800\n";

static void spec_example_parses(void **state)
{
    (void)state;
    fota_job_t *j;
    fota_load_error_t e;
    assert_int_equal(fota_job_load_buffer("job.yaml", "/srv/jobs", spec_example,
                                          sizeof spec_example - 1, &j, &e), 0);
    assert_string_equal(j->name, "line3-2026-11-rg500q-a07");
    assert_string_equal(j->station, "line3-st07");
    assert_int_equal(j->n_targets, 2);
    const fota_target_t *t = &j->targets[0];
    assert_int_equal(t->n_models, 2);
    assert_string_equal(t->models[1], "RM500Q");
    assert_null(t->family);
    assert_int_equal(t->method, FOTA_METHOD_LOCAL);
    assert_int_equal(t->n_packages, 1);
    assert_string_equal(t->packages[0].from, "RG500QEAAAR11A06M4G");
    assert_string_equal(t->packages[0].to, "RG500QEAAAR11A07M4G");
    assert_string_equal(t->packages[0].file, "/srv/jobs/packages/a06-to-a07.zip");
    assert_string_equal(t->packages[0].name, "a06-to-a07.zip");
    assert_string_equal(t->packages[0].sha256, "3f1c…");
    assert_int_equal(t->packages[0].line, 8);
    assert_int_equal(t->packages[0].column, 9);
    t = &j->targets[1];
    assert_string_equal(t->family, "EC200T");
    assert_int_equal(t->method, FOTA_METHOD_URL);
    assert_int_equal(t->n_packages, 1); /* the bare url: one full image */
    assert_null(t->packages[0].from);
    assert_string_equal(t->packages[0].to, "EC200TCNTCNMAR02A02M16");
    assert_string_equal(t->packages[0].url, "http://10.1.2.3:8080/EC200TCNTCNMAR02A02M16.bin");
    assert_string_equal(t->packages[0].name, "EC200TCNTCNMAR02A02M16.bin");
    assert_int_equal(j->limits.max_parallel, 64);
    assert_int_equal(j->limits.stop_after_same_failures, 5);
    assert_int_equal(j->timeouts.command_ms, 5000);
    assert_int_equal(j->timeouts.total_ms, 1800000);
    /* The bare url serves any revision; the delta only A06. */
    const fota_package_t *out[4];
    assert_int_equal(fota_chain_plan(t, "EC200TCNTCNMAR01A09M16", out, 4), 1);
    assert_int_equal(fota_chain_plan(&j->targets[0], "RG500QEAAAR11A05M4G", out, 4), -1);
    fota_job_free(j);
}

static void defaults_when_omitted(void **state)
{
    (void)state;
    static const char text[] = "name: n\ntargets:\n  - family: EC200T\n    to: R2\n"
                               "    method: stream\n    packages: [{file: /abs/full.bin}]\n"
                               "timeouts: {reboot: 120, stall: 0}\n";
    fota_job_t *j;
    fota_load_error_t e;
    assert_int_equal(fota_job_load_buffer("j.yaml", "rel", text, sizeof text - 1, &j, &e), 0);
    assert_int_equal(j->limits.max_parallel, 64);
    assert_int_equal(j->limits.max_transfers, 16);
    assert_int_equal(j->limits.max_per_hub, 4);
    assert_int_equal(j->limits.stop_after_same_failures, 5);
    assert_int_equal(j->limits.transcript_kib, 2048);
    assert_int_equal(j->limits.transcript_lines, 20000);
    assert_int_equal(j->limits.flood_kib_per_s, 64);
    assert_int_equal(j->limits.flood_s, 30);
    assert_int_equal(j->limits.usb_devices_per_controller, 32); /* docs/station.md */
    assert_int_equal(j->timeouts.reboot_ms, 120000);
    assert_int_equal(j->timeouts.stall_ms, 0);   /* 0 = the profile's */
    assert_int_equal(j->timeouts.command_ms, 0); /* missing = the profile's */
    assert_null(j->station);
    assert_false(j->power.enabled); /* power cycling is opt-in */
    assert_string_equal(j->targets[0].packages[0].file, "/abs/full.bin"); /* absolute stays */
    assert_string_equal(j->targets[0].packages[0].to, "R2");
    fota_job_free(j);
}

/* power: opt-in by its presence; off in seconds, max_cycles per module. */
static void power_section(void **state)
{
    (void)state;
    static const char text[] = "name: n\ntargets: [{family: X, to: R, method: url, url: http://h/x.zip}]\n"
                               "power:\n  off: 2.5\n  max_cycles: 3\n  method: uhubctl\n";
    fota_job_t *j;
    fota_load_error_t e;
    assert_int_equal(fota_job_load_buffer("j.yaml", ".", text, sizeof text - 1, &j, &e), 0);
    assert_true(j->power.enabled);
    assert_int_equal(j->power.off_ms, 2500);
    assert_int_equal(j->power.max_cycles, 3);
    assert_true(j->power.uhubctl);
    fota_job_free(j);
    static const char off[] = "name: n\ntargets: [{family: X, to: R, method: url, url: http://h/x.zip}]\n"
                              "power: {enabled: false}\n";
    assert_int_equal(fota_job_load_buffer("j.yaml", ".", off, sizeof off - 1, &j, &e), 0);
    assert_false(j->power.enabled);
    assert_int_equal(j->power.max_cycles, 2);
    assert_int_equal(j->power.off_ms, 0); /* the profile's, else 3 s */
    fota_job_free(j);
}

static const struct {
    const char *what, *text, *where, *message;
} bad[] = {
    {"unknown method", "name: n\ntargets:\n  - family: X\n    to: R\n    method: ftp\n",
     "j.yaml:5:13", "unknown method 'ftp'"},
    {"models and family", "name: n\ntargets:\n  - models: [A]\n    family: X\n    to: R\n"
                          "    method: url\n    url: http://h/x\n",
     "j.yaml:4:5", "exactly one of 'models' or 'family'"},
    {"file for method url", "name: n\ntargets:\n  - family: X\n    to: R\n    method: url\n"
                            "    packages:\n      - {from: Q, file: x.bin}\n",
     "j.yaml:7:19", "method 'url' needs 'url'"},
    {"url for method local", "name: n\ntargets:\n  - family: X\n    to: R\n    method: local\n"
                             "    url: http://h/x.zip\n",
     "j.yaml:6:5", "only method 'url'"},
    {"no packages", "name: n\ntargets:\n  - family: X\n    to: R\n    method: local\n",
     "j.yaml:3:5", "needs 'packages' or 'url'"},
    {"misspelt key", "name: n\ntargets:\n  - family: X\n    to: R\n    method: local\n"
                     "    packages:\n      - {form: Q, file: x.zip}\n",
     "j.yaml:7:10", "unknown key 'form'"},
    {"negative limit", "name: n\ntargets:\n  - family: X\n    to: R\n    method: local\n"
                       "    packages: [{file: x}]\nlimits: {max_parallel: -1}\n",
     "j.yaml:7:24", "limits.max_parallel: -1 is out of range"},
    {"timeouts in words", "name: n\ntargets:\n  - family: X\n    to: R\n    method: local\n"
                          "    packages: [{file: x}]\ntimeouts:\n  reboot: 90s\n",
     "j.yaml:8:11", "timeouts.reboot: expected seconds"},
    {"missing to", "name: n\ntargets:\n  - family: X\n    method: local\n"
                   "    packages: [{file: x}]\n",
     "j.yaml:3:5", "missing required key 'to'"},
    {"folder instead of a file", "name: n\ntargets:\n  - family: X\n    to: R\n    method: local\n"
                                 "    packages: [{file: packages/}]\n",
     "j.yaml:6:23", "names no file"},
    {"duplicate target key", "name: n\ntargets:\n  - family: X\n    to: R\n    to: S\n",
     "j.yaml:5:5", "duplicate key 'to'"},
    /* the batch name every row carries: refused, never cut */
    {"name longer than a row holds",
     "name: B123456789012345678901234567890123456789012345678901234567890123456789012345678901"
     "2345678901234567890123456789012345678901234567\ntargets: [{family: X, to: R, url: u}]\n",
     "j.yaml:1:7", "name: 128 bytes, at most 127"},
    {"station longer than a row holds",
     "name: n\nstation: S1234567890123456789012345678901234567890123456789012345678901234\n"
     "targets: [{family: X, to: R, url: u}]\n",
     "j.yaml:2:10", "station: 65 bytes, at most 63"},
    {"power method unknown", "name: n\ntargets: [{family: X, to: R, url: u}]\n"
                             "power: {method: relay}\n",
     "j.yaml:3:17", "power.method: must be sysfs"},
    {"power cycles out of range", "name: n\ntargets: [{family: X, to: R, url: u}]\n"
                                  "power: {max_cycles: 0}\n",
     "j.yaml:3:21", "power.max_cycles: 0 is out of range"},
    {"power misspelt", "name: n\ntargets: [{family: X, to: R, url: u}]\n"
                       "power: {max_cycle: 2}\n",
     "j.yaml:3:9", "unknown key 'max_cycle'"},
};

static void bad_jobs_name_the_place(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fota_job_t *j;
        fota_load_errors_t l = {.n = 0};
        int rc = fota_job_load_buffer_all("j.yaml", ".", bad[i].text, strlen(bad[i].text), &j,
                                          &l);
        /* The case's mistake is listed at its place (the text may hold others too). */
        const fota_load_error_t *e = find_error(&l, bad[i].where, bad[i].message);
        bool ok = rc == FOTA_E_PARSE && j == NULL && e;
        print_message("%s %-22s -> %s: %s\n", ok ? "ok  " : "FAIL", bad[i].what, bad[i].where,
                      e ? e->message : "(not listed)");
        failures += !ok;
    }
    assert_int_equal(failures, 0);
}

static void packages_read_once_and_checked(void **state)
{
    (void)state;
    mkdir("jobfix", 0755);
    mkdir("jobfix/packages", 0755);
    write_file("jobfix/packages/a06-to-a07.zip", "delta A06 to A07");
    write_file("jobfix/packages/full.zip", "full image A07");
    char sha[65], job[2048];
    fota_sha256_hex("delta A06 to A07", 16, sha);
    snprintf(job, sizeof job,
             "name: n\ntargets:\n"
             "  - models: [RG500Q]\n    to: A07\n    method: local\n    packages:\n"
             "      - {from: A06, file: packages/a06-to-a07.zip, sha256: %s}\n"
             "      - {file: packages/full.zip}\n"
             "  - models: [RM500Q]\n    to: A07\n    method: local\n    packages:\n"
             "      - {file: packages/full.zip}\n",
             sha);
    write_file("jobfix/good.yaml", job);
    fota_job_t *j;
    fota_load_error_t e;
    assert_int_equal(fota_job_load_file("jobfix/good.yaml", &j, &e), 0);
    assert_string_equal(j->dir, "jobfix");
    assert_int_equal(fota_job_load_packages(j, &e), 0);
    const fota_package_t *d = &j->targets[0].packages[0];
    assert_int_equal(d->size, 16);
    assert_memory_equal(d->data, "delta A06 to A07", 16);
    assert_string_equal(d->sha256_actual, sha);
    /* The same file in two targets is one buffer. */
    assert_ptr_equal(j->targets[0].packages[1].data, j->targets[1].packages[0].data);
    assert_true(j->targets[1].packages[0].data_borrowed);
    fota_job_free(j);

    /* One byte different: the error names the job file and that package's place. */
    sha[0] = sha[0] == '0' ? '1' : '0';
    snprintf(job, sizeof job,
             "name: n\ntargets:\n  - models: [RG500Q]\n    to: A07\n    method: local\n"
             "    packages:\n      - {file: packages/full.zip}\n"
             "      - from: A06\n        file: packages/a06-to-a07.zip\n        sha256: %s\n",
             sha);
    write_file("jobfix/bad-sha.yaml", job);
    assert_int_equal(fota_job_load_file("jobfix/bad-sha.yaml", &j, &e), 0);
    assert_int_equal(fota_job_load_packages(j, &e), FOTA_E_PARSE);
    char msg[600];
    fota_load_error_format(&e, msg, sizeof msg);
    print_message("%s\n", msg);
    assert_int_equal(strncmp(msg, "jobfix/bad-sha.yaml:8:9: sha256 mismatch for a06-to-a07.zip", 59), 0);
    fota_job_free(j);

    write_file("jobfix/missing.yaml", "name: n\ntargets:\n  - family: EC200T\n    to: A\n"
                                      "    method: stream\n    packages:\n"
                                      "      - {file: packages/nope.bin}\n");
    assert_int_equal(fota_job_load_file("jobfix/missing.yaml", &j, &e), 0);
    assert_int_equal(fota_job_load_packages(j, &e), FOTA_E_NOENT);
    fota_load_error_format(&e, msg, sizeof msg);
    print_message("%s\n", msg);
    assert_string_equal(msg, "jobfix/missing.yaml:7:9: package file jobfix/packages/nope.bin: not found");
    fota_job_free(j);
}

static void target_for_a_module(void **state)
{
    (void)state;
    static const char text[] =
        "name: n\ntargets:\n"
        "  - {family: RG50xQ, to: F, method: url, url: 'http://h/f.zip'}\n"
        "  - {models: [RM500Q], to: M, method: url, url: 'http://h/m.zip'}\n"
        "  - {models: [RM500Q-GL], to: G, method: url, url: 'http://h/g.zip'}\n";
    fota_job_t *j;
    fota_load_error_t e;
    assert_int_equal(fota_job_load_buffer("j.yaml", ".", text, sizeof text - 1, &j, &e), 0);
    fota_profile_t rg = {.family = "RG50xQ"}, ec = {.family = "EC200T"};
    assert_string_equal(fota_job_match(j, &rg, "Quectel_RM500Q-AE")->to, "M");
    assert_string_equal(fota_job_match(j, &rg, "RM500Q-GL")->to, "G"); /* longest name */
    assert_string_equal(fota_job_match(j, &rg, "RG500Q-EA")->to, "F"); /* by family */
    assert_null(fota_job_match(j, &ec, "EC200T"));
    fota_job_free(j);
}

/* 100k nested '[' took libyaml 30 s to reject; stop at depth 64 with a position. */
static void deep_nesting_refused_at_once(void **state)
{
    (void)state;
    enum { N = 100000 };
    char *text = malloc(N + 16);
    assert_non_null(text);
    memcpy(text, "name: ", 6);
    memset(text + 6, '[', N);
    text[6 + N] = '\0';
    fota_job_t *j;
    fota_load_error_t e;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(fota_job_load_buffer("deep.yaml", ".", text, N + 6, &j, &e), FOTA_E_PARSE);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    char msg[600];
    fota_load_error_format(&e, msg, sizeof msg);
    print_message("%s\n", msg);
    /* The top mapping is level 1: the 64th '[' (column 70) is level 65. */
    assert_string_equal(msg, "deep.yaml:1:70: nested deeper than 64 levels; nothing after "
                             "this point was checked");
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_true(s < 1.0);
    /* 64 levels still load (and then fail on the schema, not on the depth). */
    snprintf(text, N, "name: n\ntargets: ");
    size_t l = strlen(text);
    memset(text + l, '[', 63); /* + the top mapping = 64 levels */
    memset(text + l + 63, ']', 63);
    text[l + 126] = '\0';
    assert_int_equal(fota_job_load_buffer("d64.yaml", ".", text, strlen(text), &j, &e),
                     FOTA_E_PARSE);
    assert_null(strstr(e.message, "nested deeper"));
    free(text);
}

static void load_error(const char *text, char *msg, size_t len)
{
    fota_job_t *j = NULL;
    fota_load_error_t e;
    assert_int_equal(fota_job_load_buffer("job.yaml", ".", text, strlen(text), &j, &e),
                     FOTA_E_PARSE);
    assert_null(j);
    fota_load_error_format(&e, msg, len);
    print_message("%s\n", msg);
}

/* The loader's own messages quote values masked. */
static void url_password_is_masked_in_load_errors(void **state)
{
    (void)state;
    char msg[600];
    load_error("name: n\ntargets:\n  - models: [RG500Q]\n    to: B\n    method: url\n"
               "    packages:\n      - {url: 'ftp://u:Sup3rS3cretPW@10.0.0.1/'}\n",
               msg, sizeof msg);
    assert_string_equal(msg, "job.yaml:7:15: packages[]: 'ftp://u:***@10.0.0.1/' names no file");
}

/* What goes inside AT+QFOTADL="<url>" or AT+QFUPL="<name>" cannot end the quotes
 * or the line: refused at load time, where it is written. */
static void quotes_and_line_breaks_never_reach_the_module(void **state)
{
    (void)state;
    char msg[600];
    load_error("name: n\ntargets:\n  - family: EC200T\n    to: B\n    method: url\n"
               "    url: \"http://h/a.bin\\\",5,\\\"x\"\n",
               msg, sizeof msg);
    assert_string_equal(msg, "job.yaml:6:10: targets[].url: a '\"' would end the quoted AT "
                             "argument early (write it as %22 in a URL)");
    load_error("name: n\ntargets:\n  - family: EC200T\n    to: B\n    method: url\n"
               "    packages:\n      - {url: \"http://h/a.bin\\r\\nAT+QPOWD\"}\n",
               msg, sizeof msg);
    assert_string_equal(msg, "job.yaml:7:15: packages[].url: a line break (CR) would end the "
                             "AT command early");
    load_error("name: n\ntargets:\n  - family: EC200T\n    to: B\n    method: url\n"
               "    url: \"http://h/a\\tb.bin\"\n",
               msg, sizeof msg);
    assert_string_equal(msg, "job.yaml:6:10: targets[].url: control byte 0x09 cannot be sent "
                             "to a module");
    load_error("name: n\ntargets:\n  - family: EG06xK\n    to: B\n    method: local\n"
               "    packages:\n      - {file: 'pk/q\"x.pkg'}\n",
               msg, sizeof msg);
    assert_string_equal(msg, "job.yaml:7:16: packages[].file (its name goes to AT+QFUPL): a "
                             "'\"' would end the quoted AT argument early (write it as %22 in "
                             "a URL)");
    /* A quote in a folder name is fine: only the base name is sent; stream sends none. */
    fota_job_t *j;
    fota_load_error_t e;
    static const char ok[] = "name: n\ntargets:\n  - family: EC200T\n    to: B\n"
                             "    method: stream\n    packages:\n      - {file: 'q\"x.pkg'}\n"
                             "  - family: EG06xK\n    to: B\n    method: local\n"
                             "    packages:\n      - {file: 'a\"b/x.pkg'}\n";
    assert_int_equal(fota_job_load_buffer("ok.yaml", ".", ok, sizeof ok - 1, &j, &e), 0);
    fota_job_free(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spec_example_parses),
        cmocka_unit_test(defaults_when_omitted),
        cmocka_unit_test(power_section),
        cmocka_unit_test(bad_jobs_name_the_place),
        cmocka_unit_test(packages_read_once_and_checked),
        cmocka_unit_test(target_for_a_module),
        cmocka_unit_test(deep_nesting_refused_at_once),
        cmocka_unit_test(url_password_is_masked_in_load_errors),
        cmocka_unit_test(quotes_and_line_breaks_never_reach_the_module),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
