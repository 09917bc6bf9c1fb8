/* See fd_budget.h. */
#include "fd_budget.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>

uint64_t fota_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
        return UINT64_MAX;
    return (uint64_t)rl.rlim_cur;
}

unsigned fota_fd_in_use(void)
{
    unsigned n = 0;
    DIR *d = opendir("/proc/self/fd");
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL)
            n += e->d_name[0] != '.';
        closedir(d);
        return n ? n - 1 : 0; /* the listing's own descriptor */
    }
    uint64_t lim = fota_fd_limit();
    if (lim > 1u << 20)
        lim = 1u << 20;
    for (uint64_t fd = 0; fd < lim; fd++)
        n += fcntl((int)fd, F_GETFD) != -1;
    return n;
}

void fota_fd_budget_now(fota_fd_budget_t *b)
{
    b->limit = fota_fd_limit();
    b->in_use = fota_fd_in_use();
    uint64_t need = (uint64_t)b->in_use + FOTA_FD_RESERVE;
    uint64_t fit = b->limit > need ? (b->limit - need) / FOTA_FD_PER_MODULE : 0;
    b->modules = fit > 100000 ? 100000 : (unsigned)fit;
}

const char *fota_fd_words(char *buf, size_t cap)
{
    uint64_t lim = fota_fd_limit();
    unsigned used = fota_fd_in_use();
    if (lim == UINT64_MAX)
        snprintf(buf, cap, "too many open files: no limit, %u in use (the system's table is full)",
                 used);
    else
        snprintf(buf, cap, "too many open files: limit %llu, %u in use; raise LimitNOFILE",
                 (unsigned long long)lim, used);
    return buf;
}
