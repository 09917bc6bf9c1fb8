/* See process_setup.h. */
#include "process_setup.h"

#include <sys/resource.h>
#include <sys/stat.h>

void fota_process_setup_run(fota_process_limits_t *out)
{
    mode_t mask = umask(0);
    umask(mask | 027);
    struct rlimit rl;
    out->nofile_before = out->nofile = 0;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    out->nofile_before = out->nofile = (uint64_t)rl.rlim_cur;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
            out->nofile = (uint64_t)rl.rlim_max;
    }
}
