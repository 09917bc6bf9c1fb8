/* `fota-station run|probe|check` option rules an operator runs into. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"
#include "translog.h"

static int parse_run(fota_cli_t *o, char **argv, int argc, char *err, size_t errlen)
{
    FILE *f = fmemopen(err, errlen, "w");
    int rc = fota_cli_parse_run(o, argc, argv, f);
    fclose(f);
    return rc;
}

static void run_parses_everything(void **state)
{
    (void)state;
    char *argv[] = {"run", "--job", "j.yaml", "--db", "r.db", "--ports", "/tmp/p",
                    "--batch", "B", "--operator", "op7", "--until-idle", "--expect", "32",
                    "--max-parallel", "8", "--no-dashboard", "--log-dir", "logs", "--rework",
                    "--allow-new", "--profiles", "prof"};
    fota_cli_t o;
    char err[256] = "";
    assert_int_equal(parse_run(&o, argv, 23, err, sizeof err), 0);
    assert_string_equal(o.job, "j.yaml");
    assert_string_equal(o.db, "r.db");
    assert_string_equal(o.ports, "/tmp/p");
    assert_string_equal(o.batch, "B");
    assert_string_equal(o.operator_id, "op7");
    assert_true(o.until_idle);
    assert_int_equal(o.expect, 32);
    assert_int_equal(o.max_parallel, 8);
    assert_true(o.no_dashboard && o.rework && o.allow_new);
    assert_string_equal(o.log_dir, "logs");
    assert_string_equal(fota_cli_profiles_dir(&o), "prof");
}

static void run_defaults(void **state)
{
    (void)state;
    char *argv[] = {"run", "--job", "j.yaml"};
    fota_cli_t o;
    char err[256] = "";
    assert_int_equal(parse_run(&o, argv, 3, err, sizeof err), 0);
    assert_string_equal(o.db, "results.db");
    assert_string_equal(o.ports, "/dev/serial/by-path");
    assert_int_equal(o.expect, -1);
    assert_false(o.until_idle);
}

static void run_usage_errors_exit_2(void **state)
{
    (void)state;
    fota_cli_t o;
    char err[256];
    char *a1[] = {"run"};
    assert_int_equal(parse_run(&o, a1, 1, err, sizeof err), 2);
    assert_non_null(strstr(err, "--job"));
    char *a2[] = {"run", "--job", "j", "--expect", "many"};
    assert_int_equal(parse_run(&o, a2, 5, err, sizeof err), 2);
    assert_non_null(strstr(err, "--expect"));
    char *a3[] = {"run", "--job", "j", "--frobnicate"};
    assert_int_equal(parse_run(&o, a3, 4, err, sizeof err), 2);
    assert_non_null(strstr(err, "--frobnicate"));
    char *a4[] = {"run", "--job"};
    assert_int_equal(parse_run(&o, a4, 2, err, sizeof err), 2);
    assert_non_null(strstr(err, "needs a value"));
    char *a5[] = {"run", "--job", "j", "--allow-new"};
    assert_int_equal(parse_run(&o, a5, 4, err, sizeof err), 2);
}

/* Every row carries the batch and operator whole: a longer one stops the run at
 * once, naming the limit; one exactly at the limit is taken. */
static void batch_and_operator_limits(void **state)
{
    (void)state;
    char batch[129], op[65];
    memset(batch, 'b', 128);
    batch[128] = '\0';
    memset(op, 'o', 64);
    op[64] = '\0';
    fota_cli_t o;
    char err[256] = "";
    char *a1[] = {"run", "--job", "j.yaml", "--batch", batch};
    assert_int_equal(parse_run(&o, a1, 5, err, sizeof err), 2);
    assert_non_null(strstr(err, "--batch is 128 bytes long, at most 127"));
    char *a2[] = {"run", "--job", "j.yaml", "--operator", op};
    assert_int_equal(parse_run(&o, a2, 5, err, sizeof err), 2);
    assert_non_null(strstr(err, "--operator is 64 bytes long, at most 63"));
    batch[127] = op[63] = '\0';
    char *a3[] = {"run", "--job", "j.yaml", "--batch", batch, "--operator", op};
    assert_int_equal(parse_run(&o, a3, 7, err, sizeof err), 0);
    assert_int_equal(strlen(o.batch), 127);
    assert_int_equal(strlen(o.operator_id), 63);
}

static void help_is_not_an_error(void **state)
{
    (void)state;
    fota_cli_t o;
    char err[256];
    char *a[] = {"run", "--help"};
    assert_int_equal(parse_run(&o, a, 2, err, sizeof err), 0);
    assert_true(o.help);
}

static void probe_and_check_options(void **state)
{
    (void)state;
    fota_cli_t o;
    char *a[] = {"probe", "--ports", "d", "--json"};
    assert_int_equal(fota_cli_parse_probe(&o, 4, a, stderr), 0);
    assert_true(o.json);
    assert_string_equal(o.ports, "d");
    char *b[] = {"check", "--job", "x.yaml"};
    assert_int_equal(fota_cli_parse_check(&o, 3, b, stderr), 0);
    assert_string_equal(o.job, "x.yaml");
    FILE *devnull = fopen("/dev/null", "w");
    char *c[] = {"check", "--json"};
    assert_int_equal(fota_cli_parse_check(&o, 2, c, devnull), 2);
    fclose(devnull);
}

/* check --strict; probe --job prints a table, so not with --json (refused, exit 2). */
static void strict_and_probe_job(void **state)
{
    (void)state;
    fota_cli_t o;
    char *a[] = {"check", "--job", "x.yaml", "--strict"};
    assert_int_equal(fota_cli_parse_check(&o, 4, a, stderr), 0);
    assert_true(o.strict);
    char *b[] = {"probe", "--job", "x.yaml"};
    assert_int_equal(fota_cli_parse_probe(&o, 3, b, stderr), 0);
    assert_string_equal(o.job, "x.yaml");
    char err[256];
    FILE *f = fmemopen(err, sizeof err, "w");
    char *c[] = {"probe", "--job", "x.yaml", "--json"};
    assert_int_equal(fota_cli_parse_probe(&o, 4, c, f), 2);
    fclose(f);
    assert_non_null(strstr(err, "leave out --json"));
}

static void transcript_lines_are_masked_and_stamped(void **state)
{
    (void)state;
    char path[512];
    char dir[] = "/tmp/fota-translog-XXXXXX";
    assert_non_null(mkdtemp(dir));
    FILE *f = fota_translog_open(dir, "pci-0:1.2:1.2", 42, 1795000000123, path, sizeof path);
    assert_non_null(f);
    assert_non_null(strstr(path, "pci-0_1.2_1.2-42.log"));
    fota_translog_line(f, 1795000000123, FOTA_TRACE_TX,
                       "AT+QFOTADL=\"ftp://user:s3cret@10.0.0.1:21/a.zip\"");
    fota_translog_line(f, 1795000000456, FOTA_TRACE_RX, "OK");
    fclose(f);
    char text[1024] = "";
    f = fopen(path, "r");
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    assert_null(strstr(text, "s3cret"));
    assert_non_null(strstr(text, "tx   AT+QFOTADL=\"ftp://user:***@10.0.0.1:21/a.zip\""));
    assert_non_null(strstr(text, "2026-11-18T"));
    assert_non_null(strstr(text, ".456Z rx   OK"));
    remove(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(run_parses_everything),  cmocka_unit_test(run_defaults),
        cmocka_unit_test(run_usage_errors_exit_2), cmocka_unit_test(help_is_not_an_error),
        cmocka_unit_test(probe_and_check_options), cmocka_unit_test(transcript_lines_are_masked_and_stamped),
        cmocka_unit_test(batch_and_operator_limits), cmocka_unit_test(strict_and_probe_job),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
