/* Secrets never reach the transcript, a message or a report ("a URL's password is
 * never stored"): every URL "scheme://user:password@host/…" in a line is written
 * as "scheme://user:***@host/…". Used on every TRACE the machine emits, on stored
 * text and on configuration errors.
 *
 * The rule is RFC 3986's (§3.2): the authority runs from "//" to the next '/', '?'
 * or '#' (or a quote, CR, LF or the end of the text: the URL sits in
 * AT+QFOTADL="<url>"); the userinfo is everything up to the LAST '@' of the
 * authority; the password is the userinfo after its first ':'. So a password may
 * hold spaces, ':' and '@' written by hand. One widening: a hand-written '/' in a
 * password ("u:p@ss/w0rd@host/x") is masked too (see fota_secret_find). Without
 * "://" nothing is a URL. */
#ifndef FOTA_SECRET_MASK_H
#define FOTA_SECRET_MASK_H

#include <stddef.h>

/* Copies in to out (truncating to outlen-1 bytes, always NUL-terminated) with the
 * password of every URL replaced by "***". Returns the length written. */
size_t fota_secret_mask(const char *in, char *out, size_t outlen);

/* Where the password of the URL whose "://" is at sep lies: *pw and *pw_len, and
 * returns 1; 0 when that URL has no password. Shared with tests and the fuzzer. */
int fota_secret_find(const char *sep, const char **pw, size_t *pw_len);

#endif
