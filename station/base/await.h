/* How long the station keeps waiting for a module it saw but that went away before
 * its attempt ended (a hub's power blip, the final reboot of an attempt a killed
 * station left): pure rules, so they are unit-tested on their own. */
#ifndef FOTA_STATION_AWAIT_H
#define FOTA_STATION_AWAIT_H

#include <stdint.h>

#include "profile.h"

/* The reboot timeout a module gets to come back: the job's `timeouts.reboot` when
 * it sets one, else the profile's of the module's family (p, matched by its USB IDs
 * or the row's family), else the largest of the loaded profiles (an unknown module:
 * a pty, a UART), else the built-in default. */
unsigned fota_await_reboot_ms(const fota_profile_set_t *set, const fota_profile_t *p,
                              const fota_timeouts_t *job);

/* Until when a module last seen at seen_ms is waited for, from now_ms: a whole
 * hold_ms from now when it was seen within hold_ms (its reboot began at the earliest
 * when it was last seen, and may have begun as late as now: what the station that
 * saw it would have waited is never cut short); 0 (not waited for) when it was seen
 * longer ago, whatever it was doing is over. A time in the future (a clock set
 * back) counts as now. */
int64_t fota_await_deadline(int64_t seen_ms, int64_t now_ms, unsigned hold_ms);

#endif
