/* Helpers for the loader tests in tests/job and tests/profile (include after
 * cmocka.h): fixture files, and the loaders' error lists (profile.h). */
#ifndef FOTA_TEST_LOADER_TEST_H
#define FOTA_TEST_LOADER_TEST_H

#include <stdio.h>
#include <string.h>

#include "profile.h"

/* A fixture file with exactly text in it. */
static inline void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* The list holds exactly the expected errors, in order, each "file:line:column:
 * message" starting with the expected text. Prints the whole list (so one run shows every difference); 0 when it matches. */
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

/* The listed error at `where` ("file:line:column") whose message holds `message`,
 * or NULL. For cases that name one mistake of a file that may hold others. */
static inline const fota_load_error_t *find_error(const fota_load_errors_t *l,
                                                  const char *where, const char *message)
{
    for (size_t i = 0; i < l->n; i++) {
        char at[300];
        snprintf(at, sizeof at, "%s:%d:%d", l->v[i].file, l->v[i].line, l->v[i].column);
        if (strcmp(at, where) == 0 && strstr(l->v[i].message, message))
            return &l->v[i];
    }
    return NULL;
}

#endif
