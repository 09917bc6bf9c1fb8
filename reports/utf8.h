/* UTF-8 as every text column of the results file and the central database holds it:
 * a module's bytes may be anything, readers (Python's sqlite3, PostgreSQL, JSON)
 * take only valid UTF-8, so an invalid byte becomes U+FFFD before it is stored. */
#ifndef FOTA_REPORTS_UTF8_H
#define FOTA_REPORTS_UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when it is not one
 * (overlong forms, surrogates and code points beyond U+10FFFF are not). */
size_t fota_utf8_len(const unsigned char *p);

/* 0 and *out = NULL when s is valid UTF-8 (nothing to copy); 0 and *out = a
 * malloc'd copy with each invalid byte replaced by U+FFFD; -1 when out of memory. */
int fota_utf8_repair(const char *s, char **out);

#endif
