/* The wall clock, for the dates rows carry. Not in core/, which never reads a
 * clock: a date there is always given by its caller. */
#ifndef FOTA_WALL_CLOCK_H
#define FOTA_WALL_CLOCK_H

#include <stdint.h>

/* Wall clock, Unix epoch ms (CLOCK_REALTIME). */
int64_t fota_wall_ms(void);

#endif
