/* A mistake in a profile is reported at the exact file:line:column of the offending
 * node, with a message that says what is wrong (exit 2 names the place). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "profile.h"
#include "../job/loader_test.h"

/* A minimal valid profile, split so that each case can change one part. */
#define HEAD "family: X\nmodels: [A1]\nidentify: {model: ATI, imei: AT+GSN}\n" \
             "module_retries: 5\ntext_patterns:\n  - {pattern: RDY, phase: boot}\n"
#define METHODS "methods:\n  url:\n    command: 'AT+QFOTADL=\"{arg}\"'\n" \
                "    max_url_len: 100\n    schemes: [http]\n" \
                "    reboot_after_download: true\n    reboot_after_end: true\n"
#define TIMEOUTS "timeouts: {command: 5, reboot: 90, download: 900, stall: 120, total: 1800}\n"
#define ERRORS "errors:\n  err:\n    - {code: 0, class: none, meaning: ok}\n"

static void minimal_profile_loads(void **state)
{
    (void)state;
    static const char text[] = HEAD METHODS TIMEOUTS ERRORS;
    fota_profile_t *p;
    fota_load_error_t e;
    assert_int_equal(fota_profile_load_buffer("t.yaml", text, strlen(text), &p, &e), 0);
    assert_string_equal(p->family, "X");
    assert_true(p->methods[FOTA_METHOD_URL].supported);
    assert_false(p->methods[FOTA_METHOD_LOCAL].supported);
    assert_int_equal(p->timeouts.reboot_ms, 90000);
    assert_int_equal(p->at_interface, -1);
    assert_int_equal(p->usb_vendor, 0);
    assert_null(p->urc_prefix);
    assert_int_equal(p->boot_refusals, FOTA_BOOT_REFUSALS_DEFAULT); /* not written: 3 */
    /* not written: SIM busy (14), not allowed (3), ERROR while booting; 3 x 2 s */
    assert_int_equal(p->ident_retry.n_codes, 2);
    assert_int_equal(p->ident_retry.codes[0], 3);
    assert_int_equal(p->ident_retry.codes[1], 14);
    assert_true(p->ident_retry.plain_error);
    assert_int_equal(p->ident_retry.retries, FOTA_IDENT_RETRIES_DEFAULT);
    assert_int_equal(p->quiet.ident_retry_ms, FOTA_QUIET_IDENT_RETRY_DEFAULT_MS);
    assert_int_equal(p->power_off_ms, 0);       /* not written: the job's, else 3 s */
    assert_int_equal(p->power_retry_classes, 0); /* no failure is power-cycled */
    fota_profile_free(p);
}

/* power: the family's off time and the failures a power cycle may cure. */
static void power_section_loads(void **state)
{
    (void)state;
    static const char text[] = HEAD METHODS TIMEOUTS ERRORS
        "power: {off: 4, retry_on: [timeout, protocol]}\n";
    fota_profile_t *p;
    fota_load_error_t e;
    assert_int_equal(fota_profile_load_buffer("t.yaml", text, strlen(text), &p, &e), 0);
    assert_int_equal(p->power_off_ms, 4000);
    assert_int_equal(p->power_retry_classes, (1u << FOTA_ERR_TIMEOUT) | (1u << FOTA_ERR_PROTOCOL));
    fota_profile_free(p);
}

#define IDENT_HEAD(extra) "family: X\nmodels: [A1]\nidentify: {model: ATI, imei: AT+GSN" extra "}\n" \
                          "module_retries: 5\ntext_patterns:\n  - {pattern: RDY, phase: boot}\n"

/* identify.transient_errors / retries and quiet.ident_retry as written; an empty
 * list turns the retries off. */
static void ident_retry_fields_load(void **state)
{
    (void)state;
    static const char text[] = IDENT_HEAD(", transient_errors: [14, 515], retries: 5")
        METHODS TIMEOUTS ERRORS "quiet: {ident_retry: 0.5}\n";
    static const char off[] = IDENT_HEAD(", transient_errors: []") METHODS TIMEOUTS ERRORS;
    fota_profile_t *p;
    fota_load_error_t e;
    assert_int_equal(fota_profile_load_buffer("t.yaml", text, strlen(text), &p, &e), 0);
    assert_int_equal(p->ident_retry.n_codes, 2);
    assert_int_equal(p->ident_retry.codes[1], 515);
    assert_false(p->ident_retry.plain_error);
    assert_int_equal(p->ident_retry.retries, 5);
    assert_int_equal(p->quiet.ident_retry_ms, 500);
    fota_profile_free(p);
    assert_int_equal(fota_profile_load_buffer("t.yaml", off, strlen(off), &p, &e), 0);
    assert_int_equal(p->ident_retry.n_codes, 0);
    assert_false(p->ident_retry.plain_error);
    fota_profile_free(p);
}

static const struct bad_case {
    const char *what;
    const char *text;
    const char *where;   /* expected "file:line:column" */
    const char *message; /* expected substring */
} bad[] = {
    {"bad indentation", "family: X\nmodels: [A1]\n identify: {model: ATI}\n", "t.yaml:3:2",
     "YAML syntax error"},
    {"unclosed flow sequence", "family: X\nmodels: [A1\nidentify: x\n", "t.yaml:3:9",
     "YAML syntax error"},
    {"unknown top-level key", HEAD "colour: blue\n" METHODS TIMEOUTS ERRORS, "t.yaml:7:1",
     "unknown key 'colour'"},
    {"unknown key in a method", HEAD METHODS "    max_url_length: 5\n" TIMEOUTS ERRORS,
     "t.yaml:14:5", "methods.url: unknown key 'max_url_length'"},
    {"string where an integer belongs",
     "family: X\nmodels: [A1]\nidentify: {model: ATI, imei: AT+GSN}\nmodule_retries: five\n"
     METHODS TIMEOUTS ERRORS,
     "t.yaml:4:17", "module_retries: expected an integer"},
    {"quoted number where an integer belongs",
     "family: X\nmodels: [A1]\nidentify: {model: ATI, imei: AT+GSN}\nmodule_retries: '5'\n"
     METHODS TIMEOUTS ERRORS,
     "t.yaml:4:17", "expected an integer, found a quoted string"},
    {"scalar where a list belongs",
     "family: X\nmodels: A1\nidentify: {model: ATI, imei: AT+GSN}\nmodule_retries: 5\n"
     METHODS TIMEOUTS ERRORS,
     "t.yaml:2:9", "models: expected a sequence"},
    {"mapping where a string belongs", "family: {name: X}\n" "models: [A1]\n"
     "identify: {model: ATI, imei: AT+GSN}\nmodule_retries: 5\n" METHODS TIMEOUTS ERRORS,
     "t.yaml:1:9", "family: expected a string, found a mapping"},
    {"boolean typo", HEAD "methods:\n  url:\n    command: X{arg}\n    max_url_len: 100\n"
                     "    schemes: [http]\n    reboot_after_download: maybe\n"
                     "    reboot_after_end: true\n" TIMEOUTS ERRORS,
     "t.yaml:12:28", "expected true or false"},
    {"missing required key (timeouts.total)",
     HEAD METHODS "timeouts: {command: 5, reboot: 90, download: 900, stall: 120}\n" ERRORS,
     "t.yaml:14:11", "missing required key 'total'"},
    {"missing family", "models: [A1]\n", "t.yaml:1:1", "missing required key 'family'"},
    {"unknown error class",
     HEAD METHODS TIMEOUTS "errors:\n  err:\n    - {code: 502, class: flaky, meaning: x}\n",
     "t.yaml:17:26", "unknown class 'flaky'"},
    {"unknown phase", "family: X\nmodels: [A1]\nidentify: {model: ATI, imei: AT+GSN}\n"
                      "module_retries: 5\ntext_patterns:\n  - {pattern: RDY, phase: booting}\n"
                      METHODS TIMEOUTS ERRORS,
     "t.yaml:6:27", "unknown phase 'booting'"},
    {"duplicate key", "family: X\nmodels: [A1]\nfamily: Y\n", "t.yaml:3:1",
     "duplicate key 'family' (first at line 1)"},
    {"duplicate error code through a range",
     HEAD METHODS TIMEOUTS "errors:\n  err:\n    - {code: 520-530, class: transient, meaning: x}\n"
                           "    - {code: 525, class: fatal, meaning: y}\n",
     "t.yaml:18:14", "code 525 is listed twice"},
    {"range written backwards",
     HEAD METHODS TIMEOUTS "errors:\n  err:\n    - {code: 530-520, class: transient, meaning: x}\n",
     "t.yaml:17:14", "ends before it starts"},
    {"unknown scheme", HEAD "methods:\n  url:\n    command: X{arg}\n    max_url_len: 100\n"
                       "    schemes: [http, gopher]\n    reboot_after_download: true\n"
                       "    reboot_after_end: true\n" TIMEOUTS ERRORS,
     "t.yaml:11:21", "unknown scheme 'gopher'"},
    {"method key of another method", HEAD METHODS "    local_prefix: /cache/ufs/\n" TIMEOUTS ERRORS,
     "t.yaml:14:5", "unknown key 'local_prefix'"},
    {"transient error that is no code", IDENT_HEAD(", transient_errors: [3, BUSY]")
     METHODS TIMEOUTS ERRORS, "t.yaml:3:60", "expected a +CME ERROR code or ERROR, found 'BUSY'"},
    {"transient code twice", IDENT_HEAD(", transient_errors: [14, ERROR, 14]")
     METHODS TIMEOUTS ERRORS, "t.yaml:3:68", "code 14 is listed twice"},
    {"identify.retries out of range", IDENT_HEAD(", retries: 21") METHODS TIMEOUTS ERRORS,
     "t.yaml:3:47", "identify.retries: 21 is out of range"},
    {"quiet.ident_retry out of range", HEAD METHODS TIMEOUTS ERRORS "quiet: {ident_retry: 61}\n",
     "t.yaml:18:22", "quiet.ident_retry"},
    {"boot_refusals out of range", HEAD "boot_refusals: 21\n" METHODS TIMEOUTS ERRORS,
     "t.yaml:7:16", "boot_refusals: 21 is out of range"},
    {"power.retry_on not a class", HEAD METHODS TIMEOUTS ERRORS "power: {retry_on: [hang]}\n",
     "t.yaml:18:20", "power.retry_on: 'hang' is not an error class"},
    {"integer out of range", HEAD METHODS "timeouts: {command: 0, reboot: 90, download: 900, "
                                          "stall: 120, total: 1800}\n" ERRORS,
     "t.yaml:14:21", "timeouts.command: 0 is out of range"},
    {"dl_end without its table", "family: X\nmodels: [A1]\nidentify: {model: ATI, imei: AT+GSN}\n"
                                 "urc: {prefix: '+QIND:', tag: FOTA}\nmodule_retries: 5\n"
                                 "phase_names:\n  - {name: FTPEND, phase: dl_end}\n"
                                 METHODS TIMEOUTS ERRORS,
     "t.yaml:7:27", "needs 'table'"},
    {"second document", HEAD METHODS TIMEOUTS ERRORS "---\nfamily: Y\n", "t.yaml:19:1",
     "only one YAML document"},
    {"empty file", "", "t.yaml:1:1", "empty document"},
    /* A command template reaches the module: it must carry the station's argument
     * and stay one AT line. */
    {"command without {arg}", HEAD "methods:\n  url:\n    command: 'AT+QFOTADL=\"x\"'\n"
                              "    max_url_len: 100\n    schemes: [http]\n"
                              "    reboot_after_download: true\n    reboot_after_end: true\n"
                              TIMEOUTS ERRORS,
     "t.yaml:9:14", "methods.url.command: 'AT+QFOTADL=\"x\"' has no {arg} placeholder"},
    {"command with CR", HEAD "methods:\n  url:\n    command: \"AT+QFOTADL={arg}\\rAT+CFUN=0\"\n"
                        "    max_url_len: 100\n    schemes: [http]\n"
                        "    reboot_after_download: true\n    reboot_after_end: true\n"
                        TIMEOUTS ERRORS,
     "t.yaml:9:14", "methods.url.command: a line break (CR) would end the AT command early"},
    {"qfaw write_command without {hex}",
     HEAD "methods:\n  qfaw:\n    init_command: AT+QFAI\n    write_command: AT+QFAW\n"
          "    commit_command: AT+QFAU\n    max_chunk_bytes: 225\n"
          "    reboot_after_download: true\n    reboot_after_end: true\n" TIMEOUTS ERRORS,
     "t.yaml:10:20", "has no {hex} placeholder"},
    {"local_prefix with a quote",
     HEAD "methods:\n  local:\n    command: 'AT+QFOTADL=\"{arg}\"'\n"
          "    local_prefix: '/ufs/\"'\n    max_name_len: 80\n    max_path_len: 80\n"
          "    upload_timeout: 5\n    reboot_after_download: true\n    reboot_after_end: true\n"
          TIMEOUTS ERRORS,
     "t.yaml:10:19", "methods.local.local_prefix: a '\"' would end the quoted AT argument"},
    /* The engineer learns what to change, not where the rule came from. */
    {"qfua without flow control",
     HEAD "methods:\n  qfua:\n    command: AT+QFUA\n    require_flow: false\n"
          "    guard_ms: 1000\n    reboot_after_download: false\n    reboot_after_end: true\n"
          TIMEOUTS ERRORS,
     "t.yaml:9:5", "AT+QFUA streams the package without pauses and loses data without "
                   "hardware flow control; set require_flow: true, or use "
                   "method qfaw"},
};

static void bad_profiles_name_the_place(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fota_profile_t *p = (fota_profile_t *)1;
        fota_load_errors_t l = {.n = 0};
        int rc = fota_profile_load_buffer_all("t.yaml", bad[i].text, strlen(bad[i].text), &p,
                                              &l);
        /* The case's mistake is listed at its place (the text may hold others too). */
        const fota_load_error_t *e = find_error(&l, bad[i].where, bad[i].message);
        char msg[600] = "(not listed)";
        if (e)
            fota_load_error_format(e, msg, sizeof msg);
        /* Every case runs, so one run shows every wrong position at once. */
        bool ok = rc == FOTA_E_PARSE && p == NULL && e &&
                  /* The formatted form starts with the position, like a compiler's. */
                  strncmp(msg, bad[i].where, strlen(bad[i].where)) == 0;
        print_message("%s %-40s -> %s\n", ok ? "ok  " : "FAIL", bad[i].what, msg);
        if (!ok) {
            print_message("     expected %s: ...%s\n", bad[i].where, bad[i].message);
            failures++;
        }
    }
    assert_int_equal(failures, 0);
}

static void missing_file_and_folder(void **state)
{
    (void)state;
    fota_profile_t *p;
    fota_load_error_t e;
    assert_int_equal(fota_profile_load_file("no/such/file.yaml", &p, &e), FOTA_E_NOENT);
    assert_string_equal(e.file, "no/such/file.yaml");
    fota_profile_set_t s;
    assert_int_equal(fota_profile_set_load_dir("no/such/dir", &s, &e), FOTA_E_NOENT);
    assert_int_equal(s.n, 0);
}

static void folder_loads_sorted_and_names_the_broken_file(void **state)
{
    (void)state;
    static const char ok_a[] = "family: A\nmodels: [A1]\nidentify: {model: ATI, imei: AT+GSN}\n"
                               "module_retries: 5\ntext_patterns:\n  - {pattern: RDY, phase: boot}\n"
                               METHODS TIMEOUTS ERRORS;
    mkdir("pdir", 0755);
    remove("pdir/c.yaml"); /* left by an earlier failed run */
    write_file("pdir/b.yaml", HEAD METHODS TIMEOUTS ERRORS); /* family X */
    write_file("pdir/a.yaml", ok_a);
    write_file("pdir/notes.txt", "not a profile");
    write_file("pdir/.hidden.yaml", "garbage: [");
    fota_profile_set_t s;
    fota_load_error_t e;
    assert_int_equal(fota_profile_set_load_dir("pdir", &s, &e), 0);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.v[0]->family, "A"); /* a.yaml before b.yaml */
    assert_string_equal(s.v[1]->family, "X");
    assert_string_equal(s.v[1]->source, "pdir/b.yaml");
    fota_profile_set_free(&s);

    write_file("pdir/c.yaml", "family: C\nmodels: [C1]\nidentify: {model: ATI, imei: AT+GSN}\n"
                              "module_retries: lots\ntext_patterns:\n"
                              "  - {pattern: RDY, phase: boot}\n" METHODS TIMEOUTS ERRORS);
    char msg[600];
    assert_int_equal(fota_profile_set_load_dir("pdir", &s, &e), FOTA_E_PARSE);
    fota_load_error_format(&e, msg, sizeof msg);
    assert_string_equal(msg, "pdir/c.yaml:4:17: module_retries: expected an integer, found 'lots'");
    assert_int_equal(s.n, 0);

    write_file("pdir/c.yaml", HEAD METHODS TIMEOUTS ERRORS); /* family X again */
    assert_int_equal(fota_profile_set_load_dir("pdir", &s, &e), FOTA_E_PARSE);
    fota_load_error_format(&e, msg, sizeof msg);
    assert_string_equal(msg, "pdir/c.yaml:1:1: family 'X' is already defined by another profile");
    remove("pdir/c.yaml");
}

/* A FIFO named *.yaml hung the loader; a folder it may not read said "not found";
 * a file given as the folder said "not found" too. */
static void folders_and_files_that_are_not_what_they_seem(void **state)
{
    (void)state;
    alarm(20); /* a FIFO blocked open() forever before: fail rather than hang */
    mkdir("pfifo", 0755);
    remove("pfifo/a.yaml");
    assert_int_equal(mkfifo("pfifo/a.yaml", 0644), 0);
    fota_profile_set_t s;
    fota_load_error_t e;
    char msg[600];
    assert_int_equal(fota_profile_set_load_dir("pfifo", &s, &e), FOTA_E_NOTREG);
    fota_load_error_format(&e, msg, sizeof msg);
    assert_string_equal(msg, "pfifo/a.yaml: cannot read: not a regular file (a FIFO, device or "
                             "socket); give the path of an ordinary file");
    remove("pfifo/a.yaml");
    write_file("pfifo/a.yaml", "x: 1\n");
    assert_int_equal(fota_profile_set_load_dir("pfifo/a.yaml", &s, &e), FOTA_E_NOTDIR);
    fota_load_error_format(&e, msg, sizeof msg);
    assert_string_equal(msg, "pfifo/a.yaml: cannot read: not a folder");
    alarm(0);

    chmod("pfifo", 0);
    pid_t pid = fork(); /* root reads anything: ask as nobody */
    assert_true(pid >= 0);
    if (pid == 0) {
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
            _exit(3);
        int rc = fota_profile_set_load_dir("pfifo", &s, &e);
        fota_load_error_format(&e, msg, sizeof msg);
        _exit(rc == FOTA_E_ACCES && strcmp(msg, "pfifo: cannot read: permission denied (check "
                                                "the file's owner and mode)") == 0
                  ? 0
                  : 1);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    chmod("pfifo", 0755);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(minimal_profile_loads),
        cmocka_unit_test(power_section_loads),
        cmocka_unit_test(ident_retry_fields_load),
        cmocka_unit_test(bad_profiles_name_the_place),
        cmocka_unit_test(missing_file_and_folder),
        cmocka_unit_test(folder_loads_sorted_and_names_the_broken_file),
        cmocka_unit_test(folders_and_files_that_are_not_what_they_seem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
