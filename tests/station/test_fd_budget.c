/* Descriptors: how many are in use (also when none is left to list /proc/self/fd
 * with), what the station says when it runs out, and how many modules a limit holds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "fd_budget.h"

/* Fills every descriptor below a soft limit of `lim`; returns how many it opened. */
static int fill_to(int lim, int *fds, int cap)
{
    struct rlimit rl;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
    rl.rlim_cur = (rlim_t)lim;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
    int n = 0;
    while (n < cap) {
        int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            break;
        fds[n++] = fd;
    }
    return n;
}

static void counts_and_words_at_the_limit(void **state)
{
    (void)state;
    struct rlimit saved;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
    unsigned before = fota_fd_in_use();
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    assert_int_equal(fota_fd_in_use(), before + 1);
    close(fd);

    int lim = (int)before + 40;
    fota_fd_budget_t b;
    struct rlimit rl = saved;
    rl.rlim_cur = (rlim_t)lim;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
    fota_fd_budget_now(&b);
    assert_int_equal(b.limit, (uint64_t)lim);
    assert_int_equal(b.in_use, before);
    assert_int_equal(b.modules, (40 - FOTA_FD_RESERVE) / FOTA_FD_PER_MODULE);

    /* No descriptor left: /proc/self/fd cannot be opened, the count still comes. */
    int fds[256];
    int n = fill_to(lim, fds, 256);
    assert_true(n > 0 && n < 256);
    assert_int_equal(fota_fd_in_use(), (unsigned)lim);
    char words[160], want[160];
    snprintf(want, sizeof want, "too many open files: limit %d, %d in use; raise LimitNOFILE",
             lim, lim);
    assert_string_equal(fota_fd_words(words, sizeof words), want);
    for (int i = 0; i < n; i++)
        close(fds[i]);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counts_and_words_at_the_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
