/* Paths that are not ordinary files, given as job or package: refused at once with
 * words a user can act on, never a hang (FIFO), a 2 GB read (/dev/zero), "out of
 * memory" for a folder or "i/o error" for a file the station may not read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "job.h"
#include "loader_test.h"

static int setup(void **state)
{
    (void)state;
    mkdir("filefix", 0755);
    remove("filefix/fifo");
    assert_int_equal(mkfifo("filefix/fifo", 0644), 0);
    mkdir("filefix/dir.bin", 0755);
    write_file("filefix/empty.bin", "");
    write_file("filefix/secret.bin", "firmware");
    chmod("filefix/secret.bin", 0);
    /* Before the fix a FIFO blocked open() forever: fail instead of hanging ctest. */
    alarm(20);
    return 0;
}

static void write_job(const char *file)
{
    char job[256];
    snprintf(job, sizeof job, "name: n\ntargets:\n  - family: EC200T\n    to: A\n"
                              "    method: stream\n    packages:\n      - {file: '%s'}\n", file);
    write_file("filefix/job.yaml", job);
}

/* The job's message for its package file, or "" when the package loaded. */
static int load_error(char *msg, size_t len)
{
    fota_job_t *j;
    fota_load_error_t e;
    assert_int_equal(fota_job_load_file("filefix/job.yaml", &j, &e), 0);
    int rc = fota_job_load_packages(j, &e);
    fota_job_free(j);
    msg[0] = '\0';
    if (rc)
        fota_load_error_format(&e, msg, len);
    print_message("%s\n", msg);
    return rc;
}

static int package_error(const char *file, char *msg, size_t len)
{
    write_job(file);
    return load_error(msg, len);
}

static void packages_that_are_not_files(void **state)
{
    (void)state;
    char msg[600];
    assert_int_equal(package_error("fifo", msg, sizeof msg), FOTA_E_NOTREG);
    assert_string_equal(msg, "filefix/job.yaml:7:9: package file filefix/fifo: not a regular "
                             "file (a FIFO, device or socket); give the path of an ordinary file");
    assert_int_equal(package_error("/dev/zero", msg, sizeof msg), FOTA_E_NOTREG);
    assert_int_equal(package_error("dir.bin", msg, sizeof msg), FOTA_E_ISDIR);
    assert_non_null(strstr(msg, "package file filefix/dir.bin: is a folder, not a file"));
    assert_int_equal(package_error("empty.bin", msg, sizeof msg), FOTA_E_EMPTY);
    assert_non_null(strstr(msg, "package file filefix/empty.bin: empty (0 bytes)"));
}

static void jobs_that_are_not_files(void **state)
{
    (void)state;
    fota_job_t *j;
    fota_load_error_t e;
    char msg[600];
    assert_int_equal(fota_job_load_file("filefix/fifo", &j, &e), FOTA_E_NOTREG);
    assert_null(j);
    assert_int_equal(fota_job_load_file("/dev/zero", &j, &e), FOTA_E_NOTREG);
    fota_load_error_format(&e, msg, sizeof msg);
    assert_string_equal(msg, "/dev/zero: cannot read: not a regular file (a FIFO, device or "
                             "socket); give the path of an ordinary file");
    assert_int_equal(fota_job_load_file("filefix", &j, &e), FOTA_E_ISDIR);
    /* A regular file over 1 MiB is not a job someone wrote. */
    FILE *f = fopen("filefix/big.yaml", "wb");
    assert_non_null(f);
    fputs("name: n\n", f);
    for (int i = 0; i < (1 << 20) / 8; i++)
        fputs("# pad\n  ", f);
    fclose(f);
    assert_int_equal(fota_job_load_file("filefix/big.yaml", &j, &e), FOTA_E_TOOBIG);
    fota_load_error_format(&e, msg, sizeof msg);
    assert_string_equal(msg, "filefix/big.yaml: cannot read: too large (a job or profile is at "
                             "most 1 MiB)");
}

/* Permission is only refused to a user who is not root: drop to nobody in a child. */
static void unreadable_package_says_permission(void **state)
{
    (void)state;
    write_job("secret.bin");
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
            _exit(3);
        char msg[600];
        int rc = load_error(msg, sizeof msg);
        _exit(rc == FOTA_E_ACCES && strstr(msg, "package file filefix/secret.bin: permission "
                                                "denied (check the file's owner and mode)")
                  ? 0
                  : 1);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(packages_that_are_not_files),
        cmocka_unit_test(jobs_that_are_not_files),
        cmocka_unit_test(unreadable_package_says_permission),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
