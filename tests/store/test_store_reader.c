/* docs/database.md: an MES reader never blocks the station. A second process holds a
 * read transaction (its snapshot) open for the whole run, querying all the
 * time, while the station writes attempts and transcripts, enough to trigger
 * WAL auto-checkpoints. Every write succeeds and none waits on the reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store.h"
#include "store_test_util.h"

#define N_ATTEMPTS 100
#define N_EVENTS 40
#define BOUND_MS 1000 /* far below the 5 s busy timeout: a blocked write would show */

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The MES: BEGIN; SELECT …; and keep the snapshot until told to stop. */
static int reader(const char *db, int ready_fd, int stop_fd)
{
    sqlite3 *r = tu_reader(db);
    const char *q = "SELECT (SELECT count(*) FROM attempts) * 1000000 + (SELECT count(*) FROM events)";
    if (sqlite3_exec(r, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return 10;
    int64_t first = tu_int(r, q);
    if (write(ready_fd, "r", 1) != 1)
        return 11;
    fcntl(stop_fd, F_SETFL, O_NONBLOCK);
    long queries = 0;
    char c;
    while (read(stop_fd, &c, 1) != 1) {
        if (tu_int(r, q) != first) /* the snapshot must not move */
            return 12;
        if (tu_int(r, "SELECT count(*) FROM batch_summary") < 0)
            return 13;
        queries++;
    }
    if (sqlite3_exec(r, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        return 14;
    /* After the snapshot ends, everything the station committed is there. */
    if (tu_int(r, q) != (int64_t)(1 + N_ATTEMPTS) * 1000000 + N_ATTEMPTS * N_EVENTS)
        return 15;
    sqlite3_close(r);
    return queries > 0 ? 0 : 16;
}

static void writes_never_wait_for_a_reader(void **state)
{
    (void)state;
    const char *db = "reader.db";
    tu_remove_db(db);
    fota_store_t *s = NULL;
    assert_int_equal(fota_store_open(db, &s, NULL, 0), 0);
    fota_attempt_t a;
    tu_attempt(&a, "860000000000000", "MES", 1763900000000LL);
    int64_t id;
    assert_int_equal(fota_store_attempt_begin(s, &a, &id), 0);

    int ready[2], stop[2];
    assert_int_equal(pipe(ready), 0);
    assert_int_equal(pipe(stop), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(reader(db, ready[1], stop[0]));
    char c;
    assert_int_equal(read(ready[0], &c, 1), 1);

    static char line[1501];
    memset(line, 'z', sizeof line - 1);
    int64_t worst = 0, t_start = mono_ms();
    for (int i = 0; i < N_ATTEMPTS; i++) {
        char imei[20];
        snprintf(imei, sizeof imei, "8600000000%05d", i + 1);
        tu_attempt(&a, imei, "MES", 1763900000000LL + i);
        int64_t t = mono_ms();
        assert_int_equal(fota_store_attempt_begin(s, &a, &id), 0);
        for (int k = 0; k < N_EVENTS; k++)
            assert_int_equal(fota_store_event(s, id, k, FOTA_TRACE_RX, line), 0);
        a.result = (i % 5) ? FOTA_RESULT_PASS : FOTA_RESULT_FAIL;
        assert_int_equal(fota_store_attempt_finish(s, id, &a), 0);
        int64_t dt = mono_ms() - t;
        if (dt > worst)
            worst = dt;
    }
    int64_t total = mono_ms() - t_start;
    assert_int_equal(write(stop[1], "s", 1), 1);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    printf("# %d attempts x %d events written under a held reader: worst attempt %lld ms, total %lld ms\n",
           N_ATTEMPTS, N_EVENTS, (long long)worst, (long long)total);
    assert_true(worst < BOUND_MS);
    fota_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(writes_never_wait_for_a_reader),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
