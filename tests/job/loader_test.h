/* Test helper for the loaders' error lists (profile.h: fota_load_errors_t): the list
 * holds exactly the expected errors, in order, each "file:line:column: message"
 * starting with the expected text. Shared by tests/job and tests/profile. */
#ifndef FOTA_TEST_EXPECT_ERRORS_H
#define FOTA_TEST_EXPECT_ERRORS_H

#include <stdio.h>
#include <string.h>

#include "profile.h"

/* Prints the whole list (so one run shows every difference); 0 when it matches. */
static inline int expect_errors(const fota_load_errors_t *l, const char *const *want, size_t n)
{
    int bad = l->n != n;
    for (size_t i = 0; i < l->n; i++) {
        char line[640];
        fota_load_error_format(&l->v[i], line, sizeof line);
        int ok = i < n && strncmp(line, want[i], strlen(want[i])) == 0;
        bad |= !ok;
        printf("%s %s\n", ok ? "ok  " : "FAIL", line);
        if (!ok && i < n)
            printf("     expected %s...\n", want[i]);
    }
    for (size_t i = l->n; i < n; i++)
        printf("MISSING %s...\n", want[i]);
    return bad;
}

#endif
