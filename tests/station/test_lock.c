/* Exclusive-use locks (lock.h, station_lock.h): a second taker is refused with the
 * holder's pid; the lock goes when the holder's descriptor closes or the holder
 * dies (SIGKILL: nothing cleans up); two names of one folder give one lock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fota_types.h"
#include "lock.h"
#include "station_lock.h"

typedef struct {
    char dir[64];
    char file[128];
} fx_t;

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/fota-lock-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->file, sizeof f->file, "%s/results.db.lock", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static void second_taker_refused_with_holder(void **state)
{
    fx_t *f = *state;
    int fd = -1, fd2 = -1;
    fota_lock_holder_t h;
    assert_int_equal(fota_lock_file_take(f->file, "results x", &fd, &h), 0);
    assert_true(fd >= 0);
    /* Another open file description, even in this process, is another taker. */
    assert_int_equal(fota_lock_file_take(f->file, "results x", &fd2, &h), FOTA_E_BUSY);
    assert_int_equal(h.pid, (int)getpid());
    assert_true(h.program[0] != '\0');
    assert_int_equal(strlen(h.started), strlen("2026-01-01T00:00:00Z"));
    char words[160], want[64];
    fota_lock_holder_words(&h, words, sizeof words);
    snprintf(want, sizeof want, " pid %d (started ", (int)getpid());
    assert_non_null(strstr(words, want));

    close(fd); /* the lock goes with its descriptor */
    assert_int_equal(fota_lock_file_take(f->file, "results x", &fd2, &h), 0);
    close(fd2);
}

static void lock_dies_with_its_process(void **state)
{
    fx_t *f = *state;
    int ready[2];
    assert_int_equal(pipe(ready), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        int fd;
        fota_lock_holder_t h;
        char ok = fota_lock_file_take(f->file, "child", &fd, &h) == 0 ? 'y' : 'n';
        if (write(ready[1], &ok, 1) != 1)
            _exit(1);
        pause();
        _exit(0);
    }
    char ok = 0;
    assert_int_equal(read(ready[0], &ok, 1), 1);
    assert_int_equal(ok, 'y');
    int fd = -1;
    fota_lock_holder_t h;
    assert_int_equal(fota_lock_file_take(f->file, "parent", &fd, &h), FOTA_E_BUSY);
    assert_int_equal(h.pid, (int)child);

    kill(child, SIGKILL); /* a crash: nobody unlocks, nobody deletes the file */
    assert_int_equal(waitpid(child, NULL, 0), child);
    assert_int_equal(fota_lock_file_take(f->file, "parent", &fd, &h), 0);
    char text[128] = "", want[32];
    assert_true(pread(fd, text, sizeof text - 1, 0) > 0);
    snprintf(want, sizeof want, "pid %d\n", (int)getpid());
    assert_int_equal(strncmp(text, want, strlen(want)), 0);
    close(fd);
    close(ready[0]);
    close(ready[1]);
}

/* /proc/locks' shape: waiters ("->") and other files are not the holder. */
static void holder_read_from_the_kernel_list(void **state)
{
    fx_t *f = *state;
    char path[160];
    snprintf(path, sizeof path, "%s/locks", f->dir);
    FILE *out = fopen(path, "w");
    assert_non_null(out);
    fprintf(out, "1: POSIX  ADVISORY  WRITE 111 08:01:77 0 EOF\n"
                 "2: FLOCK  ADVISORY  WRITE 222 00:1a:99 0 EOF\n"
                 "2: -> FLOCK  ADVISORY  WRITE 333 00:1a:77 0 EOF\n"
                 "3: FLOCK  ADVISORY  WRITE %d 00:1a:77 0 EOF\n",
            (int)getpid());
    fclose(out);
    fota_lock_holder_t h;
    assert_int_equal(fota_lock_holder_find(path, makedev(0, 0x1a), 77, &h), 0);
    assert_int_equal(h.pid, (int)getpid());
    assert_int_equal(fota_lock_holder_find(path, makedev(0, 0x1a), 78, &h), FOTA_E_NOENT);
    assert_int_equal(h.pid, -1);
    char words[64];
    assert_string_equal(fota_lock_holder_words(&h, words, sizeof words), "another process");
}

/* A symlink, a trailing slash, "..", and a folder that does not exist yet: one
 * name, so one ports-folder lock. */
static void one_folder_one_lock_name(void **state)
{
    fx_t *f = *state;
    char real[PATH_MAX], d[160], l[160], q[PATH_MAX + 64], a[PATH_MAX], b[PATH_MAX];
    assert_non_null(realpath(f->dir, real));
    snprintf(d, sizeof d, "%s/ports", f->dir);
    snprintf(l, sizeof l, "%s/link", f->dir);
    assert_int_equal(mkdir(d, 0755), 0);
    assert_int_equal(symlink(d, l), 0);
    assert_int_equal(fota_lock_path_canonical(l, a, sizeof a), 0);
    snprintf(q, sizeof q, "%s/../%s/ports/", f->dir, strrchr(f->dir, '/') + 1);
    assert_int_equal(fota_lock_path_canonical(q, b, sizeof b), 0);
    assert_string_equal(a, b);
    snprintf(q, sizeof q, "%s/ports", real);
    assert_string_equal(a, q);

    snprintf(q, sizeof q, "%s/later/by-path", l); /* not there yet */
    assert_int_equal(fota_lock_path_canonical(q, a, sizeof a), 0);
    snprintf(q, sizeof q, "%s/ports/later/by-path", real);
    assert_string_equal(a, q);

    assert_int_equal(fota_station_ports_lock_path("/run/lock", l, a, sizeof a), 0);
    assert_int_equal(fota_station_ports_lock_path("/run/lock", d, b, sizeof b), 0);
    assert_string_equal(a, b);
    assert_int_equal(strncmp(a, "/run/lock/fota-station-ports-", 29), 0);
    assert_int_equal(fota_station_ports_lock_path("/run/lock", f->dir, b, sizeof b), 0);
    assert_string_not_equal(a, b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(second_taker_refused_with_holder, setup, teardown),
        cmocka_unit_test_setup_teardown(lock_dies_with_its_process, setup, teardown),
        cmocka_unit_test_setup_teardown(holder_read_from_the_kernel_list, setup, teardown),
        cmocka_unit_test_setup_teardown(one_folder_one_lock_name, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
