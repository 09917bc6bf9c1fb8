/* A results database with hand-countable contents (see report_fixture.c for
 * the rows and the figures the tests expect from them). */
#ifndef REPORT_FIXTURE_H
#define REPORT_FIXTURE_H

#include <stdint.h>

#define FX_T0 1763900000000LL /* 2025-11-23T12:13:20.000Z; row k starts k minutes later */

/* Builds the fixture at path through the store API (as the station would). */
void fx_build(const char *path);
/* Reads a whole file (malloc'd, NUL-terminated). */
char *fx_slurp(const char *path);
/* `fota-station report A0 …` in this process (NULL-terminated, at most 14
 * arguments); its exit code. */
int fx_report(const char *a0, ...);
/* cmocka failures naming the text: want must be in doc, bad must not. */
void fx_has(const char *doc, const char *want);
void fx_lacks(const char *doc, const char *bad);

#endif
