/* The ModemManager warning: raised exactly when a process named ModemManager runs
 * (a fake /proc tree, so the test does not depend on the host). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sysinfo.h"

static char root[] = "/tmp/fota-proc-XXXXXX";

static void proc_entry(const char *pid, const char *comm)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", root, pid);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/%s/comm", root, pid);
    FILE *f = fopen(p, "w");
    fprintf(f, "%s\n", comm);
    fclose(f);
}

static void detects_modemmanager_only(void **state)
{
    (void)state;
    assert_non_null(mkdtemp(root));
    proc_entry("1", "systemd");
    proc_entry("412", "ModemManagerX");
    proc_entry("self", "ModemManager"); /* not a pid: ignored */
    assert_false(fota_modemmanager_running(root));
    proc_entry("977", "ModemManager");
    assert_true(fota_modemmanager_running(root));
    assert_false(fota_modemmanager_running("/nonexistent/proc"));
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(detects_modemmanager_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
