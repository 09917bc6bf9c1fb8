/* The wait for a module that went away before its attempt ended (await.h). */
#include "await.h"

unsigned fota_await_reboot_ms(const fota_profile_set_t *set, const fota_profile_t *p,
                              const fota_timeouts_t *job)
{
    if (p || (job && job->reboot_ms) || !set || !set->n)
        return fota_timeouts_effective(p, job).reboot_ms;
    /* Unknown module: whichever family it is, it gets the longest reboot. */
    unsigned longest = 0;
    for (size_t i = 0; i < set->n; i++) {
        unsigned t = fota_timeouts_effective(set->v[i], job).reboot_ms;
        if (t > longest)
            longest = t;
    }
    return longest;
}

int64_t fota_await_deadline(int64_t seen_ms, int64_t now_ms, unsigned hold_ms)
{
    if (seen_ms > now_ms)
        seen_ms = now_ms;
    return seen_ms + (int64_t)hold_ms > now_ms ? now_ms + (int64_t)hold_ms : 0;
}
