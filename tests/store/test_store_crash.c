/* docs/database.md: "A station killed mid-run loses nothing it had committed; on restart,
 * attempts left running are closed as INTERRUPTED." A real process is SIGKILLed
 * with the database open (no atexit, no close, WAL not checkpointed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store.h"
#include "store_test_util.h"

static void killed_station_leaves_interrupted_rows(void **state)
{
    (void)state;
    const char *db = "crash.db";
    tu_remove_db(db);
    int out[2];
    assert_int_equal(pipe(out), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(out[1], 1);
        close(out[0]);
        execl(STORE_CRASH_HELPER, STORE_CRASH_HELPER, db, (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    char buf[16] = "";
    ssize_t n = read(out[0], buf, sizeof buf - 1);
    if (n != 6 || strcmp(buf, "ready\n") != 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        fail_msg("helper did not get ready: '%s' (%zd)", buf, n);
    }
    assert_int_equal(kill(pid, SIGKILL), 0);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    close(out[0]);
    /* The commits are still in the WAL: nobody closed or checkpointed. */
    struct stat stw;
    assert_int_equal(stat("crash.db-wal", &stw), 0);
    assert_true(stw.st_size > 0);

    fota_store_t *s = NULL;
    assert_int_equal(fota_store_open(db, &s, NULL, 0), 0);
    assert_int_equal(fota_store_recover_interrupted(s), 2);
    sqlite3 *r = tu_reader(db);
    char *got = tu_text(r, "SELECT group_concat(imei || ' ' || result || ' ' || finished_at || ' '"
                           " || duration_ms, '\n') FROM (SELECT * FROM attempts ORDER BY id)");
    assert_non_null(got);
    assert_string_equal(got,
                        /* A finished before the kill: untouched. */
                        "860000000000001 PASS 2025-11-23T12:13:30.000Z 0\n"
                        /* B: last heard at its last committed flush, not at the lost lines. */
                        "860000000000002 INTERRUPTED 2025-11-23T12:13:40.000Z 20000\n"
                        "860000000000003 INTERRUPTED 2025-11-23T12:13:50.000Z 30000");
    free(got);
    got = tu_text(r, "SELECT group_concat(attempt_id || ':' || n, ' ') FROM"
                     " (SELECT attempt_id, count(*) AS n FROM events GROUP BY attempt_id ORDER BY attempt_id)");
    assert_string_equal(got, "1:5 2:3 3:2");
    free(got);
    assert_int_equal(tu_int(r, "SELECT count(*) FROM events WHERE text = 'never committed'"), 0);
    /* A second start finds nothing left to recover; the modules' latest verdict
     * is INTERRUPTED, so the rework path picks them up again. */
    assert_int_equal(fota_store_recover_interrupted(s), 0);
    fota_result_t res;
    assert_int_equal(fota_store_latest_result(s, "860000000000002", &res), 1);
    assert_int_equal(res, FOTA_RESULT_INTERRUPTED);
    sqlite3_close(r);
    fota_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(killed_station_leaves_interrupted_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
