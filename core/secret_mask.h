/* Secrets never reach the transcript (SPEC §5 `events`: "a URL's password is
 * never stored"): every URL "scheme://user:password@host/…" in a line is written
 * as "scheme://user:***@host/…". Used on every TRACE the machine emits. */
#ifndef FOTA_SECRET_MASK_H
#define FOTA_SECRET_MASK_H

#include <stddef.h>

/* Copies in to out (truncating to outlen-1 bytes, always NUL-terminated) with the
 * password of every URL replaced by "***". Returns the length written. */
size_t fota_secret_mask(const char *in, char *out, size_t outlen);

#endif
